"""One camera's pipeline: frames → detect → track → encode when needed → match → vote → record."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Protocol

import numpy as np

from core.config import Config
from storage.arrivals import ArrivalRecorder, Sighting
from vision.detect import Detector
from vision.encode import Encoder
from vision.gallery import GalleryWatcher
from vision.source import Frame, FrameSource
from vision.status import CameraStatusReporter, LiveFrameWriter
from vision.tracker import FaceTracker, Sample, Track
from vision.voting import Verdict, decide, needs_sample, vote

log = logging.getLogger(__name__)
PROGRESS_INTERVAL_S = 10.0
FRAME_WAIT_S = 0.25


class StopFlag(Protocol):
    """A threading or multiprocessing Event, or anything with is_set()."""

    def is_set(self) -> bool:
        """True once stopping was asked for."""


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


class CameraPipeline:
    """Turns one camera's frames into recorded arrivals; `process(frame)` is one analysed frame."""

    def __init__(
        self,
        camera: str,
        config: Config,
        source: FrameSource,
        detector: Detector,
        encoder: Encoder,
        gallery: GalleryWatcher,
        recorder: ArrivalRecorder,
        *,
        status: CameraStatusReporter | None = None,
        live: LiveFrameWriter | None = None,
    ) -> None:
        self.camera = camera
        self.rec_cfg = config.recognition
        self.source = source
        self.detector = detector
        self.encoder = encoder
        self.gallery = gallery
        self.recorder = recorder
        self.status = status
        self.live = live
        self.tracker = FaceTracker(config.tracking.iou_threshold, config.tracking.track_lost_s)
        self.frames = 0
        self.encodings = 0
        self.log = log.getChild(camera)

    def run(self, stop: StopFlag) -> None:
        """Process the newest frames until `stop` is set, then close every track."""
        seq = 0
        try:
            while not stop.is_set():
                frame = self.source.next_frame(seq, FRAME_WAIT_S)
                if frame is not None:
                    seq = frame.seq
                    self._step(frame)
                else:
                    self._finish(self.tracker.expire(time.time()))
                if self.status is not None:
                    self.status.drain(time.monotonic(), self.source.status())
        finally:
            self.close()

    def _step(self, frame: Frame) -> None:
        """Process one frame; an error is logged and the next frame is tried."""
        try:
            self.process(frame)
        except Exception:
            self.log.exception("frame %d of camera %s failed", frame.seq, self.camera)
        if self.live is not None:
            self.live.offer(frame.image, time.monotonic())

    def close(self) -> None:
        """Record what the live tracks saw (shutdown)."""
        self._finish(self.tracker.end_all())

    def process(self, frame: Frame) -> list[Track]:
        """Detect, track, sample and decide on one frame; returns the tracks seen in it."""
        self.frames += 1
        update = self.tracker.update(self.detector.detect(frame.image), frame.at)
        for track in update.active:
            track.offer_snapshot(frame.image, track.box, frame.at)
        self._sample(frame, [t for t in update.active if needs_sample(t, frame.at, self.rec_cfg)])
        for track in update.active:
            self._progress(track, frame.at)
        self._finish(update.ended)
        return update.active

    def _sample(self, frame: Frame, tracks: list[Track]) -> None:
        """Encode the tracks that still need a sample and match them in one computation."""
        if not tracks:
            return
        encodings = np.stack([self.encoder.encode(frame.image, t.box) for t in tracks])
        self.encodings += len(tracks)
        for track, encoding, match in zip(
            tracks, encodings, self.gallery.matcher().match_many(encodings), strict=True
        ):
            sample = Sample(frame.at, encoding, *match)
            track.samples.append(sample)
            verdict = decide(track, self.rec_cfg)
            if verdict.decided:
                self._decided(track, verdict)

    def _decided(self, track: Track, verdict: Verdict) -> None:
        """Fix the track's identity and record it at once (staff are never recorded)."""
        track.decided, track.guest_id = True, verdict.guest_id
        track.ignored = verdict.guest_id is not None and verdict.guest_id in self.gallery.staff
        who = self.gallery.names().get(verdict.guest_id, "?") if verdict.guest_id else "stranger"
        self.log.info(
            "track %d at %s: %s (%d/%d votes)",
            track.id,
            self.camera,
            who + (" (staff, ignored)" if track.ignored else ""),
            verdict.votes,
            len(track.samples),
        )
        if not track.ignored:
            self._record(track)

    def _progress(self, track: Track, now: float) -> None:
        """While a recorded face stays, move its arrival on every PROGRESS_INTERVAL_S."""
        due = now - track.flushed_at >= PROGRESS_INTERVAL_S
        if track.decided and not track.ignored and track.dirty and due:
            self._record(track)

    def _finish(self, ended: list[Track]) -> None:
        """A track ended: record its last state, or decide now if it had enough samples."""
        for track in ended:
            if not track.decided:
                verdict = vote(track.samples, self.rec_cfg.min_votes, exhausted=True)
                if verdict.decided:
                    self._decided(track, verdict)
                continue
            if not track.ignored and track.dirty:
                self._record(track)

    def _record(self, track: Track) -> None:
        """Store the track's sighting; a storage error is logged and retried on the next flush."""
        sighting = self._sighting(track)
        snapshot = track.snapshot.image if track.snapshot is not None else None
        try:
            if track.guest_id is not None:
                rec = self.recorder.guest_seen(
                    track.guest_id, sighting, snapshot, arrival_id=track.arrival_id
                )
                track.ignored = rec is None
            else:
                rec = self.recorder.stranger_seen(sighting, snapshot, unknown_id=track.unknown_id)
                track.unknown_id = rec.unknown.id if rec.unknown is not None else None
        except Exception:
            self.log.exception("could not record track %d at %s", track.id, self.camera)
            return
        if rec is not None:
            track.arrival_id = rec.arrival.id
        track.dirty, track.flushed_at = False, track.last_seen

    def _sighting(self, track: Track) -> Sighting:
        """The track as a storable sighting (a guest's best distance, a stranger's encoding)."""
        distance = None
        if track.guest_id is not None:
            own = [s.distance for s in track.samples if s.guest_id == track.guest_id]
            distance = min((d for d in own if d is not None), default=None)
        encoding = None
        if track.guest_id is None and track.samples:
            encoding = np.mean([s.encoding for s in track.samples], axis=0).astype(np.float32)
        return Sighting(
            camera=self.camera,
            first_seen=_utc(track.first_seen),
            last_seen=_utc(track.last_seen),
            distance=distance,
            snapshot_score=track.snapshot.score if track.snapshot is not None else 0.0,
            encoding=encoding,
        )
