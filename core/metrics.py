"""What a camera worker counts between two flushes to storage (thread-safe), and the names.

Camera processes may run on other hosts and are restarted at will, so they keep no totals: each
adds its increments to the database (storage.metrics) and the dashboard exports the totals at
/metrics. Histogram buckets are stored cumulatively, as Prometheus exposes them.
"""

from __future__ import annotations

import math
import threading
from enum import StrEnum

# Face first seen -> arrival stored, in seconds: the vote needs a few good samples first.
LATENCY_BUCKETS = (0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0, 30.0, 60.0, 120.0, math.inf)
Key = tuple[str, str]  # (counter name, bucket bound or "")


class Count(StrEnum):
    """The counters a camera worker keeps (stored names; exported as tamu_<name>_total)."""

    FRAMES_ANALYSED = "frames_analysed"
    ENCODINGS = "encodings"
    RECONNECTS = "reconnects"
    READ_FAULTS = "read_faults"
    ARRIVALS = "arrivals"
    UNKNOWN_FACES = "unknown_faces"
    LATENCY_BUCKET = "recognition_latency_seconds_bucket"
    LATENCY_SUM = "recognition_latency_seconds_sum"
    LATENCY_COUNT = "recognition_latency_seconds_count"


def bucket_label(bound: float) -> str:
    """A bucket bound as Prometheus writes it ("0.5", "+Inf")."""
    return "+Inf" if math.isinf(bound) else repr(float(bound))


class CameraCounts:
    """Increments of one camera not yet stored; `take()` hands them over and starts afresh."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[Key, float] = {}

    def add(self, name: Count, amount: float = 1.0, le: str = "") -> None:
        """Count `amount` more of `name` (of the bucket `le` for a histogram)."""
        with self._lock:
            key = (name.value, le)
            self._pending[key] = self._pending.get(key, 0.0) + amount

    def observe_latency(self, seconds: float) -> None:
        """One arrival stored `seconds` after its face was first seen."""
        seconds = max(0.0, seconds)
        for bound in LATENCY_BUCKETS:
            if seconds <= bound:
                self.add(Count.LATENCY_BUCKET, 1.0, bucket_label(bound))
        self.add(Count.LATENCY_SUM, seconds)
        self.add(Count.LATENCY_COUNT)

    def take(self) -> dict[Key, float]:
        """Every increment since the last take (and forget them)."""
        with self._lock:
            taken, self._pending = self._pending, {}
        return taken

    def give_back(self, taken: dict[Key, float]) -> None:
        """Keep increments whose flush failed, for the next one."""
        with self._lock:
            for key, amount in taken.items():
                self._pending[key] = self._pending.get(key, 0.0) + amount
