"""1:N matching against every enrolled encoding in one vectorised float32 computation.

A face is named only when it is near one guest AND clearly nearer to that guest than to anybody
else the gallery knows: other guests, and faces that were once wrongly taken for a guest
("Bukan orang ini" impostor samples, which form an identity of their own). The tolerance of a
guest also tightens to their nearest other enrolled guest minus the margin: where enrolled people
look alike to dlib (siblings; faces of populations dlib separates poorly), a stranger of the same
look is as near as those guests are to each other, so nearness alone proves nothing there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from storage.guests import Gallery


@dataclass(frozen=True)
class Match:
    """The outcome for one face (or one track's evidence): the guest named (None = nobody)."""

    guest_id: int | None
    distance: float | None
    second_distance: float | None
    best_guest_id: int | None = None
    tolerance: float | None = None

    def __iter__(self) -> Iterator[float | int | None]:
        return iter((self.guest_id, self.distance, self.second_distance))

    @property
    def margin(self) -> float | None:
        """How much nearer the best guest is than anybody else (None without both)."""
        if self.distance is None or self.second_distance is None:
            return None
        return self.second_distance - self.distance


NOBODY = Match(None, None, None)


def _pairwise(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distances between the rows of `a` and of `b` (float32, one expression)."""
    sq = np.einsum("ij,ij->i", a, a)[:, None] - 2.0 * (a @ b.T)
    sq += np.einsum("ij,ij->i", b, b)[None, :]
    distances: np.ndarray = np.sqrt(np.maximum(sq, 0.0))
    return distances


class FaceMatcher:
    """Nearest identity by the best of its samples; a name needs tolerance AND a clear margin."""

    def __init__(self, gallery: Gallery, tolerance: float = 0.5, margin: float = 0.06) -> None:
        self.tolerance = tolerance
        self.margin = margin
        self.gallery = gallery
        labels = np.concatenate([gallery.guest_ids, -gallery.impostor_guest_ids]).astype(np.int64)
        vectors = np.concatenate([gallery.encodings, gallery.impostor_encodings])
        order = np.argsort(labels, kind="stable")
        self._labels = labels[order]
        self._encodings = np.ascontiguousarray(vectors[order], dtype=np.float32)
        self._sq_norms = np.einsum("ij,ij->i", self._encodings, self._encodings)
        # Rows are grouped by identity so one reduceat gives each identity's best sample.
        ids = self._labels
        self._starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if len(ids) else ids
        self._columns = ids[self._starts] if len(ids) else ids
        self._guest_cols = np.flatnonzero(self._columns > 0)
        self._nearest_other: dict[int, float] = {}

    def __len__(self) -> int:
        return int(self._encodings.shape[0])

    @property
    def columns(self) -> np.ndarray:
        """Identity of each column of `identity_distances`: guest ids, and -guest id for the
        impostor samples of that guest."""
        return self._columns

    @property
    def guest_ids(self) -> np.ndarray:
        """The enrolled guests."""
        return self._columns[self._guest_cols]

    def sample_distances(self, encodings: np.ndarray) -> np.ndarray:
        """Euclidean distances (Q, N) from each query to every stored row (grouped order)."""
        queries = np.atleast_2d(np.asarray(encodings, dtype=np.float32))
        sq = self._sq_norms[None, :] - 2.0 * (queries @ self._encodings.T)
        sq += np.einsum("ij,ij->i", queries, queries)[:, None]
        distances: np.ndarray = np.sqrt(np.maximum(sq, 0.0))
        return distances

    def identity_distances(self, encodings: np.ndarray) -> np.ndarray:
        """Each query's best distance to each identity (Q, C); columns follow `columns`."""
        if len(self) == 0:
            return np.zeros((np.atleast_2d(encodings).shape[0], 0), np.float32)
        return np.minimum.reduceat(self.sample_distances(encodings), self._starts, axis=1)

    def guest_distances(self, encodings: np.ndarray) -> np.ndarray:
        """Each query's best distance to each enrolled guest (Q, G); columns follow `guest_ids`."""
        return self.identity_distances(encodings)[:, self._guest_cols]

    def match(self, encoding: np.ndarray) -> Match:
        """Match one encoding."""
        return self.match_many(np.atleast_2d(encoding))[0]

    def match_many(self, encodings: np.ndarray) -> list[Match]:
        """Match several encodings with one distance computation."""
        queries = np.atleast_2d(np.asarray(encodings, dtype=np.float32))
        if len(self) == 0:
            return [NOBODY for _ in range(queries.shape[0])]
        return [self.decide(row) for row in self.identity_distances(queries)]

    def decide(
        self, row: np.ndarray, *, tolerance: float | None = None, margin: float | None = None
    ) -> Match:
        """The rule on one row of identity distances (one sample, or a track's evidence);
        `tolerance` and `margin` override the configured ones (calibration's replay)."""
        if row.shape[0] == 0 or self._guest_cols.shape[0] == 0:
            return NOBODY
        margin = self.margin if margin is None else margin
        guest_rows = row[self._guest_cols]
        best_col = int(self._guest_cols[int(np.argmin(guest_rows))])
        best_guest, best = int(self._columns[best_col]), float(row[best_col])
        others = np.delete(row, best_col)
        second = float(others.min()) if others.shape[0] else None
        tolerance = self.tolerance_for(best_guest, margin, tolerance)
        clear = second is None or second - best >= margin
        named = best_guest if best <= tolerance and clear else None
        return Match(named, best, second, best_guest, tolerance)

    def tolerance_for(
        self, guest_id: int, margin: float | None = None, tolerance: float | None = None
    ) -> float:
        """The configured tolerance, tightened to the guest's nearest other guest minus margin."""
        margin = self.margin if margin is None else margin
        tolerance = self.tolerance if tolerance is None else tolerance
        nearest = self.nearest_other_guest(guest_id)
        if nearest is None:
            return tolerance
        return min(tolerance, nearest - margin)

    def nearest_other_guest(self, guest_id: int) -> float | None:
        """The distance from the guest's samples to the nearest sample of another guest."""
        if guest_id not in self._nearest_other:
            own = self._labels == guest_id
            others = (self._labels > 0) & ~own
            if not own.any() or not others.any():
                return None
            dist = _pairwise(self._encodings[own], self._encodings[others])
            self._nearest_other[guest_id] = float(dist.min())
        return self._nearest_other[guest_id]
