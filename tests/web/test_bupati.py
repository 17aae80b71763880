"""The Bupati's page: who is waiting, decisions (live to the guard), the receiving switch."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.events import DecisionMade, EscortChanged, ReceivingChanged
from storage.db import transaction
from storage.models import Arrival, AuditLog, Decision, EscortTask, GuestBookEntry
from storage.settings import get_setting
from storage.types import utcnow
from tests.support.web import add_arrival, add_guest, count, csrf_token, get_row, post_json
from web.extensions import socketio

JAKARTA = ZoneInfo("Asia/Jakarta")


def decide(client, arrival_id, **form):
    return post_json(client, f"/bupati/arrivals/{arrival_id}/decide", form, "/bupati/")


def tomorrow_at(hour: int) -> tuple[str, str]:
    day = (datetime.now(JAKARTA) + timedelta(days=1)).date()
    return day.isoformat(), f"{hour:02d}:30"


def test_waiting_list_shows_guests_and_strangers(env):
    guest_id = add_guest(env, "Ir. Siti Rahma", category="pemerintah", institution="Bappeda")
    known, _ = add_arrival(env, guest_id=guest_id, minutes_ago=12, camera="waiting")
    add_arrival(env, unknown=True, minutes_ago=3, outside_hours=True)
    with transaction(env.sessions) as db:
        db.add(
            GuestBookEntry(
                arrival_id=known, name="Ir. Siti Rahma", category="pemerintah",
                purpose="Koordinasi musrenbang",
            )
        )  # fmt: skip
    html = env.client("bupati").get("/bupati/").get_data(as_text=True)
    assert html.count('data-testid="waiting-row"') == 2
    assert "Ir. Siti Rahma" in html and "Bappeda" in html and "Pemerintah" in html
    assert "Koordinasi musrenbang" in html
    assert "Tamu tidak dikenal" in html
    assert "Kamera waiting" in html
    assert 'data-testid="outside-hours"' in html
    first_seen = get_row(env, Arrival, known).first_seen
    assert first_seen.astimezone(JAKARTA).strftime("%H:%M") in html
    assert f'data-since="{first_seen.isoformat()}">12<' in html
    assert 'data-testid="decision-receive"' in html
    assert 'data-testid="waiting-count">2<' in html


def test_waiting_panel_and_empty_state(env):
    client = env.client("adjutant")
    html = client.get("/bupati/waiting").get_data(as_text=True)
    assert 'data-testid="waiting-empty"' in html
    assert "<html" not in html  # a fragment for live refresh
    add_arrival(env)
    assert 'data-testid="waiting-row"' in client.get("/bupati/waiting").get_data(as_text=True)


def test_an_undecided_visitor_unseen_for_hours_no_longer_waits(env):
    stale, _ = add_arrival(env, minutes_ago=13 * 60)
    fresh, _ = add_arrival(env, minutes_ago=11 * 60)
    html = env.client("bupati").get("/bupati/waiting").get_data(as_text=True)
    assert f'data-arrival-id="{fresh}"' in html
    assert f'data-arrival-id="{stale}"' not in html


def test_receive_creates_an_escort_and_reaches_the_guard_live(env):
    arrival_id, _ = add_arrival(env)
    guard = socketio.test_client(env.app, flask_test_client=env.client("guard"))
    guard.get_received()
    response = decide(env.client("bupati"), arrival_id, kind="receive")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["ok"] is True
    assert get_row(env, Arrival, arrival_id).status == "received"
    assert count(env, EscortTask, arrival_id=arrival_id, status="pending") == 1
    received = {p["name"]: p["args"][0] for p in guard.get_received()}
    assert received["decision_made"]["arrival_id"] == arrival_id
    assert received["decision_made"]["kind"] == "receive"
    assert received["decision_made"]["on_behalf"] is False
    assert received["escort_changed"]["status"] == "pending"
    assert [type(e) for e in env.sink.events] == [DecisionMade, EscortChanged]
    escorts = env.client("guard").get("/guard/escorts").get_data(as_text=True)
    assert 'data-testid="escort-task"' in escorts
    guard.disconnect()


def test_adjutant_decides_on_the_bupatis_behalf(env):
    arrival_id, _ = add_arrival(env)
    response = decide(env.client("adjutant"), arrival_id, kind="wait", note="Sebentar lagi")
    assert response.get_json()["ok"] is True
    decision = env.sink.events[0]
    assert decision.on_behalf is True and decision.by == "adjutant1"
    assert get_row(env, Arrival, arrival_id).status == "waiting"
    html = env.client("bupati").get("/bupati/activity").get_data(as_text=True)
    assert 'data-testid="on-behalf"' in html and "atas nama Bupati" in html


def test_reschedule_stores_the_jakarta_time_in_utc(env):
    arrival_id, _ = add_arrival(env)
    day, clock = tomorrow_at(9)
    response = decide(env.client("bupati"), arrival_id, kind="reschedule", date=day, time=clock)
    assert response.get_json()["ok"] is True
    with env.sessions() as db:
        decision = db.query(Decision).filter_by(arrival_id=arrival_id).one()
    assert decision.reschedule_at.astimezone(JAKARTA).strftime("%Y-%m-%d %H:%M") == f"{day} {clock}"
    assert get_row(env, Arrival, arrival_id).status == "rescheduled"


def test_delegate_and_decline(env):
    first, _ = add_arrival(env)
    second, _ = add_arrival(env)
    client = env.client("bupati")
    assert decide(client, first, kind="delegate", delegate_to="Sekda").get_json()["ok"]
    assert decide(client, second, kind="decline").get_json()["ok"]
    assert get_row(env, Arrival, first).status == "delegated"
    assert get_row(env, Arrival, second).status == "declined"
    assert env.sink.events[0].detail == "Sekda"


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"kind": "explode"}, "Keputusan tidak dikenal"),
        ({"kind": ""}, "Keputusan tidak dikenal"),
        ({"kind": "reschedule"}, "wajib diisi"),
        ({"kind": "reschedule", "date": "2026-13-45", "time": "09:00"}, "tidak valid"),
        ({"kind": "reschedule", "date": "besok", "time": "jam 9"}, "tidak valid"),
        ({"kind": "reschedule", "date": "2020-01-01", "time": "09:00"}, "masa depan"),
        ({"kind": "delegate", "delegate_to": "   "}, "wajib diisi"),
        ({"kind": "delegate", "delegate_to": "x" * 121}, "terlalu panjang"),
        ({"kind": "wait", "note": "n" * 501}, "terlalu panjang"),
        ({"kind": "wait", "note": "n" * 5000}, "terlalu panjang"),
    ],
)
def test_bad_decisions_are_refused_and_write_nothing(env, form, message):
    arrival_id, _ = add_arrival(env)
    response = decide(env.client("bupati"), arrival_id, **form)
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False and message.lower() in body["error"].lower(), body
    assert count(env, Decision) == 0
    assert count(env, EscortTask) == 0
    assert count(env, AuditLog, action="decide") == 0
    assert get_row(env, Arrival, arrival_id).status == "waiting"
    assert env.sink.events == []


def test_unknown_and_closed_arrivals_are_refused(env):
    client = env.client("bupati")
    response = decide(client, 999999, kind="receive")
    assert response.status_code == 400
    assert "tidak ditemukan" in response.get_json()["error"]
    arrival_id, _ = add_arrival(env)
    assert decide(client, arrival_id, kind="decline").get_json()["ok"]
    again = decide(client, arrival_id, kind="receive")
    assert again.status_code == 400 and "sudah diputuskan" in again.get_json()["error"]
    assert count(env, Decision) == 1 and count(env, EscortTask) == 0


def test_plain_form_post_redirects_with_a_flash(env):
    arrival_id, _ = add_arrival(env)
    client = env.client("bupati")
    token = csrf_token(client, "/bupati/")
    response = client.post(
        f"/bupati/arrivals/{arrival_id}/decide", data={"kind": "wait", "csrf_token": token}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/bupati/"
    page = client.get("/bupati/").get_data(as_text=True)
    assert 'data-testid="flash"' in page and "Keputusan tersimpan" in page
    bad = client.post(
        f"/bupati/arrivals/{arrival_id}/decide", data={"kind": "nope", "csrf_token": token}
    )
    assert bad.status_code == 302
    assert "Keputusan tidak dikenal" in client.get("/bupati/").get_data(as_text=True)


def test_json_post_without_csrf_header_is_refused(env):
    arrival_id, _ = add_arrival(env)
    client = env.client("bupati")
    response = client.post(
        f"/bupati/arrivals/{arrival_id}/decide",
        json={"kind": "receive"},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 400
    assert response.get_json()["ok"] is False
    forged = client.post(
        f"/bupati/arrivals/{arrival_id}/decide",
        data={"kind": "receive"},
        headers={"X-CSRFToken": "forged-token", "X-Requested-With": "fetch"},
    )
    assert forged.status_code == 400
    assert count(env, Decision) == 0
    assert get_row(env, Arrival, arrival_id).status == "waiting"


def test_receiving_switch_reaches_the_guard(env):
    guard_http = env.client("guard")
    guard = socketio.test_client(env.app, flask_test_client=guard_http)
    guard.get_received()
    client = env.client("bupati")
    response = post_json(client, "/bupati/receiving", {"receiving": "0"}, "/bupati/")
    body = response.get_json()
    assert body == {"ok": True, "message": "Tidak menerima tamu.", "receiving": False}
    with env.sessions() as db:
        assert get_setting(db, "receiving") == "0"
    packets = guard.get_received()
    assert [(p["name"], p["args"][0]["receiving"]) for p in packets] == [
        ("receiving_changed", False)
    ]
    assert isinstance(env.sink.events[-1], ReceivingChanged)
    status = guard_http.get("/guard/status").get_data(as_text=True)
    assert 'data-receiving="0"' in status and "TIDAK menerima tamu" in status
    bupati_page = client.get("/bupati/").get_data(as_text=True)
    assert 'data-testid="receiving-state">Tidak menerima tamu' in bupati_page
    bad = post_json(client, "/bupati/receiving", {"receiving": "maybe"}, "/bupati/")
    assert bad.status_code == 400
    with env.sessions() as db:
        assert get_setting(db, "receiving") == "0"
    guard.disconnect()


def test_arrival_times_are_shown_in_jakarta_time(env):
    arrival_id, _ = add_arrival(env, minutes_ago=0)
    stamp = utcnow().replace(hour=1, minute=5, second=0, microsecond=0)  # 08:05 in Jakarta
    with transaction(env.sessions) as db:
        row = db.get(Arrival, arrival_id)
        row.first_seen = stamp  # still seen now: waiting since the morning
    html = env.client("bupati").get("/bupati/waiting").get_data(as_text=True)
    assert ">08:05</time>" in html
