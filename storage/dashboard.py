"""What the live dashboards list: who is waiting, recent arrivals, arrivals outside hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.vocab import ArrivalStatus
from storage.guestbook import latest_entries
from storage.models import Arrival, Guest
from storage.unknowns import pending_for_arrivals


@dataclass(frozen=True)
class WaitingArrival:
    """An open arrival with what the dashboard shows beside it."""

    arrival: Arrival
    purpose: str | None
    entry_id: int | None
    unknown_id: int | None

    @property
    def guest(self) -> Guest | None:
        """The recognised guest, or None for a stranger."""
        return self.arrival.guest

    @property
    def camera_name(self) -> str:
        """The camera that saw the guest first."""
        return self.arrival.camera.name


def waiting_now(session: Session, *, since: datetime | None = None) -> list[WaitingArrival]:
    """Arrivals still waiting for a decision, longest waiting first (optionally since `since`)."""
    query = (
        select(Arrival)
        .where(Arrival.status == ArrivalStatus.WAITING)
        .options(selectinload(Arrival.guest), selectinload(Arrival.camera))
        .order_by(Arrival.first_seen, Arrival.id)
    )
    if since is not None:
        query = query.where(Arrival.last_seen >= since)
    arrivals = list(session.scalars(query))
    ids = [a.id for a in arrivals]
    entries = latest_entries(session, ids)
    unknowns = pending_for_arrivals(session, ids)
    return [
        WaitingArrival(
            arrival=a,
            purpose=entries[a.id].purpose if a.id in entries else None,
            entry_id=entries[a.id].id if a.id in entries else None,
            unknown_id=unknowns.get(a.id),
        )
        for a in arrivals
    ]


def recent_arrivals(session: Session, since: datetime, limit: int) -> list[Arrival]:
    """Arrivals first seen since `since` and not dismissed, newest first."""
    query = (
        select(Arrival)
        .where(Arrival.first_seen >= since, Arrival.status != ArrivalStatus.DISMISSED)
        .options(selectinload(Arrival.guest), selectinload(Arrival.camera))
        .order_by(Arrival.first_seen.desc(), Arrival.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def waiting_outside_hours(session: Session, since: datetime) -> list[Arrival]:
    """Arrivals outside visiting hours since `since` still waiting, newest first."""
    query = (
        select(Arrival)
        .where(
            Arrival.outside_hours.is_(True),
            Arrival.status == ArrivalStatus.WAITING,
            Arrival.first_seen >= since,
        )
        .options(selectinload(Arrival.guest), selectinload(Arrival.camera))
        .order_by(Arrival.first_seen.desc())
    )
    return list(session.scalars(query))
