import warnings

import numpy as np
import pytest

from storage.guests import Gallery
from vision.matcher import FaceMatcher

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # face_recognition_models uses pkg_resources
    import face_recognition

OBAMA, BIDEN, KIT, ROSE = 1, 2, 3, 4


def gallery(rows: list[tuple[int, np.ndarray]], staff: set[int] | None = None) -> Gallery:
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    vectors = np.stack([r[1] for r in rows]).astype(np.float32)
    names = {gid: f"guest {gid}" for gid in ids.tolist()}
    return Gallery(ids, vectors, names, staff or set())


def at_distance(origin: np.ndarray, distance: float, seed: int) -> np.ndarray:
    """A vector exactly `distance` away from `origin` in a random direction."""
    direction = np.random.default_rng(seed).normal(size=origin.shape)
    return (origin + distance * direction / np.linalg.norm(direction)).astype(np.float32)


@pytest.fixture
def real_gallery(encodings):
    return gallery(
        [
            (OBAMA, encodings["obama1"]),
            (BIDEN, encodings["biden1"]),
            (OBAMA, encodings["obama2"]),
            (ROSE, encodings["rose1"]),
        ]
    )


def test_vectorised_distances_equal_face_recognition(real_gallery, encodings):
    matcher = FaceMatcher(real_gallery)
    for query in ("obama3", "biden2", "kit2"):
        ours = matcher.sample_distances(encodings[query])[0]
        # the matcher keeps rows grouped by guest; compare against the same order
        order = np.argsort(real_gallery.guest_ids, kind="stable")
        ref = face_recognition.face_distance(real_gallery.encodings[order], encodings[query])
        np.testing.assert_allclose(ours, ref, atol=1e-5)


def test_guest_distance_is_the_best_of_their_samples(real_gallery, encodings):
    matcher = FaceMatcher(real_gallery)
    per_guest = matcher.guest_distances(encodings["obama3"])[0]
    column = dict(zip(matcher.guest_ids.tolist(), per_guest.tolist(), strict=True))
    obama_samples = face_recognition.face_distance(
        np.stack([encodings["obama1"], encodings["obama2"]]), encodings["obama3"]
    )
    assert column[OBAMA] == pytest.approx(obama_samples.min(), abs=1e-5)
    assert set(column) == {OBAMA, BIDEN, ROSE}


def test_real_faces_match_their_guest_and_a_stranger_stays_unknown(real_gallery, encodings):
    matcher = FaceMatcher(real_gallery, tolerance=0.5, margin=0.06)
    assert matcher.match(encodings["obama3"]).guest_id == OBAMA
    assert matcher.match(encodings["biden2"]).guest_id == BIDEN
    stranger = matcher.match(encodings["kit2"])
    assert stranger.guest_id is None
    assert stranger.distance is not None and stranger.distance > 0.5


def test_match_many_equals_one_by_one(real_gallery, encodings):
    matcher = FaceMatcher(real_gallery)
    queries = np.stack([encodings[k] for k in ("obama3", "biden2", "kit1", "rose2")])
    together = matcher.match_many(queries)
    alone = [matcher.match(q) for q in queries]
    assert [m.guest_id for m in together] == [m.guest_id for m in alone]
    for a, b in zip(together, alone, strict=True):
        assert (a.distance, a.second_distance) == pytest.approx(
            (b.distance, b.second_distance), abs=1e-5
        )


def test_within_tolerance_but_without_margin_is_unknown():
    query = np.zeros(128, dtype=np.float32)
    close = gallery([(OBAMA, at_distance(query, 0.40, 1)), (BIDEN, at_distance(query, 0.43, 2))])
    match = FaceMatcher(close, tolerance=0.5, margin=0.06).match(query)
    assert match.guest_id is None
    assert match.best_guest_id == OBAMA
    assert match.distance == pytest.approx(0.40, abs=1e-5)
    assert match.second_distance == pytest.approx(0.43, abs=1e-5)


def test_clear_margin_names_the_guest():
    query = np.zeros(128, dtype=np.float32)
    clear = gallery([(OBAMA, at_distance(query, 0.40, 1)), (BIDEN, at_distance(query, 0.47, 2))])
    guest_id, distance, second = FaceMatcher(clear, tolerance=0.5, margin=0.06).match(query)
    assert guest_id == OBAMA
    assert (distance, second) == pytest.approx((0.40, 0.47), abs=1e-5)


def test_second_best_is_another_guest_not_another_sample_of_the_same_guest():
    query = np.zeros(128, dtype=np.float32)
    rows = [
        (OBAMA, at_distance(query, 0.40, 1)),
        (OBAMA, at_distance(query, 0.41, 2)),
        (BIDEN, at_distance(query, 0.70, 3)),
    ]
    match = FaceMatcher(gallery(rows), tolerance=0.5, margin=0.06).match(query)
    assert match.guest_id == OBAMA
    assert match.second_distance == pytest.approx(0.70, abs=1e-5)


