"""Still photos for enrolment and identification: any common image mode, EXIF-rotated, BGR."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from core.vocab import PhotoWarning
from vision.detect import HogFaceDetector
from vision.encode import Encoder
from vision.geometry import Box, downscale, iou
from vision.quality import SampleQuality, assess

# A face narrower than this gives an encoding too poor to enrol (real footage holds at ~36 px).
ENROL_MIN_FACE_PX = 40
DETECT_WIDTH = 800
STORED_MAX_WIDTH = 1280
# A small photo is enlarged up to this factor until a face is found.
MAX_UPSCALE = 4
UPSCALED_MAX_PX = 1600
# A tight crop gets this much grey border (of its larger side) so the detector sees a whole face.
PAD_FRACTION = 0.25
PAD_GREY = (128, 128, 128)
# dlib's boxes are square: one clipped below this aspect ratio lost part of the face.
CUT_OFF_RATIO = 0.9
# Below these a photo is accepted with a warning: it will match less surely.
WEAK_FACE_PX = 80
WEAK_SHARPNESS = 8.0
WEAK_FRONTALNESS = 0.7
WEAK_EXPOSURE = 0.7


class PhotoError(ValueError):
    """A photo that cannot be used; the message is the reason (the caller names the file)."""


@dataclass(frozen=True)
class EnrolmentFace:
    """A photo holding exactly one usable face, with its encoding and quality report."""

    path: Path
    image: np.ndarray
    box: Box
    encoding: np.ndarray
    report: PhotoQuality | None = None


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


@dataclass(frozen=True)
class Found:
    """Faces found in a photo: boxes in `image` (the photo, or a padded/enlarged copy of it)."""

    image: np.ndarray
    boxes: list[Box]
    scale: float = 1.0
    border: int = 0

    @property
    def padded(self) -> bool:
        """Found only once the photo had a border."""
        return self.border > 0

    def original(self, box: Box, border: int | None = None) -> Box:
        """A box of `image` (bordered by `border`, default this search's) in the photo's pixels."""
        off = self.border if border is None else border
        shifted = Box(box.top - off, box.right - off, box.bottom - off, box.left - off)
        return shifted.scaled(1 / self.scale) if self.scale != 1.0 else shifted


def pad(image_bgr: np.ndarray) -> tuple[np.ndarray, int]:
    """The photo with a grey border all round, and the border's width."""
    border = round(PAD_FRACTION * max(image_bgr.shape[:2]))
    grown = cv2.copyMakeBorder(
        image_bgr, border, border, border, border, cv2.BORDER_CONSTANT, value=PAD_GREY
    )
    return grown, border


def _upscaled(image_bgr: np.ndarray) -> list[tuple[float, np.ndarray]]:
    """The photo at 1×, then enlarged 2× and 4× while it stays small enough to search."""
    out = [(1.0, image_bgr)]
    scale = 2.0
    while scale <= MAX_UPSCALE and max(image_bgr.shape[:2]) * scale <= UPSCALED_MAX_PX:
        out.append(
            (scale, cv2.resize(image_bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC))
        )
        scale *= 2
    return out


@dataclass(frozen=True)
class PhotoQuality:
    """How good an enrolment photo's face is, and what to warn about."""

    quality: SampleQuality
    warnings: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        """Plain values for JSON output and storage."""
        return {**self.quality.as_dict(), "warnings": list(self.warnings)}


# The Indonesian text the CLI prints for each warning (the dashboard translates the codes).
PHOTO_WARNINGS: dict[str, str] = {
    PhotoWarning.SMALL_FACE: "wajah kecil (sebaiknya 80 px atau lebih)",
    PhotoWarning.BLURRED: "foto buram",
    PhotoWarning.TURNED: "wajah tidak menghadap kamera",
    PhotoWarning.EXPOSURE: "terlalu gelap, terlalu terang atau datar",
    PhotoWarning.CUT_OFF: "wajah terpotong tepi foto (dilengkapi bingkai)",
    PhotoWarning.UPSCALED: "foto kecil: wajah baru ditemukan setelah diperbesar",
}


def photo_quality(quality: SampleQuality, *, cut_off: bool, upscaled: bool) -> PhotoQuality:
    """The quality report of an enrolment photo with its warnings (accepted, not refused)."""
    checks = {
        PhotoWarning.SMALL_FACE: quality.face_px < WEAK_FACE_PX,
        PhotoWarning.BLURRED: quality.sharpness < WEAK_SHARPNESS,
        PhotoWarning.TURNED: quality.frontalness < WEAK_FRONTALNESS,
        PhotoWarning.EXPOSURE: quality.exposure < WEAK_EXPOSURE,
        PhotoWarning.CUT_OFF: cut_off,
        PhotoWarning.UPSCALED: upscaled,
    }
    return PhotoQuality(quality, tuple(code for code, weak in checks.items() if weak))


class StillFaceFinder:
    """Finds faces in still photos: enlarging small ones and bordering tight crops."""

    def __init__(self, encoder: Encoder, min_face_px: int = ENROL_MIN_FACE_PX) -> None:
        self.encoder = encoder
        self.min_face_px = min_face_px
        self._detector = HogFaceDetector(DETECT_WIDTH, upsample=1, min_face_px=1)

    def faces(self, image_bgr: np.ndarray) -> list[Box]:
        """Every face box in the photo's own pixels, left to right."""
        found = self.search(image_bgr)
        boxes = [found.original(b) for b in found.boxes]
        return sorted(boxes, key=lambda b: (b.left, b.top))

    def search(self, image_bgr: np.ndarray) -> Found:
        """The first of: the photo, bordered, then enlarged (bordered too) that shows a face."""
        for scale, image in _upscaled(image_bgr):
            for padded in (False, True):
                candidate, border = pad(image) if padded else (image, 0)
                boxes = self._detector.detect(candidate)
                if boxes:
                    return Found(candidate, boxes, scale, border)
        return Found(image_bgr, [])

    def single_face(self, path: str | Path) -> EnrolmentFace:
        """The one usable face of an enrolment photo; PhotoError names the problem."""
        image = load_photo(path)
        found = self.search(image)
        if not found.boxes:
            raise PhotoError("no face found")
        if len(found.boxes) > 1:
            raise PhotoError(f"several faces ({len(found.boxes)} found); use a photo of one person")
        work, box, border = found.image, found.boxes[0], found.border
        cut = found.padded
        if not found.padded and _cut_off(box, work.shape[0], work.shape[1]):
            # Complete the face with a border rather than refuse the photo.
            work, border = pad(work)
            box = Box(box.top + border, box.right + border, box.bottom + border, box.left + border)
            redone = [b for b in self._detector.detect(work) if iou(b, box) > 0.3]
            box, cut = (redone[0] if redone else box), True
        size = round(min(box.width, box.height) / found.scale)
        if size < self.min_face_px:
            raise PhotoError(f"face too small ({size} px < {self.min_face_px} px minimum)")
        encoded = self.encoder.encode_many(work, [box])[0]
        measured = assess(work, box, encoded.landmarks)
        quality = SampleQuality(
            size, measured.sharpness, measured.frontalness, measured.exposure, measured.score
        )
        report = photo_quality(quality, cut_off=cut, upscaled=found.scale > 1)
        original_box = found.original(box, border).clipped(*image.shape[:2])
        return EnrolmentFace(Path(path), image, original_box, encoded.encoding, report)
