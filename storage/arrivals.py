"""Arrivals: one per visit. A guest seen again within the revisit gap extends the same arrival;
a stranger becomes one pending unknown face per visit. Stored first, then told."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import cast

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.config import Config, VisitingHoursConfig
from core.events import ArrivalUpdated, Event, GuestArrived, UnknownFaceSeen
from core.sinks import EventSink
from core.visiting import is_open
from storage.cameras import get_camera
from storage.db import transaction
from storage.guests import decode_vector, encode_vector
from storage.media import MediaStore
from storage.models import Arrival, Camera, Guest, UnknownFace

log = logging.getLogger(__name__)
WAITING_ROOM = "waiting_room"

# Writes the sighting's snapshot under a media kind and returns its relative path.
SnapshotWriter = Callable[[str], str]


@dataclass(frozen=True)
class ArrivalPolicy:
    """When a sighting belongs to an earlier visit, and whether a visit is outside hours."""

    revisit_gap: timedelta
    tolerance: float
    hours: VisitingHoursConfig
    tz: tzinfo

    @classmethod
    def from_config(cls, config: Config) -> ArrivalPolicy:
        """The policy from `tracking`, `recognition`, `visiting_hours` and `timezone`."""
        return cls(
            timedelta(minutes=config.tracking.revisit_gap_minutes),
            config.recognition.tolerance,
            config.visiting_hours,
            config.tz,
        )


@dataclass(frozen=True)
class Sighting:
    """A face followed at one camera from first_seen to last_seen (aware UTC datetimes)."""

    camera: str
    first_seen: datetime
    last_seen: datetime
    distance: float | None = None
    snapshot_score: float = 0.0
    encoding: np.ndarray | None = None


@dataclass
class Recorded:
    """What one sighting changed, for events after commit and for file clean-up."""

    arrival: Arrival
    camera: Camera
    created: bool
    unknown: UnknownFace | None = None
    new_snapshot: str | None = None
    old_snapshot: str | None = None


def find_recent_arrival(session: Session, guest_id: int, since: datetime) -> Arrival | None:
    """The guest's arrival last seen at or after `since` (any camera), newest first."""
    query = (
        select(Arrival)
        .where(Arrival.guest_id == guest_id, Arrival.last_seen >= since)
        .order_by(Arrival.last_seen.desc())
        .limit(1)
    )
    return session.scalar(query)


def find_recent_unknown(
    session: Session, encoding: np.ndarray, since: datetime, tolerance: float
) -> UnknownFace | None:
    """The pending unknown face seen since `since` whose encoding is nearest within tolerance."""
    rows = list(
        session.scalars(
            select(UnknownFace).where(
                UnknownFace.status == "pending",
                UnknownFace.last_seen >= since,
                UnknownFace.encoding.is_not(None),
            )
        )
    )
    if not rows:
        return None
    stored = np.stack([decode_vector(r.encoding) for r in rows])
    distances = np.linalg.norm(stored - np.asarray(encoding, dtype=np.float32), axis=1)
    best = int(np.argmin(distances))
    return rows[best] if distances[best] <= tolerance else None


def _camera(session: Session, name: str) -> Camera:
    camera = get_camera(session, name)
    if camera is None:
        raise LookupError(f"no camera called {name!r}; sync cameras from the config first")
    return camera


def _extend(
    arrival: Arrival, camera: Camera, sighting: Sighting, save: SnapshotWriter | None, kind: str
) -> tuple[str | None, str | None]:
    """Move the arrival's last sighting on; returns (new snapshot, replaced snapshot)."""
    arrival.last_seen = max(arrival.last_seen, sighting.last_seen)
    if sighting.distance is not None and (
        arrival.best_distance is None or sighting.distance < arrival.best_distance
    ):
        arrival.best_distance = sighting.distance
    if camera.role == WAITING_ROOM and arrival.waiting_room_at is None:
        arrival.waiting_room_at = sighting.first_seen
    if save is None or sighting.snapshot_score <= (arrival.snapshot_score or 0.0):
        return None, None
    old, arrival.snapshot = arrival.snapshot, save(kind)
    arrival.snapshot_score = sighting.snapshot_score
    return arrival.snapshot, old


