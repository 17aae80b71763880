"""Arrivals: one per visit. A guest seen again within the revisit gap extends the same arrival;
a stranger becomes one pending unknown face per visit. Stored first, then told.

Recognition decides (in `vision`): which guest a track is, and which recent unknown face a
stranger is; storage only stores what it is told, and says which events that makes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import Config, VisitingHoursConfig
from core.events import AppointmentsChanged, ArrivalUpdated, Event, GuestArrived, UnknownFaceSeen
from core.visiting import is_open
from core.vocab import AppointmentStatus, ArrivalStatus, UnknownStatus
from storage.appointments import match_arrival
from storage.cameras import get_camera
from storage.guests import encode_vector
from storage.models import Arrival, Camera, Guest, UnknownFace
from storage.samples import TrackSample, keep_track_samples
from storage.types import utcnow

log = logging.getLogger(__name__)
WAITING_ROOM = "waiting_room"

# Writes the sighting's snapshot under a media kind and returns its relative path, or None when
# the media store cannot take it (the arrival is then stored without a snapshot).
SnapshotWriter = Callable[[str], str | None]

__all__ = [
    "ArrivalPolicy",
    "Recorded",
    "Sighting",
    "SnapshotWriter",
    "TrackSample",
    "events_for",
    "find_recent_arrival",
    "list_arrivals",
    "record_guest",
    "record_stranger",
]


@dataclass(frozen=True)
class ArrivalPolicy:
    """When a sighting belongs to an earlier visit, and whether a visit is outside hours."""

    revisit_gap: timedelta
    hours: VisitingHoursConfig
    tz: tzinfo
    appointment_slack: timedelta = timedelta(minutes=30)

    @classmethod
    def from_config(cls, config: Config) -> ArrivalPolicy:
        """The policy from `tracking`, `visiting_hours`, `timezone` and `appointments`."""
        return cls(
            timedelta(minutes=config.tracking.revisit_gap_minutes),
            config.visiting_hours,
            config.tz,
            timedelta(minutes=config.appointments.match_slack_minutes),
        )


@dataclass(frozen=True)
class Sighting:
    """A face followed at one camera from first_seen to last_seen (aware UTC datetimes).

    `encoding` is a stranger's representative encoding (kept with the unknown face), `track`
    names the track segment and `samples` are its best good samples, kept with the arrival.
    """

    camera: str
    first_seen: datetime
    last_seen: datetime
    distance: float | None = None
    snapshot_score: float = 0.0
    encoding: np.ndarray | None = None
    track: str = ""
    samples: tuple[TrackSample, ...] = ()


@dataclass
class Recorded:
    """What one sighting changed, for events after commit and for file clean-up."""

    arrival: Arrival
    camera: Camera
    created: bool
    unknown: UnknownFace | None = None
    new_snapshot: str | None = None
    old_snapshot: str | None = None
    events: list[Event] = field(default_factory=list)
    stale_files: list[str] = field(default_factory=list)
    appointment_id: int | None = None  # the expected guest's appointment a new arrival fulfils


def find_recent_arrival(
    session: Session, guest_id: int, since: datetime, *, exclude: int | None = None
) -> Arrival | None:
    """The guest's arrival last seen at or after `since` (any camera), newest first."""
    query = select(Arrival).where(Arrival.guest_id == guest_id, Arrival.last_seen >= since)
    if exclude is not None:
        query = query.where(Arrival.id != exclude)
    return session.scalar(query.order_by(Arrival.last_seen.desc()).limit(1))


def camera_row(session: Session, name: str) -> Camera:
    """The camera row called `name`; LookupError when the cameras were never synced."""
    camera = get_camera(session, name)
    if camera is None:
        raise LookupError(f"no camera called {name!r}; sync cameras from the config first")
    return camera


def extend_arrival(
    arrival: Arrival, camera: Camera, sighting: Sighting, save: SnapshotWriter | None, kind: str
) -> tuple[str | None, str | None]:
    """Move the arrival's last sighting on; returns (new snapshot, replaced snapshot)."""
    arrival.last_seen = max(arrival.last_seen, sighting.last_seen)
    arrival.first_seen = min(arrival.first_seen, sighting.first_seen)
    if sighting.distance is not None and (
        arrival.best_distance is None or sighting.distance < arrival.best_distance
    ):
        arrival.best_distance = sighting.distance
    if camera.role == WAITING_ROOM and (
        arrival.waiting_room_at is None or sighting.first_seen < arrival.waiting_room_at
    ):
        arrival.waiting_room_at = sighting.first_seen
    if save is None or sighting.snapshot_score <= (arrival.snapshot_score or 0.0):
        return None, None
    path = save(kind)
    if path is None:
        return None, None
    old, arrival.snapshot = arrival.snapshot, path
    arrival.snapshot_score = sighting.snapshot_score
    return path, old


