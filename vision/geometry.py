"""Face boxes in face_recognition's (top, right, bottom, left) order, and crops around them."""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np


class Box(NamedTuple):
    """A face box in pixels: (top, right, bottom, left), like face_recognition."""

    top: int
    right: int
    bottom: int
    left: int

    @property
    def width(self) -> int:
        """Horizontal size in pixels."""
        return max(0, self.right - self.left)

    @property
    def height(self) -> int:
        """Vertical size in pixels."""
        return max(0, self.bottom - self.top)

    @property
    def area(self) -> int:
        """Width times height."""
        return self.width * self.height

    @property
    def center(self) -> tuple[float, float]:
        """The (x, y) centre."""
        return ((self.left + self.right) / 2, (self.top + self.bottom) / 2)

    def scaled(self, factor: float) -> Box:
        """The same box in an image `factor` times larger."""
        return Box(*(round(v * factor) for v in self))

    def clipped(self, height: int, width: int) -> Box:
        """The box limited to an image of the given size."""
        return Box(
            max(0, self.top), min(width, self.right), min(height, self.bottom), max(0, self.left)
        )

    def as_list(self) -> list[int]:
        """[top, right, bottom, left] as plain ints (JSON)."""
        return [int(v) for v in self]


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes (0 when apart)."""
    top, bottom = max(a.top, b.top), min(a.bottom, b.bottom)
    inter = Box(top, min(a.right, b.right), bottom, max(a.left, b.left))
    overlap = inter.area
    union = a.area + b.area - overlap
    return overlap / union if union > 0 else 0.0


def center_distance(a: Box, b: Box) -> float:
    """Distance between the centres, in units of the larger box's width."""
    (ax, ay), (bx, by) = a.center, b.center
    size = max(a.width, b.width, 1)
    return float(np.hypot(ax - bx, ay - by) / size)


def crop_with_margin(image: np.ndarray, box: Box, margin: float = 0.4) -> np.ndarray:
    """A copy of the face and `margin` (fraction of its size) around it, limited to the image."""
    dy, dx = round(box.height * margin), round(box.width * margin)
    grown = Box(box.top - dy, box.right + dx, box.bottom + dy, box.left - dx)
    top, right, bottom, left = grown.clipped(*image.shape[:2])
    return image[top:bottom, left:right].copy()


def downscale(image: np.ndarray, max_width: int) -> tuple[np.ndarray, float]:
    """The image at most `max_width` wide and the factor back to full size (1.0 if unchanged)."""
    width = image.shape[1]
    if width <= max_width:
        return image, 1.0
    factor = width / max_width
    height = max(1, round(image.shape[0] / factor))
    return cv2.resize(image, (max_width, height), interpolation=cv2.INTER_AREA), factor
