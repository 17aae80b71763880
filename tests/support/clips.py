"""Deterministic camera clips built from the shared face photos (never copied into the repo).

A `Scene` lists who appears when (`Actor`: a face photo that walks in, stands, maybe leaves).
`build_clip` renders it with numpy/OpenCV and pipes raw frames into ffmpeg, which encodes the
MPEG-TS that ../shared/RTSP.md recipe asks for (H.264 baseline, 1 s GOP, repeated headers), so
the GStreamer test server can loop it. `ClipCache` builds each (scene, size, seconds, fps) once.

    from tests.support.clips import ClipCache, WALK_IN
    path = ClipCache(tmp_dir, faces_dir).get(WALK_IN, size=(1280, 720), seconds=8)

Used by the integration tests and by the benchmark (`bench/`).
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal, NamedTuple

import cv2
import numpy as np

# Bump when rendering changes so cached clips are rebuilt.
CLIP_VERSION = 3
TEST_SIZE = (640, 360)
BENCH_SIZE = (1280, 720)
# The photo region kept around the detected face box, as a fraction of the box size.
CROP_MARGIN = 0.45

OBAMA = "obama/obama2.jpg"
BIDEN = "biden/biden2.jpg"
KIT = "kit_harington/kit2.jpg"
ROSE = "rose_leslie/rose2.jpg"


class ClipError(RuntimeError):
    """A clip that cannot be built (missing photo, no face in it, ffmpeg failed)."""


@dataclass(frozen=True)
class Actor:
    """One person in a scene: their face walks in from a side, stands, and maybe walks out.

    Times are seconds from the clip's start. `stand_x` is the face centre where they stop, as a
    fraction of the frame width; `face_height` the final face-box height as a fraction of the
    frame height (0.3 at 360p is a 108 px face). While walking the face grows from
    `start_scale` x that size, as if coming closer.
    """

    photo: str
    enter_at: float = 1.0
    walk_s: float = 3.0
    leave_at: float | None = None
    side: Literal["left", "right"] = "left"
    stand_x: float = 0.5
    face_height: float = 0.3
    start_scale: float = 0.6
    # Out of focus until `sharp_at` (Gaussian blur, sigma as a fraction of the face height).
    blur: float = 0.0
    sharp_at: float | None = None

    def blurred(self, t: float) -> bool:
        """Whether the face is out of focus at time t."""
        return self.blur > 0 and (self.sharp_at is None or t < self.sharp_at)

    def pose(self, t: float, frame_w: int, frame_h: int) -> tuple[float, float, float] | None:
        """(face centre x, face centre y, face height) in pixels at time t; None before entering
        or after leaving (the face may still be partly outside the frame: see `face_boxes`)."""
        if t < self.enter_at:
            return None
        final_h = self.face_height * frame_h
        outside = -0.25 * frame_w if self.side == "left" else 1.25 * frame_w
        stand = self.stand_x * frame_w
        walked = min(1.0, (t - self.enter_at) / self.walk_s) if self.walk_s > 0 else 1.0
        x = outside + (stand - outside) * walked
        scale = self.start_scale + (1.0 - self.start_scale) * walked
        if self.leave_at is not None and t >= self.leave_at:
            gone = min(1.0, (t - self.leave_at) / max(self.walk_s, 1e-6))
            if gone >= 1.0:
                return None
            exit_x = 1.25 * frame_w if self.side == "left" else -0.25 * frame_w
            x = stand + (exit_x - stand) * gone  # out at the opposite side
        # A small step-by-step bob while walking keeps the face box moving like a person.
        bob = 0.01 * frame_h * math.sin(2 * math.pi * 2 * t) if walked < 1.0 else 0.0
        y = 0.42 * frame_h + bob
        return x, y, final_h * scale


@dataclass(frozen=True)
class Scene:
    """What a camera sees: a name, the actors, and the default length in seconds."""

    name: str
    actors: tuple[Actor, ...] = field(default_factory=tuple)
    seconds: float = 10.0

    def photos(self) -> tuple[str, ...]:
        """The face photos (relative to faces_dir) that appear in this scene."""
        return tuple(actor.photo for actor in self.actors)


def walking_in(photo: str, name: str, *, enter_at: float = 1.0, seconds: float = 10.0) -> Scene:
    """A scene where one person walks in from the left and then stands in the middle."""
    return Scene(name, (Actor(photo, enter_at=enter_at),), seconds)


WALK_IN = walking_in(OBAMA, "walk_in")
"""An enrolled guest (Obama; enrol a different photo, e.g. obama/obama1.jpg) walks in at 1 s."""
LATE_WALK_IN = walking_in(OBAMA, "late_walk_in", enter_at=6.0)
"""Obama again, walking in only at 6 s (e.g. the waiting room, after he passed the gate)."""
WALK_IN_OTHER = walking_in(BIDEN, "walk_in_other")
"""A second enrolled guest (Biden; enrol biden/biden1.jpg) walks in at 1 s."""
STRANGER = walking_in(KIT, "stranger")
"""Somebody nobody enrolled (Kit Harington) walks in at 1 s."""
STANDING = Scene("standing", (Actor(OBAMA, enter_at=0.0, walk_s=0.0),), 25.0)
"""Obama stands in the middle for the whole clip (use `seconds` for N)."""
TWO_PEOPLE = Scene(
    "two_people",
    (
        Actor(BIDEN, enter_at=1.0, stand_x=0.28, face_height=0.28),
        Actor(ROSE, enter_at=1.5, side="right", stand_x=0.72, face_height=0.28),
    ),
    10.0,
)
"""Biden walks in from the left, Rose Leslie (a stranger) from the right, both stay."""
EMPTY = Scene("empty", (), 6.0)
"""Nobody: just the background."""
CUT = Scene(
    "cut",
    (
        Actor(OBAMA, enter_at=0.0, walk_s=0.0, leave_at=4.0),
        Actor(BIDEN, enter_at=4.0, walk_s=0.0),
    ),
    10.0,
)
"""A hard cut at 4 s from Obama to Biden standing at the very same place."""
BLURRED_THEN_SHARP = Scene(
    "blurred_then_sharp",
    (Actor(OBAMA, enter_at=0.0, walk_s=0.0, blur=0.065, sharp_at=6.0),),
    12.0,
)
"""Obama out of focus for 6 s (too blurred to vote), then sharp."""
SCENES = {
    s.name: s
    for s in (
        WALK_IN,
        LATE_WALK_IN,
        WALK_IN_OTHER,
        STRANGER,
        STANDING,
        TWO_PEOPLE,
        EMPTY,
        CUT,
        BLURRED_THEN_SHARP,
    )
}
"""Every predefined scene by name."""


Box = tuple[int, int, int, int]
"""A face box as (top, right, bottom, left) pixels, face_recognition's order."""


