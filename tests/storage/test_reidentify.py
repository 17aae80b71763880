"""Promotion and reopening in place: the rows, the files, the audit row and the events."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from core.config import parse_config
from core.events import ArrivalReidentified, ArrivalUpdated, UnknownFaceSeen
from core.sinks import CollectingSink
from storage.arrivals import ArrivalPolicy, Sighting, TrackSample
from storage.cameras import sync_cameras
from storage.db import make_engine, make_session_factory, transaction
from storage.guests import create_guest
from storage.models import Arrival, ArrivalSample, AuditLog, Decision, UnknownFace, User
from storage.recorder import ArrivalRecorder
from storage.reidentify import Change

CONFIG = parse_config(
    {
        "cameras": [
            {"name": "gate", "role": "gate", "url": "rtsp://127.0.0.1:9/g"},
            {"name": "waiting", "role": "waiting_room", "url": "rtsp://127.0.0.1:9/w"},
        ]
    }
)
POLICY = ArrivalPolicy.from_config(CONFIG)
AT = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)
STRANGER_SHOT = np.full((60, 50, 3), 40, np.uint8)
GUEST_SHOT = np.full((60, 50, 3), 200, np.uint8)


def sample(seed: int, quality: float = 0.9) -> TrackSample:
    vector = np.random.default_rng(seed).normal(0, 0.1, 128).astype(np.float32)
    return TrackSample(AT, vector, quality, 120, 20.0, 0.9, None, None)


def seen(camera="gate", minutes=0.0, track="gate:1:1", **kw) -> Sighting:
    at = AT + timedelta(minutes=minutes)
    kw.setdefault("encoding", sample(1).encoding)
    return Sighting(camera, at, at + timedelta(seconds=20), track=track, **kw)


@pytest.fixture
def env(db_url, tmp_path):
    from storage.media import FileMediaStore

    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    with transaction(sessions) as s:
        sync_cameras(s, CONFIG.cameras)
        ani = create_guest(s, name="Ani").id
        staff = create_guest(s, name="Pak Satpam", is_staff=True).id
        s.add(User(username="bupati1", password_hash="x", role="bupati"))
    sink = CollectingSink()
    media = FileMediaStore(tmp_path / "media")
    yield {
        "sessions": sessions,
        "sink": sink,
        "media": media,
        "recorder": ArrivalRecorder(sessions, media, sink, POLICY),
        "ani": ani,
        "staff": staff,
    }
    engine.dispose()


def files(media, kind):
    return sorted(str(p.relative_to(media.root)) for p in (media.root / kind).rglob("*.jpg"))


def test_a_recognised_stranger_becomes_the_guests_arrival_in_place(env):
    rec = env["recorder"].stranger_seen(seen(samples=(sample(1),)), STRANGER_SHOT)
    stranger_file = rec.arrival.snapshot
    env["sink"].events.clear()
    change = Change(env["ani"], "evidence", 0.41)
    done = env["recorder"].promote(
        rec.unknown.id, change, seen(distance=0.41, samples=(sample(2),)), GUEST_SHOT
    )
    assert done.arrival.id == rec.arrival.id
    (event,) = env["sink"].events
    assert isinstance(event, ArrivalReidentified)
    assert (event.guest_name, event.unknown_id, event.previous_guest_id) == (
        "Ani", rec.unknown.id, None
    )  # fmt: skip
    with env["sessions"]() as s:
        arrival = s.get(Arrival, rec.arrival.id)
        unknown = s.get(UnknownFace, rec.unknown.id)
        assert arrival.guest_id == env["ani"] and arrival.best_distance == pytest.approx(0.41)
        assert unknown.status == "recognised" and unknown.guest_id == env["ani"]
        assert unknown.snapshot is None and unknown.encoding is None
        assert arrival.snapshot.startswith("arrivals/") and arrival.snapshot != stranger_file
        audit = s.scalars(select(AuditLog)).one()
        assert audit.action == "recognised" and audit.user_id is None
        assert '"reason": "evidence"' in audit.detail and f"arrival:{arrival.id}" == audit.target
        # the track's kept samples are its current best set, not one set per call
        (kept,) = s.scalars(select(ArrivalSample)).all()
        assert kept.encoding == sample(2).encoding.astype("<f4").tobytes()
    assert files(env["media"], "unknown") == []  # the stranger's copy is gone
    assert files(env["media"], "arrivals") == [arrival.snapshot]


def test_a_recognised_stranger_joins_the_guests_open_visit(env):
    guest = env["recorder"].guest_seen(env["ani"], seen(track="gate:1:1"), GUEST_SHOT)
    stranger = env["recorder"].stranger_seen(
        seen("waiting", minutes=2, track="waiting:4:9", samples=(sample(3),)), STRANGER_SHOT
    )
    env["sink"].events.clear()
    done = env["recorder"].promote(
        stranger.unknown.id, Change(env["ani"], "evidence"), seen("waiting", minutes=2), None
    )
    assert done.arrival.id == guest.arrival.id
    reidentified, updated = env["sink"].events
    assert isinstance(reidentified, ArrivalReidentified) and isinstance(updated, ArrivalUpdated)
    assert reidentified.merged_into == guest.arrival.id
    with env["sessions"]() as s:
        assert s.scalar(select(func.count()).select_from(Arrival)) == 1
        merged = s.get(Arrival, guest.arrival.id)
        assert merged.sightings == 2 and merged.waiting_room_at == AT + timedelta(minutes=2)
        assert s.scalar(select(func.count()).select_from(UnknownFace)) == 0
        kept = s.scalars(select(ArrivalSample)).all()
        assert {k.arrival_id for k in kept} == {guest.arrival.id}
    assert files(env["media"], "unknown") == []
    assert files(env["media"], "arrivals") == [guest.arrival.snapshot]


def test_an_unknown_a_person_already_resolved_is_never_overridden(env):
    rec = env["recorder"].stranger_seen(seen(), STRANGER_SHOT)
    with transaction(env["sessions"]) as s:
        s.get(UnknownFace, rec.unknown.id).status = "dismissed"
    env["sink"].events.clear()
    assert (
        env["recorder"].promote(rec.unknown.id, Change(env["ani"], "evidence"), seen(), None)
        is None
    )
    assert env["sink"].events == []
    with env["sessions"]() as s:
        assert s.get(Arrival, rec.arrival.id).guest_id is None


def test_a_stranger_recognised_as_staff_leaves_every_queue(env):
    rec = env["recorder"].stranger_seen(seen(), STRANGER_SHOT)
    env["recorder"].promote(rec.unknown.id, Change(env["staff"], "evidence"), seen(), None)
    with env["sessions"]() as s:
        arrival = s.get(Arrival, rec.arrival.id)
        assert arrival.status == "dismissed" and arrival.guest_id == env["staff"]
        assert s.get(UnknownFace, rec.unknown.id).status == "recognised"


def test_a_contradicted_name_is_reopened_as_an_unknown_face_for_the_guard(env):
    rec = env["recorder"].guest_seen(env["ani"], seen(distance=0.5), GUEST_SHOT)
    env["sink"].events.clear()
    done = env["recorder"].reopen(
        rec.arrival.id, Change(None, "contradicted:far"), seen(), STRANGER_SHOT,
        created_by_track=True,
    )  # fmt: skip
    reidentified, unknown_seen = env["sink"].events
    assert isinstance(reidentified, ArrivalReidentified) and reidentified.guest_id is None
    assert isinstance(unknown_seen, UnknownFaceSeen)
    assert unknown_seen.unknown_id == done.unknown.id == reidentified.unknown_id
    with env["sessions"]() as s:
        arrival = s.get(Arrival, rec.arrival.id)
        assert arrival.guest_id is None and arrival.snapshot.startswith("unknown/")
        assert s.get(UnknownFace, done.unknown.id).snapshot == arrival.snapshot
        assert s.scalars(select(AuditLog)).one().action == "reidentified"
    assert files(env["media"], "arrivals") == []


def test_a_name_people_already_acted_on_stays_and_the_track_is_recorded_afresh(env):
    rec = env["recorder"].guest_seen(env["ani"], seen(distance=0.5), GUEST_SHOT)
    with transaction(env["sessions"]) as s:
        user = s.scalars(select(User)).one()
        s.add(Decision(arrival_id=rec.arrival.id, kind="wait", by_user_id=user.id))
    done = env["recorder"].reopen(
        rec.arrival.id, Change(None, "contradicted:far"), seen(minutes=1), STRANGER_SHOT,
        created_by_track=True,
    )  # fmt: skip
    assert done.arrival.id != rec.arrival.id and done.created and done.unknown is not None
    with env["sessions"]() as s:
        assert s.get(Arrival, rec.arrival.id).guest_id == env["ani"]


def test_a_replaced_snapshot_is_kept_while_a_row_still_uses_it(env):
    rec = env["recorder"].stranger_seen(seen(snapshot_score=1.0), STRANGER_SHOT)
    first = rec.arrival.snapshot
    with transaction(env["sessions"]) as s:  # the guard resolved it, keeping the face
        s.get(UnknownFace, rec.unknown.id).status = "identified"
    better = env["recorder"].stranger_seen(
        seen(minutes=1, snapshot_score=5.0), STRANGER_SHOT, unknown_id=rec.unknown.id
    )
    assert better.arrival.snapshot != first
    with env["sessions"]() as s:
        assert s.get(UnknownFace, rec.unknown.id).snapshot == first
    assert env["media"].resolve(first).is_file()  # still served for the unknown face
