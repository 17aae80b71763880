"""The digital guest book (buku tamu): check-in linked to an arrival or walk-in, check-out.

`check_in` validates its fields once (core.workflow.validate_guestbook: every field's problem
at once) and returns (entry, events) like every storage command; nothing here commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.errors import ErrorCode, WorkflowError
from core.events import GuestBookChanged
from core.vocab import ArrivalStatus, AuditAction, GuestBookAction, GuestCategory
from core.workflow import GuestBookFields, validate_guestbook
from storage import audit
from storage.decisions import latest_decisions
from storage.feedback import learn_from_visit
from storage.models import Arrival, Decision, GuestBookEntry, User
from storage.rows import Outcome, get_row
from storage.types import utcnow


def check_in(
    session: Session,
    user: User,
    *,
    arrival_id: int | None = None,
    name: object,
    category: object,
    institution: object = None,
    purpose: object,
    phone: object = None,
    companions: object = 0,
    learn_bound: int = 0,
) -> Outcome[GuestBookEntry]:
    """Write a guest-book entry, linked to an arrival or as a walk-in (arrival_id None).

    Checking in an arrival under the name the camera gave it confirms the visit's footage: up
    to `learn_bound` camera samples per guest are kept in the gallery (0: learn nothing).
    """
    fields = validate_guestbook(
        name=name,
        category=category,
        institution=institution,
        purpose=purpose,
        phone=phone,
        companions=companions,
    )
    arrival = None
    if arrival_id is not None:
        arrival = get_row(session, Arrival, arrival_id, lock=True)
        _check_can_check_in(session, arrival)
    entry = add_entry(
        session,
        user,
        fields,
        arrival_id=arrival.id if arrival else None,
        guest_id=arrival.guest_id if arrival else None,
    )
    audit.record(
        session, user, AuditAction.CHECKIN, f"guestbook:{entry.id}", {"arrival_id": arrival_id}
    )
    guest = arrival.guest if arrival is not None else None
    if learn_bound and guest is not None and guest.name.casefold() == fields.name.casefold():
        learn_from_visit(session, arrival_id or 0, guest, user, bound=learn_bound)
    return entry, [GuestBookChanged(entry.id, entry.arrival_id, GuestBookAction.CHECKIN)]


def add_entry(
    session: Session,
    user: User,
    fields: GuestBookFields,
    *,
    arrival_id: int | None,
    guest_id: int | None,
) -> GuestBookEntry:
    """Store already validated fields as a new entry checked in now."""
    entry = GuestBookEntry(
        arrival_id=arrival_id,
        guest_id=guest_id,
        operator_id=user.id,
        checked_in_at=utcnow(),
        name=fields.name,
        category=fields.category,
        institution=fields.institution,
        purpose=fields.purpose,
        phone=fields.phone,
        companions=fields.companions,
    )
    session.add(entry)
    session.flush()
    return entry


def _check_can_check_in(session: Session, arrival: Arrival) -> None:
    if arrival.status == ArrivalStatus.DISMISSED:
        raise WorkflowError(ErrorCode.ARRIVAL_DISMISSED, id=arrival.id)
    existing = session.scalar(
        select(GuestBookEntry.id).where(GuestBookEntry.arrival_id == arrival.id).limit(1)
    )
    if existing is not None:
        raise WorkflowError(ErrorCode.ALREADY_CHECKED_IN, id=arrival.id, entry=existing)


def check_out(session: Session, entry_id: int, user: User) -> Outcome[GuestBookEntry]:
    """Mark a guest-book entry as checked out (once)."""
    entry = get_row(session, GuestBookEntry, entry_id, lock=True)
    if entry.checked_out_at is not None:
        raise WorkflowError(ErrorCode.ALREADY_CHECKED_OUT, id=entry.id)
    entry.checked_out_at = utcnow()
    session.flush()
    audit.record(session, user, AuditAction.CHECKOUT, f"guestbook:{entry.id}")
    return entry, [GuestBookChanged(entry.id, entry.arrival_id, GuestBookAction.CHECKOUT)]


def prefill_for_arrival(session: Session, arrival_id: int) -> dict[str, Any]:
    """Check-in form values for an arrival: the recognised guest's details, else blanks."""
    arrival = get_row(session, Arrival, arrival_id)
    guest = arrival.guest if arrival.guest is not None and not arrival.guest.is_staff else None
    return {
        "arrival_id": arrival.id,
        "guest_id": guest.id if guest else None,
        "name": guest.name if guest else "",
        "category": guest.category if guest else GuestCategory.MASYARAKAT.value,
        "institution": (guest.institution or "") if guest else "",
        "phone": (guest.phone or "") if guest else "",
        "purpose": "",
        "companions": 0,
    }


def checkin_candidates(session: Session, since: datetime, limit: int = 100) -> list[Arrival]:
    """Arrivals since `since` without a guest-book entry and not dismissed, newest first."""
    has_entry = select(GuestBookEntry.id).where(GuestBookEntry.arrival_id == Arrival.id).exists()
    query = (
        select(Arrival)
        .where(Arrival.first_seen >= since, Arrival.status != ArrivalStatus.DISMISSED, ~has_entry)
        .options(selectinload(Arrival.guest), selectinload(Arrival.camera))
        .order_by(Arrival.first_seen.desc(), Arrival.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def guestbook_between(
    session: Session, since: datetime, until: datetime | None = None
) -> list[GuestBookEntry]:
    """Guest-book entries checked in within [since, until), newest first."""
    query = select(GuestBookEntry).where(GuestBookEntry.checked_in_at >= since)
    if until is not None:
        query = query.where(GuestBookEntry.checked_in_at < until)
    query = query.order_by(GuestBookEntry.checked_in_at.desc(), GuestBookEntry.id.desc())
    return list(session.scalars(query))


def latest_entries(session: Session, arrival_ids: list[int]) -> dict[int, GuestBookEntry]:
    """The newest guest-book entry of each arrival."""
    if not arrival_ids:
        return {}
    query = (
        select(GuestBookEntry)
        .where(GuestBookEntry.arrival_id.in_(arrival_ids))
        .order_by(GuestBookEntry.checked_in_at, GuestBookEntry.id)
    )
    return {e.arrival_id: e for e in session.scalars(query) if e.arrival_id is not None}


def outcomes(session: Session, entries: list[GuestBookEntry]) -> dict[int, Decision]:
    """Entry id → the latest decision on its visit (its outcome, and when the guest was told)."""
    decisions = latest_decisions(session, [e.arrival_id for e in entries if e.arrival_id])
    return {
        e.id: decisions[e.arrival_id]
        for e in entries
        if e.arrival_id is not None and e.arrival_id in decisions
    }
