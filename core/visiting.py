"""Visiting hours: is the residence open for guests at a given moment."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from core.config import VisitingHoursConfig

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def is_open(hours: VisitingHoursConfig, at: datetime, tz: tzinfo) -> bool:
    """True when `at` (aware) falls in a weekly window and is not a holiday."""
    local = at.astimezone(tz)
    if local.date() in hours.holidays:
        return False
    now = local.time()
    return any(start <= now < end for start, end in hours.windows(WEEKDAYS[local.weekday()]))


def next_opening(hours: VisitingHoursConfig, at: datetime, tz: tzinfo) -> datetime | None:
    """The next moment visiting opens after `at`, within two weeks (None if never)."""
    local = at.astimezone(tz)
    for days in range(15):
        day = (local + timedelta(days=days)).date()
        if day in hours.holidays:
            continue
        for start, _end in hours.windows(WEEKDAYS[day.weekday()]):
            candidate = datetime.combine(day, start, tzinfo=tz)
            if candidate > local:
                return candidate
    return None
