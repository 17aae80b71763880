"""Flask-SocketIO's message queue on a real Redis: workers' events reach the right rooms, forged
or malformed messages never do, and an outage delays events instead of losing them."""

from __future__ import annotations

import json
import uuid

import pytest
import redis

from core.events import CameraStatusChanged, GuestArrived, UnknownFaceSeen
from core.sinks import SocketIOSink
from storage.types import utcnow
from tests.support.metrics import scrape, value
from tests.support.serving import InProcessServer, SocketIOClient, login_cookie
from tests.support.waiting import stays_true, wait_until
from tests.web.conftest import PASSWORD
from web.extensions import socketio
from web.realtime import publish

pytestmark = pytest.mark.redis
DEADLINE_S = 10.0
CHANNEL = "tamu-site-a"
# What each process may do on the shared Redis (README "Deployment" shows the same rules).
WEB_RULE = "web on >web-pw resetchannels &tamu-site-a -@all +publish +subscribe +ping"
WORKER_RULE = "worker {state} >worker-pw resetchannels &tamu-site-a -@all +publish +ping"


@pytest.fixture
def queue(redis_server):
    """A private Redis with the web and worker accounts (the worker's may start disabled)."""

    def start(worker: str = "on"):
        return redis_server(users=(WEB_RULE, WORKER_RULE.format(state=worker)))

    return start


@pytest.fixture
def site(make_env, queue):
    """A dashboard on the message queue, served on loopback, with a Socket.IO client per role."""
    server = queue()
    env = make_env(events={"redis_url": server.url("web", "web-pw"), "channel": CHANNEL})
    with InProcessServer(env.app, env.config.web) as web:
        sockets = {
            role: SocketIOClient(web.base, login_cookie(web.base, f"{role}1", PASSWORD))
            for role in ("bupati", "guard", "operator")
        }
        heard = {role: client.collect() for role, client in sockets.items()}
        manager = socketio.server.manager
        wait_until(lambda: manager.subscriptions >= 1, DEADLINE_S, message="never subscribed")
        yield env, server, heard, manager
        for client in sockets.values():
            client.close()
        manager.close()


def worker_sink(server) -> SocketIOSink:
    return SocketIOSink(server.url("worker", "worker-pw"), CHANNEL)


def arrival(arrival_id: int) -> GuestArrived:
    return GuestArrived(arrival_id, "gate", 3, "Budi", utcnow(), 0.31, "arrivals/b.jpg")


def test_worker_events_reach_exactly_the_rooms_allowed(site):
    _env, server, heard, _manager = site
    sink = worker_sink(server)
    event = arrival(11)
    sink.publish(event)
    sink.publish(UnknownFaceSeen(5, 11, "gate", utcnow(), None))
    sink.publish(CameraStatusChanged("gate", "online", utcnow(), 4.0))  # the last one
    for role in ("bupati", "guard"):
        wait_until(lambda r=role: len(heard[r]) == 3, DEADLINE_S, message=lambda: str(heard))
        assert [n for n, _ in heard[role]] == [
            "guest_arrived",
            "unknown_face_seen",
            "camera_status",
        ]
    assert heard["bupati"][0][1] == event.to_dict()
    # unknown faces and cameras are not the operator's business
    assert [n for n, _ in heard["operator"]] == ["guest_arrived"]


def test_the_dashboard_measures_how_late_events_arrive(site):
    env, server, heard, _manager = site
    count = "tamu_event_delivery_lag_seconds_count"
    before = value(scrape(env.app.test_client()), count) or 0
    worker_sink(server).publish(arrival(12))
    wait_until(lambda: heard["bupati"], DEADLINE_S, message=lambda: str(heard))
    samples = scrape(env.app.test_client())
    assert value(samples, count) == before + 1
    assert value(samples, "tamu_event_delivery_lag_seconds_bucket", le="+Inf") == before + 1
    assert 0 <= value(samples, "tamu_event_delivery_lag_seconds_sum") < DEADLINE_S


def forged(event: str, payload, **fields) -> bytes:
    """A message in python-socketio's queue format, as anyone with Redis access could send."""
    message = {
        "method": "emit",
        "event": event,
        "data": [payload],
        "binary": False,
        "namespace": "/",
        "room": None,
        "skip_sid": None,
        "callback": None,
        "host_id": uuid.uuid4().hex,
        **fields,
    }
    return json.dumps(message).encode()


