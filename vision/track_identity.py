"""The identity state of one track since its last split, owned by the camera pipeline.

The tracker only follows boxes; this object keeps what the track's samples said, what was
recorded for it, when the next sample is due and which of its frames may be its snapshot.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from core.config import RecognitionConfig
from vision.identity import UNDECIDED, IdentityRule, Sample, State, Verdict, good_samples
from vision.matcher import FaceMatcher

_keys = itertools.count(1)
# While a track's views stay too poor to vote, the next try waits twice as long, up to this.
POOR_BACKOFF_MAX_S = 2.0
# Frame times are floats: a gap of 0.4 s measured as 0.39999 is still 0.4 s.
TIME_EPSILON_S = 1e-6


@dataclass(frozen=True)
class Snapshot:
    """The frame region to store as a snapshot, and how good it is."""

    image: np.ndarray
    score: float
    at: float


@dataclass
class TrackIdentity:
    """Who a track is, the evidence for it, and what storage already knows."""

    camera: str
    track_id: int
    first_seen: float
    last_seen: float
    key: str = ""
    samples: list[Sample] = field(default_factory=list)
    verdict: Verdict = UNDECIDED
    recorded: Verdict | None = None
    arrival_id: int | None = None
    unknown_id: int | None = None
    created_arrival: bool = False
    ignored: bool = False
    dirty: bool = False
    flushed_at: float = 0.0
    samples_since_decided: int = 0
    previous_seen: float = 0.0
    # The watchlist entry this track was sighted as: the track is then nobody's arrival.
    watchlist_id: int | None = None

    def __post_init__(self) -> None:
        if not self.key:
            self.key = f"{self.camera}:{self.track_id}:{next(_keys)}"

    @property
    def last_sample_at(self) -> float | None:
        """When the newest sample was taken (None before the first)."""
        return self.samples[-1].at if self.samples else None

    def seen(self, at: float) -> None:
        """The track was seen again at `at`."""
        if at > self.last_seen:
            self.previous_seen, self.last_seen = self.last_seen, at
            self.dirty = True

    def wants_sample(self, now: float, cfg: RecognitionConfig, rule: IdentityRule) -> bool:
        """Encode this track now? Within the budget: fast while good samples are missing
        (backing off while the views stay poor), then at a decaying rate."""
        if len(self.samples) >= cfg.max_samples:
            return False
        last = self.last_sample_at
        if last is None:
            return True
        return now - last >= self.next_gap(cfg, rule) - TIME_EPSILON_S

    def next_gap(self, cfg: RecognitionConfig, rule: IdentityRule) -> float:
        """Seconds between the last sample and the next one."""
        poor = 0
        for sample in reversed(self.samples):
            if sample.quality.score >= rule.min_quality:
                break
            poor += 1
        if poor:
            return min(cfg.sample_interval_s * float(2**poor), POOR_BACKOFF_MAX_S)
        if not self.verdict.decided or len(good_samples(self.samples, rule)) < rule.min_good:
            return cfg.sample_interval_s
        gaps = cfg.resample_intervals_s
        return gaps[min(self.samples_since_decided, len(gaps) - 1)]

    def add(self, sample: Sample) -> None:
        """Keep a new sample (its crop may become the snapshot)."""
        self.samples.append(sample)
        if self.verdict.decided:
            self.samples_since_decided += 1
        self.dirty = True

    def snapshot(self, matcher: FaceMatcher) -> Snapshot | None:
        """A frame whose sample matched the identity: the guest's own, or any good view."""
        with_crop = [s for s in self.samples if s.crop is not None]
        if not with_crop:
            return None
        guest = self.verdict.guest_id if self.verdict.state is State.GUEST else None
        if guest is not None:
            own = [s for s in with_crop if s.match.best_guest_id == guest]
            if not own:
                return None
            limit = matcher.tolerance_for(guest)
            near = [s for s in own if s.match.distance is not None and s.match.distance <= limit]
            pool = near or [min(own, key=lambda s: s.match.distance or 9.0)]
        else:
            pool = with_crop
        best = max(pool, key=_view_score)
        assert best.crop is not None
        return Snapshot(best.crop, _view_score(best), best.at)


def _view_score(sample: Sample) -> float:
    """How good a sample's frame is to look at: quality times face size."""
    return sample.quality.score * sample.quality.face_px
