import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import func, select

from core.config import parse_config
from core.events import ArrivalReidentified, ArrivalUpdated, GuestArrived, UnknownFaceSeen
from core.sinks import CollectingSink
from storage.arrivals import ArrivalPolicy
from storage.cameras import get_camera, sync_cameras
from storage.db import transaction
from storage.guests import add_sample, create_guest
from storage.models import Arrival, ArrivalSample, AuditLog, UnknownFace
from storage.recorder import ArrivalRecorder
from tests.support.clips import BLURRED_THEN_SHARP, CUT, render_frames
from tests.support.waiting import wait_until
from vision.detect import HogFaceDetector
from vision.gallery import GalleryWatcher
from vision.geometry import Box
from vision.pipeline import CameraPipeline
from vision.source import FeedSource, Frame
from vision.status import CameraStatusReporter, LiveFrameWriter

CONFIG = parse_config(
    {
        "cameras": [
            {"name": "gate", "role": "gate", "url": "rtsp://127.0.0.1:9/gate"},
            {"name": "waiting", "role": "waiting_room", "url": "rtsp://127.0.0.1:9/waiting"},
        ],
        "tracking": {"track_lost_s": 3, "revisit_gap_minutes": 10},
    }
)
RULE = CONFIG.recognition


class CountingEncoder:
    def __init__(self, inner) -> None:
        self.inner, self.calls = inner, 0

    def encode(self, frame, box):
        self.calls += 1
        return self.inner.encode(frame, box)

    def encode_many(self, frame, boxes):
        self.calls += len(boxes)
        return self.inner.encode_many(frame, boxes)


class KnownFaces:
    """A detector that knows each test image's faces (found once by the real detector)."""

    def __init__(self) -> None:
        self.real = HogFaceDetector()
        self.boxes: dict[int, list[Box]] = {}

    def learn(self, image: np.ndarray, like: np.ndarray | None = None) -> np.ndarray:
        """Remember the faces of `image` (or, for a degraded copy, those of `like`)."""
        self.boxes[id(image)] = self.real.detect(image if like is None else like)
        return image

    def detect(self, image: np.ndarray, upsample: int | None = None) -> list[Box]:
        return self.boxes.get(id(image), [])

    def scale_of(self, image: np.ndarray) -> float:
        return self.real.scale_of(image)


@pytest.fixture
def world(sessions, media, encodings, encoder):
    """Cameras, enrolled Obama (2 photos) and Biden, staff Rose; a sink that collects."""
    with transaction(sessions) as s:
        sync_cameras(s, CONFIG.cameras)
        ids = {}
        for name, keys, staff in (
            ("Barack Obama", ["obama1", "obama2"], False),
            ("Joe Biden", ["biden1"], False),
            ("Rose Leslie", ["rose1"], True),
        ):
            guest = create_guest(s, name=name, is_staff=staff)
            for key in keys:
                add_sample(s, guest, encodings[key], None)
            ids[name] = guest.id
    sink = CollectingSink()
    recorder = ArrivalRecorder(sessions, media, sink, ArrivalPolicy.from_config(CONFIG))
    return {"ids": ids, "sink": sink, "recorder": recorder, "sessions": sessions}


def make_pipeline(world, encoder, detector, camera="gate", **kw) -> CameraPipeline:
    return CameraPipeline(
        camera,
        CONFIG,
        FeedSource(camera),
        detector,
        CountingEncoder(encoder),
        GalleryWatcher(world["sessions"], CONFIG.recognition),
        world["recorder"],
        **kw,
    )


def play(pipeline: CameraPipeline, image: np.ndarray, start: float, seconds: float, step=0.5):
    seq = pipeline.frames
    for i in range(round(seconds / step)):
        seq += 1
        pipeline.process(Frame(image, seq, start + i * step))


def count(sessions, model) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def events(world, kind):
    return [e for e in world["sink"].events if isinstance(e, kind)]


