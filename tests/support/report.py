"""Visits with known times for the service report: exact figures to assert, and a busy month.

`seed_known_month` writes six visits of November 2026 (Asia/Jakarta) whose waits, outcomes and
hours are chosen so that the report's figures are known by hand (KNOWN). `seed_busy_month`
fills a month with a plausible residence's traffic for the screenshots.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.vocab import ArrivalStatus, DecisionKind, EscortStatus, GuestCategory, UnknownStatus
from storage.db import transaction
from storage.models import (
    Arrival,
    Camera,
    Decision,
    EscortTask,
    Guest,
    GuestBookEntry,
    UnknownFace,
    User,
)

JAKARTA = ZoneInfo("Asia/Jakarta")
MIN = timedelta(minutes=1)
STRANGER_ENDINGS = (UnknownStatus.REGISTERED, UnknownStatus.IDENTIFIED, UnknownStatus.PENDING)
# What the report must say about seed_known_month (November 2026, default visiting hours).
KNOWN: dict[str, Any] = {
    "visits": 6,
    "outcomes": {"receive": 2, "wait": 0, "reschedule": 1, "decline": 1, "delegate": 1, "none": 1},
    "outside_hours": 2,
    "decision_waits_min": [4, 10, 20, 3, 8],
    "decision": (timedelta(minutes=8), timedelta(minutes=16), timedelta(minutes=20)),
    "escort": (timedelta(minutes=4), timedelta(seconds=336), timedelta(minutes=6)),
    "categories": {"pemerintah": 1, "swasta": 4, "masyarakat": 0, "unknown": 1},
    "strangers": 2,
    "guest_book": (2, 1, 3),  # entries, walk-ins, companions
}


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A moment of 2026 in Asia/Jakarta."""
    return datetime(2026, month, day, hour, minute, tzinfo=JAKARTA)


@dataclass
class Seeder:
    """Writes visits on one session: an arrival, its decisions, escort, stranger, guest book."""

    db: Session
    camera: Camera
    user: User

    def visit(
        self,
        at: datetime,
        guest: Guest | None = None,
        decisions: tuple[tuple[str, timedelta], ...] = (),
        escorted_after: timedelta | None = None,
        status: str | None = None,
    ) -> Arrival:
        """An arrival at `at` with decisions `after` it; a receive gets an escort task."""
        last = decisions[-1][0] if decisions else None
        arrival = Arrival(
            camera_id=self.camera.id,
            guest_id=guest.id if guest else None,
            first_seen=at,
            last_seen=at + MIN,
            status=status or _status_after(last),
        )
        self.db.add(arrival)
        self.db.flush()
        for kind, after in decisions:
            decided = Decision(
                arrival_id=arrival.id, kind=kind, by_user_id=self.user.id, created_at=at + after
            )
            self.db.add(decided)
            self.db.flush()
            if kind == DecisionKind.RECEIVE:
                self._escort(arrival, decided, escorted_after)
        return arrival

    def _escort(self, arrival: Arrival, decided: Decision, after: timedelta | None) -> None:
        escorted = decided.created_at + after if after is not None else None
        task = EscortTask(
            arrival_id=arrival.id,
            decision_id=decided.id,
            status=EscortStatus.ESCORTED if escorted else EscortStatus.PENDING,
            created_at=decided.created_at,
            escorted_at=escorted,
            escorted_by=self.user.id if escorted else None,
        )
        self.db.add(task)

    def stranger(
        self, arrival: Arrival, status: str = UnknownStatus.PENDING, after: timedelta | None = None
    ) -> None:
        """An unknown face of `arrival`, answered by the guard `after` its first sighting."""
        self.db.add(
            UnknownFace(
                arrival_id=arrival.id,
                camera_id=self.camera.id,
                first_seen=arrival.first_seen,
                last_seen=arrival.last_seen,
                status=status,
                resolved_by=self.user.id if after is not None else None,
                resolved_at=arrival.first_seen + after if after is not None else None,
            )
        )

    def book(
        self, at: datetime, category: str, arrival: Arrival | None = None, companions: int = 0
    ) -> None:
        """A guest-book line (a walk-in when there is no arrival)."""
        self.db.add(
            GuestBookEntry(
                arrival_id=arrival.id if arrival else None,
                name="Ibu Ratna" if arrival else "Pak Yusuf",
                category=category,
                purpose="Audiensi",
                companions=companions,
                checked_in_at=at,
            )
        )


def _status_after(kind: str | None) -> str:
    return {
        DecisionKind.RECEIVE: ArrivalStatus.LEFT,
        DecisionKind.RESCHEDULE: ArrivalStatus.RESCHEDULED,
        DecisionKind.DECLINE: ArrivalStatus.DECLINED,
        DecisionKind.DELEGATE: ArrivalStatus.DELEGATED,
    }.get(kind or "", ArrivalStatus.WAITING)


