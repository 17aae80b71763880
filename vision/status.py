"""Camera status and live frames: stored, then published, from the pipeline's own thread."""

from __future__ import annotations

import logging
import queue
from datetime import UTC, datetime

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from core.events import CameraStatusChanged
from core.metrics import CameraCounts
from core.sinks import EventSink
from storage.cameras import live_frame_path, set_latest_frame, update_status
from storage.db import transaction
from storage.media import MediaStore
from storage.metrics import add_counts
from vision.geometry import downscale
from vision.source import SourceStatus

log = logging.getLogger(__name__)
STATUS_INTERVAL_S = 10.0
LIVE_INTERVAL_S = 1.0
LIVE_MAX_WIDTH = 640


def _aware(ts: float | None) -> datetime | None:
    return datetime.fromtimestamp(ts, UTC) if ts is not None else None


class CameraStatusReporter:
    """Collects status changes from the reader thread; stores and publishes them when drained."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        sink: EventSink,
        camera: str,
        counts: CameraCounts | None = None,
    ) -> None:
        self.sessions = sessions
        self.sink = sink
        self.camera = camera
        self.counts = counts or CameraCounts()
        self._pending: queue.SimpleQueue[SourceStatus] = queue.SimpleQueue()
        self._reported_at = float("-inf")

    def push(self, status: SourceStatus) -> None:
        """Queue a status (safe from any thread)."""
        self._pending.put(status)

    def drain(self, now: float, current: SourceStatus) -> None:
        """Store queued changes; also refresh fps every STATUS_INTERVAL_S."""
        changed = False
        while True:
            try:
                status = self._pending.get_nowait()
            except queue.Empty:
                break
            self.report(status)
            changed = True
        if changed:
            self._reported_at = now
        elif now - self._reported_at >= STATUS_INTERVAL_S:
            self.report(current)
            self.flush_counts()
            self._reported_at = now

    def flush_counts(self) -> None:
        """Add the metric increments to the stored totals; kept for the next try on error."""
        taken = self.counts.take()
        if not taken:
            return
        try:
            with transaction(self.sessions) as session:
                add_counts(session, self.camera, taken)
        except Exception:
            self.counts.give_back(taken)
            log.exception("could not store the metrics of camera %s", self.camera)

    def report(self, status: SourceStatus) -> None:
        """Store one status, then publish it; a database error is logged, not raised."""
        last = _aware(status.last_frame_at)
        try:
            with transaction(self.sessions) as session:
                update_status(
                    session,
                    self.camera,
                    status.state,
                    last_frame_at=last,
                    fps=status.fps,
                    error=status.error,
                )
        except Exception:
            log.exception("could not store the status of camera %s", self.camera)
            return
        event = CameraStatusChanged(self.camera, status.state, last, status.fps, status.error)
        self.sink.publish(event)


class LiveFrameWriter:
    """Writes a camera's newest frame, downscaled, about once per second."""

    def __init__(self, sessions: sessionmaker[Session], media: MediaStore, camera: str) -> None:
        self.sessions = sessions
        self.media = media
        self.camera = camera
        self.rel = live_frame_path(camera)
        self._written_at = float("-inf")
        self._registered = False

    def offer(self, image: np.ndarray, now: float) -> bool:
        """Write `image` if a second has passed since the last write; True when written."""
        if now - self._written_at < LIVE_INTERVAL_S:
            return False
        self._written_at = now
        small, _ = downscale(image, LIVE_MAX_WIDTH)
        try:
            self.media.write_fixed(self.rel, small)
            if not self._registered:
                with transaction(self.sessions) as session:
                    set_latest_frame(session, self.camera, self.rel)
                self._registered = True
        except Exception:
            log.exception("could not write the live frame of camera %s", self.camera)
            return False
        return True
