"""Enrolling a new guest from a recorded arrival: its snapshot and its face samples.

The guard or the operator meets someone the cameras recorded without a name (not only a face
still waiting in the guard's queue) and registers them: the visit's best encoding becomes the
guest's enrolment sample with a copy of the snapshot under faces/, the visit's other good
samples join as camera samples, and the arrival (and its pending unknown face) get the name.
Commands return (row, events) and never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.errors import ErrorCode, WorkflowError
from core.events import Event, UnknownResolved
from core.vocab import AuditAction, UnknownAction, UnknownStatus
from core.workflow import validate_guest_fields
from storage import audit
from storage.feedback import learn_from_visit
from storage.guests import GuestError, SampleInfo, add_sample, create_guest, decode_vector
from storage.media import MediaError
from storage.models import Arrival, Guest, UnknownFace, User
from storage.rows import Outcome, get_row
from storage.samples import arrival_samples
from storage.types import utcnow
from storage.unit_of_work import StagedFiles


def unnamed_arrivals(session: Session, since: datetime, limit: int = 50) -> list[Arrival]:
    """Arrivals since `since` that nobody is named for, newest first, with their camera."""
    query = (
        select(Arrival)
        .where(Arrival.guest_id.is_(None), Arrival.first_seen >= since)
        .options(selectinload(Arrival.camera))
        .order_by(Arrival.first_seen.desc(), Arrival.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def _pending_unknown(session: Session, arrival_id: int) -> UnknownFace | None:
    query = select(UnknownFace).where(
        UnknownFace.arrival_id == arrival_id, UnknownFace.status == UnknownStatus.PENDING
    )
    return session.scalars(query.limit(1)).first()


def _best_encoding(
    session: Session, arrival: Arrival, unknown: UnknownFace | None
) -> tuple[np.ndarray, SampleInfo]:
    """The visit's best sample (encoding, info), else its unknown face's; NO_ENCODING if none."""
    samples = arrival_samples(session, arrival.id)
    if samples:
        best = samples[0]
        info = SampleInfo(
            quality=best.quality, face_px=best.face_px, sharpness=best.sharpness,
            frontalness=best.frontalness, camera=best.camera.name,
            captured_at=best.captured_at, arrival_id=arrival.id,
        )  # fmt: skip
        return decode_vector(best.encoding), info
    if unknown is not None and unknown.encoding is not None:
        return decode_vector(unknown.encoding), SampleInfo(arrival_id=arrival.id)
    raise WorkflowError(ErrorCode.NO_FACE_DATA, id=arrival.id)


def _copy_snapshot(files: StagedFiles, arrival: Arrival) -> str | None:
    if not arrival.snapshot:
        return None
    try:
        return files.copy(arrival.snapshot, "faces")
    except (MediaError, OSError):
        return None  # the encoding alone still enrols; the snapshot may have been purged


def enrol_from_arrival(
    session: Session,
    files: StagedFiles,
    arrival_id: int,
    user: User,
    guest_fields: Mapping[str, object] | None,
    *,
    learn_bound: int = 0,
) -> Outcome[Guest]:
    """A new guest from an unnamed arrival's snapshot and samples; the arrival gets the name."""
    arrival = get_row(session, Arrival, arrival_id, lock=True)
    if arrival.guest_id is not None:
        raise WorkflowError(ErrorCode.ALREADY_NAMED, id=arrival.id)
    unknown = _pending_unknown(session, arrival.id)
    encoding, info = _best_encoding(session, arrival, unknown)
    fields = validate_guest_fields(guest_fields)
    try:
        guest = create_guest(
            session, name=fields.name, category=fields.category,
            institution=fields.institution, phone=fields.phone,
        )  # fmt: skip
    except GuestError as exc:
        raise WorkflowError(ErrorCode.BAD_GUEST, reason=str(exc)) from exc
    add_sample(session, guest, encoding, _copy_snapshot(files, arrival), info)
    learnt = learn_from_visit(session, arrival.id, guest, user, bound=learn_bound)
    arrival.guest_id = guest.id
    events: list[Event] = []
    if unknown is not None:
        unknown.status = UnknownStatus.REGISTERED
        unknown.guest_id = guest.id
        unknown.resolved_by = user.id
        unknown.resolved_at = utcnow()
        events.append(
            UnknownResolved(unknown.id, arrival.id, UnknownAction.REGISTER, guest.id, user.username)
        )
    session.flush()
    detail = {"via": "arrival", "arrival_id": arrival.id, "samples": 1 + len(learnt)}
    audit.record(session, user, AuditAction.GUEST_ADD, f"guest:{guest.id}", detail)
    return guest, events
