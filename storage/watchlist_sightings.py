"""Watchlist sightings: recorded (once per entry per camera within a cooldown), acknowledged,
listed for the guard's and security's alert panel, and purged after their retention period.

A sighting is never an arrival. When the camera had already recorded the same track as an
unknown face nobody acted on, that unknown face and its arrival are withdrawn in the same
transaction, so the person never waits on the Bupati's page as an ordinary guest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from core.events import Event, UnknownResolved, WatchlistAcknowledged, WatchlistSighted
from core.vocab import AuditAction, UnknownAction, UnknownStatus
from storage import audit
from storage.models import Arrival, UnknownFace, User
from storage.models_watchlist import WatchlistEntry, WatchlistSighting
from storage.reidentify import untouched
from storage.rows import Outcome
from storage.types import utcnow
from storage.unit_of_work import StagedFiles
from storage.watchlist import MEDIA_KIND, bump_watchlist_version

SaveSnapshot = Callable[[str], str | None]
WITHDRAWN_BY = "watchlist"


@dataclass(frozen=True)
class Seen:
    """What the camera saw of a watchlist entry on one track."""

    entry_id: int
    camera: str
    at: datetime
    distance: float | None
    track: str | None = None
    unknown_id: int | None = None  # the track's unknown face, if one was recorded before


def record_sighting(
    session: Session,
    files: StagedFiles,
    seen: Seen,
    save: SaveSnapshot | None,
    cooldown: timedelta,
) -> Outcome[WatchlistSighting | None]:
    """Store a sighting, audited, withdrawing the track's untouched unknown face.

    None (and no event) when the entry is gone or was already sighted at this camera within
    `cooldown`.
    """
    entry = session.get(WatchlistEntry, seen.entry_id)
    if entry is None:
        return None, []
    events: list[Event] = []
    if seen.unknown_id is not None:
        events += withdraw_unknown(session, files, seen.unknown_id)
    if _recently_seen(session, seen, cooldown):
        return None, events
    row = WatchlistSighting(
        entry_id=entry.id,
        camera=seen.camera,
        at=seen.at,
        distance=seen.distance,
        track=seen.track,
        snapshot=save(MEDIA_KIND) if save is not None else None,
    )
    session.add(row)
    session.flush()
    detail = {"sighting_id": row.id, "camera": seen.camera, "distance": _round(seen.distance)}
    audit.record(session, None, AuditAction.WATCHLIST_SIGHTED, f"watchlist:{entry.id}", detail)
    return row, [*events, sighted_event(row, entry)]


def _recently_seen(session: Session, seen: Seen, cooldown: timedelta) -> bool:
    query = select(WatchlistSighting.id).where(
        WatchlistSighting.entry_id == seen.entry_id,
        WatchlistSighting.camera == seen.camera,
        WatchlistSighting.at > seen.at - cooldown,
    )
    return session.scalar(query.limit(1)) is not None


def _round(distance: float | None) -> float | None:
    return None if distance is None else round(distance, 4)


def sighted_event(row: WatchlistSighting, entry: WatchlistEntry) -> WatchlistSighted:
    """The event for a stored sighting."""
    return WatchlistSighted(
        watchlist_id=entry.id,
        person_name=entry.name,
        level=entry.level,
        camera=row.camera,
        at=row.at,
        snapshot=row.snapshot,
        sighting_id=row.id,
        note=entry.note,
        distance=_round(row.distance),
    )


def withdraw_unknown(session: Session, files: StagedFiles, unknown_id: int) -> list[Event]:
    """Delete an unknown face nobody acted on, with its untouched stranger arrival."""
    unknown = session.get(UnknownFace, unknown_id)
    if unknown is None or unknown.status != UnknownStatus.PENDING:
        return []
    arrival = session.get(Arrival, unknown.arrival_id) if unknown.arrival_id else None
    if arrival is not None and (arrival.guest_id is not None or not untouched(session, arrival)):
        return []
    files.delete(unknown.snapshot)
    session.delete(unknown)
    if arrival is not None:
        files.delete(arrival.snapshot)
        session.delete(arrival)
    session.flush()
    arrival_id = arrival.id if arrival is not None else None
    detail = {"unknown_id": unknown_id, "arrival_id": arrival_id, "reason": WITHDRAWN_BY}
    audit.record(session, None, AuditAction.WATCHLIST_SIGHTED, f"unknown:{unknown_id}", detail)
    return [UnknownResolved(unknown_id, arrival_id, UnknownAction.DISMISS, None, WITHDRAWN_BY)]


def acknowledge(
    session: Session, sighting_id: int, user: User
) -> Outcome[WatchlistSighting | None]:
    """Mark a sighting acknowledged by `user`, audited; None when there is no such sighting.

    Acknowledging twice keeps the first acknowledgement.
    """
    row = session.get(WatchlistSighting, sighting_id)
    if row is None:
        return None, []
    if row.acknowledged_at is None:
        row.acknowledged_by, row.acknowledged_at = user.username, utcnow()
        session.flush()
        detail = {"entry_id": row.entry_id, "camera": row.camera}
        audit.record(session, user, AuditAction.WATCHLIST_ACK, f"sighting:{row.id}", detail)
    return row, [WatchlistAcknowledged(row.id, row.acknowledged_by or user.username)]


def open_sightings(session: Session, limit: int = 20) -> list[WatchlistSighting]:
    """Sightings nobody acknowledged yet, newest first, with their entry."""
    query = (
        select(WatchlistSighting)
        .where(WatchlistSighting.acknowledged_at.is_(None))
        .options(selectinload(WatchlistSighting.entry))
        .order_by(WatchlistSighting.at.desc(), WatchlistSighting.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def recent_sightings(session: Session, limit: int = 50) -> list[WatchlistSighting]:
    """The latest sightings, acknowledged or not, newest first, with their entry."""
    query = (
        select(WatchlistSighting)
        .options(selectinload(WatchlistSighting.entry))
        .order_by(WatchlistSighting.at.desc(), WatchlistSighting.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def clear_watchlist(session: Session, cutoff: datetime) -> tuple[int, int, list[str]]:
    """Entries enrolled and sightings made before `cutoff`: (entries, sightings, their files)."""
    files: list[str] = []
    old_entries = select(WatchlistEntry).where(WatchlistEntry.created_at < cutoff)
    entries = list(session.scalars(old_entries))
    sightings = 0
    for entry in entries:
        files += [s.photo for s in entry.samples if s.photo]
        files += [s.snapshot for s in entry.sightings if s.snapshot]
        sightings += len(entry.sightings)
        session.delete(entry)
    if entries:
        session.flush()
        bump_watchlist_version(session)
    old = select(WatchlistSighting).where(WatchlistSighting.at < cutoff)
    stale = list(session.scalars(old))
    files += [s.snapshot for s in stale if s.snapshot]
    session.execute(delete(WatchlistSighting).where(WatchlistSighting.at < cutoff))
    return len(entries), sightings + len(stale), files
