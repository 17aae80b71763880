"""Worker heartbeats, the shown camera status, and task leases (SQLite and PostgreSQL)."""

import threading
from datetime import timedelta

import pytest

from core.vocab import CameraStatus
from storage import heartbeats, leases
from storage.cameras import effective_status
from storage.db import transaction
from storage.types import utcnow

ONLINE, OFFLINE, STALE = CameraStatus.ONLINE, CameraStatus.OFFLINE, CameraStatus.STALE
RECONNECTING = CameraStatus.RECONNECTING
HOUR = timedelta(hours=1)


def test_heartbeats_tell_a_running_worker_from_a_stopped_one(factory):
    now = utcnow()
    with factory() as s:
        assert heartbeats.last_beat(s) is None
    with transaction(factory) as s:
        heartbeats.beat(s, "host-a:1", "host-a", 1, ["gate"], now - timedelta(seconds=50))
        heartbeats.beat(s, "host-b:2", "host-b", 2, ["waiting"], now - timedelta(seconds=5))
    with factory() as s:
        last = heartbeats.last_beat(s)
    assert heartbeats.worker_alive(last, now, down_s=30)
    with transaction(factory) as s:
        heartbeats.forget(s, "host-b:2")  # stopped cleanly
    with factory() as s:
        last = heartbeats.last_beat(s)
    assert not heartbeats.worker_alive(last, now, down_s=30)  # host-a is 50 s silent
    with transaction(factory) as s:
        assert heartbeats.prune(s, timedelta(seconds=40), now) == 1
        assert heartbeats.last_beat(s) is None


@pytest.mark.parametrize(
    ("stored", "age_s", "worker", "shown"),
    [
        (ONLINE, 5, True, ONLINE),
        (ONLINE, 31, True, STALE),  # no status for web.camera_stale_s (30)
        (RECONNECTING, 5, True, RECONNECTING),
        (RECONNECTING, 31, True, STALE),
        (OFFLINE, 5, True, OFFLINE),
        (ONLINE, 5, False, OFFLINE),  # the worker is down: nothing it said still holds
        (ONLINE, None, True, STALE),  # never reported
    ],
)
def test_shown_camera_status(stored, age_s, worker, shown):
    now = utcnow()
    at = None if age_s is None else now - timedelta(seconds=age_s)
    assert effective_status(stored, at, now, 30, worker) == shown


def test_a_lease_has_one_holder_and_is_due_once_per_interval(factory):
    now = utcnow()
    assert leases.acquire(factory, "job", "a", now, HOUR)
    assert not leases.acquire(factory, "job", "b", now, HOUR)  # held
    assert not leases.acquire(factory, "job", "b", now, HOUR, due_only=False)  # held, even forced
    leases.release(factory, "job", "a", now, timedelta(minutes=60))
    assert not leases.acquire(factory, "job", "b", now + timedelta(minutes=5), HOUR)  # not due
    assert leases.acquire(factory, "job", "c", now + timedelta(minutes=5), HOUR, due_only=False)
    later = now + timedelta(minutes=5) + HOUR + timedelta(seconds=1)
    assert leases.acquire(factory, "job", "b", later, HOUR)  # c crashed: its hold expired
    row = leases.lease(factory, "job")
    assert row is not None and row.holder == "b"


def test_concurrent_takers_get_one_lease(factory):
    now = utcnow()
    won: list[str] = []
    barrier = threading.Barrier(4)

    def take(who: str) -> None:
        barrier.wait()
        if leases.acquire(factory, "race", who, now, HOUR):
            won.append(who)

    threads = [threading.Thread(target=take, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(won) == 1, won