@pytest.fixture
def obama_frame(faces_dir) -> np.ndarray:
    return cv2.imread(str(faces_dir / "obama" / "obama-720p.jpg"))


@pytest.fixture
def kit_frame(faces_dir) -> np.ndarray:
    return cv2.imread(str(faces_dir / "kit_harington" / "kit2.jpg"))


def test_a_guest_standing_a_minute_is_one_arrival_encoded_only_until_decided(
    world, encoder, obama_frame, media
):
    detector = KnownFaces()
    detector.learn(obama_frame)
    pipeline = make_pipeline(world, encoder, detector)
    t0 = time.time()
    play(pipeline, obama_frame, t0, 60)
    pipeline.close()
    arrived = events(world, GuestArrived)
    assert [(e.guest_name, e.camera) for e in arrived] == [("Barack Obama", "gate")]
    # fast until three good samples (0, 0.5, 1 s), then 1, 2, 4, 8 and 16 s apart; no more
    # before the next 30 s gap
    assert pipeline.encoder.calls == RULE.min_votes + 5
    assert count(world["sessions"], Arrival) == 1
    with world["sessions"]() as s:
        arrival = s.scalars(select(Arrival)).one()
        assert arrival.sightings == 1
        assert arrival.last_seen.timestamp() == pytest.approx(t0 + 59.5, abs=0.01)
        assert arrival.best_distance is not None and arrival.best_distance < 0.3
        assert media.resolve(arrival.snapshot).is_file()
        kept = s.scalars(select(ArrivalSample)).all()
        assert 3 <= len(kept) <= 5 and all(k.quality >= RULE.min_quality for k in kept)
    # the arrival was recorded at the third sample (1 s), not when the person left
    assert arrived[0].at.timestamp() == pytest.approx(t0, abs=0.01)
    assert (arrival.recorded_at - arrival.first_seen).total_seconds() > 0


def test_a_stranger_is_one_pending_unknown_per_visit(world, encoder, kit_frame):
    detector = KnownFaces()
    detector.learn(kit_frame)
    pipeline = make_pipeline(world, encoder, detector)
    t0 = time.time() - 120
    play(pipeline, kit_frame, t0, 10)
    pipeline.process(Frame(kit_frame[:10], 999, t0 + 14))  # nobody in view: the track ends
    play(pipeline, kit_frame, t0 + 40, 5)  # back within the revisit gap
    pipeline.close()
    assert len(events(world, UnknownFaceSeen)) == 1
    assert count(world["sessions"], UnknownFace) == 1
    with world["sessions"]() as s:
        arrival = s.scalars(select(Arrival)).one()
        assert arrival.guest_id is None
        assert arrival.sightings == 2
        assert arrival.last_seen.timestamp() == pytest.approx(t0 + 44.5, abs=0.01)


def test_seen_at_the_waiting_room_within_the_gap_extends_the_arrival(world, encoder, obama_frame):
    detector = KnownFaces()
    detector.learn(obama_frame)
    gate = make_pipeline(world, encoder, detector, "gate")
    waiting = make_pipeline(world, encoder, detector, "waiting")
    t0 = time.time() - 300
    play(gate, obama_frame, t0, 3)
    gate.close()
    play(waiting, obama_frame, t0 + 120, 3)
    waiting.close()
    assert len(events(world, GuestArrived)) == 1
    updates = [e for e in events(world, ArrivalUpdated) if e.camera == "waiting"]
    assert updates and updates[0].waiting_room_at is not None
    with world["sessions"]() as s:
        arrival = s.scalars(select(Arrival)).one()
        assert arrival.camera.name == "gate"
        assert arrival.waiting_room_at is not None
        assert arrival.waiting_room_at.timestamp() == pytest.approx(t0 + 120, abs=0.01)
        assert arrival.sightings == 2


