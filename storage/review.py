"""Security review: arrivals filtered, one page at a time or all for the export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from storage.guestbook import latest_entries
from storage.models import Arrival, Camera, Decision, Guest, GuestBookEntry, UnknownFace
from storage.search import contains

NO_DECISION = "none"
EXPORT_LIMIT = 100_000


@dataclass(frozen=True)
class ArrivalFilter:
    """What the security review filters arrivals by; None/False means "any"."""

    since: datetime | None = None
    until: datetime | None = None
    camera: str | None = None
    guest: str | None = None
    unknown_only: bool = False
    outside_hours: bool = False
    decision: str | None = None  # a decision kind, or NO_DECISION


@dataclass(frozen=True)
class ArrivalRow:
    """One arrival with its latest decision, latest guest-book entry and unknown face."""

    arrival: Arrival
    decision: Decision | None
    entry: GuestBookEntry | None
    unknown: UnknownFace | None

    @property
    def name(self) -> str | None:
        """The recognised guest's name, else the guest-book name, else None (a stranger)."""
        if self.arrival.guest is not None:
            return self.arrival.guest.name
        return self.entry.name if self.entry is not None else None


def camera_names(session: Session) -> list[str]:
    """Every known camera's name, sorted."""
    return list(session.scalars(select(Camera.name).order_by(Camera.name)))


def _filtered(flt: ArrivalFilter) -> Select[tuple[Arrival]]:
    query = select(Arrival)
    if flt.since is not None:
        query = query.where(Arrival.first_seen >= flt.since)
    if flt.until is not None:
        query = query.where(Arrival.first_seen < flt.until)
    if flt.camera:
        query = query.where(Arrival.camera.has(Camera.name == flt.camera))
    if flt.guest:
        in_book = (
            select(GuestBookEntry.id)
            .where(
                GuestBookEntry.arrival_id == Arrival.id, contains(GuestBookEntry.name, flt.guest)
            )
            .exists()
        )
        query = query.where(or_(Arrival.guest.has(contains(Guest.name, flt.guest)), in_book))
    if flt.unknown_only:
        seen_unknown = select(UnknownFace.id).where(UnknownFace.arrival_id == Arrival.id).exists()
        query = query.where(or_(Arrival.guest_id.is_(None), seen_unknown))
    if flt.outside_hours:
        query = query.where(Arrival.outside_hours.is_(True))
    if flt.decision == NO_DECISION:
        query = query.where(~select(Decision.id).where(Decision.arrival_id == Arrival.id).exists())
    elif flt.decision:
        query = query.where(
            select(Decision.id)
            .where(Decision.arrival_id == Arrival.id, Decision.kind == flt.decision)
            .exists()
        )
    return query


def search_arrivals(
    session: Session, flt: ArrivalFilter, *, page: int = 1, per_page: int = 50
) -> tuple[list[ArrivalRow], int]:
    """One page of filtered arrivals, newest first, and the total number that match."""
    query = _filtered(flt)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, page)
    query = query.order_by(Arrival.first_seen.desc(), Arrival.id.desc())
    return _rows(session, query.offset((page - 1) * per_page).limit(per_page)), total


def export_arrivals(
    session: Session, flt: ArrivalFilter, limit: int = EXPORT_LIMIT
) -> list[ArrivalRow]:
    """Every filtered arrival (up to `limit`), oldest first, for the CSV export."""
    query = _filtered(flt).order_by(Arrival.first_seen, Arrival.id).limit(limit)
    return _rows(session, query)


def _rows(session: Session, query: Select[tuple[Arrival]]) -> list[ArrivalRow]:
    query = query.options(selectinload(Arrival.guest), selectinload(Arrival.camera))
    arrivals = list(session.scalars(query))
    ids = [a.id for a in arrivals]
    if not ids:
        return []
    decisions = {
        d.arrival_id: d
        for d in session.scalars(
            select(Decision)
            .where(Decision.arrival_id.in_(ids))
            .options(selectinload(Decision.by_user))
            .order_by(Decision.created_at, Decision.id)
        )
    }
    unknowns = {
        u.arrival_id: u
        for u in session.scalars(
            select(UnknownFace).where(UnknownFace.arrival_id.in_(ids)).order_by(UnknownFace.id)
        )
    }
    entries = latest_entries(session, ids)
    return [
        ArrivalRow(a, decisions.get(a.id), entries.get(a.id), unknowns.get(a.id)) for a in arrivals
    ]
