import cv2
import numpy as np
import pytest

from vision.detect import HogFaceDetector
from vision.geometry import Box
from vision.quality import assess, frontalness_of, ramp


@pytest.mark.parametrize(
    ("value", "low", "high", "expected"),
    [(0, 2, 8, 0.0), (2, 2, 8, 0.0), (5, 2, 8, 0.5), (8, 2, 8, 1.0), (99, 2, 8, 1.0),
     (220, 235, 205, 0.5), (240, 235, 205, 0.0), (100, 235, 205, 1.0)],
)  # fmt: skip
def test_ramp(value, low, high, expected):
    assert ramp(value, low, high) == pytest.approx(expected)


@pytest.fixture
def face(frame_720p, encoder):
    box = HogFaceDetector().detect(frame_720p)[0]
    return box, encoder.encode_many(frame_720p, [box])[0].landmarks


def test_a_sharp_frontal_well_lit_face_scores_high(frame_720p, face):
    box, landmarks = face
    quality = assess(frame_720p, box, landmarks)
    assert quality.score > 0.9 and quality.face_px == min(box.width, box.height)
    assert set(quality.as_dict()) == {"face_px", "sharpness", "frontalness", "exposure", "score"}


@pytest.mark.parametrize(
    ("name", "spoil"),
    [
        ("blurred", lambda im: cv2.GaussianBlur(im, (0, 0), 12)),
        ("dark", lambda im: (im * 0.05).astype(np.uint8)),
        ("blown out", lambda im: np.clip(im.astype(int) + 200, 0, 255).astype(np.uint8)),
        ("flat", lambda im: np.full_like(im, 128)),
    ],
)
def test_spoiled_views_are_poor(frame_720p, face, name, spoil):
    box, landmarks = face
    assert assess(spoil(frame_720p), box, landmarks).score < 0.25, name


def test_a_tiny_face_is_poor_and_a_mid_sized_one_is_not(frame_720p, face):
    box, _ = face
    small = Box(box.top, box.left + 20, box.top + 20, box.left)
    assert assess(frame_720p, small, None).score < 0.25
    mid = Box(box.top, box.left + 60, box.top + 60, box.left)
    assert assess(frame_720p, mid, None).score > 0.5


def test_frontalness_from_the_five_landmarks():
    box = Box(0, 100, 100, 0)
    frontal = np.array([[70, 40], [58, 40], [30, 40], [42, 40], [50, 65]], np.float32)
    assert frontalness_of(frontal, box) == pytest.approx(1.0)
    turned = frontal.copy()
    turned[4] = [72, 65]  # the nose near one eye: a head turned away
    assert frontalness_of(turned, box) < 0.3
    profile = np.array([[60, 40], [56, 40], [48, 40], [52, 40], [70, 65]], np.float32)
    assert frontalness_of(profile, box) == 0.0  # eyes together and the nose outside them
    assert frontalness_of(None, box) == 1.0


def test_real_footage_is_mostly_good(speech_frames, encoder):
    detector = HogFaceDetector()
    scores = []
    for frame in speech_frames[::3]:
        (box,) = detector.detect(frame)
        scores.append(assess(frame, box, encoder.encode_many(frame, [box])[0].landmarks).score)
    assert np.median(scores) > 0.8 and min(scores) > 0.25
