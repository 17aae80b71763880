import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import func, select

from core.config import parse_config
from core.events import ArrivalUpdated, GuestArrived, UnknownFaceSeen
from core.sinks import CollectingSink
from storage.arrivals import ArrivalPolicy, ArrivalRecorder
from storage.cameras import get_camera, sync_cameras
from storage.db import transaction
from storage.guests import add_sample, create_guest
from storage.models import Arrival, UnknownFace
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
        "recognition": {"min_votes": 2, "max_samples": 5, "sample_interval_s": 0.4},
        "tracking": {"track_lost_s": 3, "revisit_gap_minutes": 10},
    }
)


class CountingEncoder:
    def __init__(self, inner) -> None:
        self.inner, self.calls = inner, 0

    def encode(self, frame, box):
        self.calls += 1
        return self.inner.encode(frame, box)


class KnownFaces:
    """A detector that knows each test image's faces (found once by the real detector)."""

    def __init__(self) -> None:
        self.real = HogFaceDetector()
        self.boxes: dict[int, list[Box]] = {}

    def learn(self, image: np.ndarray) -> np.ndarray:
        self.boxes[id(image)] = self.real.detect(image)
        return image

    def detect(self, image: np.ndarray) -> list[Box]:
        return self.boxes.get(id(image), [])


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
    assert pipeline.encoder.calls == CONFIG.recognition.min_votes
    assert count(world["sessions"], Arrival) == 1
    with world["sessions"]() as s:
        arrival = s.scalars(select(Arrival)).one()
        assert arrival.sightings == 1
        assert arrival.last_seen.timestamp() == pytest.approx(t0 + 59.5, abs=0.01)
        assert arrival.best_distance is not None and arrival.best_distance < 0.3
        assert media.resolve(arrival.snapshot).is_file()
    # the arrival was recorded at the second sample (0.5 s), not when the person left
    assert arrived[0].at.timestamp() == pytest.approx(t0, abs=0.01)


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


def test_a_face_seen_once_gives_no_name_and_no_record(world, encoder, obama_frame):
    detector = KnownFaces()
    detector.learn(obama_frame)
    pipeline = make_pipeline(world, encoder, detector)
    play(pipeline, obama_frame, time.time(), 0.5)
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
