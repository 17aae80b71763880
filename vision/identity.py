"""A track's identity from the evidence of its whole life, not from its first frames.

Every encoding of a track is a `Sample` with its quality. Poor samples never vote. The evidence
is the quality-weighted mean, per identity, of the distances of the track's best good samples;
the matcher's own rule (tolerance, gallery-adaptive, AND a margin over everybody else) then
names a guest only when enough good samples agree. A "stranger" verdict is provisional: the
track keeps being sampled at a decaying rate and is promoted when the evidence later names a
guest; a named track whose evidence turns against the name is reopened. Far-apart samples of
one track (a cut, two people crossing) split it so that one identity never mixes two people.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from core.config import RecognitionConfig
from core.vocab import RecognitionReason
from vision.matcher import NOBODY, FaceMatcher, Match
from vision.quality import SampleQuality


class State(StrEnum):
    """Where a track's identity stands."""

    UNDECIDED = "undecided"
    GUEST = "guest"
    STRANGER = "stranger"


Reason = RecognitionReason


@dataclass(frozen=True)
class Sample:
    """One encoding of a track, its quality, what it matched alone, and its face crop."""

    at: float
    encoding: np.ndarray
    quality: SampleQuality
    match: Match
    crop: np.ndarray | None = None


@dataclass(frozen=True)
class IdentityRule:
    """The constants of the decision (see config.yaml `recognition` and the README)."""

    min_good: int = 3
    min_quality: float = 0.25
    evidence_samples: int = 5
    stranger_distance: float = 0.62
    stranger_after_s: float = 4.0
    split_distance: float = 0.65
    reopen_slack: float = 0.05

    @classmethod
    def from_config(cls, cfg: RecognitionConfig) -> IdentityRule:
        """The rule with the configured constants."""
        return cls(
            min_good=cfg.min_votes,
            min_quality=cfg.min_quality,
            evidence_samples=cfg.evidence_samples,
            stranger_distance=cfg.stranger_distance,
            stranger_after_s=cfg.stranger_after_s,
            split_distance=cfg.split_distance,
            reopen_slack=cfg.reopen_slack,
        )


@dataclass(frozen=True)
class Verdict:
    """The evidence's outcome for a track."""

    state: State
    guest_id: int | None = None
    distance: float | None = None
    second_distance: float | None = None
    best_guest_id: int | None = None
    good: int = 0
    reason: Reason = Reason.PENDING

    @property
    def decided(self) -> bool:
        """A guest or a stranger (both may still change)."""
        return self.state is not State.UNDECIDED


UNDECIDED = Verdict(State.UNDECIDED)


def good_samples(samples: list[Sample], rule: IdentityRule) -> list[Sample]:
    """The samples whose quality lets them vote."""
    return [s for s in samples if s.quality.score >= rule.min_quality]


def evidence_of(samples: list[Sample], rule: IdentityRule) -> list[Sample]:
    """The best `evidence_samples` good samples by quality (newer first among equals)."""
    ranked = sorted(good_samples(samples, rule), key=lambda s: (s.quality.score, s.at))
    return ranked[-rule.evidence_samples :]


def weighted_distances(matcher: FaceMatcher, samples: list[Sample]) -> np.ndarray:
    """The quality-weighted mean distance of the samples to each identity of the matcher."""
    rows = matcher.identity_distances(np.stack([s.encoding for s in samples]))
    weights = np.array([s.quality.score for s in samples], dtype=np.float64)
    mean: np.ndarray = (weights[:, None] * rows).sum(axis=0) / max(float(weights.sum()), 1e-9)
    return mean


def evaluate(
    samples: list[Sample], matcher: FaceMatcher, rule: IdentityRule, elapsed_s: float
) -> Verdict:
    """The verdict on a track's samples `elapsed_s` after it was first seen (pure)."""
    good = good_samples(samples, rule)
    late = elapsed_s >= rule.stranger_after_s
    if not good:
        return Verdict(State.STRANGER, reason=Reason.UNIDENTIFIED) if late else UNDECIDED
    evidence = evidence_of(samples, rule)
    match = matcher.decide(weighted_distances(matcher, evidence)) if len(matcher) else NOBODY
    if match.guest_id is not None and len(good) >= rule.min_good:
        return _verdict(State.GUEST, match, len(good), Reason.EVIDENCE, match.guest_id)
    if len(good) >= rule.min_good and _far(match, rule):
        return _verdict(State.STRANGER, match, len(good), Reason.FAR)
    if late:
        return _verdict(State.STRANGER, match, len(good), Reason.NOT_NAMED)
    return _verdict(State.UNDECIDED, match, len(good), Reason.PENDING)


def _verdict(
    state: State, match: Match, good: int, reason: Reason, guest_id: int | None = None
) -> Verdict:
    return Verdict(
        state, guest_id, match.distance, match.second_distance, match.best_guest_id, good, reason
    )


def _far(match: Match, rule: IdentityRule) -> bool:
    """Every guest is clearly beyond reach (or there are none)."""
    return match.distance is None or match.distance > rule.stranger_distance


def contradicts(recorded: Verdict, now: Verdict, matcher: FaceMatcher, rule: IdentityRule) -> bool:
    """Does the evidence now clearly say that a recorded guest is somebody else or nobody?

    Another guest named, somebody else (a guest or a known impostor) nearer than the recorded
    guest, or the recorded guest farther than their tolerance plus `reopen_slack`.
    """
    if recorded.state is not State.GUEST or recorded.guest_id is None:
        return False
    if now.state is State.GUEST:
        return now.guest_id != recorded.guest_id
    if now.state is State.UNDECIDED or now.distance is None:
        return False
    if now.best_guest_id != recorded.guest_id:
        return True
    if now.second_distance is not None and now.second_distance < now.distance:
        return True
    return now.distance > matcher.tolerance_for(recorded.guest_id) + rule.reopen_slack


def centroid(samples: list[Sample], rule: IdentityRule) -> np.ndarray | None:
    """The quality-weighted mean encoding of the good samples (None without any)."""
    good = good_samples(samples, rule)
    if not good:
        return None
    weights = np.array([s.quality.score for s in good], dtype=np.float32)
    stacked = np.stack([s.encoding for s in good])
    mean: np.ndarray = (weights[:, None] * stacked).sum(axis=0) / weights.sum()
    return mean


def splits(samples: list[Sample], new: Sample, recorded: Verdict, rule: IdentityRule) -> bool:
    """Does a new good sample belong to someone else than the track so far?

    Far from the track's centroid (farther than the same person's real footage ever measured),
    or on its own confidently another guest than the one recorded.
    """
    if new.quality.score < rule.min_quality:
        return False
    centre = centroid(samples, rule)
    if centre is not None and float(np.linalg.norm(new.encoding - centre)) > rule.split_distance:
        return True
    named = new.match.guest_id
    return recorded.state is State.GUEST and named is not None and named != recorded.guest_id
