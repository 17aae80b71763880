"""The Bupati's decisions on waiting guests, and the guard's escort tasks they create.

Commands validate first (core.workflow), then write; none commits. Each returns the row it
wrote and the events to publish after the commit (`storage.rows.Outcome`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.events import DecisionMade, EscortChanged, Event
from core.vocab import ArrivalStatus, AuditAction, DecisionKind, EscortStatus
from core.workflow import STATUS_AFTER_DECISION, check_escort_move, check_open, validate_decision
from storage import appointments, audit
from storage.models import Arrival, Decision, EscortTask, User
from storage.rows import Outcome, get_row
from storage.types import utcnow

OPEN_ESCORTS = (EscortStatus.PENDING, EscortStatus.ESCORTED)


def decide(
    session: Session,
    arrival_id: int,
    kind: str,
    user: User,
    *,
    reschedule_at: datetime | None = None,
    delegate_to: str | None = None,
    note: str | None = None,
    wait_minutes: object = None,
) -> Outcome[Decision]:
    """Record the Bupati's decision (the adjutant's on his behalf) on a waiting arrival.

    "wait" may carry the minutes the guest is asked to wait; "decline" an optional reason (note).
    """
    request = validate_decision(
        kind, user.role, reschedule_at=reschedule_at, delegate_to=delegate_to, note=note,
        wait_minutes=wait_minutes,
    )  # fmt: skip
    arrival = get_row(session, Arrival, arrival_id, lock=True)
    check_open(arrival.status)
    decision = Decision(
        arrival_id=arrival.id,
        kind=request.kind,
        by_user_id=user.id,
        on_behalf=request.on_behalf,
        reschedule_at=request.reschedule_at,
        delegate_to=request.delegate_to,
        note=request.note,
        wait_minutes=request.wait_minutes,
        created_at=utcnow(),
    )
    session.add(decision)
    arrival.status = STATUS_AFTER_DECISION[request.kind]
    session.flush()
    events: list[Event] = [_decision_made(decision, user)]
    if request.kind is DecisionKind.RECEIVE:
        task = EscortTask(
            arrival_id=arrival.id, decision_id=decision.id, status=EscortStatus.PENDING
        )
        session.add(task)
        session.flush()
        events.append(EscortChanged(task.id, arrival.id, task.status, user.username))
    detail: dict[str, object] = {"kind": request.kind, "on_behalf": request.on_behalf}
    if request.reschedule_at:
        detail["reschedule_at"] = request.reschedule_at.isoformat()
    if request.delegate_to:
        detail["delegate_to"] = request.delegate_to
    if request.wait_minutes:
        detail["wait_minutes"] = request.wait_minutes
    audit.record(session, user, AuditAction.DECIDE, f"arrival:{arrival.id}", detail)
    events += appointments.from_reschedule(session, decision, arrival, user)
    return decision, events


def _decision_made(decision: Decision, user: User) -> DecisionMade:
    detail = decision.delegate_to
    if decision.reschedule_at is not None:
        detail = decision.reschedule_at.isoformat()
    elif decision.wait_minutes is not None:
        detail = str(decision.wait_minutes)
    return DecisionMade(
        decision_id=decision.id,
        arrival_id=decision.arrival_id,
        kind=decision.kind,
        by=user.username,
        on_behalf=decision.on_behalf,
        at=decision.created_at,
        detail=detail,
    )


def escort_for_decision(session: Session, decision_id: int) -> EscortTask | None:
    """The escort task a "receive" decision created, if any."""
    return session.scalar(select(EscortTask).where(EscortTask.decision_id == decision_id))


def update_escort(session: Session, task_id: int, status: str, user: User) -> Outcome[EscortTask]:
    """Move an escort task on: pending → escorted → left; "left" closes the visit."""
    task = get_row(session, EscortTask, task_id, lock=True)
    new = check_escort_move(task.status, status)
    now = utcnow()
    task.status = new
    if new is EscortStatus.ESCORTED:
        task.escorted_at, task.escorted_by = now, user.id
    else:
        task.left_at, task.left_by = now, user.id
        get_row(session, Arrival, task.arrival_id).status = ArrivalStatus.LEFT
    session.flush()
    audit.record(session, user, AuditAction.ESCORT, f"escort:{task.id}", {"status": new})
    return task, [EscortChanged(task.id, task.arrival_id, new, user.username)]


def pending_escorts(session: Session) -> list[EscortTask]:
    """Escort tasks not yet finished (pending or escorted), oldest first."""
    query = (
        select(EscortTask)
        .where(EscortTask.status.in_(OPEN_ESCORTS))
        .order_by(EscortTask.created_at, EscortTask.id)
    )
    return list(session.scalars(query))


def open_escorts(session: Session) -> list[tuple[EscortTask, Arrival | None]]:
    """Unfinished escort tasks, oldest first, each with its arrival (guest and camera loaded)."""
    tasks = pending_escorts(session)
    ids = [t.arrival_id for t in tasks]
    query = (
        select(Arrival)
        .where(Arrival.id.in_(ids))
        .options(selectinload(Arrival.guest), selectinload(Arrival.camera))
    )
    arrivals = {a.id: a for a in session.scalars(query)} if ids else {}
    return [(task, arrivals.get(task.arrival_id)) for task in tasks]


def recent_decisions(session: Session, since: datetime, limit: int) -> list[Decision]:
    """Decisions made since `since`, newest first, with who made them."""
    query = (
        select(Decision)
        .where(Decision.created_at >= since)
        .options(selectinload(Decision.by_user))
        .order_by(Decision.created_at.desc(), Decision.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def latest_decisions(session: Session, arrival_ids: list[int]) -> dict[int, Decision]:
    """The newest decision of each arrival, with who made it and who told it."""
    if not arrival_ids:
        return {}
    query = (
        select(Decision)
        .where(Decision.arrival_id.in_(arrival_ids))
        .options(selectinload(Decision.by_user), selectinload(Decision.told_user))
        .order_by(Decision.created_at, Decision.id)
    )
    return {d.arrival_id: d for d in session.scalars(query)}
