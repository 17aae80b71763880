"""The notification delivery log, and the stored facts the notifier's periodic check reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from storage.db import transaction
from storage.models import Arrival, Decision, NotificationDelivery
from storage.types import utcnow

ERROR_MAX = 500
DELIVERY_STATUSES = ("pending", "retrying", "sent", "failed", "quiet", "dropped")


@dataclass(frozen=True)
class DeliveryRow:
    """What the log keeps about one delivery before its first attempt."""

    event_key: str
    event_type: str
    channel: str
    recipient: str
    person: str | None = None
    dedupe_key: str | None = None
    status: str = "pending"
    last_error: str | None = None


def claim_delivery(sessions: sessionmaker[Session], row: DeliveryRow) -> int | None:
    """Log a delivery; its id, or None when its dedupe_key was claimed before (by any process)."""
    try:
        with transaction(sessions) as session:
            entry = NotificationDelivery(
                event_key=row.event_key[:120],
                event_type=row.event_type,
                channel=row.channel,
                recipient=row.recipient[:300],
                person=row.person,
                dedupe_key=row.dedupe_key,
                status=row.status,
                attempts=0,
                last_error=_clip(row.last_error),
            )
            session.add(entry)
            session.flush()
            return entry.id
    except IntegrityError:
        if row.dedupe_key is None:
            raise
        return None


def record_attempt(
    sessions: sessionmaker[Session],
    delivery_id: int,
    status: str,
    error: str | None,
    attempts: int,
) -> None:
    """Note the outcome of a delivery's latest attempt (sent, retrying or failed)."""
    now = utcnow()
    with transaction(sessions) as session:
        entry = session.get(NotificationDelivery, delivery_id)
        if entry is None:
            return
        entry.attempts = attempts
        entry.status = status
        entry.last_error = _clip(error)
        entry.last_attempt_at = now
        if status == "sent":
            entry.sent_at = now


def deliveries(
    session: Session, *, event_key: str | None = None, limit: int = 200
) -> list[NotificationDelivery]:
    """The newest deliveries first, optionally of one event key."""
    query = select(NotificationDelivery).order_by(NotificationDelivery.id.desc()).limit(limit)
    if event_key is not None:
        query = query.where(NotificationDelivery.event_key == event_key)
    return list(session.scalars(query))


@dataclass(frozen=True)
class UndecidedArrival:
    """A visit still waiting with no decision at all (not even "wait")."""

    arrival_id: int
    guest_name: str | None
    camera: str
    first_seen: datetime
    snapshot: str | None


def undecided_arrivals(session: Session, *, seen_since: datetime) -> list[UndecidedArrival]:
    """Waiting arrivals without any decision, last seen at or after `seen_since`, oldest first."""
    decided = exists().where(Decision.arrival_id == Arrival.id)
    query = (
        select(Arrival)
        .where(Arrival.status == "waiting", Arrival.last_seen >= seen_since, ~decided)
        .options(selectinload(Arrival.guest), selectinload(Arrival.camera))
        .order_by(Arrival.first_seen, Arrival.id)
    )
    return [
        UndecidedArrival(
            arrival_id=a.id,
            guest_name=a.guest.name if a.guest else None,
            camera=a.camera.name,
            first_seen=a.first_seen,
            snapshot=a.snapshot,
        )
        for a in session.scalars(query)
    ]


def _clip(text: str | None) -> str | None:
    return text[:ERROR_MAX] if text else text
