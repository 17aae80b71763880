import contextlib
import functools
import multiprocessing
import os
import queue
import signal
import threading
import time

import pytest
from sqlalchemy import select

from core.events import CameraStatusChanged, GuestArrived
from core.sinks import CollectingSink, QueueSink
from storage.db import make_engine, make_session_factory, transaction, upgrade
from storage.guests import add_sample, create_guest
from storage.models import Arrival, Camera
from tests.support.waiting import wait_until
from vision.worker import run_worker

FAST_CAPTURE = {"open_timeout_s": 2, "read_timeout_s": 1, "backoff_initial_s": 0.1,
                "backoff_max_s": 0.2}  # fmt: skip


@pytest.fixture
def enrolled(write_config, encodings, obama_video):
    """A migrated config whose gate camera plays a video of Obama, who is enrolled."""

    def make(**extra):
        config, _path = write_config(
            {
                "cameras": [{"name": "gate", "role": "gate", "url": str(obama_video)}],
                "capture": FAST_CAPTURE,
                **extra,
            }
        )
        upgrade(config.storage.database_url)
        engine = make_engine(config.storage.database_url)
        with transaction(make_session_factory(engine)) as s:
            guest = create_guest(s, name="Barack Obama")
            add_sample(s, guest, encodings["obama1"], None)
        engine.dispose()
        return config

    return make


def arrivals(config) -> list[tuple[int, str | None]]:
    """(id, guest name) of every stored arrival."""
    engine = make_engine(config.storage.database_url)
    try:
        with make_session_factory(engine)() as s:
            return [(a.id, a.guest.name if a.guest else None) for a in s.scalars(select(Arrival))]
    finally:
        engine.dispose()


def test_threads_mode_records_the_arrival_writes_live_frame_and_stops(enrolled):
    config = enrolled()
    sink = CollectingSink()
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(config, lambda: sink, stop),
                              kwargs={"use_processes": False})  # fmt: skip
    worker.start()
    try:
        event = sink.wait_for(lambda e: isinstance(e, GuestArrived), timeout=30)
        assert event is not None and event.guest_name == "Barack Obama"
        live = config.storage.media_dir / "live" / "gate.jpg"
        wait_until(live.is_file, 10)
    finally:
        stopped_at = time.monotonic()
        stop.set()
        worker.join(15)
    assert not worker.is_alive()
    assert time.monotonic() - stopped_at < 8
    found = arrivals(config)
    assert found == [(event.arrival_id, "Barack Obama")]
    statuses = [e.status for e in sink.events if isinstance(e, CameraStatusChanged)]
    assert "online" in statuses


def test_process_mode_publishes_through_a_picklable_sink_and_stops(enrolled):
    config = enrolled()
    ctx = multiprocessing.get_context("spawn")
    events = ctx.Queue()
    stop = threading.Event()
    worker = threading.Thread(
        target=run_worker, args=(config, functools.partial(QueueSink, events), stop)
    )
    worker.start()
    seen = []
    try:
        deadline = time.monotonic() + 60
        while not any(isinstance(e, GuestArrived) for e in seen):
            assert time.monotonic() < deadline, f"no arrival event, got {seen}"
            with contextlib.suppress(queue.Empty):
                seen.append(events.get(timeout=1))
    finally:
        stop.set()
        worker.join(20)
    assert not worker.is_alive()
    assert [name for _, name in arrivals(config)] == ["Barack Obama"]


def test_an_unreachable_camera_is_stored_offline_and_the_worker_still_stops(write_config):
    config, _ = write_config(
        {
            "cameras": [{"name": "gate", "role": "gate", "url": "rtsp://127.0.0.1:9/gate"}],
            "capture": FAST_CAPTURE,
        }
    )
    upgrade(config.storage.database_url)
    sink = CollectingSink()
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(config, lambda: sink, stop),
                              kwargs={"use_processes": False})  # fmt: skip
    worker.start()
    try:
        event = sink.wait_for(lambda e: isinstance(e, CameraStatusChanged), timeout=15)
        assert event is not None and event.status == "offline"
    finally:
        stop.set()
        worker.join(10)
    assert not worker.is_alive()
    engine = make_engine(config.storage.database_url)
    with make_session_factory(engine)() as s:
        camera = s.scalars(select(Camera)).one()
        assert (camera.name, camera.role, camera.status) == ("gate", "gate", "offline")
    engine.dispose()


def test_a_dead_camera_process_is_restarted(write_config):
    config, _ = write_config(
        {
            "cameras": [{"name": "gate", "role": "gate", "url": "rtsp://127.0.0.1:9/gate"}],
            "capture": FAST_CAPTURE,
        }
    )
    upgrade(config.storage.database_url)
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(config, CollectingSink, stop))
    worker.start()

    def camera_pid() -> int | None:
        alive = [p for p in multiprocessing.active_children() if p.name == "camera-gate"]
        return alive[0].pid if alive and alive[0].is_alive() else None

    try:
        first = wait_until(camera_pid, 20)
        os.kill(first, signal.SIGKILL)
        second = wait_until(lambda: (pid := camera_pid()) and pid != first and pid, 20)
        assert second != first
    finally:
        stop.set()
        worker.join(20)
    assert not worker.is_alive()
    assert camera_pid() is None


def test_the_worker_matches_an_expected_guest_and_marks_no_shows(enrolled):
    from datetime import timedelta

    from core.appointments import validate_appointment
    from core.events import AppointmentsChanged
    from storage import appointments
    from storage.types import utcnow

    config = enrolled()
    engine = make_engine(config.storage.database_url)
    now, hour = utcnow(), timedelta(hours=1)
    with transaction(make_session_factory(engine)) as s:
        ids = [
            appointments.create(
                s, None, validate_appointment(name=name, at=at, length=hour, tz=config.tz)
            )[0].id
            for name, at in (("barack  obama", now - hour / 2), ("Joe Biden", now - 5 * hour))
        ]
    engine.dispose()
    sink = CollectingSink()
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(config, lambda: sink, stop),
                              kwargs={"use_processes": False})  # fmt: skip
    worker.start()
    try:
        arrived = sink.wait_for(lambda e: isinstance(e, GuestArrived), timeout=30)
        missed = sink.wait_for(lambda e: isinstance(e, AppointmentsChanged) and
                               e.status == "no_show", timeout=10)  # fmt: skip
    finally:
        stop.set()
        worker.join(15)
    assert isinstance(arrived, GuestArrived) and arrived.appointment_id == ids[0]
    assert AppointmentsChanged(ids[0], "arrived", arrived.arrival_id) in sink.events
    assert missed == AppointmentsChanged(ids[1], "no_show", None)
