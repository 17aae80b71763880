"""Reading form fields and query values into typed values, with messages a user understands."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from web.inputs import ID_MAX

FIELD_MAX = 2000  # longer than any stored field: storage gives the precise limit
# Dates people type: anything outside these years is a typo (and 9999-12-31 + 1 day overflows).
YEAR_MIN = 2000
YEAR_MAX = 2100
_DIGITS = re.compile(r"[0-9]{1,10}")  # ASCII only: "²".isdigit() is True, int("²") fails
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CLOCK = re.compile(r"[0-9]{2}:[0-9]{2}(:[0-9]{2})?")


class FormError(ValueError):
    """A form value that cannot be read; the message is shown to the user."""


def text(form, name: str) -> str | None:
    """A text field, stripped; None when missing or empty; refuses absurd lengths."""
    value = (form.get(name) or "").strip()
    if len(value) > FIELD_MAX:
        raise FormError(_("Isian terlalu panjang."))
    return value or None


def whole_number(form, name: str, label: str, *, required: bool = True) -> int | None:
    """A positive whole number (an id) from a field: ASCII digits, at most the largest id."""
    raw = (form.get(name) or "").strip()
    if not raw:
        if required:
            raise FormError(_("%(label)s wajib diisi.", label=label))
        return None
    if not _DIGITS.fullmatch(raw) or int(raw) > ID_MAX:
        raise FormError(_("%(label)s tidak valid.", label=label))
    return int(raw)


def iso_date(raw: str | None, label: str | None = None) -> date | None:
    """A YYYY-MM-DD date between YEAR_MIN and YEAR_MAX; None when empty; FormError otherwise.

    `label` names the field in the message (default: "Tanggal").
    """
    raw = (raw or "").strip()
    if not raw:
        return None
    label = label or _("Tanggal")
    try:
        if not _DAY.fullmatch(raw):
            raise ValueError(raw)
        day = date.fromisoformat(raw)
    except ValueError:
        raise FormError(_("%(label)s tidak valid (format: TTTT-BB-HH).", label=label)) from None
    if not YEAR_MIN <= day.year <= YEAR_MAX:
        raise FormError(
            _(
                "%(label)s harus antara tahun %(min)s dan %(max)s.",
                label=label,
                min=YEAR_MIN,
                max=YEAR_MAX,
            )
        )
    return day


def noted_date(raw: str | None, label: str, errors: list[str]) -> date | None:
    """iso_date for a form that shows every problem at once: a refusal is added to `errors`."""
    try:
        return iso_date(raw, label)
    except FormError as exc:
        errors.append(str(exc))
        return None


def local_datetime(day: str | None, clock: str | None, tz: ZoneInfo) -> datetime | None:
    """A date (YYYY-MM-DD) and a time (HH:MM) in `tz` as an aware datetime; None if both empty."""
    day, clock = (day or "").strip(), (clock or "").strip()
    if not day and not clock:
        return None
    message = _("Tanggal atau jam tidak valid (format: TTTT-BB-HH dan JJ:MM).")
    if not _CLOCK.fullmatch(clock):
        raise FormError(message)
    try:
        parsed_clock = time.fromisoformat(clock)
    except ValueError:
        raise FormError(message) from None
    parsed_day = iso_date(day)
    if parsed_day is None:
        raise FormError(message)
    return datetime.combine(parsed_day, parsed_clock, tzinfo=tz)