def test_staff_are_never_recorded(world, encoder, faces_dir):
    rose = cv2.imread(str(faces_dir / "rose_leslie" / "rose2.jpg"))
    detector = KnownFaces()
    detector.learn(rose)
    pipeline = make_pipeline(world, encoder, detector)
    play(pipeline, rose, time.time(), 5)
    pipeline.close()
    assert count(world["sessions"], Arrival) == 0
    assert world["sink"].events == []


def test_a_face_seen_too_briefly_gives_no_name_and_no_record(world, encoder, obama_frame):
    detector = KnownFaces()
    detector.learn(obama_frame)
    pipeline = make_pipeline(world, encoder, detector)
    play(pipeline, obama_frame, time.time(), 1.0)  # two samples: fewer than min_votes
    pipeline.close()
    assert count(world["sessions"], Arrival) == 0


def test_two_people_in_one_frame_with_the_real_detector(world, encoder, faces_dir):
    image = cv2.imread(str(faces_dir / "edge" / "two_people.jpg"))
    pipeline = make_pipeline(world, encoder, HogFaceDetector.from_config(CONFIG.detection))
    play(pipeline, image, time.time(), 1.5)
    pipeline.close()
    names = sorted(e.guest_name for e in events(world, GuestArrived))
    assert names == ["Barack Obama", "Joe Biden"]


def test_enrolment_changes_reach_the_matcher_after_the_reload_interval(sessions, encodings):
    now = [0.0]
    watcher = GalleryWatcher(sessions, CONFIG.recognition, clock=lambda: now[0])
    assert watcher.matcher().match(encodings["kit2"]).guest_id is None
    with transaction(sessions) as s:
        kit = create_guest(s, name="Kit Harington")
        add_sample(s, kit, encodings["kit1"], None)
    now[0] = CONFIG.recognition.reload_interval_s / 2
    assert watcher.matcher().match(encodings["kit2"]).guest_id is None  # not checked yet
    now[0] = CONFIG.recognition.reload_interval_s
    assert watcher.matcher().match(encodings["kit2"]).guest_id == kit.id
    assert watcher.names()[kit.id] == "Kit Harington"


def test_run_records_writes_the_live_frame_and_stops(world, encoder, obama_frame, media):
    detector = KnownFaces()
    detector.learn(obama_frame)
    sessions = world["sessions"]
    source = FeedSource("gate")
    status = CameraStatusReporter(sessions, world["sink"], "gate")
    pipeline = CameraPipeline(
        "gate",
        CONFIG,
        source,
        detector,
        encoder,
        GalleryWatcher(sessions, CONFIG.recognition),
        world["recorder"],
        status=status,
        live=LiveFrameWriter(sessions, media, "gate"),
    )
    stop = threading.Event()
    runner = threading.Thread(target=pipeline.run, args=(stop,))
    runner.start()

    def feed_and_check():
        source.feed(obama_frame)
        return events(world, GuestArrived)

    try:
        wait_until(feed_and_check, 20, interval=0.1)
    finally:
        stop.set()
        runner.join(10)
    assert not runner.is_alive()
    with sessions() as s:
        camera = get_camera(s, "gate")
        assert camera.latest_frame == "live/gate.jpg"
        assert camera.status == "online"
    live = cv2.imread(str(Path(media.resolve("live/gate.jpg"))))
    assert live.shape[1] == 640


def scene_frames(faces_dir, scene, seconds, fps=5):
    """The scene rendered at `fps` (the worker's analysis rate) at 640x360."""
    return list(render_frames(scene, faces_dir, (640, 360), seconds, fps))


def play_frames(pipeline, frames, start, fps=5):
    for i, image in enumerate(frames):
        pipeline.process(Frame(image, pipeline.frames + 1, start + i / fps))


