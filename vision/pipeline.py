"""One camera's pipeline: frames → detect → track → sample when due → evidence → record."""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from typing import Protocol

import numpy as np

from core.config import Config
from core.metrics import Count
from storage.recorder import ArrivalRecorder
from vision.detect import Detector
from vision.encode import Encoder
from vision.gallery import GalleryWatcher
from vision.geometry import crop_with_margin
from vision.identity import IdentityRule, Sample, State, evaluate, splits
from vision.matcher import FaceMatcher
from vision.quality import assess
from vision.report import TrackReporter
from vision.source import Frame, FrameSource, SourceStatus
from vision.status import CameraStatusReporter, LiveFrameWriter
from vision.strangers import StrangerDirectory
from vision.track_identity import TrackIdentity
from vision.tracker import FaceTracker, Track
from vision.watchlist import WatchlistReporter

log = logging.getLogger(__name__)
FRAME_WAIT_S = 0.25
# HOG without upsampling finds faces of about 80 px at the detection scale: while every tracked
# face is comfortably bigger, most frames skip the (4x dearer) upsampled pass, and every
# FULL_SCAN_EVERY-th frame still looks for small newcomers.
COARSE_FACE_PX = 100
FULL_SCAN_EVERY = 3


class StopFlag(Protocol):
    """A threading or multiprocessing Event, or anything with is_set()."""

    def is_set(self) -> bool:
        """True once stopping was asked for."""
        ...


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
        watchlist: WatchlistReporter | None = None,
    ) -> None:
        self.camera = camera
        self.rec_cfg = config.recognition
        self.rule = IdentityRule.from_config(config.recognition)
        self.source = source
        self.detector = detector
        self.encoder = encoder
        self.gallery = gallery
        self.recorder = recorder
        self.status = status
        self.live = live
        # build_pipeline shares one CameraCounts between the source, the recorder and the
        # status reporter, which stores the increments.
        self.counts = recorder.counts
        self.tracker = FaceTracker(config.tracking.iou_threshold, config.tracking.track_lost_s)
        strangers = StrangerDirectory(
            recorder.sessions,
            recorder.policy.revisit_gap,
            config.recognition.tolerance,
            config.recognition.margin,
        )
        self.reporter = TrackReporter(camera, recorder, strangers, gallery, self.rule)
        self.watchlist = watchlist or WatchlistReporter(camera, config, recorder, self.rule)
        self.identities: dict[int, TrackIdentity] = {}
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
                    self.status.drain(time.monotonic(), self._health(self.source.status()))
        finally:
            self.close()

    def _health(self, status: SourceStatus) -> SourceStatus:
        """The camera's status with a storage fault (snapshots not saved) shown as its error."""
        fault = self.recorder.fault
        if fault is None or status.error:
            return status
        return dataclasses.replace(status, error=fault.error)

    def _step(self, frame: Frame) -> None:
        """Process one frame; an error is logged and the next frame is tried."""
        try:
            self.process(frame)
        except Exception:
            self.log.exception("frame %d of camera %s failed", frame.seq, self.camera)
        if self.live is not None:
            self.live.offer(frame.image, time.monotonic())

    def close(self) -> None:
        """Record what the live tracks saw (shutdown), and store the last metric increments."""
        self._finish(self.tracker.end_all())
        if self.status is not None:
            self.status.flush_counts()

    def process(self, frame: Frame) -> list[Track]:
        """Detect, track, sample and decide on one frame; returns the tracks seen in it."""
        self.frames += 1
        self.counts.add(Count.FRAMES_ANALYSED)
        upsample = self._upsample_for(frame.image)
        update = self.tracker.update(self.detector.detect(frame.image, upsample), frame.at)
        matcher = self.gallery.matcher()
        for track in update.active:
            self._identity(track).seen(frame.at)
        due = [
            t
            for t in update.active
            if self.identities[t.id].wants_sample(frame.at, self.rec_cfg, self.rule)
        ]
        self._sample(frame, due, matcher)
        sampled = {t.id for t in due}
        for track in update.active:
            ident = self.identities[track.id]
            if track.id not in sampled:
                self._judge(ident, matcher, frame.at)
            self.reporter.flush(ident, matcher)
        self._finish(update.ended)
        return update.active

    def _upsample_for(self, image: np.ndarray) -> int | None:
        """0 while every tracked face is big enough to be found without upsampling."""
        tracks = self.tracker.tracks.values()
        if not tracks or self.frames % FULL_SCAN_EVERY == 0:
            return None
        scale = self.detector.scale_of(image)
        smallest = scale * min(min(t.box.width, t.box.height) for t in tracks)
        return 0 if smallest >= COARSE_FACE_PX else None

    def identity_of(self, track_id: int) -> TrackIdentity | None:
        """The current identity state of a live track (tests, logs)."""
        return self.identities.get(track_id)

    def _identity(self, track: Track) -> TrackIdentity:
        ident = self.identities.get(track.id)
        if ident is None:
            ident = TrackIdentity(self.camera, track.id, track.first_seen, track.last_seen)
            self.identities[track.id] = ident
        return ident

    def _sample(self, frame: Frame, tracks: list[Track], matcher: FaceMatcher) -> None:
        """Encode the due tracks in one batch and match them in one computation."""
        if not tracks:
            return
        faces = self.encoder.encode_many(frame.image, [t.box for t in tracks])
        self.encodings += len(tracks)
        self.counts.add(Count.ENCODINGS, len(tracks))
        encodings = np.stack([f.encoding for f in faces])
        for track, face, match in zip(tracks, faces, matcher.match_many(encodings), strict=True):
            quality = assess(frame.image, track.box, face.landmarks)
            crop = crop_with_margin(frame.image, track.box)
            sample = Sample(frame.at, face.encoding, quality, match, crop)
            ident = self.identities[track.id]
            if splits(ident.samples, sample, ident.recorded or ident.verdict, self.rule):
                ident = self._split(track, ident, matcher, frame.at)
            ident.add(sample)
            self._judge(ident, matcher, frame.at)

    def _judge(self, ident: TrackIdentity, matcher: FaceMatcher, now: float) -> None:
        """Weigh the evidence again and record what changed; the watchlist first."""
        if self.watchlist.check(ident):
            return
        ident.verdict = evaluate(ident.samples, matcher, self.rule, now - ident.first_seen)
        self.reporter.update(ident, matcher)

    def _split(
        self, track: Track, ident: TrackIdentity, matcher: FaceMatcher, at: float
    ) -> TrackIdentity:
        """The track shows somebody else from `at`: close its identity and start a new one."""
        self.log.info("track %s split at %.1f: the samples are another person", ident.key, at)
        ident.last_seen = max(ident.previous_seen, ident.first_seen)  # the frame before
        self._close(ident, matcher)
        fresh = TrackIdentity(self.camera, track.id, at, at)
        self.identities[track.id] = fresh
        return fresh

    def _finish(self, ended: list[Track]) -> None:
        """Tracks that ended: record their last state, or decide now if they were seen enough."""
        if not ended:
            return
        matcher = self.gallery.matcher()
        for track in ended:
            ident = self.identities.pop(track.id, None)
            if ident is not None:
                self._close(ident, matcher)

    def _close(self, ident: TrackIdentity, matcher: FaceMatcher) -> None:
        """The identity's last word: an undecided one seen enough becomes a stranger."""
        if self.watchlist.check(ident):
            return
        if not ident.verdict.decided and len(ident.samples) >= self.rule.min_good:
            ident.verdict = evaluate(ident.samples, matcher, self.rule, math.inf)
            self.reporter.update(ident, matcher)
        elif not ident.verdict.decided:
            self.log.debug(
                "track %s too brief to record (%d samples)", ident.key, len(ident.samples)
            )
        if ident.verdict.state is not State.UNDECIDED:
            self.reporter.flush(ident, matcher, final=True)
