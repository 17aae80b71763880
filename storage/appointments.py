"""Expected guests (janji temu): made by people or by a "reschedule" decision, fulfilled by the
arrival that matches them, or closed as no-shows once their window has passed.

Commands validate first (core.appointments), then write; none commits. Each returns the row(s)
it wrote and the events to publish after the commit (`storage.rows.Outcome`).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from core.appointments import AppointmentFields, in_window, name_key
from core.config import AppointmentsConfig
from core.errors import ErrorCode, WorkflowError
from core.events import AppointmentsChanged, Event
from core.sinks import EventSink
from core.vocab import AppointmentStatus, AuditAction
from storage import audit
from storage.db import transaction
from storage.models import Arrival, Decision, Guest, User
from storage.models_appointments import Appointment
from storage.rows import Outcome, get_row
from storage.types import utcnow

log = logging.getLogger(__name__)
# The window of an appointment a "reschedule" decision makes (the decision has no end time).
RESCHEDULE_LENGTH = timedelta(minutes=AppointmentsConfig().default_length_minutes)


def changed(appointment: Appointment) -> AppointmentsChanged:
    """The event telling that `appointment` was made or moved on."""
    return AppointmentsChanged(appointment.id, appointment.status, appointment.arrival_id)


def create(
    session: Session,
    user: User | None,
    fields: AppointmentFields,
    *,
    guest_id: int | None = None,
    origin_arrival_id: int | None = None,
) -> Outcome[Appointment]:
    """Store a validated appointment as expected; audited (`user` None: the command line)."""
    appointment = Appointment(
        name=fields.name,
        name_key=name_key(fields.name),
        guest_id=guest_id,
        at=fields.at,
        until=fields.until,
        purpose=fields.purpose,
        host=fields.host,
        status=AppointmentStatus.EXPECTED,
        origin_arrival_id=origin_arrival_id,
        created_by=user.id if user is not None else None,
        created_at=utcnow(),
    )
    session.add(appointment)
    session.flush()
    detail = {"name": fields.name, "at": fields.at.isoformat(), "guest_id": guest_id}
    if origin_arrival_id is not None:
        detail["origin_arrival_id"] = origin_arrival_id
    audit.record(
        session, user, AuditAction.APPOINTMENT_ADD, f"appointment:{appointment.id}", detail
    )
    return appointment, [changed(appointment)]


def from_reschedule(
    session: Session, decision: Decision, arrival: Arrival, user: User
) -> list[Event]:
    """The appointment a "reschedule" decision makes for the guest at the new time."""
    if decision.reschedule_at is None:
        return []
    guest = arrival.guest
    name = guest.name if guest is not None else f"Tamu kedatangan #{arrival.id}"
    fields = AppointmentFields(
        name=name,
        at=decision.reschedule_at,
        until=decision.reschedule_at + RESCHEDULE_LENGTH,
        purpose=decision.note,
        host=None,
    )
    _row, events = create(
        session, user, fields, guest_id=arrival.guest_id, origin_arrival_id=arrival.id
    )
    return events


def cancel(session: Session, appointment_id: object, user: User | None) -> Outcome[Appointment]:
    """Cancel an appointment still expected; audited."""
    appointment = get_row(session, Appointment, appointment_id, lock=True)
    if appointment.status != AppointmentStatus.EXPECTED:
        raise WorkflowError(
            ErrorCode.APPOINTMENT_CLOSED, id=appointment.id, status=appointment.status
        )
    appointment.status = AppointmentStatus.CANCELLED
    appointment.closed_at = utcnow()
    session.flush()
    target = f"appointment:{appointment.id}"
    audit.record(session, user, AuditAction.APPOINTMENT_CANCEL, target, {"name": appointment.name})
    return appointment, [changed(appointment)]


def match_arrival(session: Session, arrival: Arrival, slack: timedelta) -> Appointment | None:
    """Link a new arrival to the expected appointment it fulfils, if any (marked arrived).

    Same guest id, or the same name for an appointment made without one; the arrival's first
    sighting must lie in the window widened by `slack`. The closest start wins.
    """
    guest = session.get(Guest, arrival.guest_id) if arrival.guest_id is not None else None
    if guest is None:
        return None
    seen = arrival.first_seen
    query = select(Appointment).where(
        Appointment.status == AppointmentStatus.EXPECTED,
        Appointment.at <= seen + slack,
        Appointment.until >= seen - slack,
        or_(
            Appointment.guest_id == guest.id,
            (Appointment.guest_id.is_(None)) & (Appointment.name_key == name_key(guest.name)),
        ),
    )
    found = [a for a in session.scalars(query) if in_window(seen, a.at, a.until, slack)]
    if not found:
        return None
    best = min(found, key=lambda a: abs(a.at - seen))
    best.status = AppointmentStatus.ARRIVED
    best.arrival_id = arrival.id
    best.closed_at = utcnow()
    if best.guest_id is None:
        best.guest_id = guest.id
    session.flush()
    return best


def mark_no_shows(
    session: Session, slack: timedelta, now: datetime | None = None
) -> Outcome[list[Appointment]]:
    """Close as no_show every expected appointment whose window (plus `slack`) has ended."""
    now = now or utcnow()
    query = select(Appointment).where(
        Appointment.status == AppointmentStatus.EXPECTED, Appointment.until < now - slack
    )
    missed = list(session.scalars(query.with_for_update(skip_locked=True)))
    for appointment in missed:
        appointment.status = AppointmentStatus.NO_SHOW
        appointment.closed_at = now
        detail = {"name": appointment.name, "until": appointment.until.isoformat()}
        audit.record(
            session,
            None,
            AuditAction.APPOINTMENT_NO_SHOW,
            f"appointment:{appointment.id}",
            detail,
        )
    session.flush()
    return missed, [changed(a) for a in missed]


def between(session: Session, start: datetime, end: datetime) -> list[Appointment]:
    """Appointments starting in [start, end), earliest first, with guest and arrival loaded."""
    query = (
        select(Appointment)
        .where(Appointment.at >= start, Appointment.at < end)
        .options(selectinload(Appointment.guest), selectinload(Appointment.arrival))
        .order_by(Appointment.at, Appointment.id)
    )
    return list(session.scalars(query))


def list_all(session: Session) -> list[Appointment]:
    """Every appointment, earliest first."""
    return list(session.scalars(select(Appointment).order_by(Appointment.at, Appointment.id)))


def for_arrivals(session: Session, arrival_ids: list[int]) -> dict[int, Appointment]:
    """The appointment each of these arrivals fulfilled (arrival id → appointment)."""
    if not arrival_ids:
        return {}
    query = select(Appointment).where(Appointment.arrival_id.in_(arrival_ids))
    return {a.arrival_id: a for a in session.scalars(query) if a.arrival_id is not None}


def as_dict(appointment: Appointment) -> dict[str, object]:
    """The appointment as JSON-ready data (the CLI's `list --json`)."""
    return {
        "id": appointment.id,
        "name": appointment.name,
        "at": appointment.at.isoformat(),
        "until": appointment.until.isoformat(),
        "purpose": appointment.purpose,
        "host": appointment.host,
        "status": appointment.status,
        "arrival_id": appointment.arrival_id,
        "guest_id": appointment.guest_id,
        "origin_arrival_id": appointment.origin_arrival_id,
    }


@dataclass
class NoShowSweeper:
    """Marks no-shows every `config.no_show_check_s` until `stop` is set (a worker thread)."""

    sessions: sessionmaker[Session]
    sink: EventSink
    config: AppointmentsConfig

    def sweep(self) -> int:
        """One pass: how many appointments became no-shows."""
        slack = timedelta(minutes=self.config.match_slack_minutes)
        with transaction(self.sessions) as session:
            missed, events = mark_no_shows(session, slack)
        for event in events:
            self.sink.publish(event)
        return len(missed)

    def run(self, stop: threading.Event) -> None:
        """Sweep now and then until `stop`; a failed pass is logged and retried next time."""
        while True:
            try:
                if count := self.sweep():
                    log.info("%d appointment(s) marked as no-show", count)
            except Exception as exc:
                log.warning("marking no-shows failed (retrying): %s", exc)
            if stop.wait(self.config.no_show_check_s):
                return
