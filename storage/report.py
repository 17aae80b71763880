"""The service report (Laporan layanan): what happened to the period's visits, as sections.

A report is a list of `Section`s (a title, column headings, rows). The house's own sections
come first (`storage.report_sections`); other features add theirs with `register_section`: a
function of the session and the scope returning a Section, or None to stay out. Titles,
headings and `Label` cells are Indonesian text, the catalogue's msgids: the web translates
them on the page, the monthly PDF keeps them as they are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from storage.report_figures import (
    OUTCOMES,
    Visit,
    load_guest_book,
    load_strangers,
    load_visits,
)
from storage.report_sections import house_sections
from storage.report_types import MAX_DAYS as MAX_DAYS
from storage.report_types import Cell as Cell
from storage.report_types import Label as Label
from storage.report_types import ReportScope as ReportScope
from storage.report_types import Section as Section
from storage.report_types import month_scope as month_scope

SectionBuilder = Callable[[Session, ReportScope], Section | None]
_EXTRA_SECTIONS: list[SectionBuilder] = []


def register_section(builder: SectionBuilder) -> SectionBuilder:
    """Add a section to every report after the house's own (once; usable as a decorator).

    The builder runs inside the report's read and must only read; returning None leaves the
    section out (a feature that is switched off).
    """
    if builder not in _EXTRA_SECTIONS:
        _EXTRA_SECTIONS.append(builder)
    return builder


def unregister_section(builder: SectionBuilder) -> None:
    """Remove a registered section (tests; a feature switched off at run time)."""
    if builder in _EXTRA_SECTIONS:
        _EXTRA_SECTIONS.remove(builder)


def extra_sections(session: Session, scope: ReportScope) -> list[Section]:
    """The sections other features registered, in registration order."""
    built = (builder(session, scope) for builder in list(_EXTRA_SECTIONS))
    return [section for section in built if section is not None]


@dataclass(frozen=True)
class ServiceReport:
    """A period's visits and the report's sections, with the series its charts draw."""

    scope: ReportScope
    visits: tuple[Visit, ...]
    sections: tuple[Section, ...]

    def decision_waits(self) -> list[timedelta]:
        """Every visit's wait from arrival to the decision that settled it."""
        return [v.to_decision for v in self.visits if v.to_decision is not None]

    def escort_waits(self) -> list[timedelta]:
        """Every received visit's wait from the decision to the guard's escort."""
        return [v.to_escort for v in self.visits if v.to_escort is not None]

    def daily_outcomes(self) -> list[tuple[date, dict[str, int]]]:
        """Visits per local day of the report, counted by outcome (every outcome, every day)."""
        counts = Counter((v.day, v.outcome) for v in self.visits)
        return [
            (day, {outcome: counts[day, outcome] for outcome in OUTCOMES})
            for day in self.scope.days()
        ]

    def hourly(self) -> list[tuple[int, int]]:
        """Arrivals per local hour 0–23: (within visiting hours, outside them)."""
        inside = Counter(v.hour for v in self.visits if not v.outside_hours)
        outside = Counter(v.hour for v in self.visits if v.outside_hours)
        return [(inside[hour], outside[hour]) for hour in range(24)]

    def section(self, key: str) -> Section:
        """The section called `key` (KeyError when the report has none)."""
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)


def build_report(session: Session, scope: ReportScope) -> ServiceReport:
    """Read the scope's rows and build every section, the house's first, then the extras."""
    visits = load_visits(session, scope)
    strangers = load_strangers(session, scope)
    book = load_guest_book(session, scope)
    sections = house_sections(scope, visits, strangers, book)
    sections += extra_sections(session, scope)
    return ServiceReport(scope, tuple(visits), tuple(sections))


def _register_feature_sections() -> None:
    from storage.report_extras import SECTIONS

    for builder in SECTIONS:
        register_section(builder)


_register_feature_sections()
