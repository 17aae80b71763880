from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from core.config import parse_config
from core.events import ArrivalUpdated, GuestArrived, UnknownFaceSeen
from core.sinks import CollectingSink
from storage.arrivals import (
    ArrivalPolicy,
    Sighting,
    list_arrivals,
    record_guest,
    record_stranger,
)
from storage.cameras import sync_cameras, update_status
from storage.db import make_engine, make_session_factory, transaction
from storage.guests import create_guest
from storage.models import Arrival, Camera, UnknownFace
from storage.recorder import ArrivalRecorder

CONFIG = parse_config(
    {
        "cameras": [
            {"name": "gate", "role": "gate", "url": "rtsp://127.0.0.1:9/g"},
            {"name": "waiting", "role": "waiting_room", "url": "rtsp://127.0.0.1:9/w"},
        ],
        "tracking": {"revisit_gap_minutes": 10},
        "recognition": {"tolerance": 0.5},
    }
)
POLICY = ArrivalPolicy.from_config(CONFIG)
# Monday 2025-06-02 09:00 in Jakarta (open) and Sunday 2025-06-01 09:00 (closed)
OPEN = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)
CLOSED = datetime(2025, 6, 1, 2, 0, tzinfo=UTC)
SNAP = np.full((60, 50, 3), 100, np.uint8)


@pytest.fixture
def factory(db_url):
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    with transaction(sessions) as s:
        sync_cameras(s, CONFIG.cameras)
    yield sessions
    engine.dispose()


@pytest.fixture
def guests(factory):
    with transaction(factory) as s:
        ani = create_guest(s, name="Ani")
        staff = create_guest(s, name="Pak Satpam", is_staff=True)
    return {"ani": ani.id, "staff": staff.id}


def seen(camera="gate", at=OPEN, minutes=1.0, **kw) -> Sighting:
    return Sighting(camera, at, at + timedelta(minutes=minutes), **kw)


def vec(seed: int, near: np.ndarray | None = None) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, 0.1, 128)
    if near is not None:
        noise = near + noise / np.linalg.norm(noise) * 0.2
    return noise.astype(np.float32)


def count(factory, model) -> int:
    with factory() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_same_guest_within_the_gap_extends_the_arrival(factory, guests):
    with transaction(factory) as s:
        first = record_guest(s, POLICY, guests["ani"], seen(distance=0.4))
        again = record_guest(
            s, POLICY, guests["ani"], seen(at=OPEN + timedelta(minutes=9), distance=0.3)
        )
    assert first.created and not again.created
    assert again.arrival.id == first.arrival.id
    with factory() as s:
        arrival = s.get(Arrival, first.arrival.id)
        assert arrival.sightings == 2
        assert arrival.last_seen == OPEN + timedelta(minutes=10)
        assert arrival.best_distance == pytest.approx(0.3)
        assert arrival.waiting_room_at is None


def test_after_the_gap_it_is_a_new_arrival(factory, guests):
    with transaction(factory) as s:
        first = record_guest(s, POLICY, guests["ani"], seen())
        later = record_guest(
            s, POLICY, guests["ani"], seen(at=OPEN + timedelta(minutes=11, seconds=1))
        )
    assert later.created and later.arrival.id != first.arrival.id
    assert count(factory, Arrival) == 2


def test_waiting_room_camera_sets_waiting_room_at_on_the_same_arrival(factory, guests):
    inside = OPEN + timedelta(minutes=5)
    with transaction(factory) as s:
        first = record_guest(s, POLICY, guests["ani"], seen())
        again = record_guest(s, POLICY, guests["ani"], seen("waiting", at=inside))
    assert again.arrival.id == first.arrival.id and not again.created
    with factory() as s:
        arrival = s.get(Arrival, first.arrival.id)
        assert arrival.waiting_room_at == inside
        assert arrival.camera.name == "gate"


def test_first_seen_in_the_waiting_room(factory, guests):
    with transaction(factory) as s:
        rec = record_guest(s, POLICY, guests["ani"], seen("waiting"))
    assert rec.arrival.waiting_room_at == OPEN


def test_staff_get_no_arrival(factory, guests):
    with transaction(factory) as s:
        assert record_guest(s, POLICY, guests["staff"], seen()) is None
    assert count(factory, Arrival) == 0


def test_outside_visiting_hours_is_marked_at_creation(factory, guests):
    with transaction(factory) as s:
        closed = record_guest(s, POLICY, guests["ani"], seen(at=CLOSED))
        opened = record_guest(s, POLICY, guests["ani"], seen(at=OPEN))
    assert closed.arrival.outside_hours and not opened.arrival.outside_hours


def test_a_stranger_is_a_new_unknown_unless_recognition_names_a_recent_one(factory):
    with transaction(factory) as s:
        first = record_stranger(s, POLICY, seen(encoding=vec(1)))
        again = record_stranger(
            s, POLICY, seen("waiting", at=OPEN + timedelta(minutes=5)), unknown_id=first.unknown.id
        )
        same_track = record_stranger(
            s, POLICY, seen("waiting", at=OPEN + timedelta(minutes=6)),
            unknown_id=first.unknown.id, continuing=True,
        )  # fmt: skip
        other = record_stranger(s, POLICY, seen(encoding=vec(3)))
    assert first.created and first.unknown is not None and first.arrival.guest_id is None
    assert not again.created and again.unknown.id == first.unknown.id
    assert not same_track.created and same_track.unknown.id == first.unknown.id
    assert other.created and other.unknown.id != first.unknown.id
    with factory() as s:
        arrival = s.get(Arrival, first.arrival.id)
        assert arrival.sightings == 2  # a new sighting counts, the same track's flush does not
        assert arrival.waiting_room_at is not None
        assert arrival.last_seen == OPEN + timedelta(minutes=7)
    assert count(factory, UnknownFace) == 2


