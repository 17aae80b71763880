"""Metric totals in the database: camera workers add to them, the dashboard exports them."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.metrics import Key
from storage.models import NotificationDelivery
from storage.models_api import MetricCounter
from storage.types import utcnow


def add_counts(session: Session, camera: str, counts: dict[Key, float]) -> None:
    """Add a camera's increments to its totals (not committed); the SQL adds, so no race."""
    now = utcnow()
    for (name, le), amount in counts.items():
        changed = session.execute(
            update(MetricCounter)
            .where(MetricCounter.camera == camera, MetricCounter.name == name,
                   MetricCounter.le == le)
            .values(value=MetricCounter.value + amount, updated_at=now)
        )  # fmt: skip
        if changed.rowcount == 0:  # type: ignore[attr-defined]
            session.add(
                MetricCounter(camera=camera, name=name, le=le, value=amount, updated_at=now)
            )
    session.flush()


def counter_totals(session: Session) -> list[MetricCounter]:
    """Every stored total, by camera and name."""
    query = select(MetricCounter).order_by(
        MetricCounter.camera, MetricCounter.name, MetricCounter.id
    )
    return list(session.scalars(query))


def failed_notifications(session: Session) -> dict[str, int]:
    """Notification deliveries that failed for good, by channel."""
    query = (
        select(NotificationDelivery.channel, func.count())
        .where(NotificationDelivery.status == "failed")
        .group_by(NotificationDelivery.channel)
    )
    return {channel: count for channel, count in session.execute(query)}
