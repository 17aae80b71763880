from datetime import timedelta

import pytest
from sqlalchemy import select

from core.errors import WorkflowError
from storage import decisions, guestbook, timeline, unknowns
from storage.db import transaction
from storage.models import GuestBookEntry
from storage.unit_of_work import unit_of_work
from tests.support.storage import add_arrival, add_unknown, user


def test_arrival_detail_timeline(factory, world, media):
    with transaction(factory) as s:
        arrival = add_arrival(s, ago_min=30)
        arrival.waiting_room_at = arrival.first_seen + timedelta(minutes=2)
        arrival.last_seen = arrival.first_seen + timedelta(minutes=3)
        unknown_id = add_unknown(s, media, arrival).id
        arrival_id = arrival.id
    with unit_of_work(factory, media) as uow:
        unknowns.resolve_unknown(
            uow.session,
            uow.files,
            unknown_id,
            "register",
            user(uow.session, "guard"),
            guest_fields={"name": "Dewi"},
            purpose="Koordinasi",
        )
    with transaction(factory) as s:
        decisions.decide(s, arrival_id, "wait", user(s, "adjutant"))
    with transaction(factory) as s:
        decision, _events = decisions.decide(s, arrival_id, "receive", user(s, "bupati"))
        task_id = decisions.escort_for_decision(s, decision.id).id
    with transaction(factory) as s:
        decisions.update_escort(s, task_id, "escorted", user(s, "guard"))
    with transaction(factory) as s:
        decisions.update_escort(s, task_id, "left", user(s, "admin"))
        entry_id = s.scalars(select(GuestBookEntry.id)).one()
    with transaction(factory) as s:
        guestbook.check_out(s, entry_id, user(s, "operator"))
    with factory() as s:
        detail = timeline.arrival_detail(s, arrival_id)
    steps = [(st.kind, st.by, st.on_behalf) for st in detail.steps]
    assert steps == [
        ("first_seen", None, False),
        ("waiting_room", None, False),
        ("last_seen", None, False),
        ("unknown_resolved", "guard", False),
        ("checkin", "guard", False),
        ("decision", "adjutant", True),
        ("decision", "bupati", False),
        ("escort_created", None, False),
        ("escorted", "guard", False),
        ("left", "admin", False),
        ("checkout", None, False),
    ]
    assert detail.steps[0].detail == {"camera": "gate", "role": "gate"}
    assert detail.steps[3].detail == {"action": "registered", "guest": "Dewi"}
    assert detail.steps[4].detail["purpose"] == "Koordinasi"
    assert [d.detail["kind"] for d in detail.steps if d.kind == "decision"] == ["wait", "receive"]
    assert detail.arrival.status == "left" and detail.unknown.id == unknown_id
    with factory() as s, pytest.raises(WorkflowError, match="tidak ditemukan"):
        timeline.arrival_detail(s, 31337)
