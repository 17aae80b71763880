"""The service report's own figures, read from arrivals, decisions, escorts, strangers, guest book.

A visit is an arrival first seen in the report's days that nobody dismissed as "not a guest".
Its wait for a decision runs from the first sighting to the decision that settled it (the last
one: "wait" and then "receive" waited until the "receive"); its wait for the escort from that
"receive" to the guard's "escorted". Out of hours is judged by the configured visiting hours.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple, TypeVar

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from core.visiting import is_open
from core.vocab import ArrivalStatus, DecisionKind, GuestCategory, UnknownStatus
from storage.models import Arrival, Decision, EscortTask, Guest, GuestBookEntry, UnknownFace
from storage.report_types import Label, ReportScope

# The conditions that pick the report's visits, applied to every query joined to arrivals.
Where = tuple[ColumnElement[bool], ...]
K = TypeVar("K")
V = TypeVar("V")
NO_DECISION = "none"
UNKNOWN_CATEGORY = "unknown"
OUTCOMES: tuple[str, ...] = (*DecisionKind, NO_DECISION)
OUTCOME_LABELS = {
    DecisionKind.RECEIVE: Label("Diterima"),
    DecisionKind.WAIT: Label("Diminta menunggu"),
    DecisionKind.RESCHEDULE: Label("Dijadwalkan ulang"),
    DecisionKind.DECLINE: Label("Ditolak"),
    DecisionKind.DELEGATE: Label("Didelegasikan"),
    NO_DECISION: Label("Tanpa keputusan"),
}
CATEGORIES: tuple[str, ...] = (*GuestCategory, UNKNOWN_CATEGORY)
CATEGORY_LABELS = {
    GuestCategory.PEMERINTAH: Label("Pemerintah"),
    GuestCategory.SWASTA: Label("Swasta"),
    GuestCategory.MASYARAKAT: Label("Masyarakat"),
    UNKNOWN_CATEGORY: Label("Tidak diketahui"),
}
UNKNOWN_LABELS = {
    UnknownStatus.PENDING: Label("Belum diselesaikan penjaga"),
    UnknownStatus.IDENTIFIED: Label("Dikenali penjaga sebagai tamu terdaftar"),
    UnknownStatus.REGISTERED: Label("Didaftarkan penjaga sebagai tamu baru"),
    UnknownStatus.NOT_GUEST: Label("Bukan tamu"),
    UnknownStatus.DISMISSED: Label("Diabaikan"),
    UnknownStatus.RECOGNISED: Label("Dikenali kamera kemudian"),
}


@dataclass(frozen=True)
class Visit:
    """One visit's figures: when, who (category), how it ended, how long each step took."""

    arrival_id: int
    day: date
    hour: int
    category: str
    outcome: str
    to_decision: timedelta | None
    to_escort: timedelta | None
    outside_hours: bool


@dataclass(frozen=True)
class StrangerFace:
    """One unknown face of the period and how (and how fast) it was settled."""

    day: date
    status: str
    to_resolve: timedelta | None  # first seen → the guard's answer (None: not by a guard)


@dataclass(frozen=True)
class GuestBookFigures:
    """The period's guest-book lines: all of them, walk-ins without a camera arrival, companions."""

    entries: int
    walk_ins: int
    companions: int


@dataclass(frozen=True)
class WaitStats:
    """How many waits, their median, 90th percentile and the longest (None when none)."""

    count: int
    median: timedelta | None
    p90: timedelta | None
    longest: timedelta | None


def wait_stats(waits: Iterable[timedelta | None]) -> WaitStats:
    """Median and 90th percentile by linear interpolation between ranks, in whole seconds."""
    seconds = sorted(w.total_seconds() for w in waits if w is not None)
    if not seconds:
        return WaitStats(0, None, None, None)
    return WaitStats(
        len(seconds),
        _seconds(_quantile(seconds, 0.5)),
        _seconds(_quantile(seconds, 0.9)),
        _seconds(seconds[-1]),
    )


def _quantile(ordered: list[float], q: float) -> float:
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=round(value))


def _elapsed(start: datetime, end: datetime | None) -> timedelta | None:
    """end − start, never negative (clocks of two hosts may disagree by a moment)."""
    if end is None:
        return None
    return max(end - start, timedelta(0))


def _visits_in(scope: ReportScope) -> Where:
    return (
        Arrival.first_seen >= scope.since,
        Arrival.first_seen < scope.until,
        Arrival.status != ArrivalStatus.DISMISSED,
    )


