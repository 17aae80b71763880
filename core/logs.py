"""Log lines that user-supplied text cannot forge: control characters are shown escaped."""

from __future__ import annotations

import logging

# C0 and C1 controls (newline and carriage return included), Unicode line and paragraph
# separators, and bidirectional overrides that reorder what a log viewer shows.
_UNSAFE = [*range(0x00, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029]
_UNSAFE += [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_ESCAPES = {code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" for code in _UNSAFE}


def escape_controls(text: str) -> str:
    """`text` with every control or line-breaking character written as a visible escape."""
    return text.translate(_ESCAPES)


class SafeFormatter(logging.Formatter):
    """A formatter whose message part is one line; a traceback after it keeps its lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        """The record's line, escaped (`format` appends the exception text afterwards)."""
        return escape_controls(super().formatMessage(record))


def safe_handler(fmt: str, datefmt: str | None = None) -> logging.Handler:
    """A stderr handler with a SafeFormatter."""
    handler = logging.StreamHandler()
    handler.setFormatter(SafeFormatter(fmt, datefmt))
    return handler