def nearest_guest(encoder, world, media, rel) -> str:
    """Who the stored snapshot shows, by the real encoder against the gallery photos."""
    image = cv2.imread(str(media.resolve(rel)))
    boxes = HogFaceDetector(scale_width=800).detect(image)
    assert len(boxes) == 1, f"snapshot {rel} shows {len(boxes)} faces"
    matcher = GalleryWatcher(world["sessions"], CONFIG.recognition).matcher()
    match = matcher.match(encoder.encode(image, boxes[0]))
    names = {v: k for k, v in world["ids"].items()}
    return names[match.best_guest_id]


def test_a_blurred_face_is_a_stranger_until_sharp_then_promoted_in_place(
    world, encoder, faces_dir, media
):
    frames = scene_frames(faces_dir, BLURRED_THEN_SHARP, 10)
    pipeline = make_pipeline(world, encoder, HogFaceDetector.from_config(CONFIG.detection))
    play_frames(pipeline, frames, time.time() - 60)
    pipeline.close()
    sink, sessions = world["sink"], world["sessions"]
    (seen,) = events(world, UnknownFaceSeen)
    (promoted,) = events(world, ArrivalReidentified)
    assert sink.events.index(seen) < sink.events.index(promoted)
    assert promoted.guest_name == "Barack Obama" and promoted.unknown_id == seen.unknown_id
    assert promoted.arrival_id == seen.arrival_id and promoted.merged_into is None
    with sessions() as s:
        arrival = s.scalars(select(Arrival)).one()
        unknown = s.scalars(select(UnknownFace)).one()
        assert arrival.guest_id == world["ids"]["Barack Obama"]
        assert unknown.status == "recognised" and unknown.resolved_by is None
        assert unknown.snapshot is None and unknown.encoding is None
        (row,) = s.scalars(select(AuditLog).where(AuditLog.action == "recognised")).all()
        assert f"arrival:{arrival.id}" == row.target and "no_good_view" not in row.detail
        snapshot = arrival.snapshot
    assert nearest_guest(encoder, world, media, snapshot) == "Barack Obama"
    # the stranger's snapshot file went with the stranger
    assert sorted(p.name for p in (media.root / "unknown").rglob("*.jpg")) == []


def test_a_cut_to_another_guest_at_the_same_place_is_two_arrivals_each_with_its_snapshot(
    world, encoder, faces_dir, media
):
    frames = scene_frames(faces_dir, CUT, 10)
    pipeline = make_pipeline(world, encoder, HogFaceDetector.from_config(CONFIG.detection))
    play_frames(pipeline, frames, time.time() - 60)
    pipeline.close()
    arrived = events(world, GuestArrived)
    assert [e.guest_name for e in arrived] == ["Barack Obama", "Joe Biden"]
    with world["sessions"]() as s:
        rows = s.scalars(select(Arrival).order_by(Arrival.id)).all()
        shots = {r.guest.name: r.snapshot for r in rows}
        assert len(rows) == 2 and count(world["sessions"], UnknownFace) == 0
        assert rows[0].last_seen < rows[1].first_seen
    for name, rel in shots.items():
        assert nearest_guest(encoder, world, media, rel) == name


def test_two_different_strangers_are_never_one_unknown_face(world, encoder, faces_dir):
    kit = cv2.imread(str(faces_dir / "kit_harington" / "kit2.jpg"))
    rose = cv2.imread(str(faces_dir / "rose_leslie" / "rose2.jpg"))
    with transaction(world["sessions"]) as s:
        staff = s.get(__import__("storage.models").models.Guest, world["ids"]["Rose Leslie"])
        s.delete(staff)  # Rose is a stranger here
    detector = KnownFaces()
    detector.learn(kit)
    detector.learn(rose)
    pipeline = make_pipeline(world, encoder, detector)
    t0 = time.time() - 300
    play(pipeline, kit, t0, 3)
    pipeline.process(Frame(kit[:10], 900, t0 + 8))  # nobody: the track ends
    play(pipeline, rose, t0 + 20, 3)
    pipeline.process(Frame(kit[:10], 901, t0 + 28))
    play(pipeline, kit, t0 + 40, 3)  # Kit again: the same unknown face
    pipeline.close()
    with world["sessions"]() as s:
        unknowns = s.scalars(select(UnknownFace).order_by(UnknownFace.id)).all()
        assert len(unknowns) == 2
        assert [u.arrival.sightings for u in unknowns] == [2, 1]


