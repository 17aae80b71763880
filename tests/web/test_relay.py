"""Every decision reaches the guard's "Tamu menunggu" board in words; "Sudah disampaikan"."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.events import DecisionMade, OutcomeTold
from storage.db import transaction
from storage.models import AuditLog, Decision, GuestBookEntry
from tests.support.web import add_arrival, add_guest, count, post_json
from web.extensions import socketio

JAKARTA = ZoneInfo("Asia/Jakarta")


def decide(client, arrival_id, **form):
    return post_json(client, f"/bupati/arrivals/{arrival_id}/decide", form, "/bupati/")


def tell(client, arrival_id, decision_id):
    form = {"decision_id": str(decision_id)}
    return post_json(client, f"/guard/arrivals/{arrival_id}/told", form, "/guard/")


def tomorrow() -> tuple[str, str]:
    return (datetime.now(JAKARTA) + timedelta(days=1)).date().isoformat(), "10:30"


def items(html: str) -> dict[int, str]:
    """Arrival id -> the relay item's state words, from the guard's panel."""
    found = re.findall(
        r'data-testid="relay-item".*?data-arrival-id="(\d+)".*?'
        r'data-testid="relay-state">([^<]+)<.*?</li>',
        html,
        flags=re.S,
    )
    return {int(a): words for a, words in found}


def latest_decision(env, arrival_id) -> Decision:
    with env.sessions() as db:
        return db.query(Decision).filter_by(arrival_id=arrival_id).order_by(Decision.id).all()[-1]


def test_each_decision_shows_on_the_guards_board_in_words(env):
    guest = add_guest(env, "Hj. Ratna Dewi")
    ids = [add_arrival(env, guest_id=guest, minutes_ago=20 - n)[0] for n in range(6)]
    adjutant = env.client("adjutant")
    day, clock = tomorrow()
    forms = [
        {"kind": "receive"},
        {"kind": "wait", "wait_minutes": "25"},
        {"kind": "reschedule", "date": day, "time": clock},
        {"kind": "decline", "note": "Bupati sedang rapat paripurna"},
        {"kind": "delegate", "delegate_to": "Asisten Pemerintahan"},
    ]
    for arrival_id, form in zip(ids, forms, strict=False):
        assert decide(adjutant, arrival_id, **form).get_json()["ok"] is True
    html = env.client("guard").get("/guard/relay").get_data(as_text=True)
    assert "<html" not in html  # a fragment for the live refresh
    words = ["Diterima", "Diminta menunggu", "Dijadwalkan ulang", "Ditolak", "Didelegasikan"]
    assert items(html) == dict(zip(ids, [*words, "Menunggu keputusan"], strict=True))
    assert "→ tugas antar" in html
    assert "25 menit" in html
    assert f"{day[8:10]}-{day[5:7]}-{day[:4]} 10:30" in html
    assert "Alasan: Bupati sedang rapat paripurna" in html
    assert "kepada Asisten Pemerintahan" in html
    assert html.count('data-testid="relay-told"') == 5  # nothing to tell the undecided one
    assert 'data-testid="relay-panel"' in env.client("guard").get("/guard/").get_data(as_text=True)


def test_told_is_stored_audited_published_and_shown_to_the_operator(env):
    arrival_id, _ = add_arrival(env)
    with transaction(env.sessions) as db:
        db.add(
            GuestBookEntry(
                arrival_id=arrival_id, name="Bambang", category="masyarakat", purpose="Audiensi"
            )
        )
    decide(env.client("bupati"), arrival_id, kind="decline", note="Jadwal penuh")
    decision = latest_decision(env, arrival_id)
    operator = socketio.test_client(env.app, flask_test_client=env.client("operator"))
    operator.get_received()
    response = tell(env.client("guard"), arrival_id, decision.id)
    assert response.status_code == 200 and response.get_json()["ok"] is True
    told = latest_decision(env, arrival_id)
    assert told.told_at is not None and told.told_by == env.users["guard"]
    assert count(env, AuditLog, action="outcome_told", target=f"arrival:{arrival_id}") == 1
    assert [type(e) for e in env.sink.events] == [DecisionMade, OutcomeTold]
    heard = {p["name"]: p["args"][0] for p in operator.get_received()}
    assert heard["outcome_told"]["arrival_id"] == arrival_id
    operator.disconnect()
    board = env.client("guard").get("/guard/relay").get_data(as_text=True)
    assert items(board) == {}
    assert 'data-testid="relay-done-item"' in board and "disampaikan" in board
    entries = env.client("operator").get("/operator/entries").get_data(as_text=True)
    assert re.search(r'data-testid="entry-outcome" data-state="decline">Ditolak', entries)
    told_at = told.told_at.astimezone(JAKARTA).strftime("%H:%M")
    assert re.search(rf'data-testid="entry-told"><time[^>]*>{told_at}</time> · guard1', entries)
    review = env.client("security").get(f"/review/arrivals/{arrival_id}").get_data(as_text=True)
    assert 'data-kind="told"' in review and "Keputusan disampaikan kepada tamu" in review


@pytest.mark.parametrize("role", ["bupati", "adjutant", "operator", "security"])
def test_other_roles_may_not_record_told(env, role):
    arrival_id, _ = add_arrival(env)
    decide(env.client("bupati"), arrival_id, kind="wait")
    decision = latest_decision(env, arrival_id)
    form = {"decision_id": str(decision.id)}
    response = post_json(env.client(role), f"/guard/arrivals/{arrival_id}/told", form)
    assert response.status_code == 403
    assert latest_decision(env, arrival_id).told_at is None


@pytest.mark.parametrize(
    ("decision_id", "message"),
    [
        ("", "Keputusan wajib diisi"),
        ("abc", "Keputusan tidak valid"),
        ("1\x00", "karakter kontrol"),
        ("999", "sudah berubah"),
    ],
)
def test_bad_told_requests_are_refused_and_change_nothing(env, decision_id, message):
    arrival_id, _ = add_arrival(env)
    decide(env.client("bupati"), arrival_id, kind="wait", wait_minutes="10")
    response = tell(env.client("guard"), arrival_id, decision_id)
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert latest_decision(env, arrival_id).told_at is None


def test_told_twice_or_before_any_decision_is_refused(env):
    undecided, _ = add_arrival(env)
    response = tell(env.client("guard"), undecided, 1)
    assert "belum mendapat keputusan" in response.get_json()["error"]
    decide(env.client("bupati"), undecided, kind="receive")
    decision = latest_decision(env, undecided)
    assert tell(env.client("guard"), undecided, decision.id).get_json()["ok"] is True
    again = tell(env.client("admin"), undecided, decision.id)
    assert again.status_code == 400 and "sudah disampaikan" in again.get_json()["error"]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"kind": "wait", "wait_minutes": "0"}, "Lama menunggu (menit) harus antara 1 dan 480"),
        ({"kind": "wait", "wait_minutes": "999"}, "harus antara 1 dan 480"),
        ({"kind": "wait", "wait_minutes": "lima"}, "harus berupa angka bulat"),
        ({"kind": "decline", "note": "rapat\x1b[31m"}, "karakter kontrol"),
        ({"kind": "decline", "note": "r" * 501}, "terlalu panjang"),
        ({"kind": "delegate", "delegate_to": "Sekda\x00"}, "karakter kontrol"),
    ],
)
def test_bad_decision_input_is_refused_with_a_clear_message(env, form, message):
    arrival_id, _ = add_arrival(env)
    response = decide(env.client("bupati"), arrival_id, **form)
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert count(env, Decision, arrival_id=arrival_id) == 0


def test_decline_without_a_reason_and_the_forms_fields(env):
    arrival_id, _ = add_arrival(env)
    html = env.client("bupati").get("/bupati/waiting").get_data(as_text=True)
    assert 'name="wait_minutes"' in html and 'data-testid="decline-reason"' in html
    assert decide(env.client("bupati"), arrival_id, kind="decline").get_json()["ok"] is True
    board = env.client("guard").get("/guard/relay").get_data(as_text=True)
    assert items(board) == {arrival_id: "Ditolak"} and "Alasan" not in board


def test_review_rows_panel_is_a_fragment_that_follows_the_filters(env):
    add_arrival(env)
    client = env.client("security")
    html = client.get("/review/rows").get_data(as_text=True)
    assert "<html" not in html and 'data-testid="review-total">1<' in html
    page = client.get("/review/").get_data(as_text=True)
    assert 'data-src="/review/rows?page=1"' in page
    bad = client.get("/review/rows?from=kemarin")
    assert bad.status_code == 400
