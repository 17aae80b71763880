"""The worker's heartbeat and scheduled retention (WorkerUpkeep) on a real SQLite database."""

import threading
from datetime import timedelta

import numpy as np
from sqlalchemy import func, select

from storage.db import make_engine, make_session_factory, transaction, upgrade
from storage.media import FileMediaStore
from storage.models import Arrival, AuditLog, Camera
from storage.models_health import WorkerHeartbeat
from storage.types import utcnow
from tests.support.waiting import stays_true, wait_until
from vision.upkeep import WorkerUpkeep, worker_id


def test_worker_beats_applies_retention_once_per_interval_and_leaves_cleanly(write_config):
    config, _path = write_config({"retention": {"interval_minutes": 60}})
    upgrade(config.storage.database_url)
    engine = make_engine(config.storage.database_url)
    sessions = make_session_factory(engine)
    media = FileMediaStore(config.storage.media_dir)
    old = utcnow() - timedelta(days=config.privacy.snapshot_retention_days + 1)
    with transaction(sessions) as db:
        cam = Camera(name="gate", role="gate")
        db.add(cam)
        db.flush()
        snapshot = media.save_jpeg(np.full((20, 20, 3), 90, np.uint8), "arrivals")
        db.add(Arrival(camera_id=cam.id, first_seen=old, last_seen=old, snapshot=snapshot))

    def purges() -> int:
        with sessions() as db:
            return db.scalar(select(func.count()).where(AuditLog.action == "purge")) or 0

    def beats() -> list[str]:
        with sessions() as db:
            return list(db.scalars(select(WorkerHeartbeat.worker)))

    stop = threading.Event()
    upkeep = WorkerUpkeep(config, sessions, ["gate"], heartbeat_s=0.1, retention_check_s=0.1)
    upkeep.start(stop)
    try:
        wait_until(lambda: beats() == [worker_id()], 5, message="no heartbeat")
        wait_until(lambda: purges() == 1, 5, message="retention did not run at start")
        assert stays_true(lambda: purges() == 1, 0.6), "retention ran again before its interval"
        with sessions() as db:
            assert db.scalar(select(Arrival.snapshot)) is None
        assert not media.resolve(snapshot, must_exist=False).exists()
    finally:
        stop.set()
        upkeep.join(5)
    assert beats() == []  # stopped cleanly: the dashboard knows at once
    engine.dispose()