def test_a_stranger_without_an_encoding_still_gets_an_unknown_face(factory):
    with transaction(factory) as s:
        rec = record_stranger(s, POLICY, seen())
    assert rec.created and rec.unknown.encoding is None and rec.unknown.status == "pending"


def test_a_better_snapshot_replaces_the_old_file(factory, guests, media):
    recorder = ArrivalRecorder(factory, media, CollectingSink(), POLICY)
    first = recorder.guest_seen(guests["ani"], seen(snapshot_score=10), SNAP)
    old = first.arrival.snapshot
    assert old.startswith("arrivals/") and media.resolve(old).is_file()
    worse = recorder.guest_seen(guests["ani"], seen(snapshot_score=5), SNAP)
    assert worse.arrival.snapshot == old and worse.new_snapshot is None
    better = recorder.guest_seen(guests["ani"], seen(snapshot_score=50), SNAP)
    assert better.arrival.snapshot != old
    assert media.resolve(better.arrival.snapshot).is_file()
    assert not (media.root / old).exists()
    with factory() as s:
        stored = s.get(Arrival, first.arrival.id)
        assert (stored.snapshot, stored.snapshot_score) == (better.arrival.snapshot, 50)


def test_a_stranger_snapshot_is_shared_by_unknown_and_arrival(factory, media):
    recorder = ArrivalRecorder(factory, media, CollectingSink(), POLICY)
    rec = recorder.stranger_seen(seen(encoding=vec(1), snapshot_score=3), SNAP)
    assert rec.unknown.snapshot == rec.arrival.snapshot
    assert rec.arrival.snapshot.startswith("unknown/")


class CheckingSink:
    """Looks each published arrival up in a fresh session: it must already be committed."""

    def __init__(self, factory) -> None:
        self.factory = factory
        self.found: list[bool] = []

    def publish(self, event) -> None:
        with self.factory() as s:
            self.found.append(s.get(Arrival, event.arrival_id) is not None)


def test_the_recorder_commits_before_it_publishes(factory, guests, media):
    sink = CheckingSink(factory)
    recorder = ArrivalRecorder(factory, media, sink, POLICY)
    recorder.guest_seen(guests["ani"], seen(), SNAP)
    recorder.guest_seen(guests["ani"], seen(at=OPEN + timedelta(minutes=2)), SNAP)
    recorder.stranger_seen(seen(encoding=vec(1)), SNAP)
    assert sink.found == [True, True, True, True]  # arrived, updated, arrived + unknown


def test_the_recorder_publishes_the_right_events(factory, guests, media):
    sink = CollectingSink()
    recorder = ArrivalRecorder(factory, media, sink, POLICY)
    recorder.guest_seen(guests["ani"], seen(distance=0.42), SNAP)
    recorder.guest_seen(guests["ani"], seen("waiting", at=OPEN + timedelta(minutes=3)), None)
    recorder.stranger_seen(seen(encoding=vec(1)), SNAP)
    recorder.guest_seen(guests["staff"], seen(), SNAP)
    kinds = [type(e) for e in sink.events]
    assert kinds == [GuestArrived, ArrivalUpdated, GuestArrived, UnknownFaceSeen]
    arrived, updated = sink.events[0], sink.events[1]
    assert (arrived.guest_name, arrived.camera, arrived.distance) == ("Ani", "gate", 0.42)
    assert updated.camera == "waiting" and updated.waiting_room_at is not None
    assert (
        sink.events[2].guest_id is None and sink.events[3].arrival_id == sink.events[2].arrival_id
    )


def test_a_failed_commit_publishes_nothing_and_leaves_no_file(factory, media):
    sink = CollectingSink()
    recorder = ArrivalRecorder(factory, media, sink, POLICY)
    with pytest.raises(LookupError, match="no camera called 'roof'"):
        recorder.stranger_seen(seen("roof", encoding=vec(1)), SNAP)
    assert sink.events == []
    assert not list(media.root.rglob("*.jpg"))
    assert count(factory, Arrival) == 0


def test_list_arrivals_filters_by_time_and_camera(factory, guests):
    with transaction(factory) as s:
        record_guest(s, POLICY, guests["ani"], seen(at=OPEN - timedelta(hours=2)))
        record_stranger(s, POLICY, seen("waiting", encoding=vec(1)))
    with factory() as s:
        assert len(list_arrivals(s)) == 2
        assert [a.camera.name for a in list_arrivals(s, since=OPEN)] == ["waiting"]
        assert [a.guest_id for a in list_arrivals(s, camera="gate")] == [guests["ani"]]


def test_camera_rows_follow_the_config_and_store_status(factory):
    with transaction(factory) as s:
        update_status(s, "gate", "online", last_frame_at=OPEN, fps=24.5)
        with pytest.raises(ValueError, match="camera status"):
            update_status(s, "gate", "sleeping", last_frame_at=None, fps=0)
    changed = parse_config({"cameras": [{"name": "gate", "role": "waiting_room", "url": "x"}]})
    with transaction(factory) as s:
        sync_cameras(s, changed.cameras)
    with factory() as s:
        gate = s.scalar(select(Camera).where(Camera.name == "gate"))
        assert (gate.role, gate.status, gate.fps, gate.last_frame_at) == (
            "waiting_room", "online", 24.5, OPEN
        )  # fmt: skip
        assert s.scalar(select(func.count()).select_from(Camera)) == 2
