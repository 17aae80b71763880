from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from core.sinks import NullSink
from storage.arrivals import ArrivalPolicy, Sighting
from storage.cameras import sync_cameras
from storage.db import make_engine, make_session_factory, transaction, upgrade
from storage.guests import create_guest
from storage.media import FileMediaStore
from storage.recorder import ArrivalRecorder
from tests.support.cli import Tamu

AT = datetime(2025, 6, 2, 2, 30, tzinfo=UTC)  # 09:30 in Jakarta


@pytest.fixture
def recorded(write_config):
    """Two arrivals: Ani at the gate then the waiting room, a stranger at the gate later."""
    config, path = write_config(
        {
            "cameras": [
                {"name": "gate", "role": "gate", "url": "x"},
                {"name": "waiting", "role": "waiting_room", "url": "y"},
            ]
        }
    )
    upgrade(config.storage.database_url)
    engine = make_engine(config.storage.database_url)
    sessions = make_session_factory(engine)
    with transaction(sessions) as s:
        sync_cameras(s, config.cameras)
        ani = create_guest(s, name="Ani")
    media = FileMediaStore(config.storage.media_dir)
    recorder = ArrivalRecorder(sessions, media, NullSink(), ArrivalPolicy.from_config(config))
    snap = np.full((40, 30, 3), 120, np.uint8)
    recorder.guest_seen(ani.id, Sighting("gate", AT, AT + timedelta(minutes=1), 0.41, 5.0), snap)
    later = AT + timedelta(minutes=3)
    recorder.guest_seen(ani.id, Sighting("waiting", later, later + timedelta(seconds=30), 0.38))
    stranger = AT + timedelta(hours=2)
    encoding = np.zeros(128, np.float32)
    recorder.stranger_seen(Sighting("gate", stranger, stranger, encoding=encoding), snap)
    engine.dispose()
    return Tamu(path, config)


def test_json_lists_arrivals_with_local_offsets(recorded):
    rows = recorded.json("events", "list", "--json")
    assert [(r["camera"], r["guest"]) for r in rows] == [("gate", "Ani"), ("gate", None)]
    ani = rows[0]
    assert ani["first_seen"] == "2025-06-02T09:30:00+07:00"
    assert ani["last_seen"] == "2025-06-02T09:33:30+07:00"
    assert ani["waiting_room_at"] == "2025-06-02T09:33:00+07:00"
    assert ani["distance"] == pytest.approx(0.38)
    assert ani["snapshot"].startswith("arrivals/") and ani["sightings"] == 2
    assert ani["outside_hours"] is False and ani["status"] == "waiting"
    assert recorded.config.storage.media_dir.joinpath(ani["snapshot"]).is_file()
    assert rows[1]["snapshot"].startswith("unknown/") and rows[1]["distance"] is None


def test_since_and_camera_filters(recorded):
    since = recorded.json("events", "list", "--since", "2025-06-02T10:00", "--json")
    assert [r["guest"] for r in since] == [None]  # read in Asia/Jakarta
    utc = recorded.json("events", "list", "--since", "2025-06-02T02:00:00+00:00", "--json")
    assert len(utc) == 2
    assert recorded.json("events", "list", "--camera", "waiting", "--json") == []
    assert len(recorded.json("events", "list", "--camera", "gate", "--json")) == 2
    text = recorded.ok("events", "list").stdout
    assert "Ani" in text and "unknown face" in text


def test_bad_since_and_unknown_camera_are_clear_errors(recorded):
    bad = recorded("events", "list", "--since", "yesterday-ish")
    assert bad.exit_code == 2 and "not an ISO 8601 date or time" in bad.stderr
    cam = recorded("events", "list", "--camera", "roof")
    assert cam.exit_code == 2 and "no camera called 'roof'" in cam.stderr


def test_an_unmigrated_database_says_to_run_db_upgrade(tamu):
    result = tamu("events", "list", "--json")
    assert result.exit_code != 0
    assert "tamu db upgrade" in result.stderr
