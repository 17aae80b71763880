"""Rules for expected guests (janji temu): a valid appointment and when an arrival matches one.

Pure logic, like `core.workflow`: `storage.appointments` applies it to stored rows. Every field's
problem is reported at once (`InvalidFields`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from core.errors import ErrorCode, Field, WorkflowError
from core.workflow import NAME_MAX, PURPOSE_MAX, _Checks, clean_text, required_text

HOST_MAX = 120
YEAR_MIN = 2000
YEAR_MAX = 2100


@dataclass(frozen=True)
class AppointmentFields:
    """A validated appointment: stripped texts, aware times with `until` after `at`."""

    name: str
    at: datetime
    until: datetime
    purpose: str | None
    host: str | None


def name_key(name: str) -> str:
    """The name as arrivals are matched by it: case and runs of spaces ignored."""
    return " ".join(name.split()).casefold()


def clean_time(value: object, field: Field, tz: tzinfo, *, required: bool) -> datetime | None:
    """An aware datetime from a datetime or an ISO 8601 text (no offset: in `tz`), 2000–2100."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise WorkflowError(ErrorCode.REQUIRED, field=field)
        return None
    bad = WorkflowError(ErrorCode.BAD_TIME, field=field, min=YEAR_MIN, max=YEAR_MAX)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise bad from None
    if not isinstance(value, datetime):
        raise bad
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    if not YEAR_MIN <= value.year <= YEAR_MAX:
        raise bad
    return value


def validate_appointment(
    *,
    name: object,
    at: object,
    until: object = None,
    purpose: object = None,
    host: object = None,
    length: timedelta,
    tz: tzinfo,
) -> AppointmentFields:
    """Check every field; `until` defaults to `at + length` and must come after `at`."""
    checks = _Checks()
    clean_name = checks.run(Field.NAME, lambda: required_text(name, Field.NAME, NAME_MAX), "")
    start = checks.run(Field.AT, lambda: clean_time(at, Field.AT, tz, required=True), None)
    end = checks.run(Field.UNTIL, lambda: clean_time(until, Field.UNTIL, tz, required=False), None)
    text = checks.run(
        Field.PURPOSE,
        lambda: clean_text(purpose, Field.PURPOSE, PURPOSE_MAX, required=False),
        None,
    )
    whom = checks.run(
        Field.HOST, lambda: clean_text(host, Field.HOST, HOST_MAX, required=False), None
    )
    if start is not None and end is not None and end <= start:
        checks.problems[Field.UNTIL] = WorkflowError(ErrorCode.UNTIL_NOT_AFTER)
    checks.done()
    assert start is not None
    return AppointmentFields(clean_name, start, end or start + length, text, whom)


def in_window(at: datetime, start: datetime, end: datetime, slack: timedelta) -> bool:
    """Whether something at `at` falls in the window [start, end] widened by `slack`."""
    return start - slack <= at <= end + slack


class PhotoRefused(ValueError):
    """An enrolment photo that cannot enrol a guest; the message says why."""
