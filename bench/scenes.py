"""The benchmark's clips (720p, 30 fps) and their ground truth: who appears, from which frame."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.support.clips import (
    BENCH_SIZE,
    STRANGER,
    TWO_PEOPLE,
    WALK_IN,
    ClipCache,
    Scene,
    face_boxes,
)

FPS = 30
SECONDS = 8.0
SCENES = (WALK_IN, TWO_PEOPLE, STRANGER)
# Enrolled as in tests/integration/conftest.py; the clips show other photos of the same people.
GUESTS = (("Barack Obama", "obama/obama1.jpg"), ("Joe Biden", "biden/biden1.jpg"))
PERSON_NAMES = {"obama": "Barack Obama", "biden": "Joe Biden"}


@dataclass(frozen=True)
class Visit:
    """One actor of one clip: the true name (None = stranger) and the first wholly visible frame."""

    photo: str
    true_name: str | None
    first_frame: int


@dataclass(frozen=True)
class Clip:
    """A built clip file and its visits."""

    name: str
    path: Path
    scene: Scene
    visits: tuple[Visit, ...]

    @property
    def frames(self) -> int:
        """Number of frames in the clip."""
        return round(SECONDS * FPS)


def true_name(photo: str) -> str | None:
    """The enrolled name of the person in `photo`, None for a stranger."""
    return PERSON_NAMES.get(photo.split("/", 1)[0])


def first_frame(scene: Scene, faces_dir: Path, photo: str) -> int:
    """The first frame index at which `photo`'s face is wholly inside the frame."""
    for index in range(round(SECONDS * FPS)):
        if any(p == photo for p, _ in face_boxes(scene, faces_dir, BENCH_SIZE, index / FPS)):
            return index
    raise RuntimeError(f"{photo} never wholly visible in {scene.name}")


def build_clips(out_dir: Path, faces_dir: Path) -> list[Clip]:
    """Build (or reuse) every benchmark clip with its ground truth."""
    cache = ClipCache(out_dir / "clips", faces_dir)
    clips = []
    for scene in SCENES:
        path = cache.get(scene, size=BENCH_SIZE, seconds=SECONDS, fps=FPS)
        visits = tuple(
            Visit(p, true_name(p), first_frame(scene, faces_dir, p)) for p in scene.photos()
        )
        clips.append(Clip(scene.name, path, scene, visits))
    return clips
