from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from core.config import VisitingHoursConfig
from core.visiting import is_open, next_opening

WIB = ZoneInfo("Asia/Jakarta")
HOURS = VisitingHoursConfig(
    weekly={"mon": ["08:00-12:00", "19:00-21:00"], "sat": ["09:00-12:00"]},
    holidays=[date(2026, 12, 28)],
)


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


def test_open_inside_windows_in_jakarta_time():
    assert is_open(HOURS, wib(2026, 11, 23, 8, 0), WIB)  # Monday
    assert is_open(HOURS, wib(2026, 11, 23, 20, 59), WIB)
    assert not is_open(HOURS, wib(2026, 11, 23, 12, 0), WIB)  # end is exclusive
    assert not is_open(HOURS, wib(2026, 11, 23, 21, 30), WIB)
    assert not is_open(HOURS, wib(2026, 11, 24, 9, 0), WIB)  # Tuesday: not listed


def test_utc_input_is_judged_in_jakarta():
    # 01:30 UTC on Monday is 08:30 WIB Monday.
    assert is_open(HOURS, datetime(2026, 11, 23, 1, 30, tzinfo=UTC), WIB)
    # 13:30 UTC on Sunday is 20:30 WIB Sunday: closed, though Monday evening is open.
    assert not is_open(HOURS, datetime(2026, 11, 22, 13, 30, tzinfo=UTC), WIB)


def test_holiday_is_closed_all_day():
    assert not is_open(HOURS, wib(2026, 12, 28, 9, 0), WIB)  # a Monday holiday


def test_next_opening_skips_closed_days_and_holidays():
    assert next_opening(HOURS, wib(2026, 11, 23, 12, 30), WIB) == wib(2026, 11, 23, 19, 0)
    assert next_opening(HOURS, wib(2026, 11, 23, 22, 0), WIB) == wib(2026, 11, 28, 9, 0)
    assert next_opening(HOURS, wib(2026, 12, 26, 13, 0), WIB) == wib(2027, 1, 2, 9, 0)
    assert next_opening(VisitingHoursConfig(weekly={}), wib(2026, 1, 1, 0, 0), WIB) is None