def new_arrival(
    session: Session,
    policy: ArrivalPolicy,
    camera: Camera,
    guest_id: int | None,
    sighting: Sighting,
    save: SnapshotWriter | None,
    kind: str,
) -> Arrival:
    """A new visit from one sighting (flushed, so it has an id)."""
    snapshot = save(kind) if save is not None else None
    arrival = Arrival(
        camera_id=camera.id,
        guest_id=guest_id,
        first_seen=sighting.first_seen,
        last_seen=sighting.last_seen,
        waiting_room_at=sighting.first_seen if camera.role == WAITING_ROOM else None,
        snapshot=snapshot,
        snapshot_score=sighting.snapshot_score if snapshot is not None else 0.0,
        best_distance=sighting.distance,
        sightings=1,
        outside_hours=not is_open(policy.hours, sighting.first_seen, policy.tz),
        status=ArrivalStatus.WAITING,
        recorded_at=utcnow(),
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
    camera = camera_row(session, sighting.camera)
    arrival = session.get(Arrival, arrival_id) if arrival_id is not None else None
    continuing = arrival is not None
    if arrival is None:
        arrival = find_recent_arrival(session, guest_id, sighting.first_seen - policy.revisit_gap)
    if arrival is None:
        arrival = new_arrival(session, policy, camera, guest_id, sighting, save, "arrivals")
        keep_track_samples(session, arrival, camera, sighting.track, sighting.samples)
        expected = match_arrival(session, arrival, policy.appointment_slack)
        appointment_id = expected.id if expected is not None else None
        return Recorded(
            arrival, camera, True, new_snapshot=arrival.snapshot, appointment_id=appointment_id
        )
    if not continuing:
        arrival.sightings += 1
    new, old = extend_arrival(arrival, camera, sighting, save, "arrivals")
    keep_track_samples(session, arrival, camera, sighting.track, sighting.samples)
    session.flush()
    return Recorded(arrival, camera, False, new_snapshot=new, old_snapshot=old)


def record_stranger(
    session: Session,
    policy: ArrivalPolicy,
    sighting: Sighting,
    save: SnapshotWriter | None = None,
    *,
    unknown_id: int | None = None,
    continuing: bool = False,
) -> Recorded:
    """One pending unknown face (with its arrival) per stranger per visit.

    `unknown_id` is the unknown face the matcher found this stranger to be (a new sighting of
    it), or the one the track is already linked to (`continuing`); None starts a new one.
    """
    camera = camera_row(session, sighting.camera)
    unknown = session.get(UnknownFace, unknown_id) if unknown_id is not None else None
    if unknown is None:
        return _new_unknown(session, policy, camera, sighting, save)
    arrival = unknown.arrival
    if not continuing:
        arrival.sightings += 1
    new, old = extend_arrival(arrival, camera, sighting, save, "unknown")
    unknown.last_seen = max(unknown.last_seen, sighting.last_seen)
    if new is not None and unknown.status == UnknownStatus.PENDING:
        unknown.snapshot, unknown.snapshot_score = new, sighting.snapshot_score
    if sighting.encoding is not None and unknown.status == UnknownStatus.PENDING:
        unknown.encoding = encode_vector(sighting.encoding)
    keep_track_samples(session, arrival, camera, sighting.track, sighting.samples)
    session.flush()
    return Recorded(arrival, camera, False, unknown, new_snapshot=new, old_snapshot=old)


def _new_unknown(
    session: Session,
    policy: ArrivalPolicy,
    camera: Camera,
    sighting: Sighting,
    save: SnapshotWriter | None,
) -> Recorded:
    arrival = new_arrival(session, policy, camera, None, sighting, save, "unknown")
    unknown = add_unknown(session, arrival, camera, sighting)
    keep_track_samples(session, arrival, camera, sighting.track, sighting.samples)
    return Recorded(arrival, camera, True, unknown, new_snapshot=arrival.snapshot)


def add_unknown(
    session: Session, arrival: Arrival, camera: Camera, sighting: Sighting
) -> UnknownFace:
    """A pending unknown face for `arrival`, sharing its snapshot."""
    unknown = UnknownFace(
        arrival_id=arrival.id,
        camera_id=camera.id,
        first_seen=sighting.first_seen,
        last_seen=sighting.last_seen,
        snapshot=arrival.snapshot,
        snapshot_score=arrival.snapshot_score,
        encoding=encode_vector(sighting.encoding) if sighting.encoding is not None else None,
        status=UnknownStatus.PENDING,
    )
    session.add(unknown)
    session.flush()
    return unknown


def events_for(recorded: Recorded) -> list[Event]:
    """The events that tell about a recorded sighting."""
    if recorded.events:
        return list(recorded.events)
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
            recorded.appointment_id,
        )
    ]
    if recorded.appointment_id is not None:
        events.append(
            AppointmentsChanged(recorded.appointment_id, AppointmentStatus.ARRIVED, arrival.id)
        )
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
