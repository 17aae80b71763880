"""The watchlist (daftar perhatian): persons of concern, their enrolled faces, their erasure.

Security enrols an entry from photos that passed the same checks as guests' (the caller finds
the one face in each); the entry's own version token tells the worker to reload its watchlist
gallery. Removing an entry erases its photos, encodings and sightings (with their snapshots).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.text import has_control
from core.vocab import AuditAction, WatchlistLevel, values
from storage import audit
from storage.guests import Gallery, encode_vector, id_matrix
from storage.media import MediaStore
from storage.models import User
from storage.models_watchlist import WatchlistEntry, WatchlistSample, WatchlistSighting
from storage.settings import get_setting, set_setting
from storage.unit_of_work import StagedFiles, unit_of_work

LEVELS = values(WatchlistLevel)
WATCHLIST_VERSION = "watchlist_version"
MEDIA_KIND = "watchlist"
NAME_MAX = 120
NOTE_MAX = 1000


class WatchlistError(ValueError):
    """Watchlist data that cannot be stored; the message says which field and why."""


@dataclass(frozen=True)
class EnrolFace:
    """One checked enrolment photo: the image to store (BGR) and its face encoding."""

    image: np.ndarray
    encoding: np.ndarray


@dataclass(frozen=True)
class Erased:
    """What removing an entry erased."""

    entry_id: int
    name: str
    encodings: int
    sightings: int
    files: int


def watchlist_version(session: Session) -> str:
    """An opaque token that changes whenever watchlist entries or their faces change."""
    return get_setting(session, WATCHLIST_VERSION, "0") or "0"


def bump_watchlist_version(session: Session) -> None:
    """Give the watchlist a new version token (the worker reloads its gallery)."""
    set_setting(session, WATCHLIST_VERSION, secrets.token_hex(8))


def _text(
    field: str, value: str | None, limit: int, *, required: bool = False, multiline: bool = False
) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise WatchlistError(f"{field} must not be empty")
        return None
    if has_control(text, multiline=multiline):
        raise WatchlistError(f"{field} must not contain control characters")
    if len(text) > limit:
        raise WatchlistError(f"{field} is {len(text)} characters long; at most {limit} allowed")
    return text


def create_entry(
    session: Session, *, name: str, level: str, note: str | None, created_by: str | None
) -> WatchlistEntry:
    """Validate and add an entry (the caller commits); bumps the watchlist version."""
    if level not in LEVELS:
        raise WatchlistError(f"level {level!r} is not one of {', '.join(LEVELS)}")
    entry = WatchlistEntry(
        name=_text("name", name, NAME_MAX, required=True),
        level=level,
        note=_text("note", note, NOTE_MAX, multiline=True),
        created_by=created_by,
    )
    session.add(entry)
    session.flush()
    bump_watchlist_version(session)
    return entry


def enrol(
    sessions: sessionmaker[Session],
    media: MediaStore,
    faces: Sequence[EnrolFace],
    *,
    name: str,
    level: str,
    note: str | None = None,
    user: User | None = None,
) -> WatchlistEntry:
    """An entry with its photos and encodings in one unit of work, audited; nothing on error."""
    if not faces:
        raise WatchlistError("at least one photo with a face is needed")
    with unit_of_work(sessions, media) as uow:
        by = user.username if user is not None else None
        entry = create_entry(uow.session, name=name, level=level, note=note, created_by=by)
        for face in faces:
            photo = uow.files.save_jpeg(face.image, MEDIA_KIND)
            encoding = encode_vector(face.encoding)
            uow.session.add(WatchlistSample(entry_id=entry.id, encoding=encoding, photo=photo))
        detail = {"name": entry.name, "level": entry.level, "photos": len(faces)}
        audit.record(uow.session, user, AuditAction.WATCHLIST_ADD, f"watchlist:{entry.id}", detail)
    return entry


def erase_entry(session: Session, files: StagedFiles, entry: WatchlistEntry) -> Erased:
    """Delete an entry with its encodings and sightings; their files go after the commit."""
    photos = [s.photo for s in entry.samples if s.photo]
    snapshots = [s.snapshot for s in entry.sightings if s.snapshot]
    erased = Erased(
        entry.id, entry.name, len(entry.samples), len(entry.sightings), len(photos + snapshots)
    )
    session.delete(entry)
    session.flush()
    bump_watchlist_version(session)
    for path in photos + snapshots:
        files.delete(path)
    return erased


def remove(
    sessions: sessionmaker[Session], media: MediaStore, entry_id: int, user: User | None = None
) -> Erased | None:
    """Erase one entry (photos, encodings, sightings, snapshots), audited; None if there is none."""
    with unit_of_work(sessions, media) as uow:
        entry = uow.session.get(WatchlistEntry, entry_id)
        if entry is None:
            return None
        erased = erase_entry(uow.session, uow.files, entry)
        detail = {"name": erased.name, "encodings": erased.encodings, "sightings": erased.sightings}
        target = f"watchlist:{entry_id}"
        audit.record(uow.session, user, AuditAction.WATCHLIST_REMOVE, target, detail)
    return erased


def list_entries(session: Session) -> list[WatchlistEntry]:
    """Every entry by name."""
    query = select(WatchlistEntry).order_by(func.lower(WatchlistEntry.name), WatchlistEntry.id)
    return list(session.scalars(query))


def get_entry(session: Session, entry_id: int) -> WatchlistEntry | None:
    """The entry with `entry_id`, or None."""
    return session.get(WatchlistEntry, entry_id)


def counts(session: Session) -> dict[int, tuple[int, int]]:
    """entry id → (enrolled encodings, sightings)."""
    samples = _count_by_entry(session, WatchlistSample.entry_id)
    seen = _count_by_entry(session, WatchlistSighting.entry_id)
    return {k: (samples.get(k, 0), seen.get(k, 0)) for k in samples.keys() | seen.keys()}


def _count_by_entry(session: Session, column: Any) -> dict[int, int]:
    query = select(column, func.count()).group_by(column)
    return {entry_id: n for entry_id, n in session.execute(query).tuples()}


def load_watchlist_gallery(session: Session) -> Gallery:
    """Every entry's encodings as a Gallery (entry ids in place of guest ids)."""
    rows = session.execute(
        select(WatchlistSample.entry_id, WatchlistSample.encoding, WatchlistEntry.name)
        .join(WatchlistEntry, WatchlistEntry.id == WatchlistSample.entry_id)
        .order_by(WatchlistSample.id)
    ).all()
    if not rows:
        return Gallery()
    ids, vectors = id_matrix(rows)
    return Gallery(ids, vectors, {r[0]: r[2] for r in rows})
