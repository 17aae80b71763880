"""The capture worker: one process per camera (spawn), each running its CameraPipeline."""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from core.config import CameraConfig, Config
from core.metrics import CameraCounts
from core.sinks import EventSink
from storage.appointments import NoShowSweeper
from storage.arrivals import ArrivalPolicy
from storage.cameras import sync_cameras
from storage.db import make_engine, make_session_factory, transaction
from storage.media import open_media_store
from storage.recorder import ArrivalRecorder
from vision.calibration import CalibrationRefresher
from vision.detect import HogFaceDetector
from vision.encode import FaceEncoder
from vision.gallery import GalleryWatcher
from vision.pipeline import CameraPipeline
from vision.source import RtspSource, redact_url
from vision.status import CameraStatusReporter, LiveFrameWriter
from vision.upkeep import WorkerUpkeep

log = logging.getLogger(__name__)
SinkFactory = Callable[[], EventSink]
SUPERVISE_S = 0.5
JOIN_S = 5.0
RESTART_BACKOFF_S = (1.0, 30.0)
LOG_FORMAT = "%(asctime)s %(levelname)-7s %(processName)s %(name)s: %(message)s"


class AnyStop:
    """Set when any of several events is set (a parent's stop, or this process's SIGTERM)."""

    def __init__(self, *events: Any) -> None:
        self.events = events

    def is_set(self) -> bool:
        """True once any event is set."""
        return any(e.is_set() for e in self.events)


def sync_camera_rows(config: Config) -> None:
    """Create or update a row per configured camera."""
    engine = make_engine(config.storage.database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            sync_cameras(session, config.cameras)
    finally:
        engine.dispose()


def build_pipeline(
    config: Config, camera: CameraConfig, sessions: Any, sink: EventSink
) -> CameraPipeline:
    """The real pipeline for one camera: RTSP source, HOG detector, dlib encoder, storage."""
    media = open_media_store(config.storage, sessions.kw.get("bind"))
    counts = CameraCounts()
    status = CameraStatusReporter(sessions, sink, camera.name, counts)
    source = RtspSource(
        camera.name,
        camera.url,
        config.capture,
        on_status=status.push,
        max_fps=config.detection.fps,
        counts=counts,
    )
    return CameraPipeline(
        camera.name,
        config,
        source,
        HogFaceDetector.from_config(config.detection),
        FaceEncoder(config.recognition.encoder_model),
        GalleryWatcher(sessions, config.recognition),
        ArrivalRecorder(sessions, media, sink, ArrivalPolicy.from_config(config), counts),
        status=status,
        live=LiveFrameWriter(sessions, media, camera.name),
    )


def run_camera(config: Config, name: str, sink: EventSink, stop: Any) -> None:
    """Run one camera's pipeline in this thread until `stop` is set."""
    camera = config.camera(name)
    engine = make_engine(config.storage.database_url)
    try:
        pipeline = build_pipeline(config, camera, make_session_factory(engine), sink)
        pipeline.source.start()
        try:
            pipeline.run(stop)
        finally:
            pipeline.source.stop()
        log.info("camera %s stopped after %d frames", name, pipeline.frames)
    finally:
        engine.dispose()


def camera_process_main(
    config: Config, name: str, sink_factory: SinkFactory, stop: Any, log_level: int
) -> None:
    """Entry point of a camera process: SIGINT is the parent's to handle, SIGTERM stops us."""
    logging.basicConfig(level=log_level, format=LOG_FORMAT, datefmt="%Y-%m-%d %H:%M:%S")
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    terminated = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: terminated.set())
    parent = multiprocessing.parent_process()
    orphaned = _ParentGone(parent)
    run_camera(config, name, sink_factory(), AnyStop(stop, terminated, orphaned))


class _ParentGone:
    """Set once the parent process has died (so a killed worker leaves no camera running)."""

    def __init__(self, parent: Any) -> None:
        self.parent = parent

    def is_set(self) -> bool:
        """True when the parent is known and no longer alive."""
        return self.parent is not None and not self.parent.is_alive()


def describe(camera: CameraConfig) -> str:
    """One log line's worth about a camera, password hidden."""
    return f"camera {camera.name} ({camera.role}) at {redact_url(camera.url)}"


