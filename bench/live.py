"""The real pipeline, two 720p cameras at once (one process each), frames fed at 30 fps."""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import Any

import cv2
import numpy as np

from bench.scenes import FPS, Clip
from core.config import Config, parse_config
from core.events import Event, GuestArrived
from storage.arrivals import ArrivalPolicy, list_arrivals
from storage.db import make_engine, make_session_factory, transaction, upgrade
from storage.guests import add_sample, create_guest
from storage.media import open_media_store
from storage.recorder import ArrivalRecorder
from vision.detect import HogFaceDetector
from vision.encode import FaceEncoder
from vision.gallery import GalleryWatcher
from vision.geometry import Box
from vision.pipeline import CameraPipeline
from vision.source import FeedSource
from vision.status import CameraStatusReporter, LiveFrameWriter
from vision.worker import sync_camera_rows

log = logging.getLogger(__name__)
CAMERAS = (("gate", "gate"), ("waiting", "waiting_room"))
START_TIMEOUT_S = 180.0
# Every clip plays this many times at each camera: more latency samples for the p95.
PASSES = 2
DRAIN_S = 0.5


class TimedSink:
    """Remembers when each GuestArrived was published (right after its commit)."""

    def __init__(self) -> None:
        self.arrived: list[tuple[float, str | None]] = []

    def publish(self, event: Event) -> None:
        """Note the wall-clock time of new arrivals."""
        if isinstance(event, GuestArrived):
            self.arrived.append((time.time(), event.guest_name))


@dataclass
class CameraRun:
    """What one camera process measured."""

    camera: str
    clip: str
    t0: float
    cpu_s: float
    wall_s: float
    frames: int
    encodings: int
    arrived: list[tuple[float, str | None]]


@dataclass
class LiveResult:
    """Every camera run, and each camera's stored arrival names per round."""

    runs: list[CameraRun] = field(default_factory=list)
    # (round, camera) -> (clip name, Counter of stored arrival names; None = unknown)
    stored: dict[tuple[int, str], tuple[str, Counter]] = field(default_factory=dict)


def build_camera(config: Config, name: str, sink: TimedSink) -> CameraPipeline:
    """The worker's pipeline for one camera, fed by a FeedSource instead of RTSP."""
    sessions = make_session_factory(make_engine(config.storage.database_url))
    media = open_media_store(config.storage)
    return CameraPipeline(
        name,
        config,
        FeedSource(name),
        HogFaceDetector.from_config(config.detection),
        FaceEncoder(config.recognition.encoder_model),
        GalleryWatcher(sessions, config.recognition),
        ArrivalRecorder(sessions, media, sink, ArrivalPolicy.from_config(config)),
        status=CameraStatusReporter(sessions, sink, name),
        live=LiveFrameWriter(sessions, media, name),
    )


def feed_clip(
    path: Path, source: FeedSource, max_fps: float, stop: threading.Event, started: list[float]
) -> None:
    """Decode every frame in real time; pass frames on at the detection rate (as RtspSource)."""
    cap = cv2.VideoCapture(str(path))
    t0 = time.time()
    started.append(t0)  # frame i is due at t0 + i / FPS
    next_due = 0.0
    index = 0
    while cap.grab():
        stop.wait(max(0.0, t0 + index / FPS - time.time()))
        now = time.time()
        if now >= next_due:
            ok, image = cap.retrieve()
            if ok:
                source.feed(image, now)
                next_due = now + 1.0 / max_fps
        index += 1
    cap.release()
    stop.wait(DRAIN_S)
    stop.set()


def camera_main(config: Config, name: str, clip: Clip, ready: Any, go: Any, out: Any) -> None:
    """One camera process: warm up, wait for the start signal, play the clip, report."""
    logging.basicConfig(level=logging.WARNING)
    sink = TimedSink()
    pipeline = build_camera(config, name, sink)
    pipeline.gallery.matcher()
    blank = np.zeros((720, 1280, 3), np.uint8)
    pipeline.detector.detect(blank)
    pipeline.encoder.encode(blank, Box(300, 700, 500, 500))
    ready.put(name)
    go.wait()
    stop = threading.Event()
    started: list[float] = []
    cpu0, wall0 = time.process_time(), time.perf_counter()
    feeder = threading.Thread(
        target=feed_clip, args=(clip.path, pipeline.source, config.detection.fps, stop, started)
    )
    feeder.start()
    pipeline.run(stop)
    feeder.join()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    run = CameraRun(
        name, clip.name, started[0], cpu, wall, pipeline.frames, pipeline.encodings, sink.arrived
    )
    out.put(run)


def prepare_db(folder: Path, known: list, names: list[str]) -> Config:
    """A fresh migrated SQLite database with the guests enrolled and both cameras configured."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("tamu.db*"):
        old.unlink()
    url = f"sqlite:///{folder / 'tamu.db'}"
    upgrade(url)
    config = parse_config(
        {
            "cameras": [
                {"name": n, "role": r, "url": f"rtsp://127.0.0.1:1/{n}"} for n, r in CAMERAS
            ],
            "storage": {"database_url": url, "media_dir": str(folder / "media")},
        }
    )
    engine = make_engine(url)
    try:
        with transaction(make_session_factory(engine)) as session:
            for name, encoding in zip(names, known, strict=True):
                add_sample(session, create_guest(session, name=name), encoding, None)
    finally:
        engine.dispose()
    sync_camera_rows(config)
    return config


def stored_names(config: Config, camera: str) -> Counter:
    """How many arrivals each name got at `camera` (None = an unknown face)."""
    engine = make_engine(config.storage.database_url)
    try:
        with make_session_factory(engine)() as session:
            return Counter(
                a.guest.name if a.guest is not None else None
                for a in list_arrivals(session, camera=camera)
            )
    finally:
        engine.dispose()


def _get(queue: Any, procs: list) -> Any:
    """The next item from a camera process; RuntimeError if one died or it takes too long."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            return queue.get(timeout=1.0)
        except Empty:
            if any(p.exitcode not in (None, 0) for p in procs):
                raise RuntimeError("a camera process failed (see its traceback above)") from None
    raise RuntimeError("camera processes did not answer in time")


def run_round(
    index: int, pair: tuple[Clip, Clip], out_dir: Path, known, names, result: LiveResult
) -> None:
    """Both cameras play one clip each at the same time into a fresh database."""
    config = prepare_db(out_dir / f"round{index}", known, names)
    ctx = multiprocessing.get_context("spawn")
    ready, out, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [
        ctx.Process(target=camera_main, args=(config, cam, clip, ready, go, out))
        for (cam, _), clip in zip(CAMERAS, pair, strict=True)
    ]
    for proc in procs:
        proc.start()
    try:
        for _ in procs:
            _get(ready, procs)
        go.set()
        for _ in procs:
            result.runs.append(_get(out, procs))
    finally:
        for proc in procs:
            proc.join(10)
            if proc.is_alive():
                proc.kill()
    for (cam, _), clip in zip(CAMERAS, pair, strict=True):
        result.stored[(index, cam)] = (clip.name, stored_names(config, cam))


def run_live(clips: list[Clip], out_dir: Path, known, names) -> LiveResult:
    """Rounds in which every clip plays once at each camera, the other camera busy too."""
    result = LiveResult()
    for i in range(len(clips) * PASSES):
        pair = (clips[i % len(clips)], clips[(i + 1) % len(clips)])
        run_round(i, pair, out_dir / "live", known, names, result)
    return result
