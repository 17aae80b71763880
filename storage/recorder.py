"""The worker's unit of work for arrivals: snapshot files, one commit, then the events.

A snapshot that cannot be written (read-only or full disk) never costs the arrival: the row is
stored without it and the fault is kept for the camera's health. Files written for a transaction
that rolls back are removed; files a change replaced are deleted only after the commit, and only
when no row refers to them any more.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

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
from storage.db import transaction
from storage.media import MediaStore
from storage.models import Arrival, FaceSample, UnknownFace
from storage.reidentify import Change, promote_unknown, reopen_arrival

log = logging.getLogger(__name__)
FAULT_LOG_INTERVAL_S = 60.0

Write = Callable[[Session, SnapshotWriter | None], Recorded | None]


@dataclass
class MediaFault:
    """The last failure to write a snapshot, for the camera's health."""

    error: str
    at: float
    count: int = 1


def referenced(session: Session, path: str) -> bool:
    """Does any row still point at this media file?"""
    checks = (
        select(Arrival.id).where(Arrival.snapshot == path),
        select(UnknownFace.id).where(UnknownFace.snapshot == path),
        select(FaceSample.id).where(FaceSample.photo == path),
    )
    return any(session.scalar(q.limit(1)) is not None for q in checks)


class ArrivalRecorder:
    """Stores sightings (snapshot file, then one commit) and only then publishes the events."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        media: MediaStore,
        sink: EventSink,
        policy: ArrivalPolicy,
    ) -> None:
        self.sessions = sessions
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
        written: list[str] = []

        def save(kind: str) -> str | None:
            assert snapshot is not None
            try:
                written.append(self.media.save_jpeg(snapshot, kind))
            except OSError as exc:
                self._media_failed(exc)
                return None
            self.fault = None
            return written[-1]

        try:
            with transaction(self.sessions) as session:
                recorded = write(session, save if snapshot is not None else None)
                events = events_for(recorded) if recorded is not None else []
        except Exception:
            for rel in written:
                self.media.delete(rel)
            raise
        if recorded is not None:
            self._drop_stale(recorded)
        for event in events:
            self.sink.publish(event)
        return recorded

    def _drop_stale(self, recorded: Recorded) -> None:
        """Delete replaced files that no row refers to any more (after the commit)."""
        stale = [p for p in [recorded.old_snapshot, *recorded.stale_files] if p]
        if not stale:
            return
        with self.sessions() as session:
            for path in dict.fromkeys(stale):
                if not referenced(session, path):
                    self.media.delete(path)

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
