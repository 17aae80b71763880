"""When the camera's evidence changes who a recorded track is: promote or reopen in place.

A stranger recognised later becomes the guest's arrival (joining the guest's open visit when it
has one and nothing was done on the stranger's arrival yet): the guard's unknown face is closed
as "recognised", the Bupati's card changes name, and one audit row says why. A named arrival whose
evidence turned against the name is reopened the same way: renamed, or back to an unknown face.
Only arrivals created by the track and still untouched by people change in place; anything a
person already acted on stays as it is, and the track is recorded afresh instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.events import ArrivalReidentified, Event, UnknownFaceSeen
from core.vocab import ArrivalStatus, AuditAction, UnknownStatus
from storage import audit
from storage.arrivals import (
    ArrivalPolicy,
    Recorded,
    Sighting,
    SnapshotWriter,
    add_unknown,
    camera_row,
    events_for,
    extend_arrival,
    find_recent_arrival,
    record_guest,
    record_stranger,
)
from storage.models import Arrival, Decision, EscortTask, Guest, GuestBookEntry, UnknownFace
from storage.samples import keep_track_samples, move_samples
from storage.types import utcnow


@dataclass(frozen=True)
class Change:
    """A re-identification: the new guest (None = nobody) and the reason code."""

    guest_id: int | None
    reason: str
    distance: float | None = None


def untouched(session: Session, arrival: Arrival) -> bool:
    """Nobody decided, checked in or escorted anything for this arrival yet."""
    if arrival.status != ArrivalStatus.WAITING:
        return False
    for model in (Decision, GuestBookEntry, EscortTask):
        found = session.scalar(select(model.id).where(model.arrival_id == arrival.id).limit(1))
        if found is not None:
            return False
    return True


def promote_unknown(
    session: Session,
    policy: ArrivalPolicy,
    unknown_id: int,
    change: Change,
    sighting: Sighting,
    save: SnapshotWriter | None = None,
) -> Recorded | None:
    """A pending unknown face recognised as a guest; None when a person already resolved it."""
    unknown = session.get(UnknownFace, unknown_id, with_for_update=True)
    guest = session.get(Guest, change.guest_id) if change.guest_id is not None else None
    if unknown is None or unknown.status != UnknownStatus.PENDING or guest is None:
        return None
    arrival, camera = unknown.arrival, camera_row(session, sighting.camera)
    unknown.status, unknown.guest_id, unknown.resolved_at = (
        UnknownStatus.RECOGNISED,
        guest.id,
        utcnow(),
    )
    # The guest's arrival carries the face from now on; the stranger's copy is not needed.
    stale = [unknown.snapshot] if unknown.snapshot else []
    unknown.snapshot, unknown.encoding = None, None
    previous = arrival.guest_id
    target = _open_visit(session, policy, guest, arrival) if not guest.is_staff else None
    if guest.is_staff:
        arrival.guest_id, arrival.status = guest.id, ArrivalStatus.DISMISSED
        rec = Recorded(arrival, camera, False, unknown)
    elif target is not None:
        rec = _merge(session, arrival, target, camera, sighting, save, policy)
    else:
        rec = _rename(session, arrival, camera, guest.id, sighting, save)
    rec.unknown = unknown
    rec.stale_files += stale
    merged = rec.arrival.id if rec.arrival.id != arrival.id else None
    _audit(session, arrival, unknown.id, previous, change, merged)
    rec.events = [_event(arrival, rec, guest, previous, unknown.id, change, merged)]
    if merged is not None:
        rec.events += events_for(Recorded(rec.arrival, camera, False))
    return rec


def reopen_arrival(
    session: Session,
    policy: ArrivalPolicy,
    arrival_id: int,
    change: Change,
    sighting: Sighting,
    save: SnapshotWriter | None = None,
    *,
    created_by_track: bool = True,
) -> Recorded | None:
    """A named arrival whose evidence now says somebody else (or nobody)."""
    arrival = session.get(Arrival, arrival_id, with_for_update=True)
    if arrival is None or not created_by_track or not untouched(session, arrival):
        return _afresh(session, policy, change, sighting, save)
    camera, previous = camera_row(session, sighting.camera), arrival.guest_id
    guest = session.get(Guest, change.guest_id) if change.guest_id is not None else None
    if guest is not None and guest.is_staff:
        arrival.guest_id, arrival.status = guest.id, ArrivalStatus.DISMISSED
        rec = Recorded(arrival, camera, False)
    elif guest is not None:
        target = _open_visit(session, policy, guest, arrival)
        if target is not None:
            rec = _merge(session, arrival, target, camera, sighting, save, policy)
        else:
            rec = _rename(session, arrival, camera, guest.id, sighting, save)
    else:
        rec = _rename(session, arrival, camera, None, sighting, save, kind="unknown")
        rec.unknown = add_unknown(session, arrival, camera, sighting)
    merged = rec.arrival.id if rec.arrival.id != arrival.id else None
    unknown_id = rec.unknown.id if rec.unknown is not None else None
    _audit(session, arrival, unknown_id, previous, change, merged)
    rec.events = [_event(arrival, rec, guest, previous, unknown_id, change, merged)]
    if merged is not None:
        rec.events += events_for(Recorded(rec.arrival, camera, False))
    if rec.unknown is not None:
        u = rec.unknown
        rec.events.append(UnknownFaceSeen(u.id, arrival.id, camera.name, u.first_seen, u.snapshot))
    return rec


def _afresh(
    session: Session,
    policy: ArrivalPolicy,
    change: Change,
    sighting: Sighting,
    save: SnapshotWriter | None,
) -> Recorded | None:
    """People already acted on the old arrival: record the track as a new sighting instead."""
    if change.guest_id is not None:
        return record_guest(session, policy, change.guest_id, sighting, save)
    return record_stranger(session, policy, sighting, save)


def _open_visit(
    session: Session, policy: ArrivalPolicy, guest: Guest, arrival: Arrival
) -> Arrival | None:
    """The guest's other open visit this arrival may join (only if this one is untouched)."""
    if not untouched(session, arrival):
        return None
    since = arrival.first_seen - policy.revisit_gap
    return find_recent_arrival(session, guest.id, since, exclude=arrival.id)


