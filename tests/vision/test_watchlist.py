"""The watchlist rule on real encodings, and the pipeline on a clip built from stills."""

import time

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from core.config import ConfigError, parse_config
from core.events import GuestArrived, UnknownFaceSeen, WatchlistSighted
from core.sinks import CollectingSink
from notify.rules import notices_for_event
from storage.arrivals import ArrivalPolicy
from storage.cameras import sync_cameras
from storage.db import transaction
from storage.guests import Gallery, add_sample, create_guest
from storage.models import Arrival, UnknownFace
from storage.models_watchlist import WatchlistSighting
from storage.recorder import ArrivalRecorder
from storage.watchlist import EnrolFace, enrol, remove
from tests.notify.conftest import notifications
from tests.support.clips import STRANGER, WALK_IN, render_frames
from vision.detect import HogFaceDetector
from vision.gallery import GalleryWatcher
from vision.identity import IdentityRule, Sample
from vision.matcher import NOBODY, FaceMatcher
from vision.pipeline import CameraPipeline
from vision.quality import SampleQuality
from vision.source import FeedSource, Frame
from vision.watchlist import watchlist_match, watchlist_watcher

CONFIG = parse_config(
    {"cameras": [{"name": "gate", "role": "gate", "url": "rtsp://127.0.0.1:9/gate"}]}
)
REC = CONFIG.recognition
RULE = IdentityRule.from_config(REC)
GOOD = SampleQuality(120, 30.0, 0.9, 1.0, 0.8)


def samples(*encodings: np.ndarray) -> list[Sample]:
    return [Sample(float(i), e, GOOD, NOBODY) for i, e in enumerate(encodings)]


def watchlist_of(encodings, *entries: tuple[int, str]) -> FaceMatcher:
    ids = np.array([entry for entry, _ in entries], dtype=np.int64)
    vectors = np.stack([encodings[key] for _, key in entries])
    gallery = Gallery(ids, vectors, {entry: key for entry, key in entries})
    return FaceMatcher(gallery, REC.watchlist_tolerance, REC.watchlist_margin)


def test_the_watchlist_rule_is_stricter_than_the_guest_rule():
    assert REC.watchlist_tolerance < REC.tolerance
    assert REC.watchlist_margin > REC.margin
    for key, value, word in (
        ("watchlist_tolerance", 0.6, "above"),
        ("watchlist_margin", 0.05, "below"),
    ):
        with pytest.raises(ConfigError, match=f"recognition: {key} must not be {word}"):
            parse_config({"recognition": {key: value}})
    # A stricter guest rule makes the unset watchlist rule at least as strict.
    strict = parse_config({"recognition": {"tolerance": 0.45, "margin": 0.2}}).recognition
    assert (strict.watchlist_tolerance, strict.watchlist_margin) == (0.45, 0.2)


@pytest.mark.parametrize(
    ("track", "expected"),
    [
        (("obama2", "obama3", "obama2"), 1),  # the person on the watchlist, other photos
        (("biden1", "biden2", "biden1"), None),  # a guest who is not on the watchlist
        (("kit1", "kit2", "kit1"), None),  # a stranger
        (("obama2", "obama3"), None),  # too few good samples
    ],
)
def test_watchlist_rule(encodings, track, expected):
    matcher = watchlist_of(encodings, (1, "obama1"), (2, "rose1"))
    match = watchlist_match(samples(*(encodings[k] for k in track)), matcher, RULE)
    assert (match.guest_id if match else None) == expected


def test_a_face_near_two_entries_is_nobody(encodings):
    matcher = watchlist_of(encodings, (1, "obama1"), (2, "obama3"))
    track = samples(encodings["obama2"], encodings["obama2"], encodings["obama2"])
    assert watchlist_match(track, matcher, RULE) is None


def test_poor_samples_never_sight(encodings):
    poor = SampleQuality(30, 1.0, 0.2, 0.3, 0.1)
    track = [Sample(float(i), encodings["obama2"], poor, NOBODY) for i in range(5)]
    assert watchlist_match(track, watchlist_of(encodings, (1, "obama1")), RULE) is None