def run_worker(
    config: Config,
    sink_factory: SinkFactory,
    stop: Any,
    *,
    use_processes: bool = True,
) -> None:
    """Run every enabled camera until `stop` is set; returns within a few seconds after."""
    sync_camera_rows(config)
    cameras = [c for c in config.cameras if c.enabled]
    if not cameras:
        log.warning("no enabled cameras in the config; waiting for stop")
    for camera in cameras:
        log.info("starting %s", describe(camera))
    engine = make_engine(config.storage.database_url)
    sessions = make_session_factory(engine)
    refresher = CalibrationRefresher(sessions, config.recognition)
    calibrating = threading.Thread(
        target=refresher.run, args=(stop,), name="calibration", daemon=True
    )
    calibrating.start()
    sweeper = NoShowSweeper(make_session_factory(engine), sink_factory(), config.appointments)
    threading.Thread(target=sweeper.run, args=(stop,), name="no-shows", daemon=True).start()
    upkeep = WorkerUpkeep(config, sessions, [c.name for c in cameras])
    upkeep.start(stop)
    try:
        if use_processes:
            _supervise_processes(config, cameras, sink_factory, stop)
        else:
            _run_threads(config, cameras, sink_factory, stop)
    finally:
        calibrating.join(JOIN_S)
        upkeep.join(JOIN_S)
        engine.dispose()
    log.info("worker stopped")


def _run_threads(
    config: Config, cameras: list[CameraConfig], sink_factory: SinkFactory, stop: Any
) -> None:
    """Every camera as a thread of this process (tests, single-core machines)."""
    threads = [
        threading.Thread(
            target=run_camera,
            args=(config, c.name, sink_factory(), stop),
            name=f"camera-{c.name}",
            daemon=True,
        )
        for c in cameras
    ]
    for thread in threads:
        thread.start()
    while not stop.wait(SUPERVISE_S):
        pass
    for thread in threads:
        thread.join(JOIN_S + config.capture.read_timeout_s)


class _CameraProcess:
    """One camera's child process, restarted with backoff if it dies."""

    def __init__(
        self, ctx: Any, config: Config, camera: CameraConfig, args: tuple[Any, ...]
    ) -> None:
        self.ctx, self.config, self.camera, self.args = ctx, config, camera, args
        self.proc: Any = None
        self.backoff = RESTART_BACKOFF_S[0]
        self.restart_at = 0.0

    def start(self) -> None:
        """Start (or restart) the child."""
        self.proc = self.ctx.Process(
            target=camera_process_main,
            args=(self.config, self.camera.name, *self.args),
            name=f"camera-{self.camera.name}",
        )
        self.proc.start()

    def check(self, now: float) -> None:
        """Restart a child that died, waiting longer after each death."""
        if self.proc.is_alive():
            return
        if self.restart_at == 0.0:
            log.error("camera %s process died (exit %s)", self.camera.name, self.proc.exitcode)
            self.restart_at = now + self.backoff
            self.backoff = min(self.backoff * 2, RESTART_BACKOFF_S[1])
        elif now >= self.restart_at:
            self.restart_at = 0.0
            self.start()

    def join(self, timeout: float) -> None:
        """Wait for the child; terminate, then kill it if it does not stop."""
        self.proc.join(timeout)
        for action in ("terminate", "kill"):
            if self.proc.is_alive():
                log.warning("camera %s did not stop; %s", self.camera.name, action)
                getattr(self.proc, action)()
                self.proc.join(2.0)


def _supervise_processes(
    config: Config, cameras: list[CameraConfig], sink_factory: SinkFactory, stop: Any
) -> None:
    """A spawned process per camera (dlib holds the GIL, so threads would share one core)."""
    ctx = multiprocessing.get_context("spawn")
    child_stop = ctx.Event()
    level = logging.getLogger().getEffectiveLevel()
    children = [_CameraProcess(ctx, config, c, (sink_factory, child_stop, level)) for c in cameras]
    for child in children:
        child.start()
    try:
        while not stop.wait(SUPERVISE_S):
            for child in children:
                child.check(time.monotonic())
    finally:
        child_stop.set()
        for child in children:
            child.join(JOIN_S + config.capture.read_timeout_s)
