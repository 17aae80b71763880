"""What people tell recognition: confirmed footage teaches the gallery, a wrong name un-teaches.

When the guard says who an unknown face is, or the operator checks in an arrival under the name
the camera gave it, the visit's best good samples join that guest's gallery as camera samples
(bounded per guest; the lowest quality goes first). "Bukan orang ini" (not this person) turns a
named arrival back into an unknown face for the guard, keeps its samples as impostor samples of
the guest it was wrongly given, and withdraws whatever footage that visit had taught the gallery.
Commands return (row, events) and never commit.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import ErrorCode, WorkflowError
from core.events import ArrivalReidentified, Event, UnknownFaceSeen
from core.vocab import AuditAction, RecognitionReason, SampleSource, UnknownStatus
from storage import audit
from storage.guests import (
    SampleInfo,
    add_impostor,
    add_sample,
    decode_vector,
    encode_vector,
    trim_camera_samples,
)
from storage.models import (
    Arrival,
    ArrivalSample,
    FaceSample,
    Guest,
    GuestBookEntry,
    UnknownFace,
    User,
)
from storage.rows import Outcome, get_row
from storage.samples import arrival_samples
from storage.settings import bump_enrolment_version
from storage.types import utcnow

# The best samples of one visit that join the gallery, and the gallery's default bound per guest.
LEARN_PER_VISIT = 3
DEFAULT_BOUND = 10


def learn_from_visit(
    session: Session,
    arrival_id: int,
    guest: Guest,
    user: User | None,
    *,
    bound: int = DEFAULT_BOUND,
) -> list[FaceSample]:
    """The visit's best samples join `guest`'s gallery (each once); the new rows."""
    if guest.is_staff or bound <= 0:
        return []
    learnt = {
        row.captured_at
        for row in session.scalars(
            select(FaceSample).where(
                FaceSample.guest_id == guest.id, FaceSample.arrival_id == arrival_id
            )
        )
    }
    fresh = [s for s in arrival_samples(session, arrival_id) if s.captured_at not in learnt]
    added = [
        add_sample(
            session,
            guest,
            decode_vector(s.encoding),
            None,
            SampleInfo(
                source=SampleSource.CAMERA,
                camera=s.camera.name,
                captured_at=s.captured_at,
                arrival_id=arrival_id,
                quality=s.quality,
                face_px=s.face_px,
                sharpness=s.sharpness,
                frontalness=s.frontalness,
            ),
        )
        for s in fresh[:LEARN_PER_VISIT]
    ]
    if not added:
        return []
    trim_camera_samples(session, guest.id, bound)
    detail = {"arrival_id": arrival_id, "samples": len(added)}
    audit.record(session, user, AuditAction.FOOTAGE_LEARNT, f"guest:{guest.id}", detail)
    return added


def not_this_person(session: Session, arrival_id: int, user: User) -> Outcome[UnknownFace]:
    """ "Bukan orang ini": the named arrival becomes an unknown face for the guard."""
    arrival = get_row(session, Arrival, arrival_id, lock=True)
    wrong = session.get(Guest, arrival.guest_id) if arrival.guest_id is not None else None
    if wrong is None:
        raise WorkflowError(ErrorCode.NOT_NAMED, id=arrival.id)
    samples = arrival_samples(session, arrival.id)
    for sample in samples:
        add_impostor(
            session,
            wrong.id,
            decode_vector(sample.encoding),
            arrival_id=arrival.id,
            quality=sample.quality,
            user_id=user.id,
        )
    unlearnt = _unlearn(session, arrival.id, wrong.id)
    arrival.guest_id, arrival.best_distance = None, None
    for entry in session.scalars(
        select(GuestBookEntry).where(GuestBookEntry.arrival_id == arrival.id)
    ):
        if entry.guest_id == wrong.id:
            entry.guest_id = None
    unknown = UnknownFace(
        arrival_id=arrival.id,
        camera_id=arrival.camera_id,
        first_seen=arrival.first_seen,
        last_seen=arrival.last_seen,
        snapshot=arrival.snapshot,
        snapshot_score=arrival.snapshot_score,
        encoding=_mean(samples),
        status=UnknownStatus.PENDING,
    )
    session.add(unknown)
    session.flush()
    detail = {
        "arrival_id": arrival.id,
        "guest_id": wrong.id,
        "impostor_samples": len(samples),
        "unlearnt_samples": unlearnt,
    }
    audit.record(session, user, AuditAction.NOT_THIS_PERSON, f"arrival:{arrival.id}", detail)
    return unknown, _events(arrival, unknown, wrong)


def _unlearn(session: Session, arrival_id: int, guest_id: int) -> int:
    """Withdraw the camera samples this visit taught the wrongly named guest."""
    rows = list(
        session.scalars(
            select(FaceSample).where(
                FaceSample.guest_id == guest_id,
                FaceSample.arrival_id == arrival_id,
                FaceSample.source == SampleSource.CAMERA,
            )
        )
    )
    for row in rows:
        session.delete(row)
    if rows:
        session.flush()
        bump_enrolment_version(session)
    return len(rows)


def _mean(samples: list[ArrivalSample]) -> bytes | None:
    """The samples' mean encoding, stored like an unknown face's (None without samples)."""
    if not samples:
        return None
    vectors = np.stack([decode_vector(s.encoding) for s in samples])
    return encode_vector(vectors.mean(axis=0))


def _events(arrival: Arrival, unknown: UnknownFace, wrong: Guest) -> list[Event]:
    camera = arrival.camera.name
    return [
        ArrivalReidentified(
            arrival_id=arrival.id,
            camera=camera,
            guest_id=None,
            guest_name=None,
            previous_guest_id=wrong.id,
            unknown_id=unknown.id,
            reason=RecognitionReason.NOT_THIS_PERSON,
            at=utcnow(),
            snapshot=arrival.snapshot,
        ),
        UnknownFaceSeen(unknown.id, arrival.id, camera, unknown.first_seen, unknown.snapshot),
    ]