class FaceCrop(NamedTuple):
    """A face with some margin cut from a photo (BGR) and the face's box inside the cut."""

    image: np.ndarray
    box: Box


@lru_cache(maxsize=32)
def face_crop(photo: Path) -> FaceCrop:
    """The one face of `photo` with a margin around it (ClipError unless exactly one face)."""
    image = cv2.imread(str(photo), cv2.IMREAD_COLOR)
    if image is None:
        raise ClipError(f"{photo}: cannot read the photo")
    import dlib  # only here: dlib's HOG finds the box once per photo

    rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    boxes = dlib.get_frontal_face_detector()(rgb, 0)
    if len(boxes) != 1:
        raise ClipError(f"{photo}: expected one face, found {len(boxes)}")
    box = boxes[0]
    w, h = box.right() - box.left(), box.bottom() - box.top()
    left = max(0, int(box.left() - CROP_MARGIN * w))
    top = max(0, int(box.top() - CROP_MARGIN * h))
    right = min(image.shape[1], int(box.right() + CROP_MARGIN * w))
    bottom = min(image.shape[0], int(box.bottom() + CROP_MARGIN * h))
    inner = (box.top() - top, box.right() - left, box.bottom() - top, box.left() - left)
    return FaceCrop(np.ascontiguousarray(image[top:bottom, left:right]), inner)


def placed_face(crop: FaceCrop, pose: tuple[float, float, float]) -> tuple[float, Box]:
    """The scale of `crop` at `pose` and where its face box lands in the frame."""
    cx, cy, target_h = pose
    top, right, bottom, left = crop.box
    scale = target_h / (bottom - top)
    half_w, half_h = (right - left) * scale / 2, target_h / 2
    frame_box = (round(cy - half_h), round(cx + half_w), round(cy + half_h), round(cx - half_w))
    return scale, frame_box


def face_boxes(
    scene: Scene, faces_dir: Path, size: tuple[int, int], t: float
) -> list[tuple[str, Box]]:
    """Ground truth at time t: (photo, face box) of every actor whose face is wholly in frame."""
    w, h = size
    found = []
    for actor in scene.actors:
        pose = actor.pose(t, w, h)
        if pose is None:
            continue
        _, box = placed_face(face_crop(Path(faces_dir) / actor.photo), pose)
        top, right, bottom, left = box
        if top >= 0 and left >= 0 and bottom <= h and right <= w:
            found.append((actor.photo, box))
    return found


