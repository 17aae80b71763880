"""Worker events reach the right Socket.IO rooms via the process queue (`tamu run`)."""

from __future__ import annotations

import multiprocessing
import threading

import pytest

from core.events import CameraStatusChanged, GuestArrived, UnknownFaceSeen
from core.sinks import QueueSink
from storage.types import utcnow
from tests.support.waiting import wait_until
from tests.web.conftest import add_arrival
from web.extensions import socketio
from web.realtime import start_queue_relay

DEADLINE_S = 5.0


def names(client):
    return [p["name"] for p in client.get_received()]


def collect(client, into):
    """Move what `client` received into `into` (a list of packets); True when not empty."""
    into.extend(client.get_received())
    return bool(into)


@pytest.fixture
def sockets(env):
    clients = {
        role: socketio.test_client(env.app, flask_test_client=env.client(role))
        for role in ("bupati", "guard", "operator")
    }
    for client in clients.values():
        client.get_received()
    yield clients
    for client in clients.values():
        client.disconnect()


@pytest.fixture
def relay_stop():
    stop = threading.Event()
    yield stop
    stop.set()


def test_queue_relay_brings_a_worker_event_to_the_bupati_room(env, sockets, relay_stop):
    events = multiprocessing.get_context("spawn").Queue()
    task = start_queue_relay(env.app, events, relay_stop)
    arrival_id, _ = add_arrival(env)
    sink = QueueSink(events)  # what the worker process publishes through
    sink.publish(GuestArrived(arrival_id, "gate", None, None, utcnow(), None, "arrivals/a.jpg"))
    got: list = []
    wait_until(lambda: collect(sockets["bupati"], got), DEADLINE_S, message="no event")
    assert got[0]["name"] == "guest_arrived"
    assert got[0]["args"][0]["arrival_id"] == arrival_id
    guard_got: list = []
    wait_until(lambda: collect(sockets["guard"], guard_got), DEADLINE_S)
    assert [p["name"] for p in guard_got] == ["guest_arrived"]
    # unknown faces go to the bupati and guard rooms, not to the operator
    sink.publish(UnknownFaceSeen(1, arrival_id, "gate", utcnow(), None))
    got.clear()
    wait_until(lambda: collect(sockets["guard"], got), DEADLINE_S)
    assert [p["name"] for p in got] == ["unknown_face_seen"]
    assert names(sockets["operator"]) == ["guest_arrived"]
    relay_stop.set()
    task.join(DEADLINE_S)
    assert not task.is_alive()


def test_queue_relay_ignores_junk_and_keeps_going(env, sockets, relay_stop):
    events = multiprocessing.get_context("spawn").Queue()
    start_queue_relay(env.app, events, relay_stop)
    events.put({"type": "format_disk"})
    events.put("not an event")
    events.put({"type": "camera_status", "camera": "gate", "status": "online"})  # fields missing
    events.put(CameraStatusChanged("gate", "online", utcnow(), 4.0))
    got: list = []
    wait_until(lambda: collect(sockets["bupati"], got), DEADLINE_S)
    assert [(p["name"], p["args"][0]["status"]) for p in got] == [("camera_status", "online")]
