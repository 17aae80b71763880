import json
import multiprocessing
import threading
from datetime import UTC, datetime

import pytest

from core.events import (
    EVENT_TYPES,
    CameraStatusChanged,
    EventError,
    GuestArrived,
    parse_event,
)
from core.message_queue import BufferedRedisManager, redact
from core.sinks import CollectingSink, QueueSink, SocketIOSink
from tests.support.waiting import wait_until

AT = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def arrival(i: int = 1) -> GuestArrived:
    return GuestArrived(i, "gate", 7, "Budi", AT, 0.31, "arrivals/x.jpg")


def test_event_dict_is_json_ready_and_named():
    data = arrival().to_dict()
    assert data["type"] == "guest_arrived"
    assert data["at"] == "2026-11-24T12:00:00+00:00"
    assert json.loads(arrival().to_json()) == data
    assert set(EVENT_TYPES) >= {"guest_arrived", "unknown_face_seen", "camera_status"}


def test_collecting_sink_waits_for_a_matching_event():
    sink = CollectingSink()
    timer = threading.Timer(0.05, sink.publish, args=(arrival(2),))
    timer.start()
    got = sink.wait_for(lambda e: getattr(e, "arrival_id", None) == 2, timeout=5)
    assert got == arrival(2)
    assert sink.wait_for(lambda e: False, timeout=0.05) is None


def test_queue_sink_crosses_processes_and_never_raises_when_full():
    q = multiprocessing.get_context("spawn").Queue(maxsize=1)
    sink = QueueSink(q)
    sink.publish(arrival(1))
    sink.publish(arrival(2))  # full: dropped, the event is already stored
    assert q.get(timeout=5) == arrival(1)
    q.close()


@pytest.mark.parametrize("event", [arrival(), CameraStatusChanged("gate", "online", AT, 4.0)])
def test_parse_event_gives_back_the_event(event):
    assert parse_event(event.to_dict()) == event
    assert parse_event(json.loads(event.to_json())) == event


GOOD = arrival().to_dict()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("guest_arrived", "a mapping"),
        ({**GOOD, "type": "format_disk"}, "unknown event type"),
        ({k: v for k, v in GOOD.items() if k != "type"}, "unknown event type"),
        ({**GOOD, "arrival_id": "7"}, "arrival_id"),
        ({**GOOD, "arrival_id": True}, "arrival_id"),
        ({**GOOD, "guest_name": ["<script>"]}, "guest_name"),
        ({**GOOD, "at": "yesterday"}, "at"),
        ({**GOOD, "outside_hours": 1}, "outside_hours"),
        ({**GOOD, "html": "<img src=x onerror=alert(1)>"}, "html"),
        ({k: v for k, v in GOOD.items() if k != "camera"}, "camera"),
    ],
)
def test_parse_event_refuses_anything_but_an_exact_event(data, reason):
    with pytest.raises(EventError, match=reason):
        parse_event(data)


def test_redact_hides_only_the_password():
    assert redact("redis://tamu:s3cret@db.lan:6379/0") == "redis://tamu:***@db.lan:6379/0"
    assert redact("rediss://:s3cret@db.lan/0") == "rediss://:***@db.lan/0"
    assert redact("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"


WORKER_RULE = "worker {state} >worker-pw resetchannels &tamu-test -@all +publish +ping"


def emitted(pubsub, timeout=5.0):
    """The next python-socketio queue message on `pubsub`, decoded."""
    message = pubsub.get_message(timeout=timeout)
    while message is not None and message["type"] != "message":
        message = pubsub.get_message(timeout=timeout)
    assert message is not None, "nothing was published"
    return json.loads(message["data"])


@pytest.mark.redis
def test_socketio_sink_emits_as_flask_socketio_external_process(redis_server):
    server = redis_server(users=(WORKER_RULE.format(state="on"),))
    pubsub = server.admin().pubsub()
    pubsub.subscribe("tamu-test")
    sink = SocketIOSink(server.url("worker", "worker-pw"), "tamu-test")
    event = CameraStatusChanged("gate", "online", AT, 24.5)
    sink.publish(event)
    message = emitted(pubsub)
    assert message["method"] == "emit"
    assert message["event"] == "camera_status"
    assert message["data"] == [event.to_dict()]
    pubsub.close()


@pytest.mark.redis
def test_events_published_while_redis_is_down_are_kept_and_sent_in_order(redis_server, caplog):
    server = redis_server(users=(WORKER_RULE.format(state="on"),))
    sink = SocketIOSink(server.url("worker", "worker-pw"), "tamu-test")
    sink.publish(arrival(1))
    assert sink.manager.flush(5)
    server.kill()
    for i in (2, 3, 4):
        sink.publish(arrival(i))  # returns at once: never blocks the camera pipeline
    wait_until(lambda: "unreachable" in caplog.text, 10, message="no warning while Redis is down")
    assert sink.manager.pending == 3
    # Back, but the worker's account is still off: a subscriber is in place before any retry.
    server.users = [WORKER_RULE.format(state="off")]
    server.start()
    pubsub = server.admin().pubsub()
    pubsub.subscribe("tamu-test")
    assert pubsub.get_message(timeout=2)["type"] == "subscribe"
    assert sink.manager.pending == 3
    server.admin().acl_setuser("worker", enabled=True)
    got = [emitted(pubsub, timeout=20)["data"][0]["arrival_id"] for _ in range(3)]
    assert got == [2, 3, 4]
    assert sink.manager.flush(5)
    assert "worker-pw" not in caplog.text
    pubsub.close()


def test_a_full_buffer_drops_the_oldest_and_says_so(caplog):
    manager = BufferedRedisManager(
        "redis://127.0.0.1:1/0", channel="tamu-test", write_only=True, buffer_size=2
    )
    for i in range(5):
        manager._publish({"method": "emit", "n": i})
    assert manager.pending == 2
    assert manager.dropped == 3
    assert [json.loads(m)["n"] for m in manager._pending] == [3, 4]
    assert "buffer full" in caplog.text
    assert not manager.flush(0.2)
    manager._publish({"method": "emit", "data": [object()]})  # never blocks the buffer
    assert manager.pending == 2
    assert "not JSON" in caplog.text
