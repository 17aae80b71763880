"""Seeding what a running capture worker would write: its heartbeat and camera statuses."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage import heartbeats
from storage.cameras import update_status
from storage.db import transaction
from storage.types import utcnow

WORKER = "test-host:1"


def beat(sessions, at: datetime | None = None, worker: str = WORKER) -> None:
    """A worker heartbeat at `at` (default now)."""
    with transaction(sessions) as db:
        heartbeats.beat(db, worker, "test-host", 1, ["gate"], at or utcnow())


def stop_beating(sessions, worker: str = WORKER) -> None:
    """The worker stopped cleanly (its heartbeat row is gone)."""
    with transaction(sessions) as db:
        heartbeats.forget(db, worker)


def report(sessions, camera: str, status: str, age_s: float = 0.0) -> None:
    """`camera` reported `status` `age_s` seconds ago."""
    at = utcnow() - timedelta(seconds=age_s)
    with transaction(sessions) as db:
        row = update_status(db, camera, status, last_frame_at=at, fps=5.0)
        row.updated_at = at
