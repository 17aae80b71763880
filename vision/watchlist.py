"""The watchlist check, made on every track before the guest decision.

The same evidence as for guests (the quality-weighted mean distance of the track's best good
samples, at least `min_votes` of them) against the watchlist gallery, under a stricter rule:
`recognition.watchlist_tolerance` and `watchlist_margin` (a face near two entries is nobody).
A sighted track is recorded once as a sighting and is never an arrival; an unknown face the
track had already left for the guard is withdrawn by storage in the same transaction.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

import numpy as np

from core.config import Config
from storage.recorder import ArrivalRecorder
from storage.unit_of_work import unit_of_work
from storage.watchlist import load_watchlist_gallery, watchlist_version
from storage.watchlist_sightings import Seen, record_sighting
from vision.gallery import GallerySource, GalleryWatcher
from vision.identity import IdentityRule, Sample, evidence_of, good_samples, weighted_distances
from vision.matcher import FaceMatcher, Match
from vision.report import utc
from vision.track_identity import TrackIdentity

log = logging.getLogger(__name__)


def watchlist_watcher(
    config: Config, recorder: ArrivalRecorder, clock: Callable[[], float] = time.monotonic
) -> GalleryWatcher:
    """A matcher over the watchlist entries with the stricter rule, reloaded when they change."""
    rec = config.recognition
    source = GallerySource(
        load_watchlist_gallery,
        watchlist_version,
        rec.watchlist_tolerance,
        rec.watchlist_margin,
        "watchlist entries",
    )
    return GalleryWatcher(recorder.sessions, rec, clock, source)


def watchlist_match(
    samples: list[Sample], matcher: FaceMatcher, rule: IdentityRule
) -> Match | None:
    """The entry the track's evidence names under the watchlist rule, or None (pure)."""
    if len(matcher) == 0 or len(good_samples(samples, rule)) < rule.min_good:
        return None
    match = matcher.decide(weighted_distances(matcher, evidence_of(samples, rule)))
    return match if match.guest_id is not None else None


def best_view(samples: list[Sample]) -> np.ndarray | None:
    """The face crop of the best-looking sample (quality times face size)."""
    with_crop = [s for s in samples if s.crop is not None]
    if not with_crop:
        return None
    return max(with_crop, key=lambda s: s.quality.score * s.quality.face_px).crop


class WatchlistReporter:
    """Checks tracks against the watchlist and records each sighted track once."""

    def __init__(
        self,
        camera: str,
        config: Config,
        recorder: ArrivalRecorder,
        rule: IdentityRule,
        watcher: GalleryWatcher | None = None,
    ) -> None:
        self.camera = camera
        self.recorder = recorder
        self.rule = rule
        self.watcher = watcher or watchlist_watcher(config, recorder)
        self.cooldown = timedelta(seconds=config.recognition.watchlist_cooldown_s)
        self.log = log.getChild(camera)

    def check(self, ident: TrackIdentity) -> bool:
        """True when the track is a watchlist person (recorded now or before): not a guest."""
        if ident.watchlist_id is not None:
            return True
        match = watchlist_match(ident.samples, self.watcher.matcher(), self.rule)
        if match is None or match.guest_id is None:
            return False
        try:
            self._record(ident, match.guest_id, match.distance)
        except Exception:
            self.log.exception("could not record the watchlist sighting of track %s", ident.key)
            return True  # still never a guest; recorded at the next try
        ident.watchlist_id, ident.unknown_id, ident.ignored = match.guest_id, None, True
        self.log.warning(
            "track %s: watchlist entry %d (evidence distance %.3f)",
            ident.key, match.guest_id, match.distance or 0.0,
        )  # fmt: skip
        return True

    def _record(self, ident: TrackIdentity, entry_id: int, distance: float | None) -> None:
        seen = Seen(
            entry_id, self.camera, utc(ident.first_seen), distance, ident.key, ident.unknown_id
        )
        crop = best_view(ident.samples)
        with unit_of_work(self.recorder.sessions, self.recorder.media, self.recorder.sink) as uow:

            def save(kind: str) -> str | None:
                assert crop is not None
                try:
                    path: str = uow.files.save_jpeg(crop, kind)
                    return path
                except OSError as exc:
                    self.log.error("watchlist snapshot not saved: %s", exc.strerror or exc)
                    return None

            uow.collect(
                record_sighting(
                    uow.session, uow.files, seen, save if crop is not None else None, self.cooldown
                )
            )
