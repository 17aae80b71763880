"""1:N matching against every enrolled encoding in one vectorised float32 computation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from storage.guests import Gallery


@dataclass(frozen=True)
class Match:
    """The outcome for one face: the guest (None = unknown) and the two best guest distances."""

    guest_id: int | None
    distance: float | None
    second_distance: float | None
    best_guest_id: int | None = None

    def __iter__(self):
        return iter((self.guest_id, self.distance, self.second_distance))


class FaceMatcher:
    """Nearest guest by the best of their samples; a name needs tolerance AND a clear margin."""

    def __init__(self, gallery: Gallery, tolerance: float = 0.5, margin: float = 0.06) -> None:
        self.tolerance = tolerance
        self.margin = margin
        self.gallery = gallery
        order = np.argsort(gallery.guest_ids, kind="stable")
        ids = gallery.guest_ids[order]
        self._encodings = np.ascontiguousarray(gallery.encodings[order], dtype=np.float32)
        self._sq_norms = np.einsum("ij,ij->i", self._encodings, self._encodings)
        # Rows are grouped by guest so one reduceat gives each guest's best sample.
        self._starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if len(ids) else ids
        self._guests = ids[self._starts] if len(ids) else ids

    def __len__(self) -> int:
        return int(self._encodings.shape[0])

    def sample_distances(self, encodings: np.ndarray) -> np.ndarray:
        """Euclidean distances (Q, N) from each query to every enrolled sample (gallery order)."""
        queries = np.atleast_2d(np.asarray(encodings, dtype=np.float32))
        sq = self._sq_norms[None, :] - 2.0 * (queries @ self._encodings.T)
        sq += np.einsum("ij,ij->i", queries, queries)[:, None]
        return np.sqrt(np.maximum(sq, 0.0))

    def guest_distances(self, encodings: np.ndarray) -> np.ndarray:
        """Each query's best distance to each guest (Q, G); columns follow `guest_ids`."""
        distances = self.sample_distances(encodings)
        return np.minimum.reduceat(distances, self._starts, axis=1)

    @property
    def guest_ids(self) -> np.ndarray:
        """The guests, in the column order of `guest_distances`."""
        return self._guests

    def match(self, encoding: np.ndarray) -> Match:
        """Match one encoding."""
        return self.match_many(np.atleast_2d(encoding))[0]

    def match_many(self, encodings: np.ndarray) -> list[Match]:
        """Match several encodings with one distance computation."""
        queries = np.atleast_2d(np.asarray(encodings, dtype=np.float32))
        if len(self) == 0:
            return [Match(None, None, None) for _ in range(queries.shape[0])]
        per_guest = self.guest_distances(queries)
        return [self._decide(row) for row in per_guest]

    def _decide(self, row: np.ndarray) -> Match:
        if row.shape[0] == 1:
            best_idx, second = 0, None
        else:
            two = np.argpartition(row, 1)[:2]
            best_idx, second_idx = (two if row[two[0]] <= row[two[1]] else two[::-1]).tolist()
            second = float(row[second_idx])
        best = float(row[best_idx])
        best_guest = int(self._guests[best_idx])
        clear = second is None or second - best >= self.margin
        named = best_guest if best <= self.tolerance and clear else None
        return Match(named, best, second, best_guest)
