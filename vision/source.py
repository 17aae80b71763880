"""Camera frames: a reader thread per camera that keeps only the newest frame."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import cv2
import numpy as np

from core.config import CaptureConfig
from core.metrics import CameraCounts, Count

log = logging.getLogger(__name__)

ONLINE, OFFLINE, RECONNECTING = "online", "offline", "reconnecting"
FPS_WINDOW_S = 2.0
STOP_JOIN_S = 2.0


@dataclass(frozen=True)
class Frame:
    """One decoded frame: BGR pixels, a sequence number and the wall-clock time it was read."""

    image: np.ndarray
    seq: int
    at: float


@dataclass(frozen=True)
class SourceStatus:
    """A camera's state, the time of its newest frame and its measured frame rate."""

    camera: str
    state: str
    last_frame_at: float | None
    fps: float
    error: str | None = None


StatusCallback = Callable[[SourceStatus], None]


class FrameSource(Protocol):
    """Where a pipeline gets frames from (a real camera, or a test feeding frames)."""

    name: str

    def start(self) -> None:
        """Begin producing frames."""

    def stop(self) -> None:
        """Stop and release the camera; returns within a few seconds."""

    def next_frame(self, after_seq: int, timeout: float) -> Frame | None:
        """The newest frame newer than `after_seq`, waiting up to `timeout` seconds."""

    def status(self) -> SourceStatus:
        """The current status."""


def redact_url(url: str) -> str:
    """The URL with its password replaced by ***, for logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class LatestFrame:
    """A one-slot mailbox: writers replace the frame, readers wait for a newer one."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._frame: Frame | None = None

    def put(self, frame: Frame) -> None:
        """Replace the held frame and wake waiting readers."""
        with self._cond:
            self._frame = frame
            self._cond.notify_all()

    def get(self, after_seq: int, timeout: float) -> Frame | None:
        """The held frame once its seq is greater than `after_seq`, or None after `timeout`."""
        with self._cond:
            self._cond.wait_for(
                lambda: self._frame is not None and self._frame.seq > after_seq, timeout
            )
            frame = self._frame
        return frame if frame is not None and frame.seq > after_seq else None


class FpsMeter:
    """Frames per second over a short sliding window."""

    def __init__(self, window_s: float = FPS_WINDOW_S) -> None:
        self.window_s = window_s
        self._times: deque[float] = deque()

    def tick(self, at: float) -> None:
        """Count one frame at monotonic time `at`."""
        self._times.append(at)
        while self._times and at - self._times[0] > self.window_s:
            self._times.popleft()

    def fps(self, now: float) -> float:
        """The current rate (0 when no frame arrived within the window)."""
        if len(self._times) < 2 or now - self._times[-1] > self.window_s:
            return 0.0
        span = self._times[-1] - self._times[0]
        return (len(self._times) - 1) / span if span > 0 else 0.0

    def reset(self) -> None:
        """Forget all frames (after a disconnect)."""
        self._times.clear()


def open_capture(url: str, cfg: CaptureConfig) -> Any:
    """An OpenCV FFmpeg capture with bounded open and read timeouts."""
    # Each failed attempt would print FFmpeg and OpenCV warnings; our own log says it once.
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    # Setting this replaces OpenCV's default rtsp_flags, so always name the transport.
    os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"] = f"rtsp_transport;{cfg.transport}"
    params = [
        cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
        int(cfg.open_timeout_s * 1000),
        cv2.CAP_PROP_READ_TIMEOUT_MSEC,
        int(cfg.read_timeout_s * 1000),
    ]
    return cv2.VideoCapture(url, cv2.CAP_FFMPEG, params)


def retry_wait(backoff: float, attempt_s: float, got_frames: bool) -> float:
    """How long to wait before reconnecting: `backoff`, less a failed attempt's own time.

    An open that timed out already waited, so a camera back after a long outage is tried again
    at most every `backoff_max_s` (≤ 5 s) however slowly it failed, and read within 10 s.
    """
    return backoff if got_frames else max(0.0, backoff - attempt_s)


