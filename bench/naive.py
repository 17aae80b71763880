"""face_recognition's own video example: every frame at full size, every face encoded."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import face_recognition
import numpy as np

from bench.scenes import FPS, Clip
from tests.support.clips import BENCH_SIZE, face_boxes

# facerec_from_video_file.py in face_recognition's examples compares with tolerance 0.50.
TOLERANCE = 0.5
MIN_IOU = 0.3


@dataclass
class NaiveResult:
    """Frames, CPU and wall time of the naive pass, and each visit's majority name."""

    frames: int = 0
    cpu_s: float = 0.0
    wall_s: float = 0.0
    video_s: float = 0.0
    # (clip name, photo) -> name the naive loop gave it most often (None = "Unknown")
    names: dict[tuple[str, str], str | None] = field(default_factory=dict)


def iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over union of two (top, right, bottom, left) boxes."""
    top, bottom = max(a[0], b[0]), min(a[2], b[2])
    left, right = max(a[3], b[3]), min(a[1], b[1])
    inter = max(0, bottom - top) * max(0, right - left)
    area = (a[2] - a[0]) * (a[1] - a[3]) + (b[2] - b[0]) * (b[1] - b[3])
    return inter / (area - inter) if area > inter else 0.0


def naive_names(rgb: np.ndarray, known: list[np.ndarray], names: list[str]) -> list:
    """The example's per-frame work: locate, encode every face, first known match or Unknown."""
    locations = face_recognition.face_locations(rgb)
    encodings = face_recognition.face_encodings(rgb, locations)
    found = []
    for box, encoding in zip(locations, encodings, strict=True):
        matches = face_recognition.compare_faces(known, encoding, tolerance=TOLERANCE)
        found.append((box, names[matches.index(True)] if True in matches else None))
    return found


def run_clip(clip: Clip, faces_dir: Path, known, names, result: NaiveResult) -> None:
    """Run the naive loop over every frame of `clip`, voting names per ground-truth actor."""
    votes: dict[str, Counter] = {v.photo: Counter() for v in clip.visits}
    cap = cv2.VideoCapture(str(clip.path))
    cpu0, wall0 = time.process_time(), time.perf_counter()
    index = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        found = naive_names(rgb, known, names)
        truth = face_boxes(clip.scene, faces_dir, BENCH_SIZE, index / FPS)
        for box, name in found:
            best = max(truth, key=lambda t: iou(box, t[1]), default=None)
            if best is not None and iou(box, best[1]) >= MIN_IOU:
                votes[best[0]][name] += 1
        index += 1
    result.cpu_s += time.process_time() - cpu0
    result.wall_s += time.perf_counter() - wall0
    cap.release()
    result.frames += index
    result.video_s += index / FPS
    for photo, counter in votes.items():
        if counter:
            result.names[(clip.name, photo)] = counter.most_common(1)[0][0]


def run_naive(clips: list[Clip], faces_dir: Path, known, names) -> NaiveResult:
    """The naive loop over every clip (single process, as fast as it goes)."""
    result = NaiveResult()
    for clip in clips:
        run_clip(clip, faces_dir, known, names, result)
    return result
