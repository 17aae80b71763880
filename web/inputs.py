"""Every request's input checked once before any view: no control characters, ids in range.

Control characters never belong in a URL, a query or a form field (a NUL byte is even an error
on PostgreSQL, and a newline in a name forges log lines); only multi-line fields may hold line
breaks and tabs. Ids in URLs are ASCII digits within the database's INTEGER range.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.routing import BaseConverter, ValidationError

from core.text import has_control
from web.responses import error_page

log = logging.getLogger(__name__)
ID_MAX = 2**31 - 1  # INTEGER primary keys (PostgreSQL refuses larger values)
# Form fields that are several lines long (textareas): line breaks and tabs are allowed there.
# (comment, message, response: the public survey, complaint form and the staff's answers)
MULTILINE_FIELDS = frozenset({"purpose", "note", "comment", "message", "response"})


class RowIdConverter(BaseConverter):
    """`<int:...>` in a URL: 1-10 ASCII digits, at most ID_MAX (else the URL does not match)."""

    regex = r"[0-9]{1,10}"
    weight = 50
    part_isolating = True

    def to_python(self, value: str) -> int:
        """The id, or no match (404) when out of range."""
        number = int(value)
        if not 0 <= number <= ID_MAX:
            raise ValidationError()
        return number

    def to_url(self, value: object) -> str:
        """An id as it appears in URLs."""
        return str(int(value))  # type: ignore[call-overload]


def bad_input() -> str | None:
    """Where a control character was found ("path", "query" or "form"), or None."""
    if has_control(request.path):
        return "path"
    if _any_control(request.args.items(multi=True), multiline=False):
        return "query"
    if request.method in ("POST", "PUT", "PATCH") and _any_control(
        request.form.items(multi=True), multiline=True
    ):
        return "form"
    return None


def _any_control(items: Iterable[tuple[str, str]], *, multiline: bool) -> bool:
    return any(
        has_control(key) or has_control(value, multiline=multiline and key in MULTILINE_FIELDS)
        for key, value in items
    )


def refuse_control_characters() -> tuple[Any, int] | None:
    """Before every request: refuse any control character with 400 and a clear message."""
    found = bad_input()
    if found is None:
        return None
    log.warning("refused %s %r: a control character in the %s", request.method, request.path, found)
    return error_page(_("Isian berisi karakter kontrol yang tidak diizinkan."), 400)


def init_app(app: Flask) -> None:
    """Register the id converter (before any blueprint) and the control-character check."""
    app.url_map.converters["int"] = RowIdConverter
    app.before_request(refuse_control_characters)
