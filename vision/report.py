"""Tells storage what a track's identity means: first record, progress, promotion, reopening.

The verdict decides; this module only turns its changes into recorder calls. A storage error is
logged and the same change is tried again at the next flush, so nothing is lost while storage is
briefly unavailable.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

import numpy as np

from core.vocab import ArrivalStatus
from storage.arrivals import Sighting, TrackSample
from storage.recorder import ArrivalRecorder
from storage.reidentify import Change
from vision.gallery import GalleryWatcher
from vision.identity import (
    IdentityRule,
    Sample,
    State,
    Verdict,
    centroid,
    contradicts,
    good_samples,
)
from vision.matcher import FaceMatcher
from vision.strangers import StrangerDirectory
from vision.track_identity import TrackIdentity

log = logging.getLogger(__name__)
PROGRESS_INTERVAL_S = 10.0
FAILURE_LOG_INTERVAL_S = 60.0


def utc(ts: float) -> datetime:
    """An epoch timestamp as an aware UTC datetime."""
    return datetime.fromtimestamp(ts, UTC)


class TrackReporter:
    """Records each track identity's verdict and its changes through an ArrivalRecorder."""

    def __init__(
        self,
        camera: str,
        recorder: ArrivalRecorder,
        strangers: StrangerDirectory,
        gallery: GalleryWatcher,
        rule: IdentityRule,
    ) -> None:
        self.camera = camera
        self.recorder = recorder
        self.strangers = strangers
        self.gallery = gallery
        self.rule = rule
        self.log = log.getChild(camera)
        self._failures = 0
        self._logged_at = float("-inf")

    def _failed(self, ident: TrackIdentity) -> None:
        """Log a storage failure with its traceback at most once a minute (tried again later)."""
        self._failures += 1
        now = time.monotonic()
        if now - self._logged_at >= FAILURE_LOG_INTERVAL_S:
            self._logged_at = now
            self.log.exception(
                "could not record track %s (%d failures so far; retried at the next flush)",
                ident.key,
                self._failures,
            )

    def update(self, ident: TrackIdentity, matcher: FaceMatcher) -> None:
        """Record what changed in the identity's verdict (nothing when nothing did)."""
        verdict, recorded = ident.verdict, ident.recorded
        try:
            if recorded is None or (ident.ignored and recorded.state is not verdict.state):
                if verdict.decided:
                    self._first(ident, verdict, matcher)
            elif recorded.state is State.STRANGER and verdict.state is State.GUEST:
                self._promote(ident, verdict, matcher)
            elif contradicts(recorded, verdict, matcher, self.rule):
                self._reopen(ident, verdict, matcher)
        except Exception:
            self._failed(ident)

    def flush(self, ident: TrackIdentity, matcher: FaceMatcher, *, final: bool = False) -> None:
        """While a recorded face stays, move its arrival on every PROGRESS_INTERVAL_S."""
        due = final or ident.last_seen - ident.flushed_at >= PROGRESS_INTERVAL_S
        if ident.recorded is None or ident.ignored or not ident.dirty or not due:
            return
        try:
            self._continue(ident, matcher)
        except Exception:
            self._failed(ident)

    def _first(self, ident: TrackIdentity, verdict: Verdict, matcher: FaceMatcher) -> None:
        if verdict.state is State.GUEST and verdict.guest_id in self.gallery.staff:
            ident.ignored, ident.recorded = True, verdict
            self._say(ident, verdict, "staff, ignored")
            return
        sighting, snapshot = self._sighting(ident, verdict, matcher)
        if verdict.state is State.GUEST:
            assert verdict.guest_id is not None
            rec = self.recorder.guest_seen(verdict.guest_id, sighting, snapshot)
            ident.ignored = rec is None
        else:
            found = (
                self.strangers.find(sighting.encoding, sighting.first_seen)
                if (sighting.encoding is not None)
                else None
            )
            rec = self.recorder.stranger_seen(sighting, snapshot, unknown_id=found)
            ident.unknown_id = rec.unknown.id if rec.unknown is not None else None
        if rec is not None:
            ident.arrival_id, ident.created_arrival = rec.arrival.id, rec.created
        self._done(ident, verdict)

    def _promote(self, ident: TrackIdentity, verdict: Verdict, matcher: FaceMatcher) -> None:
        if ident.unknown_id is None:
            ident.recorded = None
            self._first(ident, verdict, matcher)
            return
        sighting, snapshot = self._sighting(ident, verdict, matcher)
        change = Change(verdict.guest_id, verdict.reason, verdict.distance)
        rec = self.recorder.promote(ident.unknown_id, change, sighting, snapshot)
        if rec is not None:
            if rec.arrival.id != ident.arrival_id:
                ident.created_arrival = False  # merged into the guest's open visit
            ident.arrival_id = rec.arrival.id
            ident.ignored = rec.arrival.status == ArrivalStatus.DISMISSED
        ident.unknown_id = None
        self._done(ident, verdict, "promoted" if rec is not None else "already resolved")

    def _reopen(self, ident: TrackIdentity, verdict: Verdict, matcher: FaceMatcher) -> None:
        if ident.ignored or ident.arrival_id is None:
            ident.recorded, ident.ignored = None, False
            self._first(ident, verdict, matcher)
            return
        sighting, snapshot = self._sighting(ident, verdict, matcher)
        guest = verdict.guest_id if verdict.state is State.GUEST else None
        change = Change(guest, f"contradicted:{verdict.reason}", verdict.distance)
        rec = self.recorder.reopen(
            ident.arrival_id, change, sighting, snapshot, created_by_track=ident.created_arrival
        )
        if rec is not None:
            ident.arrival_id = rec.arrival.id
            ident.unknown_id = rec.unknown.id if rec.unknown is not None else None
            ident.created_arrival = rec.created or ident.created_arrival
            ident.ignored = rec.arrival.status == ArrivalStatus.DISMISSED
        self._done(ident, verdict, "reopened")

    def _continue(self, ident: TrackIdentity, matcher: FaceMatcher) -> None:
        recorded = ident.recorded
        assert recorded is not None
        sighting, snapshot = self._sighting(ident, recorded, matcher)
        if recorded.state is State.GUEST and recorded.guest_id is not None:
            self.recorder.guest_seen(
                recorded.guest_id, sighting, snapshot, arrival_id=ident.arrival_id
            )
        elif ident.unknown_id is not None:
            self.recorder.stranger_seen(
                sighting, snapshot, unknown_id=ident.unknown_id, continuing=True
            )
        ident.dirty, ident.flushed_at = False, ident.last_seen

    def _done(self, ident: TrackIdentity, verdict: Verdict, what: str = "recorded") -> None:
        ident.recorded = verdict
        ident.dirty, ident.flushed_at = False, ident.last_seen
        self._say(ident, verdict, what)

    def _say(self, ident: TrackIdentity, verdict: Verdict, what: str) -> None:
        who = (
            self.gallery.names().get(verdict.guest_id, "?")
            if verdict.guest_id is not None
            else "stranger"
        )
        dist = f"{verdict.distance:.3f}" if verdict.distance is not None else "-"
        self.log.info(
            "track %s: %s (%s, %d good samples, evidence distance %s) %s",
            ident.key, who, verdict.reason, verdict.good, dist, what,
        )  # fmt: skip

    def _sighting(
        self, ident: TrackIdentity, verdict: Verdict, matcher: FaceMatcher
    ) -> tuple[Sighting, np.ndarray | None]:
        """The identity as a storable sighting, and its snapshot image."""
        snap = ident.snapshot(matcher)
        guest = verdict.guest_id if verdict.state is State.GUEST else None
        good = good_samples(ident.samples, self.rule)
        kept = [s for s in good if guest is None or s.match.best_guest_id == guest]
        centre = centroid(ident.samples, self.rule) if guest is None else None
        if guest is None and centre is None and ident.samples:
            centre = np.mean([s.encoding for s in ident.samples], axis=0).astype(np.float32)
        sighting = Sighting(
            camera=self.camera,
            first_seen=utc(ident.first_seen),
            last_seen=utc(ident.last_seen),
            distance=verdict.distance if guest is not None else None,
            snapshot_score=snap.score if snap is not None else 0.0,
            encoding=centre,
            track=ident.key,
            samples=tuple(_track_sample(s) for s in kept),
        )
        return sighting, snap.image if snap is not None else None


def _track_sample(sample: Sample) -> TrackSample:
    return TrackSample(
        captured_at=utc(sample.at),
        encoding=sample.encoding,
        quality=sample.quality.score,
        face_px=sample.quality.face_px,
        sharpness=sample.quality.sharpness,
        frontalness=sample.quality.frontalness,
        nearest_guest_id=sample.match.best_guest_id,
        distance=sample.match.distance,
    )