def _seeder(db: Session) -> Seeder:
    camera = db.scalars(select(Camera).where(Camera.name == "gate")).first()
    if camera is None:
        camera = Camera(name="gate", role="gate")
        db.add(camera)
    user = User(username="ajudan-laporan", password_hash="x", role="adjutant")
    db.add(user)
    db.flush()
    return Seeder(db, camera, user)


def _guest(db: Session, name: str, category: str) -> Guest:
    guest = Guest(name=name, category=category, institution="PT Maju")
    db.add(guest)
    db.flush()
    return guest


def seed_known_month(factory: sessionmaker[Session]) -> None:
    """Six visits of November 2026 and the rows around them, with the figures of KNOWN."""
    with transaction(factory) as db:
        s = _seeder(db)
        hadi = _guest(db, "Pak Hadi Laporan", GuestCategory.SWASTA)
        receive, wait = DecisionKind.RECEIVE, DecisionKind.WAIT
        s.visit(local(2, 9), hadi, ((receive, 4 * MIN),), escorted_after=2 * MIN)
        walked_in = s.visit(local(2, 10), None, ((DecisionKind.DECLINE, 10 * MIN),))
        s.book(local(2, 10, 5), GuestCategory.PEMERINTAH, walked_in, companions=2)
        s.visit(local(3, 13, 30), hadi, ((wait, MIN), (receive, 20 * MIN)), 6 * MIN)
        s.visit(local(3, 22, 15), hadi, ((DecisionKind.RESCHEDULE, 3 * MIN),))  # out of hours
        s.visit(local(7, 10), hadi, ((DecisionKind.DELEGATE, 8 * MIN),))  # Saturday, open
        # Sunday 00:30 in Jakarta is still 31 October in UTC: in November's report.
        s.stranger(s.visit(local(1, 0, 30)))
        s.book(local(5, 9), GuestCategory.MASYARAKAT, companions=1)  # a walk-in
        dismissed = s.visit(local(9, 9), status=ArrivalStatus.DISMISSED)  # not a visit
        s.stranger(dismissed, UnknownStatus.NOT_GUEST, after=2 * MIN)
        # Outside November in Jakarta, though the second is in November in UTC.
        s.visit(local(31, 23, 30, month=10), hadi, ((receive, MIN),), MIN)
        s.visit(local(1, 0, 10, month=12), hadi)


def seed_busy_month(factory: sessionmaker[Session], year: int, month: int, seed: int = 7) -> None:
    """A plausible month: 3–9 visits a working day, most received, a few strangers at night."""
    rng = random.Random(seed)
    with transaction(factory) as db:
        s = _seeder(db)
        guests = [_guest(db, f"Tamu {n}", rng.choice(list(GuestCategory))) for n in range(1, 25)]
        day = date(year, month, 1)
        while day.month == month:
            for _ in range(rng.randint(0, 2) if day.weekday() == 6 else rng.randint(3, 9)):
                _busy_visit(s, rng, day, guests)
            day += timedelta(days=1)


def _busy_visit(s: Seeder, rng: random.Random, day: date, guests: list[Guest]) -> None:
    hour = rng.choice([8, 9, 9, 10, 10, 11, 13, 14, 14, 15, 19, 20, 6, 17, 22])
    at = datetime(day.year, day.month, day.day, hour, rng.randint(0, 59), tzinfo=JAKARTA)
    kind = rng.choices([*DecisionKind, None], weights=[60, 8, 10, 6, 8, 8])[0]
    first_answer = timedelta(minutes=rng.lognormvariate(2.0, 0.7))
    decisions = ((kind, first_answer),) if kind else ()
    if kind == DecisionKind.WAIT and rng.random() < 0.6:
        decisions += ((DecisionKind.RECEIVE, first_answer + rng.randint(5, 40) * MIN),)
    escort = timedelta(seconds=rng.randint(40, 600))
    stranger = rng.random() < 0.12
    guest = None if stranger else rng.choice(guests)
    arrival = s.visit(at, guest, decisions, escort)
    if guest is not None and rng.random() < 0.6:
        s.book(at + 2 * MIN, guest.category, arrival, companions=rng.choice([0, 0, 1, 2, 3]))
    elif rng.random() < 0.1:
        s.book(at, rng.choice(list(GuestCategory)), companions=rng.randint(0, 2))  # walk-in
    if stranger:
        status = rng.choice(STRANGER_ENDINGS)
        answered = timedelta(seconds=rng.randint(30, 400))
        s.stranger(arrival, status, None if status == UnknownStatus.PENDING else answered)
