"""The decision over a track's samples, on vectors at exact distances from two guests."""

import numpy as np
import pytest

from storage.guests import Gallery
from vision.identity import (
    IdentityRule,
    Reason,
    Sample,
    State,
    Verdict,
    contradicts,
    evaluate,
    evidence_of,
    splits,
)
from vision.matcher import FaceMatcher
from vision.quality import SampleQuality

ANI, BUDI = 1, 2
RULE = IdentityRule(min_good=3, min_quality=0.25, stranger_distance=0.62, stranger_after_s=4.0)
RNG = np.random.default_rng(3)
CENTRE = RNG.normal(0, 0.1, 128).astype(np.float32)


def unit(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=128)
    return (v / np.linalg.norm(v)).astype(np.float32)


# Two guests 0.9 apart; queries are built at chosen distances from each.
ANI_VEC = CENTRE + 0.45 * unit(1)
BUDI_VEC = CENTRE - 0.45 * unit(1)
MATCHER = FaceMatcher(
    Gallery(np.array([ANI, BUDI]), np.stack([ANI_VEC, BUDI_VEC]), {ANI: "Ani", BUDI: "Budi"}),
    tolerance=0.58,
    margin=0.1,
)


def toward(target: np.ndarray, distance: float, seed: int) -> np.ndarray:
    """A vector `distance` from `target`, off to the side (about equally far from the rest)."""
    side = unit(100 + seed)
    side -= side.dot(unit(1)) * unit(1)
    return (target + distance * side / np.linalg.norm(side)).astype(np.float32)


def sample(vec: np.ndarray, at: float = 0.0, quality: float = 0.9) -> Sample:
    q = SampleQuality(120, 20.0, 1.0, 1.0, quality)
    return Sample(at, vec, q, MATCHER.match(vec))


def near_ani(n: int, distance: float = 0.45, quality: float = 0.9, start: float = 0.0):
    return [sample(toward(ANI_VEC, distance, i), start + i * 0.2, quality) for i in range(n)]


def test_enough_good_samples_near_one_guest_name_him():
    verdict = evaluate(near_ani(3), MATCHER, RULE, 0.6)
    assert verdict.state is State.GUEST and verdict.guest_id == ANI
    assert verdict.reason is Reason.EVIDENCE and verdict.good == 3
    assert verdict.distance == pytest.approx(0.45, abs=0.01)


def test_too_few_good_samples_are_not_yet_a_name():
    assert evaluate(near_ani(2), MATCHER, RULE, 0.4).state is State.UNDECIDED


def test_poor_samples_never_vote_either_way():
    poor_near = near_ani(6, quality=0.1)
    assert evaluate(poor_near, MATCHER, RULE, 2.0).state is State.UNDECIDED
    poor_far = [sample(toward(CENTRE, 1.2, i), i, 0.1) for i in range(6)]
    assert evaluate(poor_far, MATCHER, RULE, 2.0).state is State.UNDECIDED


def test_a_track_with_no_good_view_becomes_a_provisional_stranger_in_time():
    verdict = evaluate(near_ani(6, quality=0.1), MATCHER, RULE, 4.0)
    assert verdict.state is State.STRANGER and verdict.reason is Reason.UNIDENTIFIED


def test_far_from_every_guest_is_a_stranger_at_once():
    far = [sample(toward(ANI_VEC, 0.7, i), i * 0.2) for i in range(3)]
    verdict = evaluate(far, MATCHER, RULE, 0.6)
    assert verdict.state is State.STRANGER and verdict.reason is Reason.FAR


def test_just_beyond_tolerance_waits_then_is_a_stranger():
    near = [sample(toward(ANI_VEC, 0.60, i), i * 0.2) for i in range(5)]
    assert evaluate(near, MATCHER, RULE, 1.0).state is State.UNDECIDED
    late = evaluate(near, MATCHER, RULE, 4.5)
    assert late.state is State.STRANGER and late.reason is Reason.NOT_NAMED


def test_a_face_near_two_guests_is_nobody():
    between = CENTRE + 0.05 * unit(7)  # about 0.45 from both
    samples = [sample(between + 0.01 * unit(20 + i), i * 0.2) for i in range(8)]
    verdict = evaluate(samples, MATCHER, RULE, 10.0)
    assert verdict.state is State.STRANGER and verdict.guest_id is None
    assert verdict.best_guest_id in (ANI, BUDI)


def test_evidence_weighs_the_best_samples_so_a_sharper_view_promotes_a_stranger():
    blurry_far = [sample(toward(ANI_VEC, 0.66, i), i * 0.2, quality=0.3) for i in range(5)]
    assert evaluate(blurry_far, MATCHER, RULE, 1.0).state is State.STRANGER
    sharp = near_ani(5, distance=0.40, quality=1.0, start=2.0)
    both = blurry_far + sharp
    assert evidence_of(both, RULE) == sharp
    assert evaluate(both, MATCHER, RULE, 3.0).guest_id == ANI


def test_a_single_outlier_does_not_undo_a_name():
    samples = [*near_ani(4), sample(toward(BUDI_VEC, 0.5, 9), 1.0)]
    assert evaluate(samples, MATCHER, RULE, 1.0).guest_id == ANI


GUEST_ANI = Verdict(State.GUEST, ANI, 0.45, 0.9, ANI, 3)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (Verdict(State.GUEST, ANI, 0.44, 0.9, ANI), False),
        (Verdict(State.UNDECIDED, None, 0.70, 0.9, ANI), False),
        (Verdict(State.GUEST, BUDI, 0.40, 0.9, BUDI), True),
        (Verdict(State.STRANGER, None, 0.61, 0.9, ANI, reason=Reason.NOT_NAMED), False),
        (Verdict(State.STRANGER, None, 0.64, 0.9, ANI, reason=Reason.NOT_NAMED), True),
        (Verdict(State.STRANGER, None, 0.40, 0.35, ANI, reason=Reason.NOT_NAMED), True),
        (Verdict(State.STRANGER, None, 0.50, 0.55, BUDI, reason=Reason.NOT_NAMED), True),
    ],
    ids=["same", "undecided", "other guest", "slightly far", "clearly far", "someone nearer",
         "another guest nearest"],
)  # fmt: skip
def test_what_contradicts_a_recorded_name(now, expected):
    assert contradicts(GUEST_ANI, now, MATCHER, RULE) is expected


def test_a_far_sample_or_another_guests_sample_splits_the_track():
    track = near_ani(3)
    assert not splits(track, sample(toward(ANI_VEC, 0.5, 50), 1.0), GUEST_ANI, RULE)
    assert splits(track, sample(BUDI_VEC + 0.01 * unit(51), 1.0), GUEST_ANI, RULE)
    far_stranger = sample(toward(CENTRE, 0.9, 52) + 0.6 * unit(53), 1.0)
    assert splits(track, far_stranger, Verdict(State.UNDECIDED), RULE)
    poor = sample(BUDI_VEC, 1.0, quality=0.1)
    assert not splits(track, poor, GUEST_ANI, RULE)
