"""Expected guests: validation, matching a new arrival, no-shows, and "reschedule" making one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.appointments import validate_appointment
from core.config import parse_config
from core.errors import Field, InvalidFields, WorkflowError
from core.events import AppointmentsChanged, GuestArrived
from core.sinks import CollectingSink
from storage import appointments, decisions
from storage.arrivals import ArrivalPolicy, Sighting, events_for, record_guest
from storage.db import transaction
from storage.guests import create_guest
from storage.models import AuditLog
from storage.models_appointments import Appointment
from storage.types import utcnow
from tests.support.storage import add_arrival, user

JAKARTA = ZoneInfo("Asia/Jakarta")
HOUR = timedelta(hours=1)
CONFIG = parse_config({"appointments": {"match_slack_minutes": 15, "no_show_check_s": 5}})
POLICY = ArrivalPolicy.from_config(CONFIG)
SLACK = timedelta(minutes=15)


def _fields(name: str, at: datetime, until: datetime | None = None, **kw):
    return validate_appointment(name=name, at=at, until=until, length=HOUR, tz=JAKARTA, **kw)


def _expect(factory, name: str, at: datetime, *, guest_id: int | None = None) -> int:
    with transaction(factory) as s:
        row, _events = appointments.create(s, None, _fields(name, at), guest_id=guest_id)
    return row.id


def _arrive(factory, guest_id: int, at: datetime):
    with transaction(factory) as s:
        recorded = record_guest(s, POLICY, guest_id, Sighting("gate", at, at))
        assert recorded is not None
        return recorded, events_for(recorded)


def _row(factory, appointment_id: int) -> Appointment:
    with factory() as s:
        row = s.get(Appointment, appointment_id)
        assert row is not None
        return row


def test_until_defaults_to_the_length_and_naive_times_are_local():
    fields = _fields("  Bu Sri ", "2026-11-26T10:00", purpose="Audiensi", host="Bupati")
    assert fields.name == "Bu Sri"
    assert fields.at == datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    assert fields.until - fields.at == HOUR
    assert (fields.purpose, fields.host) == ("Audiensi", "Bupati")


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"name": "", "at": "2026-11-26T10:00"}, Field.NAME),
        ({"name": "A\x00b", "at": "2026-11-26T10:00"}, Field.NAME),
        ({"name": "Ani", "at": "besok pagi"}, Field.AT),
        ({"name": "Ani", "at": "1999-12-31T10:00"}, Field.AT),
        ({"name": "Ani", "at": None}, Field.AT),
        ({"name": "Ani", "at": "2026-11-26T10:00", "until": "2026-11-26T09:00"}, Field.UNTIL),
        ({"name": "Ani", "at": "2026-11-26T10:00", "until": "2026-11-26T10:00"}, Field.UNTIL),
        ({"name": "Ani", "at": "2026-11-26T10:00", "host": "x\ny"}, Field.HOST),
        ({"name": "Ani", "at": "2026-11-26T10:00", "purpose": "p" * 501}, Field.PURPOSE),
    ],
)
def test_bad_input_is_refused_by_field(kw, field):
    with pytest.raises(InvalidFields) as caught:
        validate_appointment(length=HOUR, tz=JAKARTA, **kw)
    assert field in caught.value.problems


def test_create_is_audited_and_told(factory, world):
    at = utcnow() + HOUR
    with transaction(factory) as s:
        row, events = appointments.create(s, user(s, "operator"), _fields("Bu Sri", at))
    assert events == [AppointmentsChanged(row.id, "expected", None)]
    with factory() as s:
        log = s.scalars(select(AuditLog).where(AuditLog.action == "appointment_add")).one()
        assert (log.username, log.target) == ("operator", f"appointment:{row.id}")
    assert _row(factory, row.id).created_by is not None


def test_a_guest_arriving_in_the_window_fulfils_it_by_id(factory, world):
    at = utcnow().replace(microsecond=0)
    expected = _expect(factory, "Nama Lain", at, guest_id=world["guest_id"])
    other_day = _expect(factory, "Pak Hadi", at + timedelta(days=1))
    recorded, events = _arrive(factory, world["guest_id"], at + timedelta(minutes=70))
    assert recorded.appointment_id == expected
    arrived = events[0]
    assert isinstance(arrived, GuestArrived) and arrived.appointment_id == expected
    assert AppointmentsChanged(expected, "arrived", recorded.arrival.id) in events
    row = _row(factory, expected)
    assert (row.status, row.arrival_id, row.closed_at is not None) == (
        "arrived",
        recorded.arrival.id,
        True,
    )
    assert _row(factory, other_day).status == "expected"
    with factory() as s:
        assert appointments.for_arrivals(s, [recorded.arrival.id])[recorded.arrival.id].id == (
            expected
        )


def test_by_name_when_the_appointment_has_no_guest(factory, world):
    at = utcnow().replace(microsecond=0)
    expected = _expect(factory, "  pak   HADI ", at)
    recorded, _events = _arrive(factory, world["guest_id"], at - timedelta(minutes=10))
    assert recorded.appointment_id == expected
    row = _row(factory, expected)
    assert (row.status, row.guest_id) == ("arrived", world["guest_id"])


@pytest.mark.parametrize("offset_min", [-16, 60 + 16])
def test_outside_the_window_and_slack_it_does_not_match(factory, world, offset_min):
    at = utcnow().replace(microsecond=0)
    expected = _expect(factory, "Pak Hadi", at)
    recorded, events = _arrive(factory, world["guest_id"], at + timedelta(minutes=offset_min))
    assert recorded.appointment_id is None
    assert not any(isinstance(e, AppointmentsChanged) for e in events)
    assert _row(factory, expected).status == "expected"


def test_another_guest_with_another_name_does_not_match(factory, world):
    at = utcnow().replace(microsecond=0)
    expected = _expect(factory, "Bu Sri", at)
    with transaction(factory) as s:
        other = create_guest(s, name="Bu Siti").id
    recorded, _events = _arrive(factory, other, at)
    assert recorded.appointment_id is None
    assert _row(factory, expected).status == "expected"


def test_no_shows_are_marked_once_audited_and_told(factory, world):
    now = utcnow()
    missed = _expect(factory, "Bu Sri", now - 3 * HOUR)
    in_slack = _expect(factory, "Bu Ani", now - HOUR - timedelta(minutes=5))
    later = _expect(factory, "Pak Budi", now + HOUR)
    sink = CollectingSink()
    sweeper = appointments.NoShowSweeper(factory, sink, CONFIG.appointments)
    assert sweeper.sweep() == 1
    assert sweeper.sweep() == 0
    assert sink.events == [AppointmentsChanged(missed, "no_show", None)]
    statuses = [_row(factory, i).status for i in (missed, in_slack, later)]
    assert statuses == ["no_show", "expected", "expected"]
    with factory() as s:
        log = s.scalars(select(AuditLog).where(AuditLog.action == "appointment_no_show")).one()
        assert (log.username, log.target) == (None, f"appointment:{missed}")


def test_an_arrived_appointment_is_never_a_no_show(factory, world):
    at = utcnow() - 3 * HOUR
    expected = _expect(factory, "Pak Hadi", at)
    _arrive(factory, world["guest_id"], at)
    with transaction(factory) as s:
        missed, events = appointments.mark_no_shows(s, SLACK)
    assert (missed, events) == ([], [])
    assert _row(factory, expected).status == "arrived"


def test_reschedule_makes_one_appointment_for_the_new_time(factory, world):
    when = (utcnow() + timedelta(days=1)).replace(microsecond=0)
    with transaction(factory) as s:
        arrival_id = add_arrival(s, guest_id=world["guest_id"]).id
    with transaction(factory) as s:
        _decision, events = decisions.decide(
            s, arrival_id, "reschedule", user(s, "adjutant"), reschedule_at=when
        )
    with factory() as s:
        rows = s.scalars(select(Appointment)).all()
    assert len(rows) == 1
    row = rows[0]
    assert (row.name, row.guest_id, row.origin_arrival_id, row.at) == (
        "Pak Hadi",
        world["guest_id"],
        arrival_id,
        when,
    )
    assert row.until == when + appointments.RESCHEDULE_LENGTH
    assert AppointmentsChanged(row.id, "expected", None) in events


@pytest.mark.parametrize("kind", ["receive", "decline"])
def test_other_decisions_make_none(factory, world, kind):
    with transaction(factory) as s:
        arrival_id = add_arrival(s, guest_id=world["guest_id"]).id
    with transaction(factory) as s:
        extra = {"note": "rapat"} if kind == "decline" else {}
        decisions.decide(s, arrival_id, kind, user(s, "bupati"), **extra)
    with factory() as s:
        assert s.scalars(select(Appointment)).all() == []


def test_cancel_only_what_is_still_expected(factory, world):
    expected = _expect(factory, "Bu Sri", utcnow() + HOUR)
    with transaction(factory) as s:
        row, events = appointments.cancel(s, expected, user(s, "operator"))
    assert (row.status, events) == ("cancelled", [AppointmentsChanged(expected, "cancelled")])
    with pytest.raises(WorkflowError, match="tidak lagi dijadwalkan"), transaction(factory) as s:
        appointments.cancel(s, expected, user(s, "operator"))
    with pytest.raises(WorkflowError, match="tidak ditemukan"), transaction(factory) as s:
        appointments.cancel(s, 999, None)
    with factory() as s:
        actions = s.scalars(select(AuditLog.action).where(AuditLog.target.like("appointment:%")))
        assert sorted(actions) == ["appointment_add", "appointment_cancel"]