def _new_arrival(
    session: Session,
    policy: ArrivalPolicy,
    camera: Camera,
    guest_id: int | None,
    sighting: Sighting,
    save: SnapshotWriter | None,
    kind: str,
) -> Arrival:
    arrival = Arrival(
        camera_id=camera.id,
        guest_id=guest_id,
        first_seen=sighting.first_seen,
        last_seen=sighting.last_seen,
        waiting_room_at=sighting.first_seen if camera.role == WAITING_ROOM else None,
        snapshot=save(kind) if save is not None else None,
        snapshot_score=sighting.snapshot_score if save is not None else 0.0,
        best_distance=sighting.distance,
        sightings=1,
        outside_hours=not is_open(policy.hours, sighting.first_seen, policy.tz),
        status="waiting",
    )
    session.add(arrival)
    session.flush()
    return arrival


def record_guest(
    session: Session,
    policy: ArrivalPolicy,
    guest_id: int,
    sighting: Sighting,
    save: SnapshotWriter | None = None,
    *,
    arrival_id: int | None = None,
) -> Recorded | None:
    """Extend the guest's current visit or start a new one; None for staff (never recorded).

    `arrival_id` continues the arrival a track is already linked to (not a new sighting).
    """
    guest = session.get(Guest, guest_id)
    if guest is None or guest.is_staff:
        return None
    camera = _camera(session, sighting.camera)
    arrival = session.get(Arrival, arrival_id) if arrival_id is not None else None
    continuing = arrival is not None
    if arrival is None:
        arrival = find_recent_arrival(session, guest_id, sighting.first_seen - policy.revisit_gap)
    if arrival is None:
        arrival = _new_arrival(session, policy, camera, guest_id, sighting, save, "arrivals")
        return Recorded(arrival, camera, True, new_snapshot=arrival.snapshot)
    if not continuing:
        arrival.sightings += 1
    new, old = _extend(arrival, camera, sighting, save, "arrivals")
    session.flush()
    return Recorded(arrival, camera, False, new_snapshot=new, old_snapshot=old)


def record_stranger(
    session: Session,
    policy: ArrivalPolicy,
    sighting: Sighting,
    save: SnapshotWriter | None = None,
    *,
    unknown_id: int | None = None,
) -> Recorded:
    """One pending unknown face (with its arrival) per stranger per visit."""
    camera = _camera(session, sighting.camera)
    unknown = session.get(UnknownFace, unknown_id) if unknown_id is not None else None
    continuing = unknown is not None
    if unknown is None and sighting.encoding is not None:
        since = sighting.first_seen - policy.revisit_gap
        unknown = find_recent_unknown(session, sighting.encoding, since, policy.tolerance)
    if unknown is None:
        return _new_unknown(session, policy, camera, sighting, save)
    arrival = unknown.arrival
    if not continuing:
        arrival.sightings += 1
    new, old = _extend(arrival, camera, sighting, save, "unknown")
    unknown.last_seen = max(unknown.last_seen, sighting.last_seen)
    if new is not None:
        unknown.snapshot, unknown.snapshot_score = new, sighting.snapshot_score
    session.flush()
    return Recorded(arrival, camera, False, unknown, new_snapshot=new, old_snapshot=old)