class RtspSource:
    """Reads one camera in a thread, keeps only the newest frame, reconnects forever."""

    def __init__(
        self,
        name: str,
        url: str,
        cfg: CaptureConfig,
        *,
        on_status: StatusCallback | None = None,
        max_fps: float | None = None,
        opener: Callable[[str, CaptureConfig], Any] = open_capture,
        counts: CameraCounts | None = None,
    ) -> None:
        self.name = name
        self.counts = counts or CameraCounts()
        self.url = url
        self.cfg = cfg
        self.max_fps = max_fps
        self._on_status = on_status
        self._opener = opener
        self._latest = LatestFrame()
        self._meter = FpsMeter()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._state = OFFLINE
        self._error: str | None = None
        self._last_frame_at: float | None = None
        self._seq = 0
        self.log = log.getChild(name)

    def start(self) -> None:
        """Start the reader thread."""
        self._thread = threading.Thread(target=self._run, name=f"rtsp-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the reader to stop; wait briefly (a reader stuck in open is a daemon thread)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(STOP_JOIN_S)

    def next_frame(self, after_seq: int, timeout: float) -> Frame | None:
        """The newest frame newer than `after_seq`, waiting up to `timeout` seconds."""
        return self._latest.get(after_seq, timeout)

    def status(self) -> SourceStatus:
        """The current state, newest frame time and measured fps."""
        with self._lock:
            return SourceStatus(
                self.name,
                self._state,
                self._last_frame_at,
                round(self._meter.fps(time.monotonic()), 1),
                self._error,
            )

    def _set_state(self, state: str, error: str | None = None) -> None:
        with self._lock:
            changed = state != self._state or (error and error != self._error)
            self._state, self._error = state, error
        if not changed:
            return
        self.log.info("camera %s is %s%s", self.name, state, f" ({error})" if error else "")
        if self._on_status is not None:
            try:
                self._on_status(self.status())
            except Exception:
                self.log.exception("status callback failed")

    def _run(self) -> None:
        """Connect, read until a fault, back off, forever (until stopped)."""
        backoff = self.cfg.backoff_initial_s
        opened_before = False
        while not self._stop.is_set():
            started = time.monotonic()
            if opened_before:
                self.counts.add(Count.RECONNECTS)
            opened_before = True
            got_frames = self._session()
            if self._stop.is_set():
                break
            if got_frames:
                backoff = self.cfg.backoff_initial_s
            self._stop.wait(retry_wait(backoff, time.monotonic() - started, got_frames))
            backoff = min(backoff * 2, self.cfg.backoff_max_s)
        self._set_state(OFFLINE, None)

    def _session(self) -> bool:
        """One connection: open, read frames until a fault; True if any frame arrived."""
        if self._state == ONLINE:
            self._set_state(RECONNECTING, self._error)
        cap = self._opener(self.url, self.cfg)
        try:
            if not cap.isOpened():
                self._set_state(OFFLINE, "cannot open stream")
                return False
            return self._read_loop(cap)
        finally:
            cap.release()
            self._meter.reset()

    def _read_loop(self, cap: Any) -> bool:
        """Read until stopped or a fault (failed or slow read); True if any frame arrived."""
        got_any = False
        next_due = 0.0
        slow = self.cfg.read_timeout_s * 0.9
        while not self._stop.is_set():
            started = time.monotonic()
            ok = cap.grab()
            elapsed = time.monotonic() - started
            if not ok or elapsed >= slow:
                self.counts.add(Count.READ_FAULTS)
                reason = "read failed" if not ok else f"read took {elapsed:.1f}s"
                self._set_state(RECONNECTING if got_any else OFFLINE, reason)
                return got_any
            self._meter.tick(started + elapsed)
            if started < next_due:
                continue  # decode only: colour conversion is skipped for frames nobody needs
            ok, image = cap.retrieve()
            if not ok or image is None:
                continue
            next_due = started + (1.0 / self.max_fps if self.max_fps else 0.0)
            got_any = True
            self._publish(image)
        return got_any

    def _publish(self, image: np.ndarray) -> None:
        now = time.time()
        with self._lock:
            self._seq += 1
            self._last_frame_at = now
            seq = self._seq
        self._latest.put(Frame(image, seq, now))
        if self._state != ONLINE:
            self._set_state(ONLINE, None)


class FeedSource:
    """A FrameSource fed by the caller (tests, replaying stills): `feed(image, at)`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._latest = LatestFrame()
        self._seq = 0
        self._state = OFFLINE
        self._last_at: float | None = None

    def start(self) -> None:
        """Nothing to start."""

    def stop(self) -> None:
        """Nothing to release."""

    def feed(self, image: np.ndarray, at: float | None = None) -> Frame:
        """Make `image` the newest frame (seen at `at`, default now)."""
        self._seq += 1
        self._state = ONLINE
        self._last_at = time.time() if at is None else at
        frame = Frame(image, self._seq, self._last_at)
        self._latest.put(frame)
        return frame

    def next_frame(self, after_seq: int, timeout: float) -> Frame | None:
        """The newest fed frame newer than `after_seq`."""
        return self._latest.get(after_seq, timeout)

    def status(self) -> SourceStatus:
        """Online once fed."""
        return SourceStatus(self.name, self._state, self._last_at, 0.0)
