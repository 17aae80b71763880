"""128-d face encodings from the full-resolution face box (dlib's ResNet model)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Protocol

import cv2
import dlib
import numpy as np

from vision.geometry import Box
from vision.models import ENCODER_FILE, SHAPE_FILE, model_path


class Encoder(Protocol):
    """Turns a face box of a BGR frame into a 128-d float32 encoding."""

    def encode(self, frame_bgr: np.ndarray, box: Box) -> np.ndarray:
        """The encoding of the face in `box`."""


class FaceEncoder:
    """dlib's 5-point aligner and face_recognition_model_v1 (any compatible .dat file)."""

    def __init__(self, encoder_model: Path | None = None, num_jitters: int = 1) -> None:
        self._shape = dlib.shape_predictor(str(model_path(None, SHAPE_FILE)))
        self._net = dlib.face_recognition_model_v1(str(model_path(encoder_model, ENCODER_FILE)))
        self.num_jitters = num_jitters

    def encode(self, frame_bgr: np.ndarray, box: Box) -> np.ndarray:
        """The encoding of the face in `box` (a full-resolution box of `frame_bgr`)."""
        return self.encode_rgb(cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB), box)

    def encode_rgb(self, frame_rgb: np.ndarray, box: Box) -> np.ndarray:
        """The same for an RGB image that is already converted."""
        rect = dlib.rectangle(box.left, box.top, box.right, box.bottom)
        landmarks = self._shape(frame_rgb, rect)
        vector = self._net.compute_face_descriptor(frame_rgb, landmarks, self.num_jitters)
        return np.asarray(vector, dtype=np.float32)


class FakeEncoder:
    """A deterministic stand-in for tests: a fixed vector per box, or one derived from pixels."""

    def __init__(self, table: dict[Box, np.ndarray] | None = None) -> None:
        self.table = dict(table or {})
        self.calls = 0

    def encode(self, frame_bgr: np.ndarray, box: Box) -> np.ndarray:
        """The vector registered for `box`, else a pseudo-random one seeded by the face pixels."""
        self.calls += 1
        if box in self.table:
            return np.asarray(self.table[box], dtype=np.float32)
        face = np.ascontiguousarray(frame_bgr[box.top : box.bottom, box.left : box.right])
        seed = int.from_bytes(hashlib.sha256(face.tobytes()).digest()[:8], "little")
        return np.random.default_rng(seed).normal(0, 0.1, 128).astype(np.float32)
