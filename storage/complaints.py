"""Complaints and suggestions from the public (pengaduan): submit, track, answer, count.

The submitter gets a random tracking number (never the row id). Staff move a complaint
received → in progress → answered; each move is audited. One not answered by its `due_at`
(created + `complaints.response_days`) is overdue.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import ErrorCode, Field, Record, WorkflowError
from core.vocab import AuditAction, ComplaintKind, ComplaintStatus
from core.workflow import clean_text, required_text
from storage import audit
from storage.models import User
from storage.models_public import Complaint
from storage.rows import ID_MAX, Outcome
from storage.types import utcnow

NAME_MAX = 120
CONTACT_MAX = 120
MESSAGE_MAX = 2000
RESPONSE_MAX = 2000
# No 0/O or 1/I/L: the number is read aloud and typed from paper.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_PREFIX = "PGD-"
TRACKING_LEN = 8
# The moves staff may make; answering needs a response text.
MOVES: dict[str, frozenset[str]] = {
    ComplaintStatus.RECEIVED: frozenset({ComplaintStatus.IN_PROGRESS, ComplaintStatus.ANSWERED}),
    ComplaintStatus.IN_PROGRESS: frozenset({ComplaintStatus.ANSWERED}),
    ComplaintStatus.ANSWERED: frozenset(),
}


@dataclass(frozen=True)
class ComplaintCounts:
    """Complaints received in a period, by their status now, and how many ran late."""

    total: int
    received: int
    in_progress: int
    answered: int
    overdue: int  # still open after their due time
    answered_late: int  # answered, but after their due time


def new_tracking_no() -> str:
    """A random tracking number such as PGD-7KQ2M9XA."""
    body = "".join(secrets.choice(_ALPHABET) for _ in range(TRACKING_LEN))
    return TRACKING_PREFIX + body


def normalise_tracking_no(raw: object) -> str | None:
    """A typed tracking number in its stored form, or None when it cannot be one."""
    if not isinstance(raw, str):
        return None
    text = raw.strip().upper().replace(" ", "")
    if not text.startswith(TRACKING_PREFIX):
        text = TRACKING_PREFIX + text
    body = text[len(TRACKING_PREFIX) :]
    if len(body) != TRACKING_LEN or any(ch not in _ALPHABET for ch in body):
        return None
    return text


def submit_complaint(
    session: Session,
    *,
    kind: object,
    name: object = None,
    contact: object = None,
    message: object,
    response_days: int,
    now: datetime | None = None,
) -> Outcome[Complaint]:
    """Store a complaint or suggestion from the public (no account); checked first."""
    now = now or utcnow()
    if not isinstance(kind, str) or kind not in set(ComplaintKind):
        raise WorkflowError(ErrorCode.UNKNOWN_COMPLAINT_KIND)
    clean_kind = ComplaintKind(kind)
    complaint = Complaint(
        tracking_no=_unused_tracking_no(session),
        kind=clean_kind.value,
        name=clean_text(name, Field.NAME, NAME_MAX, required=False),
        contact=clean_text(contact, Field.CONTACT, CONTACT_MAX, required=False),
        message=required_text(message, Field.MESSAGE, MESSAGE_MAX),
        status=ComplaintStatus.RECEIVED.value,
        created_at=now,
        updated_at=now,
        due_at=now + timedelta(days=response_days),
    )
    session.add(complaint)
    session.flush()
    return complaint, []


def _unused_tracking_no(session: Session) -> str:
    while True:
        number = new_tracking_no()
        taken = session.scalar(select(Complaint.id).where(Complaint.tracking_no == number))
        if taken is None:
            return number


def find_by_tracking_no(session: Session, raw: object) -> Complaint | None:
    """The complaint with this tracking number (as typed), or None."""
    number = normalise_tracking_no(raw)
    if number is None:
        return None
    return session.scalar(select(Complaint).where(Complaint.tracking_no == number))


def get_complaint(session: Session, complaint_id: object, *, lock: bool = False) -> Complaint:
    """The complaint with this id, or NOT_FOUND."""
    if isinstance(complaint_id, bool) or not isinstance(complaint_id, int):
        raise WorkflowError(ErrorCode.BAD_ID, record=Record.COMPLAINT, id=repr(complaint_id))
    row = None
    if 1 <= complaint_id <= ID_MAX:
        row = session.get(Complaint, complaint_id, with_for_update=lock or None)
    if row is None:
        raise WorkflowError(ErrorCode.NOT_FOUND, record=Record.COMPLAINT, id=complaint_id)
    return row


def update_complaint(
    session: Session,
    complaint_id: int,
    user: User,
    *,
    status: object,
    response: object = None,
    now: datetime | None = None,
) -> Outcome[Complaint]:
    """Move a complaint on (received → in progress → answered), with the response text."""
    now = now or utcnow()
    complaint = get_complaint(session, complaint_id, lock=True)
    current = complaint.status
    if not isinstance(status, str) or status not in MOVES.get(current, frozenset()):
        raise WorkflowError(ErrorCode.COMPLAINT_MOVE, current=current, new=str(status)[:20])
    text = clean_text(response, Field.RESPONSE, RESPONSE_MAX, required=False)
    if status == ComplaintStatus.ANSWERED:
        if text is None:
            raise WorkflowError(ErrorCode.REQUIRED, field=Field.RESPONSE)
        complaint.answered_at = now
    complaint.status = status
    complaint.response = text or complaint.response
    complaint.updated_at = now
    complaint.handled_by = user.id
    session.flush()
    detail = {"from": current, "to": status}
    audit.record(session, user, AuditAction.COMPLAINT_UPDATE, complaint.tracking_no, detail)
    return complaint, []


def is_overdue(complaint: Complaint, now: datetime | None = None) -> bool:
    """Still open after its due time."""
    return complaint.status != ComplaintStatus.ANSWERED and (now or utcnow()) > complaint.due_at


def list_complaints(
    session: Session, *, open_only: bool = False, limit: int = 200
) -> list[Complaint]:
    """Complaints, the earliest due first among open ones, then the newest answered."""
    query = select(Complaint)
    if open_only:
        query = query.where(Complaint.status != ComplaintStatus.ANSWERED)
    answered_last = (Complaint.status == ComplaintStatus.ANSWERED).label("done")
    query = query.order_by(answered_last, Complaint.due_at, Complaint.id).limit(limit)
    return list(session.scalars(query))


def complaint_counts(
    session: Session, start: datetime, end: datetime, now: datetime | None = None
) -> ComplaintCounts:
    """Complaints and suggestions received in [start, end): by status now, overdue, late."""
    now = now or utcnow()
    period = (Complaint.created_at >= start, Complaint.created_at < end)
    rows = session.execute(
        select(Complaint.status, func.count(Complaint.id)).where(*period).group_by(Complaint.status)
    ).all()
    by_status: dict[str, int] = {status: int(count) for status, count in rows}
    open_ = Complaint.status != ComplaintStatus.ANSWERED
    overdue = session.scalar(
        select(func.count(Complaint.id)).where(*period, open_, Complaint.due_at < now)
    )
    late = session.scalar(
        select(func.count(Complaint.id)).where(
            *period, Complaint.answered_at.is_not(None), Complaint.answered_at > Complaint.due_at
        )
    )
    counts = {status: int(by_status.get(status, 0)) for status in ComplaintStatus}
    return ComplaintCounts(
        total=sum(counts.values()),
        received=counts[ComplaintStatus.RECEIVED],
        in_progress=counts[ComplaintStatus.IN_PROGRESS],
        answered=counts[ComplaintStatus.ANSWERED],
        overdue=int(overdue or 0),
        answered_late=int(late or 0),
    )
