"""Session-wide dlib models and real encodings of the shared faces (computed once)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from vision.encode import FaceEncoder
from vision.photos import StillFaceFinder

SINGLE_FACE_PHOTOS = {
    "obama1": "obama/obama1.jpg",
    "obama2": "obama/obama2.jpg",
    "obama3": "obama/obama3.jpg",
    "biden1": "biden/biden1.jpg",
    "biden2": "biden/biden2.jpg",
    "kit1": "kit_harington/kit1.jpg",
    "kit2": "kit_harington/kit2.jpg",
    "rose1": "rose_leslie/rose1.jpg",
    "rose2": "rose_leslie/rose2.jpg",
}


@pytest.fixture(scope="session")
def encoder() -> FaceEncoder:
    """The real dlib encoder, loaded once."""
    return FaceEncoder()


@pytest.fixture(scope="session")
def finder(encoder: FaceEncoder) -> StillFaceFinder:
    """The still-photo face finder, loaded once."""
    return StillFaceFinder(encoder)


@pytest.fixture(scope="session")
def encodings(faces_dir: Path, finder: StillFaceFinder) -> dict[str, np.ndarray]:
    """Real encodings of the single-face photos, by short name (obama1, biden1, kit2, …)."""
    return {
        key: finder.single_face(faces_dir / rel).encoding for key, rel in SINGLE_FACE_PHOTOS.items()
    }


@pytest.fixture(scope="session")
def frame_720p(faces_dir: Path) -> np.ndarray:
    """A 1280x720 BGR frame with Obama's face."""
    return cv2.imread(str(faces_dir / "obama" / "obama-720p.jpg"))


def write_video(path: Path, frames: list[np.ndarray], fps: int = 10) -> Path:
    """An MJPEG AVI of `frames` (OpenCV's FFmpeg backend reads it like a camera)."""
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture(scope="session")
def obama_video(faces_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two seconds of Obama's face at 640x360."""
    still = cv2.imread(str(faces_dir / "obama" / "obama-720p.jpg"))
    small = cv2.resize(still, (640, 360), interpolation=cv2.INTER_AREA)
    return write_video(tmp_path_factory.mktemp("video") / "obama.avi", [small] * 20)


@pytest.fixture(scope="session")
def speech_frames(speech_video: Path) -> list[np.ndarray]:
    """Every frame of the real speech recording (15 fps, 4 s), BGR."""
    capture = cv2.VideoCapture(str(speech_video))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    assert frames, f"{speech_video}: no frames decoded"
    return frames
