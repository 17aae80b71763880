"""What a service report is made of: its scope (days, grouping, hours) and its sections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.config import VisitingHoursConfig
from core.vocab import ReportGrouping

MAX_DAYS = 366  # one report covers at most a year of days


class Label(str):
    """Indonesian text in a cell that is shown translated (a msgid), unlike a guest's name."""

    __slots__ = ()


# What a cell holds: text, a count, a duration, a day (or the first day of a week), or nothing.
Cell = str | int | float | timedelta | date | None


@dataclass(frozen=True)
class Section:
    """One part of the report: a table with a title, column headings and rows."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str | None = None


@dataclass(frozen=True)
class ReportScope:
    """The report's days (local, inclusive), how they are grouped, and how hours are judged."""

    start: date
    end: date
    grouping: ReportGrouping
    tz: ZoneInfo
    hours: VisitingHoursConfig

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("report ends before it starts")
        if (self.end - self.start).days >= MAX_DAYS:
            raise ValueError(f"a report covers at most {MAX_DAYS} days")

    @property
    def since(self) -> datetime:
        """The first moment of the first day (local midnight), in UTC."""
        return _midnight(self.start, self.tz)

    @property
    def until(self) -> datetime:
        """The moment after the last day (the next local midnight), in UTC."""
        return _midnight(self.end + timedelta(days=1), self.tz)

    def local_day(self, at: datetime) -> date:
        """The residence's calendar day of an aware moment."""
        return at.astimezone(self.tz).date()

    def days(self) -> list[date]:
        """Every day of the report, in order."""
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def bucket(self, day: date) -> date:
        """The first day of the period (day, week from Monday, month) that `day` falls in."""
        if self.grouping is ReportGrouping.WEEK:
            return day - timedelta(days=day.weekday())
        if self.grouping is ReportGrouping.MONTH:
            return day.replace(day=1)
        return day

    def buckets(self) -> list[date]:
        """The first day of every period the report's days touch, in order."""
        return sorted({self.bucket(day) for day in self.days()})

    def period_cell(self, bucket: date) -> Cell:
        """How a period is named: its day, its week's first day in the report, or "MM-YYYY"."""
        if self.grouping is ReportGrouping.MONTH:
            return f"{bucket.month:02d}-{bucket.year}"
        return max(bucket, self.start)

    def period_heading(self) -> str:
        """The heading of the period column (Indonesian msgid)."""
        return {
            ReportGrouping.DAY: "Tanggal",
            ReportGrouping.WEEK: "Minggu mulai",
            ReportGrouping.MONTH: "Bulan",
        }[self.grouping]


def month_scope(
    year: int, month: int, tz: ZoneInfo, hours: VisitingHoursConfig, grouping: ReportGrouping
) -> ReportScope:
    """The scope of one calendar month."""
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return ReportScope(first, following - timedelta(days=1), grouping, tz, hours)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
