import numpy as np
import pytest

from core.config import RecognitionConfig
from vision.geometry import Box
from vision.tracker import Sample, Track
from vision.voting import decide, needs_sample, vote

A, B = 1, 2


def samples(*who: int | None) -> list[Sample]:
    return [
        Sample(float(i), np.zeros(128, np.float32), g, 0.3 + i / 100, 0.8)
        for i, g in enumerate(who)
    ]


def test_too_few_samples_give_no_name():
    assert not vote(samples(A), min_votes=2).decided
    assert not vote(samples(), min_votes=1).decided


def test_enough_agreeing_samples_name_the_guest_with_their_best_distance():
    verdict = vote(samples(A, A, None), min_votes=2)
    assert verdict.decided and verdict.guest_id == A and verdict.votes == 2
    assert verdict.distance == pytest.approx(0.30)


def test_a_tie_gives_no_name():
    assert not vote(samples(A, B), min_votes=1).decided
    assert not vote(samples(A, A, B, B), min_votes=2).decided
    assert not vote(samples(A, A, None, None), min_votes=2).decided


def test_a_tie_when_no_more_samples_come_is_a_stranger_never_the_closest_guest():
    verdict = vote(samples(A, A, B, B), min_votes=2, exhausted=True)
    assert verdict.stranger


def test_a_leader_below_min_votes_when_exhausted_is_a_stranger():
    verdict = vote(samples(A, B, None), min_votes=2, exhausted=True)
    assert verdict.stranger


def test_unknown_votes_count_and_an_unknown_majority_is_a_stranger():
    verdict = vote(samples(None, A, None), min_votes=2)
    assert verdict.stranger
    assert verdict.votes == 2


def test_needs_sample_only_while_undecided_spaced_and_below_max():
    cfg = RecognitionConfig(max_samples=3, sample_interval_s=0.4)
    track = Track(1, Box(0, 10, 10, 0), 0.0, 0.0)
    assert needs_sample(track, 0.0, cfg)
    track.samples = samples(A)
    assert not needs_sample(track, 0.3, cfg)
    assert needs_sample(track, 0.5, cfg)
    track.samples = samples(A, B, None)
    assert not needs_sample(track, 10.0, cfg)
    track.samples = samples(A)
    track.decided = True
    assert not needs_sample(track, 10.0, cfg)


def test_decide_uses_the_configured_minimum_and_knows_when_samples_ran_out():
    cfg = RecognitionConfig(min_votes=3, max_samples=4)
    track = Track(1, Box(0, 10, 10, 0), 0.0, 0.0)
    track.samples = samples(A, A)
    assert not decide(track, cfg).decided
    track.samples = samples(A, A, B, B)
    assert decide(track, cfg).stranger
    track.samples = samples(A, A, A)
    assert decide(track, cfg).guest_id == A