def test_a_name_contradicted_by_new_gallery_knowledge_is_reopened_as_an_unknown_face(
    world, encoder, obama_frame, encodings
):
    from storage.guests import add_impostor

    clock = [0.0]
    detector = KnownFaces()
    detector.learn(obama_frame)
    pipeline = make_pipeline(world, encoder, detector)
    pipeline.gallery = GalleryWatcher(world["sessions"], RULE, clock=lambda: clock[0])
    pipeline.reporter.gallery = pipeline.gallery
    t0 = time.time() - 100
    play(pipeline, obama_frame, t0, 2)
    (arrived,) = events(world, GuestArrived)
    assert arrived.guest_name == "Barack Obama"
    # "Bukan orang ini": this face is not Obama, whatever dlib says
    face = encoder.encode(obama_frame, detector.detect(obama_frame)[0])
    with transaction(world["sessions"]) as s:
        add_impostor(s, world["ids"]["Barack Obama"], face, arrival_id=arrived.arrival_id)
    clock[0] = 100.0
    play(pipeline, obama_frame, t0 + 2, 20)
    pipeline.close()
    (reopened,) = events(world, ArrivalReidentified)
    assert reopened.arrival_id == arrived.arrival_id and reopened.guest_id is None
    assert reopened.previous_guest_id == world["ids"]["Barack Obama"]
    (unknown_seen,) = events(world, UnknownFaceSeen)
    assert unknown_seen.arrival_id == arrived.arrival_id
    with world["sessions"]() as s:
        arrival = s.scalars(select(Arrival)).one()
        assert arrival.guest_id is None
        assert s.scalars(select(UnknownFace)).one().status == "pending"
        assert s.scalars(select(AuditLog).where(AuditLog.action == "reidentified")).one()


def test_a_database_outage_loses_no_arrival_and_logs_once(world, encoder, obama_frame, caplog):
    from sqlalchemy.exc import OperationalError

    detector = KnownFaces()
    detector.learn(obama_frame)
    pipeline = make_pipeline(world, encoder, detector)
    real = pipeline.recorder.guest_seen
    down = {"calls": 0}

    def unavailable(*args, **kwargs):
        down["calls"] += 1
        if down["calls"] <= 6:
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return real(*args, **kwargs)

    pipeline.recorder.guest_seen = unavailable
    play(pipeline, obama_frame, time.time() - 120, 30)
    pipeline.close()
    assert down["calls"] > 6
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and "failures so far" in errors[0].getMessage()
    (arrived,) = events(world, GuestArrived)
    assert arrived.guest_name == "Barack Obama"
    assert count(world["sessions"], Arrival) == 1


def test_a_big_tracked_face_skips_the_upsampled_pass_except_every_third_frame(
    world, encoder, obama_frame
):
    class Recording(KnownFaces):
        def __init__(self) -> None:
            super().__init__()
            self.asked: list[int | None] = []

        def detect(self, image, upsample=None):
            self.asked.append(upsample)
            return super().detect(image)

    detector = Recording()
    close_up = np.ascontiguousarray(obama_frame[:, 320:960])  # 640 wide: the face stays 180 px
    detector.learn(close_up)
    assert min(detector.detect(close_up)[0].width, 999) >= 100
    detector.asked.clear()
    empty = obama_frame[:10]
    pipeline = make_pipeline(world, encoder, detector)
    play(pipeline, empty, time.time() - 60, 1.0)  # nobody: always the full pass
    play(pipeline, close_up, time.time() - 50, 3.0)
    assert detector.asked[:2] == [None, None]
    tracked = detector.asked[3:]
    assert tracked.count(0) >= 2 * len(tracked) // 3 - 1 and None in tracked
