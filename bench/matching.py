"""1:N match time: FaceMatcher against face_recognition.face_distance over random galleries."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import face_recognition
import numpy as np

from storage.guests import Gallery
from vision.matcher import FaceMatcher

SIZES = (1_000, 100_000)
RUNS = {1_000: 500, 100_000: 60}


def random_encodings(rng: np.random.Generator, n: int) -> np.ndarray:
    """`n` random 128-d encodings with the scale of real dlib encodings (norm about 1)."""
    vectors = rng.normal(0.0, 0.09, size=(n, 128))
    return vectors.astype(np.float32)


def median_ms(call: Callable[[], object], runs: int) -> float:
    """The median wall time of `call` over `runs` runs, in milliseconds (after one warm-up)."""
    call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def match_times(seed: int = 7) -> dict[int, tuple[float, float]]:
    """For each gallery size: (FaceMatcher.match ms, naive face_distance + compare ms)."""
    rng = np.random.default_rng(seed)
    times = {}
    for n in SIZES:
        encodings = random_encodings(rng, n)
        ids = np.arange(1, n + 1, dtype=np.int64)  # one sample per guest: the widest reduce
        matcher = FaceMatcher(Gallery(ids, encodings, {}, set()), 0.5, 0.06)
        query = random_encodings(rng, 1)[0]
        known, query64 = encodings.astype(np.float64), query.astype(np.float64)
        ours = median_ms(lambda m=matcher, q=query: m.match(q), RUNS[n])
        naive = median_ms(
            lambda k=known, q=query64: face_recognition.compare_faces(k, q, 0.5), RUNS[n]
        )
        times[n] = (ours, naive)
    return times
