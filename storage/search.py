"""Text search in SQL: "contains", case-insensitive, with LIKE's own wildcards taken literally."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func

ESCAPE = "\\"


def escape_like(text: str) -> str:
    """`text` with `\\`, `%` and `_` escaped for a LIKE pattern using ESCAPE."""
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def contains(column: Any, text: str) -> ColumnElement[bool]:
    """Case-insensitive "`column` contains `text`"; `%` and `_` in `text` match only themselves."""
    needle = escape_like(text.strip().lower())
    return func.lower(column).like(f"%{needle}%", escape=ESCAPE)
