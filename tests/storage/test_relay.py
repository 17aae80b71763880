"""The guard's relay board: each decision's outcome in order, "told" stored, audited, refused."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.errors import ErrorCode, WorkflowError
from core.events import OutcomeTold
from core.workflow import validate_decision
from storage import decisions, guestbook, relay, timeline
from storage.db import transaction
from storage.models import AuditLog, Decision
from storage.types import utcnow
from tests.support.storage import CHECKIN, add_arrival, counts, user

TOMORROW = utcnow() + timedelta(days=1)
# kind -> the decision's own fields, as the Bupati's forms send them
DECIDED = {
    "receive": {},
    "wait": {"wait_minutes": "20"},
    "reschedule": {"reschedule_at": TOMORROW},
    "decline": {"note": "Bupati sedang rapat"},
    "delegate": {"delegate_to": "Sekretaris Daerah"},
}


def since():
    return utcnow() - timedelta(hours=12)


def seed_board(factory, world) -> dict[str, int]:
    """One waiting arrival per decision kind (decided by the adjutant) and one undecided."""
    ids = {}
    with transaction(factory) as s:
        for n, (kind, extra) in enumerate(DECIDED.items()):
            arrival = add_arrival(s, guest_id=world["guest_id"], ago_min=30 - n)
            decisions.decide(s, arrival.id, kind, user(s, "adjutant"), **extra)
            ids[kind] = arrival.id
        ids["awaiting"] = add_arrival(s, ago_min=1).id
        add_arrival(s, status="dismissed")  # never on the board
    return ids


def test_board_shows_every_outcome_until_the_guest_is_told(factory, world):
    ids = seed_board(factory, world)
    with factory() as s:
        board = relay.relay_board(s, since())
        states = [(i.arrival.id, i.state) for i in board.active]
        assert states == [(ids[k], k) for k in (*DECIDED, "awaiting")]
        by_kind = {i.state: i for i in board.active}
        assert by_kind["wait"].decision.wait_minutes == 20
        assert by_kind["wait"].wait_until == by_kind["wait"].decision.created_at + timedelta(
            minutes=20
        )
        assert by_kind["reschedule"].decision.reschedule_at == TOMORROW
        assert by_kind["decline"].decision.note == "Bupati sedang rapat"
        assert by_kind["delegate"].decision.delegate_to == "Sekretaris Daerah"
        assert by_kind["awaiting"].decision is None
        assert board.done == []


def test_telling_is_stored_audited_published_and_shown_everywhere(factory, world):
    ids = seed_board(factory, world)
    with transaction(factory) as s:
        entry, _ = guestbook.check_in(s, user(s, "operator"), arrival_id=ids["decline"], **CHECKIN)
        decision_id = decisions.latest_decisions(s, [ids["decline"]])[ids["decline"]].id
    with transaction(factory) as s:
        told, events = relay.tell(s, ids["decline"], decision_id, user(s, "guard"))
    assert events == [OutcomeTold(decision_id, ids["decline"], "decline", "guard", told.told_at)]
    with factory() as s:
        stored = s.get(Decision, decision_id)
        assert stored.told_at is not None and stored.told_user.username == "guard"
        log = s.scalars(select(AuditLog).where(AuditLog.action == "outcome_told")).one()
        assert (log.username, log.target) == ("guard", f"arrival:{ids['decline']}")
        board = relay.relay_board(s, since())
        assert ids["decline"] not in [i.arrival.id for i in board.active]
        assert [(i.arrival.id, i.state) for i in board.done] == [(ids["decline"], "decline")]
        steps = timeline.arrival_detail(s, ids["decline"]).steps
        told_steps = [(st.kind, st.by, st.detail) for st in steps if st.kind == "told"]
        assert told_steps == [("told", "guard", {"kind": "decline"})]
        kinds = [st.kind for st in steps]
        assert kinds.index("decision") < kinds.index("checkin") < kinds.index("told")
        entries = guestbook.guestbook_between(s, since())
        outcome = guestbook.outcomes(s, entries)[entry.id]
        assert (outcome.kind, outcome.told_at) == ("decline", stored.told_at)


def test_a_later_decision_comes_back_to_the_active_list(factory, world):
    ids = seed_board(factory, world)
    with transaction(factory) as s:
        first = decisions.latest_decisions(s, [ids["wait"]])[ids["wait"]].id
        relay.tell(s, ids["wait"], first, user(s, "guard"))
    with transaction(factory) as s:
        decisions.decide(s, ids["wait"], "receive", user(s, "bupati"))
    with factory() as s:
        active = {i.arrival.id: i.state for i in relay.relay_board(s, since()).active}
        assert active[ids["wait"]] == "receive"


@pytest.mark.parametrize(
    ("role", "target", "stale", "code"),
    [
        ("bupati", "wait", False, ErrorCode.NOT_A_RELAYER),
        ("operator", "wait", False, ErrorCode.NOT_A_RELAYER),
        ("guard", "awaiting", False, ErrorCode.NOTHING_TO_TELL),
        ("guard", "wait", True, ErrorCode.DECISION_CHANGED),
    ],
)
def test_telling_is_refused_and_changes_nothing(factory, world, role, target, stale, code):
    ids = seed_board(factory, world)
    with factory() as s:
        latest = decisions.latest_decisions(s, [ids["wait"]])[ids["wait"]].id
    before = counts(factory)
    with pytest.raises(WorkflowError) as caught, transaction(factory) as s:
        relay.tell(s, ids[target], latest + 1 if stale else latest, user(s, role))
    assert caught.value.code is code
    assert counts(factory) == before
    with factory() as s:
        assert s.scalars(select(Decision).where(Decision.told_at.is_not(None))).all() == []


def test_telling_twice_or_an_unknown_visit_is_refused(factory, world):
    ids = seed_board(factory, world)
    with transaction(factory) as s:
        latest = decisions.latest_decisions(s, [ids["delegate"]])[ids["delegate"]].id
        relay.tell(s, ids["delegate"], latest, user(s, "guard"))
    with pytest.raises(WorkflowError) as twice, transaction(factory) as s:
        relay.tell(s, ids["delegate"], latest, user(s, "admin"))
    assert twice.value.code is ErrorCode.ALREADY_TOLD
    with pytest.raises(WorkflowError) as missing, transaction(factory) as s:
        relay.tell(s, 99999, latest, user(s, "guard"))
    assert missing.value.code is ErrorCode.NOT_FOUND


@pytest.mark.parametrize(
    ("minutes", "code"),
    [
        ("0", ErrorCode.OUT_OF_RANGE),
        ("481", ErrorCode.OUT_OF_RANGE),
        ("-5", ErrorCode.OUT_OF_RANGE),
        ("lima", ErrorCode.NOT_A_NUMBER),
        ("1.5", ErrorCode.NOT_A_NUMBER),
        ("²", ErrorCode.NOT_A_NUMBER),
        (True, ErrorCode.NOT_A_NUMBER),
    ],
)
def test_wait_minutes_must_be_a_sensible_whole_number(minutes, code):
    with pytest.raises(WorkflowError) as caught:
        validate_decision("wait", "bupati", wait_minutes=minutes)
    assert caught.value.code is code


def test_wait_minutes_are_optional_and_only_kept_for_wait():
    assert validate_decision("wait", "bupati", wait_minutes=" 15 ").wait_minutes == 15
    assert validate_decision("wait", "bupati", wait_minutes="").wait_minutes is None
    assert validate_decision("receive", "bupati", wait_minutes="15").wait_minutes is None
