"""Every route and every Socket.IO event against every role and anonymous.

The expected tables below are written independently of web/security_policy.py: a change to the
policy must be made in both places, on purpose.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from core.events import (
    EVENT_TYPES,
    AppointmentsChanged,
    ArrivalReidentified,
    ArrivalUpdated,
    CameraStatusChanged,
    DecisionMade,
    EscortChanged,
    GuestArrived,
    GuestBookChanged,
    OutcomeTold,
    ReceivingChanged,
    ResyncNeeded,
    UnknownFaceSeen,
    UnknownResolved,
    WatchlistAcknowledged,
    WatchlistSighted,
    WorkerStatusChanged,
)
from storage.db import transaction
from storage.models import ROLES
from storage.users import disable_user
from tests.support.web import add_arrival, csrf_token, jpeg
from web import security_policy as policy
from web.auth import check_declared_roles, roles_required
from web.extensions import socketio
from web.realtime import publish

ANON = None
EVERYONE = set(ROLES)
PUBLIC = "public"
WATCH = {"bupati", "adjutant", "admin"}
GUARD = {"guard", "admin"}

EXPECTED_ENDPOINTS: dict[str, set[str] | str] = {
    "static": PUBLIC,
    "auth.login": PUBLIC,
    "i18n.set_language": PUBLIC,
    "public.service": PUBLIC,
    "public.waiting_room": PUBLIC,
    "public.queue": PUBLIC,
    "survey.respond": PUBLIC,
    "complaints.submit": PUBLIC,
    "complaints.track": PUBLIC,
    "auth.index": EVERYONE,
    "auth.logout": EVERYONE,
    "account.password": EVERYONE,
    "bupati.index": WATCH,
    "bupati.waiting_panel": WATCH,
    "bupati.activity_panel": WATCH,
    "bupati.decide": WATCH,
    "bupati.set_receiving": WATCH,
    "guard.index": GUARD,
    "guard.status_panel": GUARD,
    "guard.unknowns_panel": GUARD,
    "guard.escorts_panel": GUARD,
    "guard.search_guests": GUARD,
    "guard.resolve_unknown": GUARD,
    "guard.update_escort": GUARD,
    "guard.relay_panel": GUARD,
    "guard.tell": GUARD,
    "guard.live_frame": GUARD | {"bupati", "adjutant"},
    "media.snapshot": EVERYONE,
    "feedback.not_this_person": {"guard", "security", "admin"},
    "calibration.index": {"admin"},
    "calibration.histogram": {"admin"},
    "survey.slip": {"operator", "admin"},
    "complaints.manage": {"adjutant", "admin"},
    "complaints.update": {"adjutant", "admin"},
    "appointments.index": {"adjutant", "operator", "admin"},
    "appointments.create": {"adjutant", "operator", "admin"},
    "appointments.cancel": {"adjutant", "operator", "admin"},
    "appointments.panel": EVERYONE - {"security"},
    "enrol_arrival.index": {"guard", "operator", "admin"},
    "enrol_arrival.form": {"guard", "operator", "admin"},
    "enrol_arrival.enrol": {"guard", "operator", "admin"},
    "api-docs.openapi_json": PUBLIC,
    "api_tokens.index": {"admin"},
    "api_tokens.add": {"admin"},
    "api_tokens.revoke": {"admin"},
    # From a `metrics.allow` address (the test client's 127.0.0.1) without a login; else admin.
    "metrics.metrics": {"admin"},
    "watchlist.index": {"security", "admin"},
    "watchlist.add": {"security", "admin"},
    "watchlist.remove": {"security", "admin"},
    "watchlist.alerts_panel": {"guard", "security", "admin"},
    "watchlist.acknowledge": {"guard", "security", "admin"},
}
OPEN_FROM_LOOPBACK = {"metrics.metrics"}
# The REST API: a bearer token's role (tests/web/test_api.py calls each with every role).
EXPECTED_TOKEN_ENDPOINTS = {
    "api.list_arrivals": WATCH | {"security"},
    "api.get_arrival": WATCH | {"security"},
    "api.get_visit": {"security", "admin"},
    "api.list_guests_": {"guard", "security", "admin"},
    "api.get_guest_": {"guard", "security", "admin"},
    "api.report": WATCH | {"security"},
    "api.list_appointments": EVERYONE - {"security"},
    "api.create_appointment": {"adjutant", "operator", "admin"},
}
EXPECTED_BLUEPRINTS = {
    "operator": {"operator", "admin"},
    "review": {"security", "admin"},
    "report": {"bupati", "adjutant", "security", "admin"},
    "admin": {"admin"},
    "admin_users": {"admin"},
    "admin_guests": {"admin"},
    "admin_cameras": {"admin"},
}
EXPECTED_MEDIA = {
    "arrivals": EVERYONE,
    "unknown": EVERYONE - {"operator"},
    "faces": {"guard", "security", "admin"},
    "watchlist": {"guard", "security", "admin"},
    "live": {"guard", "admin", "bupati", "adjutant"},
}
# Which roles hear each server event (through the rooms they join).
EXPECTED_EVENT_ROLES = {
    "guest_arrived": EVERYONE,
    "arrival_updated": EVERYONE,
    "unknown_face_seen": EVERYONE - {"operator"},
    "unknown_resolved": EVERYONE,
    "camera_status": EVERYONE - {"operator"},
    "decision_made": EVERYONE,
    "outcome_told": EVERYONE,
    "escort_changed": {"guard", "security", "admin"},
    "receiving_changed": EVERYONE,
    "guestbook_changed": EVERYONE,
    "watchlist_sighted": {"guard", "security", "admin"},
    "appointments_changed": EVERYONE - {"security"},
    "worker_status": EVERYONE,
    "watchlist_acknowledged": {"guard", "security", "admin"},
    "arrival_reidentified": {"bupati", "adjutant", "guard", "operator", "security", "admin"},
    "resync": EVERYONE,
}
EXPECTED_CLIENT_EVENTS = {
    "camera_states": {"bupati", "adjutant", "guard", "security", "admin"},
    "receiving_state": EVERYONE,
    "make_me_admin": set(),  # no such event: refused for everyone
}
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SAMPLE_EVENTS = [
    GuestArrived(1, "gate", 2, "Budi", NOW, 0.3, "arrivals/x.jpg"),
    ArrivalUpdated(1, "waiting", 2, NOW, 3, NOW),
    UnknownFaceSeen(4, 1, "gate", NOW, "unknown/x.jpg"),
    UnknownResolved(4, 1, "register", 2, "guard1"),
    CameraStatusChanged("gate", "online", NOW, 5.0),
    DecisionMade(7, 1, "receive", "adjutant1", True, NOW),
    EscortChanged(8, 1, "pending", "adjutant1"),
    OutcomeTold(7, 1, "wait", "guard1", NOW),
    ReceivingChanged(False, "bupati1"),
    GuestBookChanged(9, 1, "checkin"),
    WatchlistSighted(3, "Orang X", "high", "gate", NOW, None),
    WatchlistAcknowledged(5, "guard1"),
    ArrivalReidentified(1, "gate", 2, "Budi", None, 4, "evidence", NOW),
    AppointmentsChanged(5, "expected"),
    WorkerStatusChanged(False, NOW),
    ResyncNeeded("message queue reconnected"),
]


def expected_roles(endpoint: str) -> set[str] | str:
    if endpoint in EXPECTED_TOKEN_ENDPOINTS:
        return EXPECTED_TOKEN_ENDPOINTS[endpoint]
    if endpoint in EXPECTED_ENDPOINTS:
        return EXPECTED_ENDPOINTS[endpoint]
    blueprint = endpoint.partition(".")[0]
    assert blueprint in EXPECTED_BLUEPRINTS, f"{endpoint} is missing from the expected table"
    return EXPECTED_BLUEPRINTS[blueprint]


def test_policy_table_matches_the_independent_table(env):
    endpoints = {rule.endpoint for rule in env.app.url_map.iter_rules()}
    for endpoint in endpoints:
        expected = expected_roles(endpoint)
        assert policy.uses_token(endpoint) == (endpoint in EXPECTED_TOKEN_ENDPOINTS), endpoint
        if expected == PUBLIC:
            assert policy.is_public(endpoint), endpoint
        else:
            assert not policy.is_public(endpoint), endpoint
            assert set(policy.endpoint_roles(endpoint)) == expected, endpoint
    assert {k: set(v) for k, v in policy.MEDIA_KIND_ROLES.items()} == EXPECTED_MEDIA
    for name, roles in EXPECTED_EVENT_ROLES.items():
        heard = {r for r in ROLES if policy.rooms_for_role(r) & policy.rooms_for_event(name)}
        assert heard == roles, name
    assert set(policy.EVENT_ROOMS) == set(EVENT_TYPES)


def test_unknown_endpoints_are_refused_by_default():
    assert policy.endpoint_roles("nowhere.secret") == frozenset()
    assert not policy.may_access("admin", "nowhere.secret")
    assert not policy.may_access("admin", None)
    assert policy.may_access(None, "auth.login")


def _url(rule, env, ids) -> str:
    values = {}
    for arg in rule.arguments:
        if arg == "filename":
            values[arg] = "css/tamu.css"
        elif arg == "rel":
            values[arg] = ids["snapshot"]
        elif arg == "name":
            values[arg] = "gate"
        else:
            values[arg] = ids["arrival"]
    return rule.build(values, append_unknown=False)[1]


def _routes(env):
    for rule in sorted(env.app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in EXPECTED_TOKEN_ENDPOINTS:
            continue  # a login opens none of them (tests/web/test_api.py)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _request(client, method, url):
    if method == "GET":
        return client.get(url)
    token = csrf_token(client, "/login")
    return client.open(url, method=method, data={"csrf_token": token})


@pytest.mark.parametrize("role", [ANON, *ROLES])
def test_every_route_allows_and_refuses_by_role(env, role):
    arrival_id, _ = add_arrival(env)
    ids = {"arrival": arrival_id, "snapshot": jpeg(env.media, "arrivals")}
    env.media.write_fixed("live/gate.jpg", __import__("numpy").zeros((8, 8, 3), "uint8"))
    checked = 0
    for rule, method in _routes(env):
        url = _url(rule, env, ids)
        client = env.client(role)
        response = _request(client, method, url)
        expected = expected_roles(rule.endpoint)
        allowed = expected == PUBLIC or (role is not None and role in expected)
        allowed = allowed or rule.endpoint in OPEN_FROM_LOOPBACK
        status = response.status_code
        where = f"{method} {url} as {role}: {status}"
        assert status < 500, where
        if allowed:
            assert status not in (401, 403), where
            assert not response.headers.get("Location", "").startswith("/login?"), where
        elif role is None:
            assert status == 401 or response.headers["Location"].startswith("/login?"), where
        else:
            assert status == 403, where
        checked += 1
    assert checked >= len(EXPECTED_ENDPOINTS)


@pytest.mark.parametrize("kind", sorted(EXPECTED_MEDIA))
def test_media_kinds_by_role(env, kind):
    rel = jpeg(env.media, kind)
    for role in ROLES:
        status = env.client(role).get(f"/media/{rel}").status_code
        assert status == (200 if role in EXPECTED_MEDIA[kind] else 403), (kind, role, status)


def _socket_clients(env):
    clients = {}
    for role in [ANON, *ROLES]:
        http = env.client(role)
        clients[role] = socketio.test_client(env.app, flask_test_client=http)
    return clients


def test_socket_connections_need_a_login_and_join_the_role_rooms(env):
    clients = _socket_clients(env)
    try:
        assert not clients[ANON].is_connected()
        for role in ROLES:
            assert clients[role].is_connected(), role
        for role in ROLES:
            clients[role].get_received()
        for event in SAMPLE_EVENTS:
            publish(event)
        for role in ROLES:
            heard = {packet["name"] for packet in clients[role].get_received()}
            expected = {n for n, roles in EXPECTED_EVENT_ROLES.items() if role in roles}
            assert heard == expected, role
        assert {e.name for e in SAMPLE_EVENTS} == set(EVENT_TYPES)
    finally:
        for role in ROLES:
            clients[role].disconnect()


@pytest.mark.parametrize("event", sorted(EXPECTED_CLIENT_EVENTS))
def test_every_client_event_against_every_role(env, event):
    clients = _socket_clients(env)
    try:
        for role in ROLES:
            ack = clients[role].emit(event, {}, callback=True)
            allowed = role in EXPECTED_CLIENT_EVENTS[event]
            assert ack["ok"] is allowed, (event, role, ack)
            if not allowed:
                assert ack["error"] == "forbidden"
    finally:
        for role in ROLES:
            clients[role].disconnect()


def test_client_event_answers_carry_state(env):
    client = socketio.test_client(env.app, flask_test_client=env.client("guard"))
    cameras = client.emit("camera_states", callback=True)["cameras"]
    assert [c["camera"] for c in cameras] == ["gate", "waiting"]
    assert {c["status"] for c in cameras} == {"offline"}
    assert client.emit("receiving_state", callback=True) == {"ok": True, "receiving": True}
    client.disconnect()


def test_declared_roles_must_match_the_table():
    @roles_required("guard", "admin")
    def view():
        return "ok"

    check_declared_roles(SimpleNamespace(view_functions={"guard.index": view}))
    with pytest.raises(RuntimeError, match="disagrees"):
        check_declared_roles(SimpleNamespace(view_functions={"bupati.index": view}))


def test_a_disabled_users_socket_is_refused_from_then_on(env):
    client = socketio.test_client(env.app, flask_test_client=env.client("guard"))
    assert client.emit("receiving_state", callback=True)["ok"] is True
    with transaction(env.sessions) as db:
        disable_user(db, "guard1")
    assert client.emit("receiving_state", callback=True) == {"ok": False, "error": "forbidden"}
    client.disconnect()
