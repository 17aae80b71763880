"""The main dashboard flows on PostgreSQL too."""

from __future__ import annotations

import pytest

from storage.models import Arrival, EscortTask, Guest, UnknownFace
from tests.support.web import add_arrival, count, get_row, post_json
from web.extensions import socketio

pytestmark = pytest.mark.postgres


def test_decision_reaches_the_guard_on_postgresql(make_env, pg_url):
    env = make_env(pg_url)
    arrival_id, _ = add_arrival(env)
    guard = socketio.test_client(env.app, flask_test_client=env.client("guard"))
    guard.get_received()
    response = post_json(
        env.client("adjutant"), f"/bupati/arrivals/{arrival_id}/decide", {"kind": "receive"}
    )
    assert response.get_json()["ok"] is True, response.get_json()
    assert get_row(env, Arrival, arrival_id).status == "received"
    assert count(env, EscortTask, arrival_id=arrival_id) == 1
    assert {p["name"] for p in guard.get_received()} == {"decision_made", "escort_changed"}
    guard.disconnect()


def test_register_and_bad_input_on_postgresql(make_env, pg_url):
    env = make_env(pg_url)
    _, unknown_id = add_arrival(env, unknown=True)
    path = f"/guard/unknowns/{unknown_id}/resolve"
    guard = env.client("guard")
    bad = post_json(guard, path, {"action": "register", "name": "n" * 121}, "/guard/")
    assert bad.status_code == 400
    assert count(env, Guest) == 0
    good = post_json(guard, path, {"action": "register", "name": "Rina", "purpose": "Audiensi"})
    assert good.get_json()["ok"] is True, good.get_json()
    assert get_row(env, UnknownFace, unknown_id).status == "registered"
    assert "Rina" in env.client("bupati").get("/bupati/waiting").get_data(as_text=True)
