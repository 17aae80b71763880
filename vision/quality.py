"""How much a face sample can be trusted: size, sharpness, frontalness and exposure in one score.

Each part is a 0–1 ramp between a level where dlib's encodings of real footage stop being
reliable and a level where they are as good as they get (measured on ../shared/video, see the
README's recognition section); the score is their product, so one bad part is enough to make a
sample poor. Poor samples (score below `recognition.min_quality`) never vote.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import cv2
import numpy as np

from vision.geometry import Box

# Face height in full-resolution pixels: real footage stays reliable down to ~36 px when sharp.
SIZE_RAMP = (24.0, 64.0)
# Variance of the Laplacian of the face at 64×64 grey after a sigma-1 smoothing (which keeps
# compression blocks from passing for detail): the speaker's frames measure 15–52; blurred until
# his encodings drift off (>0.58, some nearer another guest) they measure under 2.
SHARPNESS_RAMP = (2.0, 8.0)
THUMB_PX = 64
DEBLOCK_SIGMA = 1.0
# Where the nose sits between the eyes (0.5 = frontal); beyond 0.4 off-centre is a profile.
YAW_RAMP = (0.15, 0.40)
# Eye distance over box width: about 0.3–0.45 for a face towards the camera, <0.15 in profile.
EYES_RAMP = (0.12, 0.24)
# Grey-level contrast (std) and mean brightness of the face: dlib's encodings of the speaker stay
# within 0.02 of their usual distance down to a mean of 9 (std 10) and up to 190, so only the
# extremes count as poor.
CONTRAST_RAMP = (3.0, 8.0)
DARK_RAMP = (6.0, 24.0)
BRIGHT_RAMP = (240.0, 215.0)


def ramp(value: float, low: float, high: float) -> float:
    """0 at `low`, 1 at `high`, linear between (either direction), clipped to 0–1."""
    if high == low:
        return 1.0 if value >= high else 0.0
    return float(min(1.0, max(0.0, (value - low) / (high - low))))


@dataclass(frozen=True)
class SampleQuality:
    """The measured parts of a face sample and the combined 0–1 score."""

    face_px: int
    sharpness: float
    frontalness: float
    exposure: float
    score: float

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON and storage."""
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


def face_grey(image_bgr: np.ndarray, box: Box, size: int = THUMB_PX) -> np.ndarray:
    """The face box as a size×size grey image (empty box: a black square)."""
    top, right, bottom, left = box.clipped(*image_bgr.shape[:2])
    face = image_bgr[top:bottom, left:right]
    if face.size == 0:
        return np.zeros((size, size), np.uint8)
    grey = cv2.cvtColor(face, cv2.COLOR_BGR2GRAY) if face.ndim == 3 else face
    return cv2.resize(grey, (size, size), interpolation=cv2.INTER_AREA)


def sharpness_of(grey: np.ndarray) -> float:
    """Variance of the Laplacian of the lightly smoothed face: higher is sharper."""
    smooth = cv2.GaussianBlur(grey.astype(np.float64), (0, 0), DEBLOCK_SIGMA)
    return float(cv2.Laplacian(smooth, cv2.CV_64F).var())


def exposure_of(grey: np.ndarray) -> float:
    """0–1: enough contrast and neither too dark nor blown out."""
    mean, std = float(grey.mean()), float(grey.std())
    return (
        ramp(std, *CONTRAST_RAMP)
        * ramp(mean, *DARK_RAMP)
        * ramp(mean, BRIGHT_RAMP[0], BRIGHT_RAMP[1])
    )


def frontalness_of(landmarks: np.ndarray | None, box: Box) -> float:
    """0–1 from dlib's 5 landmarks (two corners of each eye, then the nose base).

    Yaw shows as the nose leaving the middle between the eyes, and as the eyes moving together
    relative to the face width. Without landmarks the face counts as frontal (HOG only finds
    roughly frontal faces).
    """
    if landmarks is None or len(landmarks) < 5:
        return 1.0
    pts = np.asarray(landmarks, dtype=np.float64)
    right_eye, left_eye, nose = pts[0:2].mean(axis=0), pts[2:4].mean(axis=0), pts[4]
    eye_line = left_eye - right_eye
    eye_dist = float(np.hypot(*eye_line))
    if eye_dist < 1.0:
        return 0.0
    along = float(np.dot(nose - right_eye, eye_line)) / eye_dist**2
    yaw = 1.0 - ramp(abs(along - 0.5), *YAW_RAMP)
    eyes = ramp(eye_dist / max(box.width, 1), *EYES_RAMP)
    return yaw * eyes


def assess(image_bgr: np.ndarray, box: Box, landmarks: np.ndarray | None = None) -> SampleQuality:
    """The quality of the face in `box` (a full-resolution box of `image_bgr`)."""
    grey = face_grey(image_bgr, box)
    face_px = int(min(box.width, box.height))
    sharp = sharpness_of(grey)
    front = frontalness_of(landmarks, box)
    exposure = exposure_of(grey)
    score = ramp(face_px, *SIZE_RAMP) * ramp(sharp, *SHARPNESS_RAMP) * front * exposure
    return SampleQuality(face_px, sharp, front, exposure, score)
