"""People's feedback changes the next match, on the real recording: a guard naming the stranger
teaches the gallery his footage; "Bukan orang ini" teaches it who he is not."""

import time

import pytest

from core.config import parse_config
from core.events import GuestArrived, UnknownFaceSeen
from core.sinks import CollectingSink
from storage import feedback, unknowns
from storage.arrivals import ArrivalPolicy
from storage.cameras import sync_cameras
from storage.db import transaction
from storage.guests import add_sample, create_guest
from storage.models import User
from storage.recorder import ArrivalRecorder
from storage.unit_of_work import unit_of_work
from storage.users import create_user
from vision.detect import HogFaceDetector
from vision.gallery import GalleryWatcher
from vision.pipeline import CameraPipeline
from vision.source import FeedSource, Frame

GAP_S = 30 * 60  # the second pass is a new visit


def world(sessions, media, encodings, **recognition):
    config = parse_config(
        {
            "cameras": [{"name": "gate", "role": "gate", "url": "rtsp://127.0.0.1:9/g"}],
            "recognition": {"reload_interval_s": 0.01, **recognition},
        }
    )
    with transaction(sessions) as s:
        sync_cameras(s, config.cameras)
        obama = create_guest(s, name="Barack Obama")
        add_sample(s, obama, encodings["obama1"], None)
        for name, key in (("Joe Biden", "biden1"), ("Kit Harington", "kit1")):
            add_sample(s, create_guest(s, name=name), encodings[key], None)
        fast = {"hash_method": "scrypt:1024:8:1"}
        guard = create_user(s, "guard1", "guard", "kata-sandi-panjang", **fast)
    sink = CollectingSink()
    recorder = ArrivalRecorder(sessions, media, sink, ArrivalPolicy.from_config(config))
    return config, sink, recorder, obama.id, guard.id


def watch(config, sessions, recorder, encoder, frames, start):
    """One pass of the speech (every 3rd frame: the worker's 5 fps), then the track ends."""
    pipeline = CameraPipeline(
        "gate", config, FeedSource("gate"), HogFaceDetector.from_config(config.detection),
        encoder, GalleryWatcher(sessions, config.recognition), recorder,
    )  # fmt: skip
    for i, frame in enumerate((frames * 2)[::3]):
        pipeline.process(Frame(frame, i + 1, start + i * 0.2))
    pipeline.close()


def names(sink):
    return [e.guest_name for e in sink.events if isinstance(e, GuestArrived)]


@pytest.fixture
def start():
    return time.time() - 3 * GAP_S


def test_a_guard_naming_the_stranger_teaches_the_gallery_his_footage(
    sessions, media, encodings, encoder, speech_frames, start
):
    # Strict enough that one photo does not name him on this footage.
    config, sink, recorder, obama, guard = world(sessions, media, encodings, tolerance=0.45)
    watch(config, sessions, recorder, encoder, speech_frames, start)
    (seen,) = [e for e in sink.events if isinstance(e, UnknownFaceSeen)]
    assert names(sink) == [None]
    with unit_of_work(sessions, media) as uow:
        user = uow.session.get(User, guard)
        uow.collect(
            unknowns.resolve_unknown(
                uow.session, uow.files, seen.unknown_id, "identify", user,
                guest_id=obama, learn_bound=config.recognition.max_camera_samples,
            )
        )  # fmt: skip
    watch(config, sessions, recorder, encoder, speech_frames, start + GAP_S)
    assert names(sink) == [None, "Barack Obama"]


def test_bukan_orang_ini_makes_the_same_face_nobody_next_time(
    sessions, media, encodings, encoder, speech_frames, start
):
    config, sink, recorder, _, guard = world(sessions, media, encodings)
    watch(config, sessions, recorder, encoder, speech_frames, start)
    (arrived,) = [e for e in sink.events if isinstance(e, GuestArrived)]
    assert arrived.guest_name == "Barack Obama"
    with unit_of_work(sessions, media) as uow:
        uow.collect(
            feedback.not_this_person(uow.session, arrived.arrival_id, uow.session.get(User, guard))
        )
    sink.events.clear()
    watch(config, sessions, recorder, encoder, speech_frames, start + GAP_S)
    assert names(sink) == [None]
    assert [type(e) for e in sink.events if isinstance(e, GuestArrived | UnknownFaceSeen)] == [
        GuestArrived,
        UnknownFaceSeen,
    ]
