import json
import multiprocessing
import threading
from datetime import UTC, datetime

import pytest

from core.events import EVENT_TYPES, CameraStatusChanged, GuestArrived
from core.sinks import (
    REDIS_CHANNEL,
    CollectingSink,
    QueueSink,
    RedisSink,
    decode_event,
)
from tests.conftest import REDIS_URL, port_open

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


def test_redis_sink_publishes_json_on_the_channel():
    if not port_open("127.0.0.1", 6379):
        pytest.skip("Redis is not listening on 127.0.0.1:6379")
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    pubsub = client.pubsub()
    pubsub.subscribe(REDIS_CHANNEL)
    assert pubsub.get_message(timeout=2)["type"] == "subscribe"
    event = CameraStatusChanged("gate", "online", AT, 24.5)
    RedisSink(REDIS_URL).publish(event)
    message = pubsub.get_message(timeout=5)
    assert message is not None
    assert decode_event(message["data"]) == event.to_dict()
    pubsub.close()


def test_redis_sink_down_is_logged_not_raised(caplog):
    sink = RedisSink("redis://127.0.0.1:1/0")
    sink.publish(arrival())
    assert "redis publish of guest_arrived failed" in caplog.text
