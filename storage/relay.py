"""The guard's relay of the Bupati's decisions to waiting guests: the board and "told".

A visit's outcome is its latest decision; the guard tells the guest and records it
(`tell`), which closes the item. A visit without a decision is still "waiting for a decision".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from core.errors import ErrorCode, WorkflowError
from core.events import OutcomeTold
from core.vocab import AWAITING_DECISION, ArrivalStatus, AuditAction
from core.workflow import check_relayer, check_untold
from storage import audit
from storage.decisions import latest_decisions
from storage.guestbook import latest_entries
from storage.models import Arrival, Decision, User
from storage.rows import Outcome, get_row
from storage.types import utcnow

DONE_LIMIT = 30


@dataclass(frozen=True)
class RelayItem:
    """A visit on the guard's board: its latest decision (None: not decided yet) and purpose."""

    arrival: Arrival
    decision: Decision | None
    purpose: str | None

    @property
    def kind(self) -> str | None:
        """The latest decision's kind, or None while the guest waits for one."""
        return self.decision.kind if self.decision is not None else None

    @property
    def state(self) -> str:
        """What the guard tells the guest: the decision's kind, or AWAITING_DECISION."""
        return self.kind or AWAITING_DECISION

    @property
    def wait_until(self) -> datetime | None:
        """Until when a guest asked to wait for a given time was asked to wait."""
        d = self.decision
        if d is None or d.wait_minutes is None:
            return None
        return d.created_at + timedelta(minutes=d.wait_minutes)

    @property
    def done(self) -> bool:
        """The guest was told the latest decision, or has already left."""
        told = self.decision is not None and self.decision.told_at is not None
        return told or self.arrival.status == ArrivalStatus.LEFT


@dataclass(frozen=True)
class RelayBoard:
    """Visits whose guest still has to be told something, and those already told."""

    active: list[RelayItem]
    done: list[RelayItem]


def relay_board(session: Session, since: datetime) -> RelayBoard:
    """Visits seen or decided since `since` (not dismissed): to tell (oldest first) and told."""
    decided = select(Decision.id).where(
        Decision.arrival_id == Arrival.id, Decision.created_at >= since
    )
    query = (
        select(Arrival)
        .where(
            Arrival.status != ArrivalStatus.DISMISSED,
            or_(Arrival.last_seen >= since, decided.exists()),
        )
        .options(selectinload(Arrival.guest), selectinload(Arrival.camera))
        .order_by(Arrival.first_seen, Arrival.id)
    )
    arrivals = list(session.scalars(query))
    ids = [a.id for a in arrivals]
    decisions = latest_decisions(session, ids)
    entries = latest_entries(session, ids)
    items = [
        RelayItem(a, decisions.get(a.id), entries[a.id].purpose if a.id in entries else None)
        for a in arrivals
    ]
    done = sorted((i for i in items if i.done), key=_told_at, reverse=True)
    return RelayBoard([i for i in items if not i.done], done[:DONE_LIMIT])


def _told_at(item: RelayItem) -> datetime:
    told = item.decision.told_at if item.decision is not None else None
    return told or item.arrival.last_seen


def tell(session: Session, arrival_id: int, decision_id: int, user: User) -> Outcome[Decision]:
    """Record that the guard told the guest decision `decision_id`, the visit's latest one."""
    check_relayer(user.role)
    arrival = get_row(session, Arrival, arrival_id, lock=True)
    decision = latest_decisions(session, [arrival.id]).get(arrival.id)
    if decision is None:
        raise WorkflowError(ErrorCode.NOTHING_TO_TELL, id=arrival.id)
    if decision.id != decision_id:
        raise WorkflowError(ErrorCode.DECISION_CHANGED, id=arrival.id)
    check_untold(decision.told_at)
    decision.told_at, decision.told_by = utcnow(), user.id
    session.flush()
    detail = {"decision_id": decision.id, "kind": decision.kind}
    audit.record(session, user, AuditAction.OUTCOME_TOLD, f"arrival:{arrival.id}", detail)
    event = OutcomeTold(decision.id, arrival.id, decision.kind, user.username, decision.told_at)
    return decision, [event]
