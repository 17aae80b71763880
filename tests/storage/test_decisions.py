from datetime import timedelta

import pytest
from sqlalchemy import select

from core.errors import WorkflowError
from core.events import AppointmentsChanged, DecisionMade, EscortChanged
from storage import decisions
from storage.db import transaction
from storage.models import Arrival, AuditLog, Decision, EscortTask
from storage.types import utcnow
from tests.support.storage import add_arrival, counts, user


@pytest.mark.parametrize(
    ("kind", "extra", "status"),
    [
        ("receive", {}, "received"),
        ("wait", {}, "waiting"),
        ("reschedule", {"reschedule_at": utcnow() + timedelta(days=1)}, "rescheduled"),
        ("decline", {"note": "Sedang rapat"}, "declined"),
        ("delegate", {"delegate_to": "Sekretaris Daerah"}, "delegated"),
    ],
)
def test_every_decision_kind(factory, world, kind, extra, status):
    with transaction(factory) as s:
        arrival_id = add_arrival(s, guest_id=world["guest_id"]).id
    with transaction(factory) as s:
        decision, events = decisions.decide(s, arrival_id, kind, user(s, "bupati"), **extra)
    with factory() as s:
        stored = s.get(Decision, decision.id)
        assert stored.kind == kind
        assert stored.on_behalf is False
        assert stored.by_user.username == "bupati"
        assert s.get(Arrival, arrival_id).status == status
        tasks = s.scalars(select(EscortTask).where(EscortTask.arrival_id == arrival_id)).all()
        assert [(t.status, t.decision_id) for t in tasks] == (
            [("pending", decision.id)] if kind == "receive" else []
        )
        log = s.scalars(select(AuditLog).where(AuditLog.action == "decide")).one()
        assert (log.username, log.target) == ("bupati", f"arrival:{arrival_id}")
        assert f'"kind": "{kind}"' in log.detail
    made = DecisionMade(
        decision.id,
        arrival_id,
        kind,
        "bupati",
        False,
        stored.created_at,
        detail=(
            extra["reschedule_at"].isoformat() if kind == "reschedule" else extra.get("delegate_to")
        ),
    )
    escort = [EscortChanged(tasks[0].id, arrival_id, "pending", "bupati")] if tasks else []
    # a reschedule also makes the guest's appointment (tests/storage/test_appointments.py)
    booked = [e for e in events if isinstance(e, AppointmentsChanged)]
    assert len(booked) == (kind == "reschedule")
    assert [e for e in events if e not in booked] == [made, *escort]
    if kind == "reschedule":
        assert stored.reschedule_at == extra["reschedule_at"]
    if kind == "delegate":
        assert stored.delegate_to == "Sekretaris Daerah"


def test_adjutant_decides_on_behalf(factory, world):
    with transaction(factory) as s:
        arrival_id = add_arrival(s).id
    with transaction(factory) as s:
        decision, events = decisions.decide(s, arrival_id, "receive", user(s, "adjutant"))
    with factory() as s:
        assert s.get(Decision, decision.id).on_behalf is True
        assert decisions.escort_for_decision(s, decision.id).status == "pending"
    assert events[0].on_behalf is True and events[0].by == "adjutant"


def test_wait_keeps_the_arrival_open_for_a_later_decision(factory, world):
    with transaction(factory) as s:
        arrival_id = add_arrival(s).id
    with transaction(factory) as s:
        decisions.decide(s, arrival_id, "wait", user(s, "bupati"))
    with transaction(factory) as s:
        decisions.decide(s, arrival_id, "decline", user(s, "adjutant"))
    with factory() as s:
        assert s.get(Arrival, arrival_id).status == "declined"


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((10_000, "receive", "bupati"), {}, "tidak ditemukan"),
        (("abc", "receive", "bupati"), {}, "tidak ditemukan"),
        ((10**20, "receive", "bupati"), {}, "tidak ditemukan"),
        ((None, "receive", "guard"), {}, "Bupati atau ajudan"),
        ((None, "promote", "bupati"), {}, "tidak dikenal"),
        ((None, "reschedule", "bupati"), {"reschedule_at": "past"}, "masa depan"),
        ((None, "reschedule", "bupati"), {}, "wajib diisi"),
        ((None, "delegate", "adjutant"), {"delegate_to": " "}, "Pejabat"),
        ((None, "decline", "bupati"), {"note": "x" * 501}, "Catatan terlalu panjang"),
    ],
)
def test_bad_decisions_write_nothing(factory, world, args, kwargs, message):
    with transaction(factory) as s:
        arrival_id = add_arrival(s).id
    before = counts(factory)
    target, kind, role = args
    if kwargs.get("reschedule_at") == "past":
        kwargs = {"reschedule_at": utcnow() - timedelta(minutes=1)}
    with pytest.raises(WorkflowError, match=message), transaction(factory) as s:
        decisions.decide(s, target or arrival_id, kind, user(s, role), **kwargs)
    assert counts(factory) == before
    with factory() as s:
        assert s.get(Arrival, arrival_id).status == "waiting"


