"""Scale-out on loopback: two `tamu web` (gunicorn) and two `tamu worker` processes sharing one
PostgreSQL and one Redis, each worker with its own camera and its own (unused) media folder.

A guard's Socket.IO connection on either web process hears the arrivals of both workers'
cameras, and either web process serves both workers' snapshots from the shared store
(`storage.media_store: database`) although no folder is shared; when one web process is killed,
the guard on the other misses nothing that the workers publish afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import make_engine, make_session_factory, transaction
from storage.models import Arrival, Camera
from storage.users import create_user
from tests.integration.conftest import WORKER_SETTINGS, WorkerProcess
from tests.support import clips as scenes
from tests.support.serving import START_S, Served, SocketIOClient, answers, free_port, login_cookie
from tests.support.waiting import wait_until
from tests.web.conftest import FAST_SCRYPT, PASSWORD

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis]
CHANNEL = "tamu-scale"
WEB_RULE = f"web on >web-pw resetchannels &{CHANNEL} -@all +publish +subscribe +ping"
WORKER_RULE = f"worker on >worker-pw resetchannels &{CHANNEL} -@all +publish +ping"
ARRIVAL_DEADLINE_S = 150  # two workers load dlib and read RTSP on two shared cores
AFTER_KILL_EVENTS = 4


class QueueWatcher:
    """Every event emitted on the channel, as Redis saw it (the ground truth), with its time."""

    def __init__(self, url: str) -> None:
        import redis

        self.pubsub = redis.Redis.from_url(url).pubsub(ignore_subscribe_messages=True)
        self.pubsub.subscribe(CHANNEL)
        self.seen: list[tuple[float, dict]] = []
        self.error: Exception | None = None
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            while not self._stop.is_set():
                message = self.pubsub.get_message(timeout=0.5)
                if message and message["type"] == "message":
                    data = json.loads(message["data"])
                    if data.get("method") == "emit":
                        self.seen.append((time.monotonic(), data["data"][0]))
        except Exception as exc:  # shown in the failure message
            self.error = exc

    def since(self, moment: float) -> list[dict]:
        """Payloads published after `moment`."""
        return [payload for at, payload in list(self.seen) if at > moment]

    def close(self) -> None:
        """Stop reading."""
        self._stop.set()
        self.thread.join(5)
        self.pubsub.close()


def kill_hard(served: Served) -> None:
    """SIGKILL a `tamu web`: the gunicorn master and its worker (a crash, not a shutdown)."""
    pid = served.proc.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for victim in [pid, *map(int, children)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)
    served.proc.wait(10)


def arrival_snapshots(pg_url: str) -> dict[str, str]:
    """camera → the snapshot path of one of its arrivals."""
    engine = make_engine(pg_url)
    with make_session_factory(engine)() as db:
        query = select(Camera.name, Arrival.snapshot).join(Camera, Arrival.camera_id == Camera.id)
        rows = db.execute(query).all()
    engine.dispose()
    return {camera: rel for camera, rel in rows if rel}


def jpeg_from(url: str, cookie: str) -> bytes:
    """The body of an authenticated GET."""
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Type"] == "image/jpeg"
        return response.read()


def cameras_heard(events: list) -> set[str]:
    return {p["camera"] for name, p in list(events) if name == "guest_arrived"}


def test_two_webs_two_workers_share_postgres_and_redis(
    tmp_path, write_config, pg_url, redis_server, rtsp_camera, clips
):
    redis = redis_server(users=(WEB_RULE, WORKER_RULE))
    # Two different strangers (nobody is enrolled): each camera's arrival is its own visit.
    scene_of = {"gate1": scenes.WALK_IN, "gate2": scenes.STRANGER}
    cams = {
        name: rtsp_camera(clips.get(scene), path=f"/{name}") for name, scene in scene_of.items()
    }
    cameras = [{"name": n, "role": "gate", "url": cam.url} for n, cam in cams.items()]
    events = {"redis_url": redis.url("worker", "worker-pw"), "channel": CHANNEL}
    workers = []
    for name in cams:  # each worker runs its own camera, with its own media folder
        mine = [{**c, "enabled": c["name"] == name} for c in cameras]
        _config, path = write_config(
            {
                "cameras": mine,
                "storage": {
                    "database_url": pg_url,
                    "media_dir": str(tmp_path / f"media-{name}"),
                    "media_store": "database",
                },
                "events": events,
                **WORKER_SETTINGS,
            },
            name=f"worker-{name}.yaml",
        )
        workers.append(WorkerProcess(path, tmp_path / f"worker-{name}.log"))
    engine = make_engine(pg_url)
    with transaction(make_session_factory(engine)) as db:
        create_user(db, "satpam", "guard", PASSWORD, hash_method=FAST_SCRYPT)
    engine.dispose()
    webs, guards, bases = [], [], []
    watcher = QueueWatcher(redis.url())
    try:
        for i in (1, 2):
            port = free_port()
            _config, path = write_config(
                {
                    "cameras": cameras,
                    "storage": {
                        "database_url": pg_url,
                        "media_dir": str(tmp_path / "media-web"),
                        "media_store": "database",
                    },
                    "web": {"port": port},
                    "events": {"redis_url": redis.url("web", "web-pw"), "channel": CHANNEL},
                },
                name=f"web{i}.yaml",
            )
            served = Served(["web"], path)
            webs.append(served)
            base = f"http://127.0.0.1:{port}"
            wait_until(lambda b=base: answers(b), START_S, message=lambda s=served: s.output)
            cookie = login_cookie(base, "satpam", PASSWORD)
            bases.append((base, cookie))
            guards.append(SocketIOClient(base, cookie))
        heard = [guard.collect() for guard in guards]
        for worker in workers:
            worker.start()

        def logs() -> str:
            tails = "\n".join(w.log_tail(1500) for w in workers)
            return f"heard={[cameras_heard(h) for h in heard]}\n{tails}"

        for events_heard in heard:
            wait_until(
                lambda h=events_heard: cameras_heard(h) == {"gate1", "gate2"},
                ARRIVAL_DEADLINE_S,
                interval=0.5,
                message=logs,
            )

        snapshots = arrival_snapshots(pg_url)
        assert set(snapshots) == {"gate1", "gate2"}, snapshots
        for base, cookie in bases:  # each web process shows both hosts' snapshots
            for rel in snapshots.values():
                assert jpeg_from(f"{base}/media/{rel}", cookie).startswith(b"\xff\xd8")
        on_disk = [p for p in tmp_path.glob("media-*/**/*") if p.is_file()]
        assert on_disk == [], "the shared store wrote files"

        kill_hard(webs[0])
        killed_at = time.monotonic()
        wait_until(
            lambda: len(watcher.since(killed_at)) >= AFTER_KILL_EVENTS,
            60,
            interval=0.5,
            message=lambda: f"nothing after the kill: {watcher.error!r} {watcher.seen[-3:]}",
        )
        published = watcher.since(killed_at)
        survivor = heard[1]

        def missed() -> list[dict]:
            received = [p for _name, p in list(survivor)]
            return [p for p in published if p not in received]

        wait_until(lambda: not missed(), 15, message=lambda: f"missed after the kill: {missed()}")
        assert {p["camera"] for p in published} <= {"gate1", "gate2"}
        assert webs[1].proc.poll() is None
    finally:
        watcher.close()
        for guard in guards:
            with contextlib.suppress(Exception):
                guard.close()
        for worker in workers:
            worker.cleanup()
        for served in webs:
            served.stop()
