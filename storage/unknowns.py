"""Strangers' faces: the guard's queue, and resolving a face (identify, register, not a guest).

Resolving can enrol the face: the unknown's encoding becomes a face sample and its snapshot is
copied under faces/ through the unit of work's files, so a failed step leaves no copy behind
and purging the snapshot later keeps the enrolment. Commands return (row, events).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.errors import ErrorCode, Field, WorkflowError
from core.events import Event, GuestBookChanged, UnknownResolved
from core.vocab import (
    ArrivalStatus,
    AuditAction,
    GuestBookAction,
    GuestCategory,
    UnknownAction,
    UnknownStatus,
)
from core.workflow import (
    NAME_MAX,
    PURPOSE_MAX,
    GuestBookFields,
    check_unknown_action,
    clean_text,
    validate_guest_fields,
)
from storage import audit
from storage.feedback import learn_from_visit
from storage.guestbook import add_entry
from storage.guests import GuestError, add_sample, create_guest, decode_vector
from storage.media import MediaError
from storage.models import Arrival, Guest, UnknownFace, User
from storage.rows import Outcome, get_row
from storage.types import utcnow
from storage.unit_of_work import StagedFiles

log = logging.getLogger(__name__)


def pending_queue(session: Session, limit: int) -> list[UnknownFace]:
    """Pending unknown faces, newest first, with their camera and arrival."""
    query = (
        select(UnknownFace)
        .where(UnknownFace.status == UnknownStatus.PENDING)
        .options(selectinload(UnknownFace.camera), selectinload(UnknownFace.arrival))
        .order_by(UnknownFace.first_seen.desc(), UnknownFace.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def pending_for_arrivals(session: Session, arrival_ids: list[int]) -> dict[int, int]:
    """arrival id → id of its pending unknown face."""
    if not arrival_ids:
        return {}
    query = select(UnknownFace.arrival_id, UnknownFace.id).where(
        UnknownFace.arrival_id.in_(arrival_ids), UnknownFace.status == UnknownStatus.PENDING
    )
    return {arrival_id: unknown_id for arrival_id, unknown_id in session.execute(query).tuples()}


def resolve_unknown(
    session: Session,
    files: StagedFiles,
    unknown_id: int,
    action: str,
    user: User,
    *,
    guest_id: int | None = None,
    guest_fields: Mapping[str, object] | None = None,
    purpose: str | None = None,
    learn_bound: int = 0,
) -> Outcome[UnknownFace]:
    """The guard's answer to a stranger's face: identify, register, not_guest or dismiss.

    Naming the face (identify, register) confirms the visit's footage: up to `learn_bound`
    camera samples per guest are kept in the gallery (0: learn nothing).
    """
    now = utcnow()
    unknown = get_row(session, UnknownFace, unknown_id, lock=True)
    chosen, new_status = check_unknown_action(action, unknown.status)
    arrival = get_row(session, Arrival, unknown.arrival_id)
    events: list[Event] = []
    guest: Guest | None = None
    if chosen is UnknownAction.IDENTIFY:
        guest = _identify(session, files, unknown, guest_id)
    elif chosen is UnknownAction.REGISTER:
        guest = _register(session, files, unknown, user, guest_fields, purpose, events)
    elif chosen is UnknownAction.NOT_GUEST:
        guest = _not_guest(session, unknown, guest_id, guest_fields)
    if guest is not None:
        arrival.guest_id = guest.id
        unknown.guest_id = guest.id
        if learn_bound and not guest.is_staff:
            learn_from_visit(session, arrival.id, guest, user, bound=learn_bound)
    if chosen in (UnknownAction.NOT_GUEST, UnknownAction.DISMISS):
        arrival.status = ArrivalStatus.DISMISSED
    unknown.status = new_status
    unknown.resolved_by = user.id
    unknown.resolved_at = now
    session.flush()
    detail = {"action": chosen, "arrival_id": arrival.id, "guest_id": unknown.guest_id}
    audit.record(session, user, AuditAction.RESOLVE_UNKNOWN, f"unknown:{unknown.id}", detail)
    resolved = UnknownResolved(unknown.id, arrival.id, chosen, unknown.guest_id, user.username)
    return unknown, [resolved, *events]


def _identify(
    session: Session, files: StagedFiles, unknown: UnknownFace, guest_id: int | None
) -> Guest:
    if guest_id is None:
        raise WorkflowError(ErrorCode.CHOOSE_GUEST)
    guest = get_row(session, Guest, guest_id)
    if guest.is_staff:
        raise WorkflowError(ErrorCode.IS_STAFF)
    _enrol(session, files, guest, unknown)
    return guest


def _register(
    session: Session,
    files: StagedFiles,
    unknown: UnknownFace,
    user: User,
    guest_fields: Mapping[str, object] | None,
    purpose: str | None,
    events: list[Event],
) -> Guest:
    fields = validate_guest_fields(guest_fields)
    why = clean_text(purpose, Field.PURPOSE, PURPOSE_MAX, required=False)
    guest = _create_guest(
        session,
        name=fields.name,
        category=fields.category,
        institution=fields.institution,
        phone=fields.phone,
    )
    _enrol(session, files, guest, unknown)
    if why is not None:
        book = GuestBookFields(
            fields.name, fields.category, fields.institution, why, fields.phone, companions=0
        )
        entry = add_entry(session, user, book, arrival_id=unknown.arrival_id, guest_id=guest.id)
        audit.record(
            session,
            user,
            AuditAction.CHECKIN,
            f"guestbook:{entry.id}",
            {"via": UnknownAction.REGISTER},
        )
        events.append(GuestBookChanged(entry.id, entry.arrival_id, GuestBookAction.CHECKIN))
    return guest


def _not_guest(
    session: Session,
    unknown: UnknownFace,
    guest_id: int | None,
    guest_fields: Mapping[str, object] | None,
) -> Guest:
    if unknown.encoding is None:
        raise WorkflowError(ErrorCode.NO_ENCODING)
    if guest_id is not None:
        guest = get_row(session, Guest, guest_id)
        guest.is_staff = True
    else:
        name = clean_text((guest_fields or {}).get("name"), Field.NAME, NAME_MAX, required=False)
        guest = _create_guest(
            session, name=name or f"Staf/keluarga (wajah #{unknown.id})", is_staff=True
        )
    # The photo stays out: a staff sample only needs the encoding to be skipped.
    add_sample(session, guest, decode_vector(unknown.encoding), None)
    return guest


def _create_guest(
    session: Session,
    *,
    name: str,
    category: str = GuestCategory.MASYARAKAT,
    institution: str | None = None,
    phone: str | None = None,
    is_staff: bool = False,
) -> Guest:
    try:
        return create_guest(
            session,
            name=name,
            category=category,
            institution=institution,
            phone=phone,
            is_staff=is_staff,
        )
    except GuestError as exc:
        raise WorkflowError(ErrorCode.BAD_GUEST, reason=str(exc)) from exc


def _enrol(session: Session, files: StagedFiles, guest: Guest, unknown: UnknownFace) -> None:
    """Add the unknown's encoding (and a copy of its snapshot) as the guest's face sample."""
    if unknown.encoding is None:
        log.info("unknown face %s has no encoding; linked without enrolling", unknown.id)
        return
    add_sample(session, guest, decode_vector(unknown.encoding), _copy_snapshot(files, unknown))


def _copy_snapshot(files: StagedFiles, unknown: UnknownFace) -> str | None:
    """A copy of the unknown's snapshot under faces/, so purging snapshots keeps the enrolment."""
    if not unknown.snapshot:
        return None
    try:
        return files.copy(unknown.snapshot, "faces")
    except (MediaError, OSError) as exc:
        log.warning(
            "snapshot of unknown face %s unusable (%s); enrolled without a photo", unknown.id, exc
        )
        return None
