"""A storage fault costs a snapshot, never an arrival; written files follow the transaction."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from core.config import parse_config
from core.sinks import CollectingSink
from storage.arrivals import ArrivalPolicy, Sighting
from storage.cameras import sync_cameras
from storage.db import make_engine, make_session_factory, transaction
from storage.guests import create_guest
from storage.media import FileMediaStore
from storage.models import Arrival, UnknownFace
from storage.recorder import ArrivalRecorder
from tests.support.disks import fill, tmpfs

CONFIG = parse_config({"cameras": [{"name": "gate", "role": "gate", "url": "rtsp://x/g"}]})
AT = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)
SHOT = np.full((40, 40, 3), 120, np.uint8)


def seen(minutes=0.0, score=1.0) -> Sighting:
    at = AT + timedelta(minutes=minutes)
    return Sighting("gate", at, at + timedelta(seconds=5), snapshot_score=score)


@pytest.fixture
def env(sqlite_url, tmp_path):
    engine = make_engine(sqlite_url)
    sessions = make_session_factory(engine)
    with transaction(sessions) as s:
        sync_cameras(s, CONFIG.cameras)
        ani = create_guest(s, name="Ani").id
    media = FileMediaStore(tmp_path / "media")
    sink = CollectingSink()
    recorder = ArrivalRecorder(sessions, media, sink, ArrivalPolicy.from_config(CONFIG))
    yield {"sessions": sessions, "media": media, "recorder": recorder, "sink": sink, "ani": ani}
    engine.dispose()


def rows(env, model) -> int:
    with env["sessions"]() as s:
        return s.scalar(select(func.count()).select_from(model))


class FailingWrites(FileMediaStore):
    """A media store whose disk is full."""

    def save_jpeg(self, image_bgr, kind, quality=90):
        raise OSError(28, "No space left on device")


def test_a_read_only_media_mount_stores_arrivals_without_snapshots(env, tmp_path):
    with tmpfs(tmp_path / "ro", "size=1m,ro") as folder:
        env["recorder"].media = FileMediaStore(folder)
        rec = env["recorder"].guest_seen(env["ani"], seen(), SHOT)
        assert rec.arrival.snapshot is None and rows(env, Arrival) == 1
        assert "Read-only file system" in env["recorder"].fault.error
        assert list(folder.rglob("*")) == []


def test_a_full_media_disk_stores_arrivals_and_leaves_no_temporary_file(env, tmp_path):
    with tmpfs(tmp_path / "tiny", "size=256k") as folder:
        env["recorder"].media = FileMediaStore(folder)
        (folder / "arrivals").mkdir()
        fill(folder)
        for i in range(3):
            env["recorder"].guest_seen(env["ani"], seen(minutes=20 * i), SHOT)
        assert rows(env, Arrival) == 3
        assert "No space left" in env["recorder"].fault.error
        assert [p.name for p in folder.rglob("*") if p.is_file()] == ["filler.bin"]


def test_a_full_disk_stores_every_arrival_without_a_snapshot_and_reports_it(env, caplog):
    recorder = env["recorder"]
    recorder.media = FailingWrites(env["media"].root)
    for i in range(5):
        recorder.guest_seen(env["ani"], seen(minutes=20 * i), SHOT)
        recorder.stranger_seen(seen(minutes=20 * i + 1), SHOT)
    assert rows(env, Arrival) == 10 and rows(env, UnknownFace) == 5
    with env["sessions"]() as s:
        assert s.scalars(select(Arrival.snapshot)).all() == [None] * 10
    assert recorder.fault is not None and "No space left" in recorder.fault.error
    assert recorder.fault.count == 10
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1  # identical faults are logged once a minute, not per arrival
    assert len(env["sink"].events) == 15
    # the disk recovers: the next snapshot is written and the fault clears
    recorder.media = env["media"]
    rec = recorder.guest_seen(env["ani"], seen(minutes=200), SHOT)
    assert rec.arrival.snapshot and env["media"].resolve(rec.arrival.snapshot).is_file()
    assert recorder.fault is None


def test_a_rolled_back_transaction_leaves_no_file(env):
    with pytest.raises(LookupError):
        env["recorder"].stranger_seen(Sighting("roof", AT, AT), SHOT)
    assert list(env["media"].root.rglob("*")) == []