def test_already_decided_is_refused(factory, world):
    with transaction(factory) as s:
        arrival_id = add_arrival(s).id
    with transaction(factory) as s:
        decisions.decide(s, arrival_id, "receive", user(s, "bupati"))
    before = counts(factory)
    with (
        pytest.raises(WorkflowError, match="sudah diputuskan") as refused,
        transaction(factory) as s,
    ):
        decisions.decide(s, arrival_id, "decline", user(s, "adjutant"))
    assert (refused.value.code, refused.value.params) == (
        "already_decided",
        {"status": "received"},
    )
    assert counts(factory) == before


def test_escort_pending_escorted_left(factory, world):
    with transaction(factory) as s:
        arrival_id = add_arrival(s, guest_id=world["guest_id"]).id
    with transaction(factory) as s:
        decision, _events = decisions.decide(s, arrival_id, "receive", user(s, "bupati"))
        task_id = decisions.escort_for_decision(s, decision.id).id
    with factory() as s:
        assert [t.id for t in decisions.pending_escorts(s)] == [task_id]
        ((task, arrival),) = decisions.open_escorts(s)
        assert (task.id, arrival.id, arrival.guest.name) == (task_id, arrival_id, "Pak Hadi")
    with transaction(factory) as s:
        _task, events = decisions.update_escort(s, task_id, "escorted", user(s, "guard"))
    assert events == [EscortChanged(task_id, arrival_id, "escorted", "guard")]
    with transaction(factory) as s:
        decisions.update_escort(s, task_id, "left", user(s, "guard"))
    with factory() as s:
        task = s.get(EscortTask, task_id)
        guard_id = user(s, "guard").id
        assert (task.status, task.escorted_by, task.left_by) == ("left", guard_id, guard_id)
        assert task.escorted_at <= task.left_at
        assert s.get(Arrival, arrival_id).status == "left"
        assert decisions.pending_escorts(s) == []
        assert decisions.open_escorts(s) == []
        actions = s.scalars(select(AuditLog.detail).where(AuditLog.action == "escort")).all()
        assert sorted(actions) == ['{"status": "escorted"}', '{"status": "left"}']
    with pytest.raises(WorkflowError, match="tidak dapat diubah"), transaction(factory) as s:
        decisions.update_escort(s, task_id, "escorted", user(s, "guard"))
    with pytest.raises(WorkflowError, match="tidak dikenal"), transaction(factory) as s:
        decisions.update_escort(s, task_id, "teleported", user(s, "guard"))
    with pytest.raises(WorkflowError, match="tidak ditemukan"), transaction(factory) as s:
        decisions.update_escort(s, 999, "left", user(s, "guard"))


def test_recent_decisions_newest_first(factory, world):
    with transaction(factory) as s:
        first = add_arrival(s).id
        second = add_arrival(s).id
    with transaction(factory) as s:
        decisions.decide(s, first, "decline", user(s, "bupati"))
    with transaction(factory) as s:
        decisions.decide(s, second, "receive", user(s, "adjutant"))
    with factory() as s:
        recent = decisions.recent_decisions(s, utcnow() - timedelta(hours=1), limit=10)
        assert [(d.arrival_id, d.by_user.username) for d in recent] == [
            (second, "adjutant"),
            (first, "bupati"),
        ]
        assert decisions.recent_decisions(s, utcnow() + timedelta(minutes=1), limit=10) == []
        assert len(decisions.recent_decisions(s, utcnow() - timedelta(hours=1), limit=1)) == 1
