"""A track's identity by vote over its samples: no name on a tie or on too few samples."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from core.config import RecognitionConfig
from vision.tracker import Sample, Track


@dataclass(frozen=True)
class Verdict:
    """The vote's outcome: decided or not, and the guest (None = stranger)."""

    decided: bool
    guest_id: int | None = None
    votes: int = 0
    distance: float | None = None

    @property
    def stranger(self) -> bool:
        """Decided, and nobody we know."""
        return self.decided and self.guest_id is None


UNDECIDED = Verdict(False)


def vote(samples: list[Sample], min_votes: int, exhausted: bool = False) -> Verdict:
    """Decide from `samples`: the leader needs `min_votes` votes and no tie; unknown votes count.

    When `exhausted` (no more samples will be taken) a face that has enough samples but no
    clear leader is a stranger: never "the closest guest".
    """
    if len(samples) < min_votes:
        return UNDECIDED
    tally = Counter(s.guest_id for s in samples)
    ranked = tally.most_common()
    leader, count = ranked[0]
    tie = len(ranked) > 1 and ranked[1][1] == count
    if tie or count < min_votes:
        return Verdict(True, None, 0, None) if exhausted else UNDECIDED
    distances = [s.distance for s in samples if s.guest_id == leader and s.distance is not None]
    return Verdict(True, leader, count, min(distances) if distances else None)


def needs_sample(track: Track, now: float, cfg: RecognitionConfig) -> bool:
    """Encode this track now? Only while undecided, up to max_samples, sample_interval_s apart."""
    if track.decided or len(track.samples) >= cfg.max_samples:
        return False
    last = track.last_sample_at
    return last is None or now - last >= cfg.sample_interval_s


def decide(track: Track, cfg: RecognitionConfig) -> Verdict:
    """Vote over the track's samples with the configured minimum."""
    exhausted = len(track.samples) >= cfg.max_samples
    return vote(track.samples, cfg.min_votes, exhausted)