def test_forged_and_malformed_messages_are_dropped_and_logged(site, caplog):
    _env, server, heard, _manager = site
    admin = server.admin()
    good = arrival(21).to_dict()
    bad_messages = [
        b"{not json",
        forged("guest_arrived", {**good, "guest_name": "<img src=x onerror=alert(1)>", "x": 1}),
        forged("guest_arrived", {**good, "arrival_id": "21"}),
        forged("guest_arrived", {k: v for k, v in good.items() if k != "camera"}),
        forged("guest_arrived", CameraStatusChanged("gate", "online", utcnow(), 1.0).to_dict()),
        forged("format_disk", {"type": "format_disk"}),
        forged("guest_arrived", good, callback=["room", "/", 1]),
        json.dumps({"method": "close_room", "room": "bupati", "namespace": "/"}).encode(),
        b"x" * 70_000,
    ]
    for raw in bad_messages:
        admin.publish(CHANNEL, raw)
    # A valid event asking for the operator's room goes where the policy says instead.
    unknown = UnknownFaceSeen(6, 21, "gate", utcnow(), None).to_dict()
    admin.publish(CHANNEL, forged("unknown_face_seen", unknown, room="operator"))
    # Another deployment's channel on the same Redis is not ours.
    admin.publish("tamu-site-b", forged("guest_arrived", good))
    admin.publish(CHANNEL, forged("guest_arrived", arrival(22).to_dict()))  # the last one
    got = heard["bupati"]
    wait_until(
        lambda: any(p.get("arrival_id") == 22 for _, p in got),
        DEADLINE_S,
        message=lambda: f"the valid event never came: {got}",
    )
    assert [(name, p["arrival_id"]) for name, p in got] == [
        ("unknown_face_seen", 21),
        ("guest_arrived", 22),
    ]
    wait_until(lambda: heard["operator"], DEADLINE_S)
    assert [(n, p["arrival_id"]) for n, p in heard["operator"]] == [("guest_arrived", 22)]
    assert caplog.text.count("dropped a message from the queue") == 6
    assert "dropped a close_room message" in caplog.text
    assert "dropped a 70000-byte message" in caplog.text
    assert "onerror" not in json.dumps(got)


def test_redis_refuses_publishers_without_the_password(site):
    _env, server, _heard, _manager = site
    anonymous = redis.Redis(host="127.0.0.1", port=server.port, socket_timeout=2)
    with pytest.raises(redis.AuthenticationError):
        anonymous.publish(CHANNEL, forged("guest_arrived", arrival(31).to_dict()))
    wrong = redis.Redis.from_url(server.url("worker", "guessed"), socket_timeout=2)
    with pytest.raises(redis.AuthenticationError):
        wrong.publish(CHANNEL, b"x")
    # and the worker's own account may publish on its channel only
    worker = redis.Redis.from_url(server.url("worker", "worker-pw"), socket_timeout=2)
    with pytest.raises(redis.exceptions.NoPermissionError):
        worker.publish("tamu-site-b", b"x")


def test_a_closed_listener_stops_for_good(site, caplog):
    _env, server, _heard, manager = site
    manager.close()
    server.kill()
    assert stays_true(lambda: "cannot receive" not in caplog.text, 1.5)


def test_after_a_redis_outage_nothing_is_lost_and_pages_resync(site, caplog):
    env, server, heard, manager = site
    sink = worker_sink(server)
    server.kill()
    sink.publish(arrival(41))
    sink.publish(arrival(42))
    with env.app.app_context():
        publish(arrival(43))  # a view publishing meanwhile: its own clients still hear it
    got = heard["guard"]
    wait_until(lambda: got, DEADLINE_S)
    assert [p["arrival_id"] for _, p in got] == [43]
    wait_until(lambda: "unreachable" in caplog.text, DEADLINE_S, message="no warning")
    assert sink.manager.pending == 2
    # Redis is back; the worker's account stays off until the web has subscribed again.
    server.users = [WEB_RULE, WORKER_RULE.format(state="off")]
    server.start()
    resync = ("resync", {"type": "resync", "reason": "message queue reconnected"})
    wait_until(lambda: resync in got, 30, message=lambda: f"no resync after the outage: {got}")
    assert manager.subscriptions >= 2
    server.admin().acl_setuser("worker", enabled=True)
    wait_until(lambda: len(got) >= 4, 30, message=lambda: f"buffered events never came: {got}")
    assert [p.get("arrival_id") for _, p in got] == [43, None, 41, 42]
    assert sink.manager.pending == 0
    # the other web processes got the view's event once Redis was back, too
    assert manager.pending == 0
    assert "web-pw" not in caplog.text and "worker-pw" not in caplog.text


def test_events_travel_over_tls(make_env, redis_server):
    server = redis_server(users=(WEB_RULE, WORKER_RULE.format(state="on")), tls=True)
    assert server.url().startswith("rediss://")
    env = make_env(events={"redis_url": server.url("web", "web-pw"), "channel": CHANNEL})
    with InProcessServer(env.app, env.config.web) as web:
        guard = SocketIOClient(web.base, login_cookie(web.base, "guard1", PASSWORD))
        heard = guard.collect()
        manager = socketio.server.manager
        wait_until(lambda: manager.subscriptions >= 1, DEADLINE_S, message="never subscribed")
        worker_sink(server).publish(arrival(51))
        wait_until(lambda: heard, DEADLINE_S, message="no event over TLS")
        assert heard[0][1]["arrival_id"] == 51
        guard.close()
        manager.close()
    # without the CA, a client does not trust the server, and plain redis:// is not served
    untrusted = redis.Redis.from_url(server.url().split("?")[0], socket_timeout=2)
    with pytest.raises(redis.ConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
        untrusted.ping()
    plain = redis.Redis.from_url(server.url().replace("rediss://", "redis://").split("?")[0])
    with pytest.raises(redis.ConnectionError):
        plain.ping()
