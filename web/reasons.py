"""Why a photo or a person's details were refused, in the user's language.

The checks live in vision and storage, which also speak to the CLI (in English) and never
import Flask; the dashboard translates their known reasons here and shows any other one as is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _

from core.errors import LABELS, ErrorCode, Field, render


def _field(name: str) -> object:
    """A field named by a storage check, as `core.errors` names it (its label), if it knows it."""
    try:
        return Field(name)
    except ValueError:
        return name


def _label(name: str) -> str:
    field = _field(name)
    return _(LABELS[field]) if isinstance(field, Field) else name


def _coded(code: ErrorCode, name: str, **params: object) -> str:
    """The workflow table's message for a field check (the same words as the other forms)."""
    return render(code, {"field": _field(name), **params}, _)


_RULES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"file not found"), lambda m: _("berkas tidak ditemukan")),
    (re.compile(r"not a file"), lambda m: _("bukan berkas")),
    (re.compile(r"unreadable / not an image"), lambda m: _("tidak terbaca / bukan gambar")),
    (re.compile(r"no face found"), lambda m: _("tidak ada wajah yang ditemukan")),
    (
        re.compile(r"several faces \((\d+) found\); use a photo of one person"),
        lambda m: _("beberapa wajah (%(n)s ditemukan); pakai foto satu orang", n=m[1]),
    ),
    (
        re.compile(r"face too small \((\d+) px < (\d+) px minimum\)"),
        lambda m: _("wajah terlalu kecil (%(size)s px, minimal %(min)s px)", size=m[1], min=m[2]),
    ),
    (re.compile(r"no photo"), lambda m: _("tidak ada foto")),
    (
        re.compile(r"at least one photo with a face is needed"),
        lambda m: _("perlu minimal satu foto berwajah"),
    ),
    (
        re.compile(r"cannot load the face models: (.*)", re.S),
        lambda m: _("model wajah tidak dapat dimuat: %(detail)s", detail=m[1]),
    ),
    (
        re.compile(r"(\w+) must not be empty"),
        lambda m: _coded(ErrorCode.REQUIRED, m[1]),
    ),
    (
        re.compile(r"(\w+) must not contain control characters"),
        lambda m: _coded(ErrorCode.CONTROL_CHARS, m[1]),
    ),
    (
        re.compile(r"(\w+) is (\d+) characters long; at most (\d+) allowed"),
        lambda m: _coded(ErrorCode.TOO_LONG, m[1], max=m[3]),
    ),
    (
        re.compile(r"(\w+) '([^']*)' is not one of (.*)", re.S),
        lambda m: _(
            "%(field)s '%(value)s' tidak dikenal; pilih salah satu: %(choices)s",
            field=_label(m[1]),
            value=m[2],
            choices=m[3],
        ),
    ),
]


def refusal(reason: str) -> str:
    """A refusal reason from vision or storage in the request's language (unknown ones as is)."""
    for pattern, say in _RULES:
        match = pattern.fullmatch(reason.strip())
        if match:
            return say(match)
    return reason
