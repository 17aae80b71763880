"""Camera and worker health as the dashboard shows it: from heartbeats, pushed live.

A camera's stored status is what its worker last reported; it is believed only while reports
keep coming. The worker process beats every few seconds (storage.heartbeats) and each camera
re-reports at least every 10 s, so: no worker heartbeat for `web.worker_down_s` → the worker is
down and every camera offline; a camera silent for `web.camera_stale_s` → stale. Each web
process checks every HEALTH_CHECK_S while it has open sockets and publishes what changed.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from flask import Flask

from core.events import CameraStatusChanged, WorkerStatusChanged
from core.vocab import CameraStatus
from storage.cameras import effective_status, list_cameras
from storage.heartbeats import last_beat, worker_alive
from storage.types import utcnow
from web.extensions import socketio, state

log = logging.getLogger(__name__)
HEALTH_CHECK_S = 2.0
_WATCHING = "tamu.health"


def worker_state(db: Any, now: datetime | None = None) -> dict[str, Any]:
    """Whether a capture worker is running, and its newest heartbeat."""
    last = last_beat(db)
    alive = worker_alive(last, now or utcnow(), state().config.web.worker_down_s)
    return {"alive": alive, "last_beat_at": last}


def camera_rows(db: Any, now: datetime | None = None) -> list[dict[str, Any]]:
    """Every configured camera with the status to show (offline until the worker reports)."""
    config = state().config
    now = now or utcnow()
    alive = worker_state(db, now)["alive"]
    rows = {cam.name: cam for cam in list_cameras(db)}
    out = []
    for cam in config.cameras:
        row = rows.get(cam.name)
        stored = row.status if row and cam.enabled else CameraStatus.OFFLINE
        status = effective_status(
            stored, row.updated_at if row else None, now, config.web.camera_stale_s, alive
        )
        out.append(
            {
                "camera": cam.name,
                "label": cam.display_name,
                "role": cam.role.value,
                "status": str(status),
                "last_frame_at": row.last_frame_at if row else None,
                "fps": row.fps if row and status == CameraStatus.ONLINE else 0.0,
                "error": row.error if row else None,
            }
        )
    return out


def camera_states() -> dict[str, Any]:
    """camera_rows and the worker's state as JSON-ready dicts (for the `camera_states` ack)."""
    with state().sessions() as db:
        rows = camera_rows(db)
        worker = worker_state(db)
    for row in rows:
        row["last_frame_at"] = row["last_frame_at"].isoformat() if row["last_frame_at"] else None
    last = worker["last_beat_at"]
    return {"cameras": rows, "worker": {"alive": worker["alive"], "last_beat_at": _iso(last)}}


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def start_watching(app: Flask) -> None:
    """Start this process's health check unless it runs (called when a socket connects)."""
    lock = app.extensions.setdefault(_WATCHING + ".lock", threading.Lock())
    with lock:
        if app.extensions.get(_WATCHING):
            return
        app.extensions[_WATCHING] = True
    socketio.start_background_task(_watch, app)


def _watch(app: Flask) -> None:
    """Publish camera and worker changes every HEALTH_CHECK_S; stop when no socket is open."""
    from web import sessions
    from web.realtime import publish

    seen: dict[str, str] | None = None
    alive: bool | None = None
    while True:
        with app.extensions[_WATCHING + ".lock"]:
            if not sessions.open_socket_count(app):  # checked under the lock start_watching takes
                app.extensions[_WATCHING] = False
                return
        with app.app_context():
            try:
                seen, alive = _check(publish, seen, alive)
            except Exception as exc:
                log.warning("checking camera health failed (retrying): %s", exc)
        socketio.sleep(HEALTH_CHECK_S)


def _check(publish: Any, seen: dict[str, str] | None, alive: bool | None) -> tuple[Any, bool]:
    """One check: publish the cameras whose shown status changed since `seen`, and the worker."""
    with state().sessions() as db:
        rows = camera_rows(db)
        worker = worker_state(db)
    if alive is not None and worker["alive"] != alive:
        publish(WorkerStatusChanged(worker["alive"], worker["last_beat_at"]))
    now_seen = {row["camera"]: row["status"] for row in rows}
    for row in rows:
        if seen is not None and seen.get(row["camera"]) != row["status"]:
            publish(
                CameraStatusChanged(
                    row["camera"], row["status"], row["last_frame_at"], row["fps"], row["error"]
                )
            )
    return now_seen, worker["alive"]
