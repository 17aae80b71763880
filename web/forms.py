"""Reading form fields into typed values, with messages a user understands."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

FIELD_MAX = 2000  # longer than any stored field: storage gives the precise limit


class FormError(ValueError):
    """A form value that cannot be read; the message is shown to the user."""


def text(form, name: str) -> str | None:
    """A text field, stripped; None when missing or empty; refuses absurd lengths."""
    value = (form.get(name) or "").strip()
    if len(value) > FIELD_MAX:
        raise FormError(_("Isian terlalu panjang."))
    return value or None


def whole_number(form, name: str, label: str, *, required: bool = True) -> int | None:
    """A positive whole number (an id) from a field."""
    raw = (form.get(name) or "").strip()
    if not raw:
        if required:
            raise FormError(_("%(label)s wajib diisi.", label=label))
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise FormError(_("%(label)s tidak valid.", label=label))
    return int(raw)


def local_datetime(day: str | None, clock: str | None, tz: ZoneInfo) -> datetime | None:
    """A date (YYYY-MM-DD) and a time (HH:MM) in `tz` as an aware datetime; None if both empty."""
    day, clock = (day or "").strip(), (clock or "").strip()
    if not day and not clock:
        return None
    try:
        parsed_day = date.fromisoformat(day)
        parsed_clock = time.fromisoformat(clock)
    except ValueError:
        raise FormError(_("Tanggal atau jam tidak valid (format: TTTT-BB-HH dan JJ:MM).")) from None
    return datetime.combine(parsed_day, parsed_clock.replace(tzinfo=None), tzinfo=tz)
