"""Checks on user-supplied text shared by every layer."""

from __future__ import annotations

import unicodedata

_LINE_CHARS = frozenset("\r\n\t")
_SEPARATORS = frozenset("\u2028\u2029")


def has_control(text: str, *, multiline: bool = False) -> bool:
    """Whether `text` holds a control character (line breaks and tabs allowed if `multiline`).

    NUL and the other C0/C1 controls never belong in stored or logged text (PostgreSQL refuses
    NUL; a line break in a name forges log lines); nor do Unicode line separators.
    """
    for ch in text:
        if multiline and ch in _LINE_CHARS:
            continue
        if ch in _SEPARATORS or unicodedata.category(ch) == "Cc":
            return True
    return False
