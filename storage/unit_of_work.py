"""One unit of work for rows and media files: they change together or not at all.

    with unit_of_work(sessions, media, sink) as uow:
        photo = uow.files.save_jpeg(image, "faces")  # written now; removed if the block fails
        uow.files.delete(old_photo)                  # removed after the commit, if unreferenced
        row = uow.collect(command(uow.session, ...))  # a storage command's (row, events)
    # committed: the staged deletes are applied, then the events are published to `sink`

The rules, in the order they apply:
- a file written in the block is deleted again when the block raises (the rows roll back);
- a file staged for deletion is deleted only after the commit, and only when no row still
  references it (`MEDIA_COLUMNS`), so replacing a snapshot that an unknown face or an enrolled
  sample shares never leaves a row pointing at nothing;
- events are published only after the commit, and a failing sink never undoes it.
A crash (kill -9) between writing a file and the commit leaves an unreferenced file;
`storage.retention` sweeps such orphans (and stale temporary files) after their period.

Adopting it in the recorder (`storage.arrivals.ArrivalRecorder._store`) is a drop-in change:

    with unit_of_work(self.sessions, self.media, self.sink) as uow:
        save = (lambda kind: uow.files.save_jpeg(snapshot, kind)) if snapshot is not None else None
        recorded = write(uow.session, save)
        if recorded is not None:
            uow.files.delete(recorded.old_snapshot)
            uow.publish(events_for(recorded))
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from core.events import Event
from core.sinks import EventSink
from storage.media import MediaError, MediaStore
from storage.models import Arrival, Camera, FaceSample, UnknownFace
from storage.models_watchlist import WatchlistSample, WatchlistSighting

log = logging.getLogger(__name__)
RowT = TypeVar("RowT")
# Every column that stores a media path: a file is in use while one of them names it.
MEDIA_COLUMNS: tuple[InstrumentedAttribute[str | None], ...] = (
    Arrival.snapshot,
    UnknownFace.snapshot,
    FaceSample.photo,
    Camera.latest_frame,
    WatchlistSample.photo,
    WatchlistSighting.snapshot,
)


def referenced(session: Session, paths: Iterable[str]) -> set[str]:
    """Those of `paths` that a row (as this session sees it) still references."""
    wanted = set(paths)
    if not wanted:
        return set()
    found: set[str] = set()
    for column in MEDIA_COLUMNS:
        found |= {p for p in session.scalars(select(column).where(column.in_(wanted))) if p}
    return found


def all_referenced(session: Session) -> set[str]:
    """Every media path any row references."""
    found: set[str] = set()
    for column in MEDIA_COLUMNS:
        found |= {p for p in session.scalars(select(column).where(column.is_not(None))) if p}
    return found


@dataclass
class StagedFiles:
    """Media changes of one unit of work: writes happen at once, deletes wait for the commit."""

    media: MediaStore
    written: list[str] = field(default_factory=list)
    doomed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def save_jpeg(self, image_bgr: np.ndarray, kind: str) -> str:
        """Write a JPEG now (see MediaStore.save_jpeg); it is removed if the work fails."""
        rel = self.media.save_jpeg(image_bgr, kind)
        self.written.append(rel)
        return rel

    def copy(self, rel: str, kind: str) -> str:
        """Copy a stored file now (see MediaStore.copy); the copy is removed if the work fails."""
        new = self.media.copy(rel, kind)
        self.written.append(new)
        return new

    def delete(self, rel: str | None) -> None:
        """Delete a stored file after the commit, unless a row still references it then."""
        if rel and rel not in self.doomed:
            self.doomed.append(rel)

    def undo(self) -> None:
        """Remove the files written by work that failed."""
        for rel in self.written:
            self._remove(rel)
        self.written.clear()
        self.doomed.clear()

    def apply(self, keep: set[str]) -> None:
        """After the commit: delete the staged files that are not in `keep`."""
        for rel in self.doomed:
            if rel not in keep and self._remove(rel):
                self.deleted.append(rel)
        self.doomed.clear()

    def _remove(self, rel: str) -> bool:
        """Delete one file; True if it existed. Errors are logged: the rows are already right."""
        try:
            existed = self.media.remove(rel)
        except MediaError:
            log.warning("media: refused to delete a bad path %r", rel)
            return False
        except Exception as exc:  # a file or a database error: the rows are already right
            log.warning("media: could not delete %s: %s", rel, exc)
            return False
        return existed


@dataclass
class UnitOfWork:
    """A database session and the media changes and events that go with its transaction."""

    session: Session
    files: StagedFiles
    events: list[Event] = field(default_factory=list)

    def publish(self, events: Iterable[Event]) -> None:
        """Publish `events` after the commit (dropped if the work fails)."""
        self.events.extend(events)

    def collect(self, result: tuple[RowT, list[Event]]) -> RowT:
        """Keep a storage command's events for after the commit; its row."""
        row, events = result
        self.publish(events)
        return row


@contextmanager
def unit_of_work(
    sessions: sessionmaker[Session], media: MediaStore, sink: EventSink | None = None
) -> Iterator[UnitOfWork]:
    """A transaction over rows and files; commits on success, undoes its files on any error."""
    files = StagedFiles(media)
    try:
        with sessions() as session, session.begin():
            work = UnitOfWork(session, files)
            yield work
            session.flush()
            keep = referenced(session, files.doomed)
    except BaseException:
        files.undo()
        raise
    files.apply(keep)
    if sink is not None:
        _publish(sink, work.events)


def _publish(sink: EventSink, events: list[Event]) -> None:
    for event in events:
        try:
            sink.publish(event)
        except Exception:
            log.exception("publishing %s after the commit failed", event.name)
