"""128-d face encodings from the full-resolution face box (dlib's ResNet model)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import dlib
import numpy as np

from vision.geometry import Box
from vision.models import ENCODER_FILE, SHAPE_FILE, model_path


@dataclass(frozen=True)
class EncodedFace:
    """One face's encoding and the 5 landmarks its alignment used ((5, 2) pixel coordinates)."""

    encoding: np.ndarray
    landmarks: np.ndarray


class Encoder(Protocol):
    """Turns face boxes of a BGR frame into 128-d float32 encodings."""

    def encode(self, frame_bgr: np.ndarray, box: Box) -> np.ndarray:
        """The encoding of the face in `box`."""
        ...

    def encode_many(self, frame_bgr: np.ndarray, boxes: list[Box]) -> list[EncodedFace]:
        """Every face of one frame in one batch, in the order of `boxes`."""
        ...


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
        return self._encode_rgb(frame_rgb, [box])[0].encoding

    def encode_many(self, frame_bgr: np.ndarray, boxes: list[Box]) -> list[EncodedFace]:
        """Every face of one frame with one colour conversion and one batched network call."""
        if not boxes:
            return []
        return self._encode_rgb(cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB), boxes)

    def _encode_rgb(self, frame_rgb: np.ndarray, boxes: list[Box]) -> list[EncodedFace]:
        shapes = dlib.full_object_detections()
        for box in boxes:
            shapes.append(self._shape(frame_rgb, dlib.rectangle(*_rect(box))))
        vectors = self._net.compute_face_descriptor(frame_rgb, shapes, self.num_jitters)
        return [
            EncodedFace(
                np.asarray(vector, dtype=np.float32),
                np.array([[p.x, p.y] for p in shape.parts()], dtype=np.float32),
            )
            for vector, shape in zip(vectors, shapes, strict=True)
        ]


def _rect(box: Box) -> tuple[int, int, int, int]:
    """dlib.rectangle's (left, top, right, bottom) order."""
    return (int(box.left), int(box.top), int(box.right), int(box.bottom))
