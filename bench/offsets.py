"""`python -m bench.offsets`: the real recording through the camera pipeline from every one of
its 60 frames as the first one a camera shows (the face may first appear mid-sentence, eyes
closed, just after a cut), with several galleries. Detection and encodings are computed once
per frame and reused, so the 180 runs take seconds; the decisions are the pipeline's own.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from rich.console import Console
from rich.table import Table

from core.config import parse_config
from core.events import GuestArrived, UnknownFaceSeen
from core.sinks import CollectingSink
from storage.arrivals import ArrivalPolicy
from storage.cameras import sync_cameras
from storage.db import make_engine, make_session_factory, transaction, upgrade
from storage.guests import add_sample, create_guest
from storage.media import FileMediaStore
from storage.recorder import ArrivalRecorder
from vision.detect import HogFaceDetector
from vision.encode import EncodedFace, FaceEncoder
from vision.gallery import GalleryWatcher
from vision.geometry import Box
from vision.photos import StillFaceFinder
from vision.pipeline import CameraPipeline
from vision.source import FeedSource, Frame

ANALYSED_FPS = 5
SECONDS = 8.0
FOUR = {
    "Barack Obama": ["obama/obama1.jpg"],
    "Joe Biden": ["biden/biden1.jpg"],
    "Kit Harington": ["kit_harington/kit1.jpg"],
    "Rose Leslie": ["rose_leslie/rose1.jpg"],
}
GALLERIES = {
    "Obama enrolled (obama1.jpg) with Biden, Kit, Rose": FOUR,
    "Obama NOT enrolled": {k: v for k, v in FOUR.items() if k != "Barack Obama"},
    "Obama enrolled twice, as two people (obama1 / obama2)": {
        **FOUR,
        "Kembaran Obama": ["obama/obama2.jpg"],
    },
}


class Cached:
    """A detector and encoder that compute each frame once (keyed by the frame's index)."""

    def __init__(self, frames: list[np.ndarray]) -> None:
        detector, encoder = HogFaceDetector(), FaceEncoder()
        self.boxes = {id(f): detector.detect(f) for f in frames}
        self.faces = {id(f): encoder.encode_many(f, self.boxes[id(f)]) for f in frames}

    def detect(self, frame: np.ndarray, upsample: int | None = None) -> list[Box]:
        """The frame's boxes (found once, with the configured upsampling)."""
        return self.boxes[id(frame)]

    def scale_of(self, frame: np.ndarray) -> float:
        """Detection pixels per full-resolution pixel (the pipeline's choice of upsampling)."""
        return min(1.0, 640 / frame.shape[1])

    def encode(self, frame: np.ndarray, box: Box) -> np.ndarray:
        """Unused by the pipeline (it encodes in batches)."""
        return self.encode_many(frame, [box])[0].encoding

    def encode_many(self, frame: np.ndarray, boxes: list[Box]) -> list[EncodedFace]:
        """The frame's encodings, in the order of its boxes."""
        faces = dict(zip(self.boxes[id(frame)], self.faces[id(frame)], strict=True))
        return [faces[b] for b in boxes]


@dataclass
class Result:
    """One gallery's runs."""

    runs: int = 0
    named: dict[str, int] = field(default_factory=dict)
    strangers: int = 0
    stranger_before_name: int = 0
    seconds: list[float] = field(default_factory=list)


class FrameTimedSink(CollectingSink):
    """Collects events with the time of the frame being processed when each was published."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0
        self.times: list[float] = []

    def publish(self, event) -> None:
        """Remember the event and the frame time."""
        self.times.append(self.now)
        super().publish(event)


def run_from(start: int, frames, cached, sessions, media, config) -> FrameTimedSink:
    """The pipeline from frame `start` (looping) for SECONDS of frame time."""
    sink = FrameTimedSink()
    recorder = ArrivalRecorder(sessions, media, sink, ArrivalPolicy.from_config(config))
    pipeline = CameraPipeline(
        "gate", config, FeedSource("gate"), cached, cached,
        GalleryWatcher(sessions, config.recognition), recorder,
    )  # fmt: skip
    step = round(15 / ANALYSED_FPS)
    t0 = 1_000_000.0 + start * 3600.0  # distinct visits: runs are hours apart
    for i in range(int(SECONDS * ANALYSED_FPS)):
        sink.now = t0 + i / ANALYSED_FPS
        pipeline.process(Frame(frames[(start + i * step) % len(frames)], i + 1, sink.now))
    pipeline.close()
    return sink


def gallery_db(folder: Path, people: dict[str, Sequence[str]], faces_dir: Path, finder):
    """A fresh database with `people` enrolled."""
    config = parse_config(
        {
            "cameras": [{"name": "gate", "role": "gate", "url": "rtsp://127.0.0.1:1/g"}],
            "storage": {"database_url": f"sqlite:///{folder / 'tamu.db'}"},
        }
    )
    upgrade(config.storage.database_url)
    sessions = make_session_factory(make_engine(config.storage.database_url))
    with transaction(sessions) as s:
        sync_cameras(s, config.cameras)
        for name, photos in people.items():
            guest = create_guest(s, name=name)
            for photo in photos:
                add_sample(s, guest, finder.single_face(faces_dir / photo).encoding, None)
    return config, sessions


def measure(video: Path, faces_dir: Path) -> dict[str, Result]:
    """Every gallery, from every start frame."""
    capture = cv2.VideoCapture(str(video))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    cached = Cached(frames)
    finder = StillFaceFinder(FaceEncoder())
    results = {}
    with tempfile.TemporaryDirectory(prefix="tamu-offsets-") as tmp:
        for index, (label, people) in enumerate(GALLERIES.items()):
            folder = Path(tmp) / str(index)
            folder.mkdir()
            config, sessions = gallery_db(folder, people, faces_dir, finder)
            media = FileMediaStore(folder / "media")
            result = Result()
            for start in range(len(frames)):
                tally(result, run_from(start, frames, cached, sessions, media, config))
            results[label] = result
    return results


def tally(result: Result, sink: FrameTimedSink) -> None:
    """Count one run: who was named, any unknown face, seconds from his first frame."""
    events = sink.events
    result.runs += 1
    named = [e for e in events if isinstance(e, GuestArrived) and e.guest_name]
    unknown = [e for e in events if isinstance(e, UnknownFaceSeen)]
    for event in named:
        result.named[event.guest_name] = result.named.get(event.guest_name, 0) + 1
    result.strangers += bool(unknown)
    if named and unknown and events.index(unknown[0]) < events.index(named[0]):
        result.stranger_before_name += 1
    if named:
        first = named[0]
        result.seconds.append(sink.times[events.index(first)] - first.at.timestamp())


def main() -> int:
    """Print the table."""
    from tests.support.env import find_faces_dir, find_video_dir

    faces_dir, videos = find_faces_dir(), find_video_dir()
    console = Console(width=140)
    if faces_dir is None or videos is None:
        console.print("skipped: ../shared/faces or ../shared/video not found")
        return 0
    render(measure(videos / "obama_speech.mp4", faces_dir), console)
    return 0


def render(results: dict[str, Result], console: Console) -> None:
    """Print the table."""
    table = Table(
        title="obama_speech.mp4 through the pipeline from each of its 60 frames as the first",
        caption="python -m bench.offsets (5 analysed frames/s, 8 s per run, default config)",
    )
    columns = ("Gallery", "Runs", "Named (runs, by whom)", "Unknown face (runs)",
               "Unknown before the name", "First frame → name: median / p90 / max")  # fmt: skip
    for column in columns:
        table.add_column(column)
    for label, result in results.items():
        named = ", ".join(f"{n}: {c}" for n, c in sorted(result.named.items())) or "nobody"
        times = "–"
        if result.seconds:
            p90 = float(np.percentile(result.seconds, 90))
            times = (
                f"{statistics.median(result.seconds):.1f} / {p90:.1f} / {max(result.seconds):.1f} s"
            )
        table.add_row(
            label, str(result.runs), named, str(result.strangers),
            str(result.stranger_before_name), times,
        )  # fmt: skip
    console.print(table)


if __name__ == "__main__":
    sys.exit(main())