def test_the_watchlist_gallery_reloads_when_entries_change(sessions, media, encodings):
    recorder = ArrivalRecorder(sessions, media, CollectingSink(), ArrivalPolicy.from_config(CONFIG))
    now = [0.0]
    watcher = watchlist_watcher(CONFIG, recorder, clock=lambda: now[0])
    assert len(watcher.matcher()) == 0
    entry = enrol(sessions, media, [EnrolFace(np.zeros((8, 8, 3), np.uint8), encodings["kit1"])],
                  name="Orang X", level="sedang")  # fmt: skip
    assert len(watcher.matcher()) == 0  # checked again only after reload_interval_s
    now[0] += REC.reload_interval_s
    matcher = watcher.matcher()
    assert (len(matcher), matcher.tolerance, matcher.margin) == (
        1, REC.watchlist_tolerance, REC.watchlist_margin
    )  # fmt: skip
    remove(sessions, media, entry.id)
    now[0] += REC.reload_interval_s
    assert len(watcher.matcher()) == 0


@pytest.fixture
def gate(sessions, media, encodings, faces_dir, finder, encoder):
    """Obama enrolled as a guest AND on the watchlist (from another photo); Biden a guest."""
    with transaction(sessions) as s:
        sync_cameras(s, CONFIG.cameras)
        for name, key in (("Barack Obama", "obama1"), ("Joe Biden", "biden1")):
            add_sample(s, create_guest(s, name=name), encodings[key], None)
    photo = finder.single_face(faces_dir / "obama" / "obama3.jpg")
    entry = enrol(
        sessions, media, [EnrolFace(photo.image, photo.encoding)], name="Orang X", level="tinggi"
    )
    sink = CollectingSink()
    recorder = ArrivalRecorder(sessions, media, sink, ArrivalPolicy.from_config(CONFIG))
    pipeline = CameraPipeline(
        "gate", CONFIG, FeedSource("gate"), HogFaceDetector(), encoder,
        GalleryWatcher(sessions, REC), recorder,
    )  # fmt: skip
    return {"entry": entry, "sink": sink, "pipeline": pipeline}


def play(pipeline, frames, start, fps=5):
    for i, image in enumerate(frames):
        pipeline.process(Frame(image, pipeline.frames + 1, start + i / fps))
    pipeline.close()


def test_a_watchlist_person_walking_in_is_one_sighting_and_never_an_arrival(
    gate, sessions, media, faces_dir, monkeypatch
):
    frames = list(render_frames(WALK_IN, faces_dir, (640, 360), 6, 5))
    start = time.time()
    play(gate["pipeline"], frames, start)
    sighted = [e for e in gate["sink"].events if isinstance(e, WatchlistSighted)]
    assert [(e.watchlist_id, e.person_name, e.level, e.camera) for e in sighted] == [
        (gate["entry"].id, "Orang X", "tinggi", "gate")
    ]
    assert sighted[0].distance is not None and sighted[0].distance <= REC.watchlist_tolerance
    monkeypatch.setenv("TEST_TG_TOKEN", "123:abc")
    notify = parse_config(
        {
            "cameras": CONFIG.model_dump()["cameras"],
            "notifications": notifications("http://127.0.0.1:9"),
        }
    )
    (notice,) = notices_for_event(sighted[0], notify)  # the real event feeds notify's rule
    assert notice.urgent and notice.title == "PERHATIAN: Orang X (tingkat tinggi)"
    assert sorted(p.role for p in notice.people) == ["guard", "security"]
    assert not [e for e in gate["sink"].events if isinstance(e, GuestArrived | UnknownFaceSeen)]
    with sessions() as s:
        assert s.scalars(select(Arrival)).all() == []
        row = s.scalars(select(WatchlistSighting)).one()
    assert row.snapshot is not None and row.snapshot.startswith("watchlist/")
    assert cv2.imread(str(media.resolve(row.snapshot))) is not None
    # The same person again within the cooldown: no second sighting, still no arrival.
    play(gate["pipeline"], frames, start + 30)
    assert len([e for e in gate["sink"].events if isinstance(e, WatchlistSighted)]) == 1
    with sessions() as s:
        assert s.scalars(select(Arrival)).all() == []


def test_a_stranger_is_not_sighted_and_stays_an_unknown_face(gate, sessions, faces_dir):
    frames = list(render_frames(STRANGER, faces_dir, (640, 360), 7, 5))
    play(gate["pipeline"], frames, time.time())
    assert not [e for e in gate["sink"].events if isinstance(e, WatchlistSighted)]
    with sessions() as s:
        assert len(s.scalars(select(UnknownFace)).all()) == 1
