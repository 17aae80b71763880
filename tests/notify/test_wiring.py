"""How events reach the notifier: the origin filter, the inbox from camera processes, the
dashboard's relay (no second notification), and `tamu worker` + `tamu web` as real processes."""

from __future__ import annotations

import json
import multiprocessing
import threading
from datetime import UTC, datetime, timedelta

import pytest

from core.events import DecisionMade, GuestArrived
from core.sinks import CollectingSink, NullSink, QueueSink
from notify import Notifier
from notify.sinks import NotifyingSink
from storage.db import make_engine, make_session_factory, transaction, upgrade
from storage.models import Arrival, Camera
from storage.types import utcnow
from tests.notify.conftest import CAMERAS, notifications
from tests.support.waiting import stays_true, wait_until

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ARRIVAL = GuestArrived(5, "gate", 7, "Joe Biden", NOW, 0.3, None)
DECISION = DecisionMade(1, 5, "receive", "bupati1", False, NOW)


def test_a_process_notifies_only_the_events_it_originates():
    inner, submitted = CollectingSink(), []
    web = NotifyingSink(inner, submitted.append, origin="web")
    web.publish(ARRIVAL)  # relayed from the worker: shown live, not notified here
    web.publish(DECISION)
    assert inner.events == [ARRIVAL, DECISION]
    assert submitted == [DECISION]
    anywhere = NotifyingSink(NullSink(), submitted.append, origin=None)
    anywhere.publish(ARRIVAL)
    assert submitted == [DECISION, ARRIVAL]


@pytest.fixture
def hooked(write_config, http_server):
    """A Notifier whose only channel is a webhook on the local HTTP server."""
    made = []

    def build():
        hook = {"url": f"{http_server.base}/hook", "secret": "${TEST_HOOK_SECRET}"}
        config, _ = write_config(
            {"cameras": CAMERAS, "notifications": notifications(webhooks=[hook], people=[])}
        )
        upgrade(config.storage.database_url)
        engine = make_engine(config.storage.database_url)
        notifier = Notifier(config, make_session_factory(engine))
        made.append((notifier, engine))
        return config, notifier

    yield build
    for notifier, engine in made:
        notifier.stop()
        engine.dispose()


def publish_from_camera_process(sink_factory, event) -> None:
    """What a camera process does: build its sink from the factory and publish."""
    sink_factory().publish(event)


def test_camera_processes_reach_the_notifier_through_its_inbox(hooked, http_server):
    _config, notifier = hooked()
    factory = notifier.worker_sink_factory(NullSink)
    notifier.start()
    proc = multiprocessing.get_context("spawn").Process(
        target=publish_from_camera_process, args=(factory, ARRIVAL)
    )
    proc.start()
    proc.join(60)
    assert proc.exitcode == 0
    wait_until(lambda: http_server.requests, 10, message="webhook not called")
    assert http_server.requests[0].json()["type"] == "guest_arrived"


def test_in_tamu_run_a_worker_event_relayed_to_the_dashboard_is_not_notified_twice(
    hooked, http_server
):
    from web import create_app
    from web.realtime import publish, start_queue_relay

    config, notifier = hooked()
    app = create_app(config, sink=notifier.web_sink(), testing=True)
    spawn = multiprocessing.get_context("spawn")
    relay_queue = spawn.Queue()
    # as `tamu run` builds it: the camera's sink feeds the relay queue and the notifier's inbox
    camera_sink = notifier.worker_sink_factory(lambda: QueueSink(relay_queue))()
    notifier.start()
    stop = threading.Event()
    start_queue_relay(app, relay_queue, stop)
    try:
        camera_sink.publish(ARRIVAL)
        with app.app_context():
            publish(DECISION)  # a view's own event
        wait_until(lambda: relay_queue.empty() and len(http_server.requests) >= 2, 10)
        assert stays_true(lambda: len(http_server.requests) == 2, 1.0)
        types = sorted(r.json()["type"] for r in http_server.requests)
        assert types == ["decision_made", "guest_arrived"]
    finally:
        stop.set()
        relay_queue.cancel_join_thread()