def _rename(
    session: Session,
    arrival: Arrival,
    camera: object,
    guest_id: int | None,
    sighting: Sighting,
    save: SnapshotWriter | None,
    *,
    kind: str = "arrivals",
) -> Recorded:
    """The same arrival, now somebody else: a snapshot that shows them replaces the old one."""
    arrival.guest_id = guest_id
    arrival.best_distance = sighting.distance
    old = arrival.snapshot
    new = save(kind) if save is not None else None
    if new is not None:
        arrival.snapshot, arrival.snapshot_score = new, sighting.snapshot_score
    keep_track_samples(session, arrival, arrival.camera, sighting.track, sighting.samples)
    session.flush()
    rec = Recorded(arrival, arrival.camera, False, new_snapshot=new)
    if new is not None and old:
        rec.stale_files.append(old)
    return rec


def _merge(
    session: Session,
    arrival: Arrival,
    target: Arrival,
    camera: object,
    sighting: Sighting,
    save: SnapshotWriter | None,
    policy: ArrivalPolicy,
) -> Recorded:
    """Fold `arrival` into the guest's open visit `target` and delete it."""
    target.sightings += arrival.sightings
    target.first_seen = min(target.first_seen, arrival.first_seen)
    if arrival.waiting_room_at is not None and (
        target.waiting_room_at is None or arrival.waiting_room_at < target.waiting_room_at
    ):
        target.waiting_room_at = arrival.waiting_room_at
    new, old = extend_arrival(target, target.camera, sighting, save, "arrivals")
    move_samples(session, arrival.id, target.id)
    keep_track_samples(session, target, target.camera, sighting.track, sighting.samples)
    stale = [p for p in (arrival.snapshot, old) if p]
    session.delete(arrival)
    session.flush()
    return Recorded(target, target.camera, False, new_snapshot=new, stale_files=stale)


def _audit(
    session: Session,
    arrival: Arrival,
    unknown_id: int | None,
    previous: int | None,
    change: Change,
    merged: int | None,
) -> None:
    detail = {
        "arrival_id": arrival.id,
        "unknown_id": unknown_id,
        "from_guest_id": previous,
        "to_guest_id": change.guest_id,
        "reason": change.reason,
        "distance": None if change.distance is None else round(change.distance, 4),
        "merged_into": merged,
    }
    promoted = previous is None and change.guest_id is not None
    action = AuditAction.RECOGNISED if promoted else AuditAction.REIDENTIFIED
    audit.record(session, None, action, f"arrival:{arrival.id}", detail)


def _event(
    arrival: Arrival,
    rec: Recorded,
    guest: Guest | None,
    previous: int | None,
    unknown_id: int | None,
    change: Change,
    merged: int | None,
) -> Event:
    return ArrivalReidentified(
        arrival_id=arrival.id,
        camera=rec.camera.name,
        guest_id=guest.id if guest is not None else None,
        guest_name=guest.name if guest is not None else None,
        previous_guest_id=previous,
        unknown_id=unknown_id,
        reason=change.reason,
        at=utcnow(),
        merged_into=merged,
        snapshot=rec.arrival.snapshot,
        distance=change.distance,
    )
