"""The worker's recorder: each sighting is one unit of work (snapshot file, rows, events).

A snapshot that cannot be written (read-only or full disk) never costs the arrival: the row is
stored without it and the fault is kept for the camera's health. `storage.unit_of_work` removes
files written for a transaction that rolls back, deletes replaced files only after the commit
and only when no row refers to them any more, and publishes the events after the commit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from core.metrics import CameraCounts, Count
from core.sinks import EventSink
from storage.arrivals import (
    ArrivalPolicy,
    Recorded,
    Sighting,
    SnapshotWriter,
    events_for,
    record_guest,
    record_stranger,
)
from storage.media import MediaStore
from storage.reidentify import Change, promote_unknown, reopen_arrival
from storage.types import utcnow
from storage.unit_of_work import unit_of_work

log = logging.getLogger(__name__)
FAULT_LOG_INTERVAL_S = 60.0

Write = Callable[[Session, SnapshotWriter | None], Recorded | None]


@dataclass
class MediaFault:
    """The last failure to write a snapshot, for the camera's health."""

    error: str
    at: float
    count: int = 1


class ArrivalRecorder:
    """Stores sightings (snapshot file, then one commit) and only then publishes the events."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        media: MediaStore,
        sink: EventSink,
        policy: ArrivalPolicy,
        counts: CameraCounts | None = None,
    ) -> None:
        self.sessions = sessions
        self.counts = counts or CameraCounts()
        self.media = media
        self.sink = sink
        self.policy = policy
        self.fault: MediaFault | None = None
        self._logged_at = float("-inf")

    def guest_seen(
        self,
        guest_id: int,
        sighting: Sighting,
        snapshot: np.ndarray | None = None,
        *,
        arrival_id: int | None = None,
    ) -> Recorded | None:
        """Record a recognised guest; None for staff."""
        return self._store(
            lambda s, save: record_guest(
                s, self.policy, guest_id, sighting, save, arrival_id=arrival_id
            ),
            snapshot,
        )

    def stranger_seen(
        self,
        sighting: Sighting,
        snapshot: np.ndarray | None = None,
        *,
        unknown_id: int | None = None,
        continuing: bool = False,
    ) -> Recorded:
        """Record a stranger: a new unknown face, or a sighting of `unknown_id`."""
        recorded = self._store(
            lambda s, save: record_stranger(
                s, self.policy, sighting, save, unknown_id=unknown_id, continuing=continuing
            ),
            snapshot,
        )
        assert recorded is not None
        return recorded

    def promote(
        self, unknown_id: int, change: Change, sighting: Sighting, snapshot: np.ndarray | None
    ) -> Recorded | None:
        """A recorded stranger recognised as a guest; None when a person resolved it already."""
        return self._store(
            lambda s, save: promote_unknown(s, self.policy, unknown_id, change, sighting, save),
            snapshot,
        )

    def reopen(
        self,
        arrival_id: int,
        change: Change,
        sighting: Sighting,
        snapshot: np.ndarray | None,
        *,
        created_by_track: bool,
    ) -> Recorded | None:
        """A recorded guest the evidence now contradicts: renamed, or an unknown face again."""
        return self._store(
            lambda s, save: reopen_arrival(
                s, self.policy, arrival_id, change, sighting, save,
                created_by_track=created_by_track,
            ),
            snapshot,
        )  # fmt: skip

    def _store(self, write: Write, snapshot: np.ndarray | None) -> Recorded | None:
        with unit_of_work(self.sessions, self.media, self.sink) as uow:

            def save(kind: str) -> str | None:
                assert snapshot is not None
                try:
                    path: str = uow.files.save_jpeg(snapshot, kind)
                except OSError as exc:
                    self._media_failed(exc)
                    return None
                self.fault = None
                return path

            recorded = write(uow.session, save if snapshot is not None else None)
            if recorded is not None:
                for stale in [recorded.old_snapshot, *recorded.stale_files]:
                    uow.files.delete(stale)
                uow.publish(events_for(recorded))
        if recorded is not None and recorded.created:
            self._count(recorded)
        return recorded

    def _count(self, recorded: Recorded) -> None:
        """A new arrival (after its commit): count it, and how long recognising it took."""
        self.counts.add(Count.ARRIVALS)
        if recorded.unknown is not None:
            self.counts.add(Count.UNKNOWN_FACES)
        self.counts.observe_latency((utcnow() - recorded.arrival.first_seen).total_seconds())

    def _media_failed(self, exc: OSError) -> None:
        """Keep the fault for the camera's health; log it at most once a minute."""
        now = time.monotonic()
        error = f"snapshot not saved: {exc.strerror or exc}"
        if self.fault is not None and self.fault.error == error:
            self.fault.count += 1
            self.fault.at = now
        else:
            self.fault = MediaFault(error, now)
        if now - self._logged_at >= FAULT_LOG_INTERVAL_S:
            self._logged_at = now
            log.error("%s (%d so far); arrivals are stored without it", error, self.fault.count)