def test_tamu_worker_and_tamu_web_notify_the_worker_events_and_one_reminder(
    write_config, http_server, mosquitto, tmp_path
):
    from tests.notify.test_mqtt import Subscriber
    from tests.support.serving import START_S, Served, answers, free_port

    port = free_port()
    cameras = [{"name": "gate", "role": "gate", "url": "rtsp://127.0.0.1:9/nothing-here"}]
    section = notifications(http_server.base, mqtt={"url": mosquitto.url}, check_interval_s=0.5)
    config, path = write_config(
        {"cameras": cameras, "web": {"port": port}, "notifications": section}
    )
    upgrade(config.storage.database_url)
    engine = make_engine(config.storage.database_url)
    sessions = make_session_factory(engine)
    with transaction(sessions) as db:
        camera = Camera(name="gate", role="gate")
        db.add(camera)
        db.flush()
        seen = utcnow() - timedelta(minutes=12)
        db.add(Arrival(camera_id=camera.id, first_seen=seen, last_seen=seen, status="waiting"))
    engine.dispose()
    subscriber = Subscriber(mosquitto.port, "tamu/events/#")
    worker = Served(["worker"], path)
    web = Served(["web"], path)
    try:
        wait_until(lambda: answers(f"http://127.0.0.1:{port}"), START_S, message=web.output)
        topic, payload, _ = subscriber.next(timeout=START_S)
        assert topic == "tamu/events/camera_status", (worker.output, topic)
        data = json.loads(payload)
        assert data["camera"] == "gate" and data["type"] == "camera_status" and data["at"]
        wait_until(lambda: http_server.requests, 30, message=lambda: worker.output + web.output)
        # both processes run the check every 0.5 s: the adjutant still gets one reminder
        assert stays_true(lambda: len(http_server.requests) == 1, 3.0)
        assert http_server.requests[0].json()["chat_id"] == "1002"
        assert "Pengingat" in http_server.requests[0].json()["text"]
    finally:
        subscriber.close()
        assert worker.stop() == 0, worker.output
        assert web.stop() == 0, web.output


def test_tamu_run_notifies_the_camera_processes_events_and_the_reminder(
    write_config, http_server, mosquitto
):
    from tests.notify.test_mqtt import Subscriber
    from tests.support.serving import START_S, Served, answers, free_port

    port = free_port()
    cameras = [{"name": "gate", "role": "gate", "url": "rtsp://127.0.0.1:9/nothing-here"}]
    section = notifications(http_server.base, mqtt={"url": mosquitto.url}, check_interval_s=0.5)
    config, path = write_config(
        {"cameras": cameras, "web": {"port": port}, "notifications": section}
    )
    upgrade(config.storage.database_url)
    engine = make_engine(config.storage.database_url)
    with transaction(make_session_factory(engine)) as db:
        camera = Camera(name="gate", role="gate")
        db.add(camera)
        db.flush()
        seen = utcnow() - timedelta(minutes=25)
        db.add(Arrival(camera_id=camera.id, first_seen=seen, last_seen=seen, status="waiting"))
    engine.dispose()
    subscriber = Subscriber(mosquitto.port, "tamu/events/#")
    served = Served(["run"], path)
    try:
        wait_until(lambda: answers(f"http://127.0.0.1:{port}"), START_S, message=served.output)
        topic, payload, _ = subscriber.next(timeout=START_S)
        assert topic == "tamu/events/camera_status", served.output
        assert json.loads(payload)["camera"] == "gate"
        # 25 minutes undecided: the adjutant's reminder and the Bupati's escalation, once each
        wait_until(lambda: len(http_server.requests) >= 2, 30, message=served.output)
        assert stays_true(lambda: len(http_server.requests) == 2, 2.0)
        assert sorted(r.json()["chat_id"] for r in http_server.requests) == ["1001", "1002"]
    finally:
        subscriber.close()
        assert served.stop() == 0, served.output