def _pairs(session: Session, query: Select[tuple[K, V]]) -> dict[K, V]:
    """A two-column query as a dict (a later row replaces an earlier one)."""
    return {key: value for key, value in session.execute(query).tuples()}


class _Settled(NamedTuple):
    """The decision that settled a visit (its last)."""

    decision_id: int
    kind: str
    at: datetime


def _last_decisions(session: Session, where: Where) -> dict[int, _Settled]:
    query = (
        select(Decision.arrival_id, Decision.id, Decision.kind, Decision.created_at)
        .join(Arrival, Arrival.id == Decision.arrival_id)
        .where(*where)
        .order_by(Decision.created_at, Decision.id)
    )
    return {  # a later decision replaces an earlier one: the last wins
        arrival: _Settled(decision, kind, at)
        for arrival, decision, kind, at in session.execute(query).tuples()
    }


def _escort_times(session: Session, where: Where) -> dict[int | None, datetime | None]:
    """ "receive" decision id → when the guard escorted that guest."""
    return _pairs(
        session,
        select(EscortTask.decision_id, EscortTask.escorted_at)
        .join(Arrival, Arrival.id == EscortTask.arrival_id)
        .where(*where, EscortTask.escorted_at.is_not(None)),
    )


def _book_categories(session: Session, where: Where) -> dict[int | None, str]:
    """Arrival id → the category its newest guest-book line gives."""
    return _pairs(
        session,
        select(GuestBookEntry.arrival_id, GuestBookEntry.category)
        .join(Arrival, Arrival.id == GuestBookEntry.arrival_id)
        .where(*where)
        .order_by(GuestBookEntry.checked_in_at, GuestBookEntry.id),
    )


def load_visits(session: Session, scope: ReportScope) -> list[Visit]:
    """Every visit first seen in the scope's days, oldest first."""
    where = _visits_in(scope)
    arrivals = session.execute(
        select(Arrival.id, Arrival.first_seen, Guest.category)
        .outerjoin(Guest, Guest.id == Arrival.guest_id)
        .where(*where)
        .order_by(Arrival.first_seen, Arrival.id)
    ).tuples()
    settled = _last_decisions(session, where)
    escorted = _escort_times(session, where)
    booked = _book_categories(session, where)
    visits = []
    for arrival_id, first_seen, category in arrivals:
        decision = settled.get(arrival_id)
        local = first_seen.astimezone(scope.tz)
        to_escort = None
        if decision is not None and decision.kind == DecisionKind.RECEIVE:
            to_escort = _elapsed(decision.at, escorted.get(decision.decision_id))
        visits.append(
            Visit(
                arrival_id=arrival_id,
                day=local.date(),
                hour=local.hour,
                category=category or booked.get(arrival_id) or UNKNOWN_CATEGORY,
                outcome=decision.kind if decision else NO_DECISION,
                to_decision=_elapsed(first_seen, decision.at) if decision else None,
                to_escort=to_escort,
                outside_hours=not is_open(scope.hours, first_seen, scope.tz),
            )
        )
    return visits


def load_strangers(session: Session, scope: ReportScope) -> list[StrangerFace]:
    """Every unknown face first seen in the scope's days, whatever became of it."""
    query = (
        select(
            UnknownFace.first_seen,
            UnknownFace.status,
            UnknownFace.resolved_at,
            UnknownFace.resolved_by,
        )
        .where(UnknownFace.first_seen >= scope.since, UnknownFace.first_seen < scope.until)
        .order_by(UnknownFace.first_seen, UnknownFace.id)
    )
    return [
        StrangerFace(
            scope.local_day(first_seen),
            status,
            _elapsed(first_seen, resolved_at) if by is not None else None,
        )
        for first_seen, status, resolved_at, by in session.execute(query).tuples()
    ]


def load_guest_book(session: Session, scope: ReportScope) -> GuestBookFigures:
    """The guest-book lines checked in during the scope's days."""
    rows = session.execute(
        select(GuestBookEntry.arrival_id, GuestBookEntry.companions).where(
            GuestBookEntry.checked_in_at >= scope.since,
            GuestBookEntry.checked_in_at < scope.until,
        )
    ).tuples()
    entries = walk_ins = companions = 0
    for arrival_id, with_them in rows:
        entries += 1
        walk_ins += arrival_id is None
        companions += with_them or 0
    return GuestBookFigures(entries, walk_ins, companions)
