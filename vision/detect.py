"""Face detection with dlib's HOG detector on a downscaled frame; boxes in full resolution."""

from __future__ import annotations

from typing import Protocol

import cv2
import dlib
import numpy as np

from core.config import DetectionConfig
from vision.geometry import Box, downscale


class Detector(Protocol):
    """Finds faces in a BGR frame; returns full-resolution boxes."""

    def detect(self, frame_bgr: np.ndarray, upsample: int | None = None) -> list[Box]:
        """Face boxes in `frame_bgr` (`upsample` overrides the configured upsampling)."""
        ...

    def scale_of(self, frame_bgr: np.ndarray) -> float:
        """Detection pixels per full-resolution pixel for this frame."""
        ...


class HogFaceDetector:
    """dlib's frontal HOG detector; one per thread (face_recognition's shared one is unsafe)."""

    def __init__(self, scale_width: int = 640, upsample: int = 1, min_face_px: int = 40) -> None:
        self.scale_width = scale_width
        self.upsample = upsample
        self.min_face_px = min_face_px
        self._detector = dlib.get_frontal_face_detector()

    @classmethod
    def from_config(cls, cfg: DetectionConfig) -> HogFaceDetector:
        """A detector with the configured scale, upsampling and minimum face size."""
        return cls(cfg.scale_width, cfg.upsample, cfg.min_face_px)

    def detect(self, frame_bgr: np.ndarray, upsample: int | None = None) -> list[Box]:
        """Faces at least `min_face_px` wide, found on the frame shrunk to `scale_width`
        (HOG upsampling `upsample`, default the configured one)."""
        small, factor = downscale(frame_bgr, self.scale_width)
        rgb = _to_rgb(small)
        height, width = frame_bgr.shape[:2]
        boxes = []
        times = self.upsample if upsample is None else upsample
        for rect in self._detector(rgb, times):
            box = Box(rect.top(), rect.right(), rect.bottom(), rect.left()).scaled(factor)
            box = box.clipped(height, width)
            if min(box.width, box.height) >= self.min_face_px:
                boxes.append(box)
        return boxes

    def scale_of(self, frame_bgr: np.ndarray) -> float:
        """Detection pixels per full-resolution pixel for this frame (1.0 when not shrunk)."""
        width = frame_bgr.shape[1]
        return min(1.0, self.scale_width / width) if width else 1.0


def _to_rgb(image: np.ndarray) -> np.ndarray:
    """A contiguous RGB copy (dlib silently finds nothing on a reversed-stride view)."""
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
