"""When a track is sampled, and which of its frames is its snapshot."""

import numpy as np

from core.config import RecognitionConfig
from tests.vision.test_identity import ANI, BUDI, BUDI_VEC, MATCHER, RULE, near_ani, sample
from vision.identity import State, Verdict
from vision.track_identity import POOR_BACKOFF_MAX_S, TrackIdentity

CFG = RecognitionConfig(max_samples=12)


def gaps(ident: TrackIdentity, until: float, step: float = 0.2, add=None) -> list[float]:
    """Run the schedule: the times at which a sample is taken."""
    taken, t = [], 0.0
    while t <= until:
        if ident.wants_sample(t, CFG, RULE):
            ident.add(add(t) if add else sample(np.zeros(128, np.float32), t))
            taken.append(round(t, 1))
        t = round(t + step, 1)
    return taken


def test_fast_until_enough_good_samples_then_decaying_within_the_budget():
    ident = TrackIdentity("gate", 1, 0.0, 0.0)
    taken = []
    t = 0.0
    while t <= 200:
        if ident.wants_sample(t, CFG, RULE):
            ident.add(near_ani(1, start=t)[0])
            ident.verdict = Verdict(State.GUEST, ANI) if len(ident.samples) >= 3 else ident.verdict
            taken.append(round(t, 1))
        t = round(t + 0.2, 1)
    assert taken[:3] == [0.0, 0.2, 0.4]
    assert np.diff(taken[2:]).round(1).tolist()[:6] == CFG.resample_intervals_s
    assert len(taken) == CFG.max_samples


def test_poor_views_back_off_instead_of_burning_the_budget():
    ident = TrackIdentity("gate", 1, 0.0, 0.0)
    taken = gaps(ident, 8.0, add=lambda t: near_ani(1, start=t, quality=0.05)[0])
    steps = np.diff(taken).round(1).tolist()
    assert steps[:3] == [0.4, 0.8, 1.6] and max(steps) == POOR_BACKOFF_MAX_S
    assert len(taken) < 8


def test_the_snapshot_is_a_frame_that_matched_the_guest():
    ident = TrackIdentity("gate", 1, 0.0, 0.0)
    own = near_ani(3)
    other = sample(BUDI_VEC, 1.0, quality=1.0)
    for s, shade in zip([*own, other], (10, 20, 30, 250), strict=True):
        crop = np.full((4, 4, 3), shade, np.uint8)
        ident.add(type(s)(s.at, s.encoding, s.quality, s.match, crop))
    ident.verdict = Verdict(State.GUEST, ANI)
    snap = ident.snapshot(MATCHER)
    assert snap is not None and snap.image[0, 0, 0] in (10, 20, 30)
    ident.verdict = Verdict(State.GUEST, BUDI)
    assert ident.snapshot(MATCHER).image[0, 0, 0] == 250
    ident.verdict = Verdict(State.STRANGER)
    assert ident.snapshot(MATCHER) is not None