def _new_unknown(
    session: Session,
    policy: ArrivalPolicy,
    camera: Camera,
    sighting: Sighting,
    save: SnapshotWriter | None,
) -> Recorded:
    arrival = _new_arrival(session, policy, camera, None, sighting, save, "unknown")
    unknown = UnknownFace(
        arrival_id=arrival.id,
        camera_id=camera.id,
        first_seen=sighting.first_seen,
        last_seen=sighting.last_seen,
        snapshot=arrival.snapshot,
        snapshot_score=arrival.snapshot_score,
        encoding=encode_vector(sighting.encoding) if sighting.encoding is not None else None,
        status="pending",
    )
    session.add(unknown)
    session.flush()
    return Recorded(arrival, camera, True, unknown, new_snapshot=arrival.snapshot)


def events_for(recorded: Recorded) -> list[Event]:
    """The events that tell about a recorded sighting."""
    arrival, camera = recorded.arrival, recorded.camera
    if not recorded.created:
        update = ArrivalUpdated(
            arrival.id,
            camera.name,
            arrival.guest_id,
            arrival.last_seen,
            arrival.sightings,
            arrival.waiting_room_at,
            arrival.snapshot,
        )
        return [update]
    guest_name = arrival.guest.name if arrival.guest is not None else None
    events: list[Event] = [
        GuestArrived(
            arrival.id,
            camera.name,
            arrival.guest_id,
            guest_name,
            arrival.first_seen,
            arrival.best_distance,
            arrival.snapshot,
            arrival.outside_hours,
        )
    ]
    if recorded.unknown is not None:
        unknown = recorded.unknown
        seen = UnknownFaceSeen(
            unknown.id, arrival.id, camera.name, unknown.first_seen, unknown.snapshot
        )
        events.append(seen)
    return events


def list_arrivals(
    session: Session,
    *,
    since: datetime | None = None,
    camera: str | None = None,
    limit: int | None = None,
) -> list[Arrival]:
    """Recorded arrivals, oldest first, optionally seen since `since` and/or at one camera."""
    query = select(Arrival).join(Camera, Camera.id == Arrival.camera_id)
    if since is not None:
        query = query.where(Arrival.last_seen >= since)
    if camera is not None:
        query = query.where(Camera.name == camera)
    query = query.order_by(Arrival.first_seen, Arrival.id)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


class ArrivalRecorder:
    """Stores sightings (snapshot file, then one commit) and only then publishes the events."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        media: MediaStore,
        sink: EventSink,
        policy: ArrivalPolicy,
    ) -> None:
        self.sessions = sessions
        self.media = media
        self.sink = sink
        self.policy = policy

    def guest_seen(
        self,
        guest_id: int,
        sighting: Sighting,
        snapshot: np.ndarray | None = None,
        *,
        arrival_id: int | None = None,
    ) -> Recorded | None:
        """Record a recognised guest; None for staff."""
        return self._store(
            lambda s, save: record_guest(
                s, self.policy, guest_id, sighting, save, arrival_id=arrival_id
            ),
            snapshot,
        )

    def stranger_seen(
        self,
        sighting: Sighting,
        snapshot: np.ndarray | None = None,
        *,
        unknown_id: int | None = None,
    ) -> Recorded:
        """Record a stranger (one pending unknown per visit)."""
        recorded = self._store(
            lambda s, save: record_stranger(s, self.policy, sighting, save, unknown_id=unknown_id),
            snapshot,
        )
        return cast(Recorded, recorded)

    def _store(
        self,
        write: Callable[[Session, SnapshotWriter | None], Recorded | None],
        snapshot: np.ndarray | None,
    ) -> Recorded | None:
        written: list[str] = []

        def save(kind: str) -> str:
            written.append(self.media.save_jpeg(snapshot, kind))
            return written[-1]

        try:
            with transaction(self.sessions) as session:
                recorded = write(session, save if snapshot is not None else None)
                events = events_for(recorded) if recorded is not None else []
        except Exception:
            for rel in written:
                self.media.delete(rel)
            raise
        if recorded is not None and recorded.old_snapshot:
            self.media.delete(recorded.old_snapshot)
        for event in events:
            self.sink.publish(event)
        return recorded
