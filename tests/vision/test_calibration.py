"""Calibration on real encodings: look-alikes named, distributions, advice and the replay."""

import threading
from datetime import UTC, datetime

import numpy as np
import pytest

from core.config import RecognitionConfig
from storage.calibration import CalibrationInputs, EnrolledFace, VisitSamples, latest_report
from storage.db import transaction
from storage.guests import add_sample, create_guest
from vision.calibration import CalibrationRefresher, analyse, guest_pairs

OBAMA, TWIN, BIDEN, KIT = 1, 2, 3, 4
NAMES = {OBAMA: "Barack Obama", TWIN: "Kembaran Obama", BIDEN: "Joe Biden", KIT: "Kit Harington"}


def face(gid, vector, arrival=None, source="photo"):
    return EnrolledFace(gid, np.asarray(vector, np.float32), source, arrival)


def noisy(vector, n, seed):
    rng = np.random.default_rng(seed)
    return np.stack([vector + rng.normal(0, 0.01, 128) for _ in range(n)]).astype(np.float32)


def visit(arrival, vector, *, recorded=None, confirmed=None, not_guest=None, seed=0):
    return VisitSamples(
        arrival, recorded, noisy(vector, 4, seed), np.full(4, 0.9, np.float32), confirmed, not_guest
    )


@pytest.fixture
def inputs(encodings):
    """A gallery built to hold a look-alike pair: Obama's two photos as two different guests."""
    faces = [
        face(OBAMA, encodings["obama1"]),
        face(TWIN, encodings["obama2"]),
        face(BIDEN, encodings["biden1"]),
        face(KIT, encodings["kit1"]),
        face(KIT, encodings["kit1"] + 0.02),
    ]
    visits = [
        visit(10, encodings["kit2"], recorded=KIT, confirmed=KIT, seed=1),
        visit(11, encodings["biden2"], recorded=BIDEN, confirmed=BIDEN, seed=2),
        visit(12, encodings["rose1"], recorded=KIT, not_guest=KIT, seed=3),
    ]
    return CalibrationInputs(dict(NAMES), faces, [encodings["rose2"]], visits)


def test_the_look_alike_pair_is_named_and_the_others_are_not(inputs):
    report = analyse(inputs, RecognitionConfig())
    pairs = {(p["a_name"], p["b_name"]) for p in report["lookalikes"]}
    assert pairs == {("Barack Obama", "Kembaran Obama")}
    closest = report["between_guests"][0]
    assert (closest["a"], closest["b"]) == (OBAMA, TWIN) and closest["distance"] < 0.4
    assert [p.distance for p in guest_pairs({1: np.zeros((1, 2)), 2: np.ones((1, 2))})] == [
        pytest.approx(2**0.5)
    ]


def test_distributions_histogram_and_the_strangers(inputs):
    report = analyse(inputs, RecognitionConfig())
    assert report["guests"] == 4 and report["samples"] == 5
    assert report["genuine"]["n"] == 1 + 2  # Kit's two photos, and two confirmed visits
    assert report["impostor"]["n"] == 6 + 1  # every pair of guests, and one stranger
    assert sum(report["histogram"]["genuine"]) == report["genuine"]["n"]
    assert sum(report["histogram"]["impostor"]) == report["impostor"]["n"]
    assert report["genuine"]["median"] < report["impostor"]["median"]
    (stranger,) = report["strangers"]
    assert stranger["distance"] > 0.6


def test_the_replay_counts_each_choice_against_what_people_confirmed(inputs):
    report = analyse(inputs, RecognitionConfig())
    by_choice = {(r["tolerance"], r["margin"]): r for r in report["replay"]}
    usual = by_choice[(0.58, 0.1)]
    assert (usual["named_right"], usual["named_wrong"], usual["missed"]) == (2, 0, 0)
    strict = by_choice[(0.40, 0.1)]
    assert strict["missed"] >= 1 and strict["named_right"] < 2
    rec = report["recommendation"]
    assert rec["basis"].startswith("replay")
    assert by_choice[(rec["tolerance"], rec["margin"])]["named_wrong"] == 0
    assert by_choice[(rec["tolerance"], rec["margin"])]["named_right"] == 2


def test_what_a_visit_taught_the_gallery_does_not_vote_on_that_visit(inputs, encodings):
    # Kit's footage from visit 12 (which people said is NOT Kit) is in the gallery as Kit:
    # replaying visit 12 must not count it, or every choice would name it Kit.
    learnt = face(KIT, encodings["rose1"], arrival=12, source="camera")
    taught = CalibrationInputs(inputs.names, [*inputs.faces, learnt], [], inputs.visits)
    report = analyse(taught, RecognitionConfig())
    assert all(r["named_wrong"] == 0 for r in report["replay"] if r["tolerance"] <= 0.6)


def test_the_worker_keeps_a_fresh_report_for_the_admin(sessions, encodings):
    refresher = CalibrationRefresher(sessions, RecognitionConfig(), every_s=3600)
    assert refresher.refresh_if_due(0.0)
    assert not refresher.refresh_if_due(10.0)  # nothing changed
    with transaction(sessions) as s:
        add_sample(s, create_guest(s, name="Kit"), encodings["kit1"], None)
    assert refresher.refresh_if_due(20.0)  # enrolment changed
    with sessions() as s:
        made, report = latest_report(s)
    assert made <= datetime.now(UTC) and report["guests"] == 1
    stop = threading.Event()
    stop.set()
    refresher.run(stop)  # returns at once when stopping was asked for