def test_beyond_tolerance_is_unknown_even_with_a_margin():
    query = np.zeros(128, dtype=np.float32)
    rows = [(OBAMA, at_distance(query, 0.55, 1)), (BIDEN, at_distance(query, 0.9, 2))]
    match = FaceMatcher(gallery(rows), tolerance=0.5, margin=0.06).match(query)
    assert match.guest_id is None
    assert match.best_guest_id == OBAMA


def test_single_enrolled_guest_has_no_second_distance():
    query = np.zeros(128, dtype=np.float32)
    match = FaceMatcher(gallery([(KIT, at_distance(query, 0.3, 1))])).match(query)
    assert match.guest_id == KIT
    assert match.second_distance is None


def test_empty_gallery_gives_unknown_for_every_face():
    matcher = FaceMatcher(Gallery())
    assert len(matcher) == 0
    matches = matcher.match_many(np.zeros((3, 128), dtype=np.float32))
    assert [tuple(m) for m in matches] == [(None, None, None)] * 3


def test_large_gallery_agrees_with_brute_force():
    rng = np.random.default_rng(7)
    ids = rng.integers(1, 5000, 20_000).astype(np.int64)
    vectors = rng.normal(0, 0.1, (20_000, 128)).astype(np.float32)
    query = vectors[1234] + rng.normal(0, 0.01, 128).astype(np.float32)
    match = FaceMatcher(Gallery(ids, vectors, {}, set()), tolerance=0.6, margin=0.0).match(query)
    brute = np.linalg.norm(vectors.astype(np.float64) - query, axis=1)
    assert match.best_guest_id == ids[int(np.argmin(brute))]
    assert match.distance == pytest.approx(brute.min(), abs=1e-4)


def with_impostors(rows, impostors) -> Gallery:
    base = gallery(rows)
    ids = np.array([r[0] for r in impostors], dtype=np.int64)
    vectors = np.stack([r[1] for r in impostors]).astype(np.float32)
    return Gallery(base.guest_ids, base.encodings, base.names, base.staff, ids, vectors)


def test_a_face_near_an_impostor_sample_of_the_guest_is_nobody():
    query = np.zeros(128, dtype=np.float32)
    rows = [(OBAMA, at_distance(query, 0.40, 1)), (BIDEN, at_distance(query, 0.9, 2))]
    plain = FaceMatcher(gallery(rows), tolerance=0.58, margin=0.1)
    assert plain.match(query).guest_id == OBAMA
    marked = FaceMatcher(
        with_impostors(rows, [(OBAMA, at_distance(query, 0.2, 3))]), tolerance=0.58, margin=0.1
    )
    match = marked.match(query)
    assert match.guest_id is None and match.best_guest_id == OBAMA
    assert match.second_distance == pytest.approx(0.2, abs=1e-5)
    assert list(marked.guest_ids) == [OBAMA, BIDEN] and -OBAMA in marked.columns
    # the real Obama, far from the impostor, is still Obama
    real = at_distance(rows[0][1], 0.05, 4)
    assert marked.match(real).guest_id == OBAMA


def test_tolerance_tightens_where_enrolled_guests_look_alike():
    query = np.zeros(128, dtype=np.float32)
    ani = at_distance(query, 0.40, 1)
    rows = [(OBAMA, ani), (BIDEN, at_distance(ani, 0.45, 2))]  # look-alikes 0.45 apart
    matcher = FaceMatcher(gallery(rows), tolerance=0.58, margin=0.1)
    assert matcher.nearest_other_guest(OBAMA) == pytest.approx(0.45, abs=1e-5)
    assert matcher.tolerance_for(OBAMA) == pytest.approx(0.35, abs=1e-5)
    assert matcher.match(query).guest_id is None  # 0.40 away: no nearer than a look-alike is
    assert matcher.match(at_distance(ani, 0.2, 3)).guest_id in (OBAMA, None)
    assert matcher.match(ani).guest_id == OBAMA
    alone = FaceMatcher(gallery([(OBAMA, ani)]), tolerance=0.58, margin=0.1)
    assert alone.tolerance_for(OBAMA) == 0.58


def test_the_real_speech_is_nearer_obama_than_anyone_frame_by_frame_mostly(
    speech_frames, encoder, encodings
):
    from vision.detect import HogFaceDetector

    keys = [(OBAMA, "obama1"), (OBAMA, "obama2"), (BIDEN, "biden1"), (KIT, "kit1"), (ROSE, "rose1")]
    rows = [(guest, encodings[key]) for guest, key in keys]
    matcher = FaceMatcher(gallery(rows), tolerance=0.58, margin=0.1)
    detector = HogFaceDetector()
    best = [
        matcher.match(encoder.encode(f, detector.detect(f)[0])).best_guest_id
        for f in speech_frames[::4]
    ]
    assert best.count(OBAMA) >= 0.8 * len(best)
