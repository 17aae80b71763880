"""Still photos for enrolment and identification: any common image mode, EXIF-rotated, BGR."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from vision.detect import HogFaceDetector
from vision.encode import Encoder
from vision.geometry import Box, downscale

# A face narrower than this gives an encoding too poor to enrol.
ENROL_MIN_FACE_PX = 60
DETECT_WIDTH = 800
SMALL_IMAGE_PX = 400
STORED_MAX_WIDTH = 1280
# dlib's boxes are square: one clipped below this aspect ratio lost part of the face.
CUT_OFF_RATIO = 0.9


class PhotoError(ValueError):
    """A photo that cannot be used; the message is the reason (the caller names the file)."""


@dataclass(frozen=True)
class EnrolmentFace:
    """A photo holding exactly one usable face, with its encoding."""

    path: Path
    image: np.ndarray
    box: Box
    encoding: np.ndarray


def _to_rgb(img: Image.Image) -> Image.Image:
    """Any Pillow mode as 8-bit RGB: alpha over white, 16-bit scaled down, palettes expanded."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        top = arr.max() if arr.size else 0.0
        scale = 255.0 / top if top > 255 else 1.0
        img = Image.fromarray(np.clip(arr * scale, 0, 255).astype(np.uint8), "L")
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        img = img.convert("RGBA")
        background = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, img)
    return img.convert("RGB")


def load_photo(path: str | Path) -> np.ndarray:
    """The photo as a BGR uint8 array; PhotoError says why it cannot be read."""
    file = Path(path)
    if not file.exists():
        raise PhotoError("file not found")
    if not file.is_file():
        raise PhotoError("not a file")
    try:
        with Image.open(file) as img:
            img.load()
            rgb = _to_rgb(ImageOps.exif_transpose(img) or img)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise PhotoError("unreadable / not an image") from None
    return cv2.cvtColor(np.asarray(rgb), cv2.COLOR_RGB2BGR)


def storable(image_bgr: np.ndarray) -> np.ndarray:
    """The photo limited to STORED_MAX_WIDTH for keeping (only what is needed)."""
    return downscale(image_bgr, STORED_MAX_WIDTH)[0]


def _cut_off(box: Box, height: int, width: int) -> bool:
    """True when a (square) detection was clipped noticeably by the image border."""
    touches = box.top <= 0 or box.left <= 0 or box.bottom >= height or box.right >= width
    return touches and min(box.width, box.height) < CUT_OFF_RATIO * max(box.width, box.height)


class StillFaceFinder:
    """Finds faces in still photos, trying harder on small images."""

    def __init__(self, encoder: Encoder, min_face_px: int = ENROL_MIN_FACE_PX) -> None:
        self.encoder = encoder
        self.min_face_px = min_face_px
        self._detector = HogFaceDetector(DETECT_WIDTH, upsample=1, min_face_px=1)
        self._fine = HogFaceDetector(SMALL_IMAGE_PX, upsample=2, min_face_px=1)

    def faces(self, image_bgr: np.ndarray) -> list[Box]:
        """Every face box, left to right."""
        boxes = self._detector.detect(image_bgr)
        if not boxes and image_bgr.shape[1] <= SMALL_IMAGE_PX:
            boxes = self._fine.detect(image_bgr)
        return sorted(boxes, key=lambda b: (b.left, b.top))

    def single_face(self, path: str | Path) -> EnrolmentFace:
        """The one usable face of an enrolment photo; PhotoError names the problem."""
        image = load_photo(path)
        boxes = self.faces(image)
        if not boxes:
            raise PhotoError("no face found")
        if len(boxes) > 1:
            raise PhotoError(f"several faces ({len(boxes)} found); use a photo of one person")
        box = boxes[0]
        if _cut_off(box, image.shape[0], image.shape[1]):
            raise PhotoError("face cut off by the image edge")
        size = min(box.width, box.height)
        if size < self.min_face_px:
            raise PhotoError(f"face too small ({size} px < {self.min_face_px} px minimum)")
        return EnrolmentFace(Path(path), image, box, self.encoder.encode(image, box))
