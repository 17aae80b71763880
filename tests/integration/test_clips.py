"""Test clips: deterministic, built once per parameter set, and refusing bad input clearly."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import cv2
import pytest

from tests.support.clips import (
    EMPTY,
    TEST_SIZE,
    TWO_PEOPLE,
    WALK_IN,
    Actor,
    ClipCache,
    ClipError,
    Scene,
    build_clip,
    face_boxes,
    render_frames,
)

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
SMALL = (320, 180)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_parameters_give_identical_bytes(tmp_path, faces_dir):
    first = build_clip(tmp_path / "a.ts", WALK_IN, faces_dir, size=SMALL, seconds=2, fps=10)
    second = build_clip(tmp_path / "b.ts", WALK_IN, faces_dir, size=SMALL, seconds=2, fps=10)
    assert digest(first) == digest(second)
    assert not list(tmp_path.glob("*.part"))


def test_clip_has_the_asked_size_length_and_a_person_only_after_entering(tmp_path, faces_dir):
    scene = Scene("late", (Actor(WALK_IN.actors[0].photo, enter_at=1.0, walk_s=0.0),), 2.0)
    path = build_clip(tmp_path / "late.ts", scene, faces_dir, size=SMALL, seconds=2, fps=10)
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    assert len(frames) == 20
    assert frames[0].shape == (180, 320, 3)
    # Before 1 s only the unchanging background; afterwards a face fills the middle.
    middle = (slice(40, 110), slice(130, 190))
    change = lambda a, b: cv2.absdiff(frames[a][middle], frames[b][middle]).mean()  # noqa: E731
    assert change(0, 9) < 2
    assert change(0, 15) > 20


def test_cache_builds_each_parameter_set_once(tmp_path, faces_dir):
    cache = ClipCache(tmp_path, faces_dir)
    path = cache.get(EMPTY, size=SMALL, seconds=1, fps=10)
    stamp = path.stat().st_mtime_ns
    assert cache.get(EMPTY, size=SMALL, seconds=1, fps=10) == path
    assert path.stat().st_mtime_ns == stamp
    other = cache.get(EMPTY, size=SMALL, seconds=2, fps=10)
    assert other != path and other.is_file()


@pytest.mark.parametrize(
    ("photo", "reason"),
    [("edge/two_people.jpg", "expected one face, found 2"), ("missing.jpg", "cannot read")],
)
def test_a_photo_without_exactly_one_face_is_refused(tmp_path, faces_dir, photo, reason):
    scene = Scene("bad", (Actor(photo),), 1.0)
    with pytest.raises(ClipError, match=reason):
        build_clip(tmp_path / "bad.ts", scene, faces_dir, size=SMALL, seconds=1, fps=10)
    assert not list(tmp_path.iterdir())


def test_odd_size_is_refused(tmp_path, faces_dir):
    with pytest.raises(ClipError, match="must be even"):
        build_clip(tmp_path / "odd.ts", EMPTY, faces_dir, size=(321, 180), seconds=1)


def iou(a, b) -> float:
    top, right = max(a[0], b[0]), min(a[1], b[1])
    bottom, left = min(a[2], b[2]), max(a[3], b[3])
    inter = max(0, right - left) * max(0, bottom - top)
    area = lambda r: (r[1] - r[3]) * (r[2] - r[0])  # noqa: E731
    return inter / (area(a) + area(b) - inter)


def test_ground_truth_boxes_match_what_a_face_detector_finds(faces_dir):
    import dlib

    assert face_boxes(TWO_PEOPLE, faces_dir, TEST_SIZE, 0.0) == []  # nobody has entered yet
    t = 5.0
    frames = list(render_frames(TWO_PEOPLE, faces_dir, TEST_SIZE, t + 0.1, 10))
    rgb = cv2.cvtColor(frames[int(t * 10)], cv2.COLOR_BGR2RGB)
    found = [
        (r.top(), r.right(), r.bottom(), r.left()) for r in dlib.get_frontal_face_detector()(rgb, 1)
    ]
    truth = face_boxes(TWO_PEOPLE, faces_dir, TEST_SIZE, t)
    assert sorted(photo for photo, _ in truth) == sorted(TWO_PEOPLE.photos())
    assert len(found) == 2
    for _photo, box in truth:
        assert max(iou(box, f) for f in found) > 0.6