def background(size: tuple[int, int]) -> np.ndarray:
    """A plain wall-and-floor gradient (BGR) of `size` (w, h)."""
    w, h = size
    ramp = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]
    wall = np.array([150, 160, 170], np.float32) * (1 - 0.35 * ramp)
    floor = np.array([90, 105, 115], np.float32)
    column = np.where(ramp < 0.7, wall, floor).astype(np.uint8)  # (h, 3)
    return np.repeat(column[:, None, :], w, axis=1)


def _ellipse_mask(h: int, w: int) -> np.ndarray:
    mask = np.zeros((h, w), np.float32)
    cv2.ellipse(mask, (w // 2, h // 2), (max(1, w // 2 - 1), max(1, h // 2 - 1)), 0, 0, 360, 1, -1)
    return cv2.GaussianBlur(mask, (0, 0), max(1.0, min(h, w) / 30))[:, :, None]


def paste(frame: np.ndarray, crop: FaceCrop, pose: tuple[float, float, float]) -> None:
    """Blend `crop` into `frame`, scaled and placed so its face box sits where `pose` says."""
    scale, (face_top, _r, _b, face_left) = placed_face(crop, pose)
    part = cv2.resize(
        crop.image,
        (max(2, round(crop.image.shape[1] * scale)), max(2, round(crop.image.shape[0] * scale))),
        interpolation=cv2.INTER_AREA,
    )
    h, w = part.shape[:2]
    x0 = face_left - round(crop.box[3] * scale)
    y0 = face_top - round(crop.box[0] * scale)
    fx0, fy0 = max(0, x0), max(0, y0)
    fx1, fy1 = min(frame.shape[1], x0 + w), min(frame.shape[0], y0 + h)
    if fx1 <= fx0 or fy1 <= fy0:
        return
    mask = _ellipse_mask(h, w)[fy0 - y0 : fy1 - y0, fx0 - x0 : fx1 - x0]
    src = part[fy0 - y0 : fy1 - y0, fx0 - x0 : fx1 - x0].astype(np.float32)
    dst = frame[fy0:fy1, fx0:fx1].astype(np.float32)
    frame[fy0:fy1, fx0:fx1] = (src * mask + dst * (1 - mask)).astype(np.uint8)


def load_faces(scene: Scene, faces_dir: Path) -> dict[str, FaceCrop]:
    """The face crop and face height of every photo in `scene` (ClipError when unusable)."""
    return {a.photo: face_crop(Path(faces_dir) / a.photo) for a in scene.actors}


def render_frames(scene: Scene, faces_dir: Path, size: tuple[int, int], seconds: float, fps: int):
    """Yield the scene's BGR frames (uint8, h x w x 3), deterministically."""
    return _frames(scene, load_faces(scene, faces_dir), size, seconds, fps)


def blurred_crop(crop: FaceCrop, sigma_of_face: float) -> FaceCrop:
    """The same crop out of focus: Gaussian sigma `sigma_of_face` × the face height."""
    top, _right, bottom, _left = crop.box
    sigma = max(0.5, sigma_of_face * (bottom - top))
    return FaceCrop(cv2.GaussianBlur(crop.image, (0, 0), sigma), crop.box)


def _frames(scene: Scene, crops: dict, size: tuple[int, int], seconds: float, fps: int):
    base = background(size)
    blurred = {a.photo: blurred_crop(crops[a.photo], a.blur) for a in scene.actors if a.blur > 0}
    for index in range(max(1, round(seconds * fps))):
        frame = base.copy()
        t = index / fps
        for actor in scene.actors:
            pose = actor.pose(t, *size)
            if pose is not None:
                crop = blurred[actor.photo] if actor.blurred(t) else crops[actor.photo]
                paste(frame, crop, pose)
        yield frame


def ffmpeg_command(
    out_path: Path,
    size: tuple[int, int],
    fps: int,
    source: Path | None = None,
    vf: str | None = None,
) -> list[str]:
    """ffmpeg writing RTSP.md's looping-friendly MPEG-TS from raw BGR frames on stdin (or from
    the video file `source`, optionally through the video filter `vf`)."""
    w, h = size
    raw = ("-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{w}x{h}", "-r", str(fps), "-i", "-")
    filters = "setpts=PTS-STARTPTS" + (f",{vf}" if vf else "")
    return [
        *("ffmpeg", "-hide_banner", "-loglevel", "error", "-y"),
        *(raw if source is None else ("-i", str(source))),
        *("-an", "-vf", filters, "-c:v", "libx264", "-preset", "veryfast"),
        *("-profile:v", "baseline", "-level", "3.1", "-pix_fmt", "yuv420p", "-r", str(fps)),
        *("-g", str(fps), "-keyint_min", str(fps), "-sc_threshold", "0", "-bf", "0"),
        *("-x264-params", "repeat-headers=1", "-threads", "1", "-f", "mpegts", str(out_path)),
    ]


def build_clip(
    out_path: Path,
    scene: Scene,
    faces_dir: Path,
    *,
    size: tuple[int, int] = TEST_SIZE,
    seconds: float | None = None,
    fps: int = 15,
) -> Path:
    """Render `scene` to an MPEG-TS file at `out_path` (written atomically) and return it."""
    if shutil.which("ffmpeg") is None:
        raise ClipError("ffmpeg is not installed")
    w, h = size
    if w % 2 or h % 2 or w < 64 or h < 64:
        raise ClipError(f"size {w}x{h}: width and height must be even and at least 64")
    frames = render_frames(
        scene, faces_dir, size, scene.seconds if seconds is None else seconds, fps
    )
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(out_path.name + ".part")
    try:
        _encode(frames, partial, size, fps)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(out_path)
    return out_path


def _encode(frames, out_path: Path, size: tuple[int, int], fps: int) -> None:
    """Pipe `frames` into ffmpeg; ClipError with ffmpeg's message when it fails."""
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            ffmpeg_command(out_path, size, fps), stdin=subprocess.PIPE, stderr=errors
        )
        assert proc.stdin is not None
        try:
            for frame in frames:
                proc.stdin.write(frame.tobytes())
        except BrokenPipeError:
            pass  # ffmpeg died: its own message below says why
        except BaseException:
            proc.kill()
            raise
        finally:
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.close()
            proc.wait()
        errors.seek(0)
        message = errors.read().decode(errors="replace").strip()
    if proc.returncode != 0:
        raise ClipError(f"ffmpeg failed for {out_path.name}: {message}")


def clip_key(scene: Scene, size: tuple[int, int], seconds: float, fps: int) -> str:
    """A short stable hash of everything that changes a clip's bytes."""
    text = repr((CLIP_VERSION, scene, tuple(size), float(seconds), int(fps)))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def transcode(video: Path, out_path: Path, fps: int = 15, vf: str | None = None) -> Path:
    """A real recording re-encoded to RTSP.md's looping-friendly MPEG-TS (ClipError on failure),
    optionally through an ffmpeg video filter (smaller, blurred, darker)."""
    if shutil.which("ffmpeg") is None:
        raise ClipError("ffmpeg is not installed")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(out_path.name + ".part")
    command = ffmpeg_command(partial, (0, 0), fps, source=video, vf=vf)
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise ClipError(f"ffmpeg failed for {video.name}: {done.stderr.strip()}")
    partial.replace(out_path)
    return out_path


class ClipCache:
    """Builds each distinct clip once under `root` and hands back its path (thread-safe)."""

    def __init__(self, root: Path, faces_dir: Path) -> None:
        self.root = Path(root)
        self.faces_dir = Path(faces_dir)
        self._lock = threading.Lock()

    def get(
        self,
        scene: Scene,
        *,
        size: tuple[int, int] = TEST_SIZE,
        seconds: float | None = None,
        fps: int = 15,
    ) -> Path:
        """The clip for these parameters, building it on first use."""
        length = scene.seconds if seconds is None else seconds
        w, h = size
        name = f"{scene.name}-{w}x{h}-{length:g}s-{fps}fps-{clip_key(scene, size, length, fps)}.ts"
        path = self.root / name
        with self._lock:
            if not path.is_file():
                build_clip(path, scene, self.faces_dir, size=size, seconds=length, fps=fps)
        return path

    def video(self, video: Path, fps: int = 15) -> Path:
        """A real recording as a streamable MPEG-TS clip, transcoded once."""
        stat = Path(video).stat()
        key = hashlib.sha256(repr((CLIP_VERSION, str(video), stat.st_size, fps)).encode())
        path = self.root / f"{Path(video).stem}-{fps}fps-{key.hexdigest()[:12]}.ts"
        with self._lock:
            if not path.is_file():
                transcode(Path(video), path, fps)
        return path
