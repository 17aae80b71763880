"""Rows for storage tests: users of every role, cameras, arrivals and unknown faces."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.vocab import Role
from storage.db import transaction
from storage.guests import create_guest, encode_vector
from storage.media import FileMediaStore
from storage.models import (
    Arrival,
    AuditLog,
    Camera,
    Decision,
    EscortTask,
    FaceSample,
    Guest,
    GuestBookEntry,
    UnknownFace,
    User,
)
from storage.types import utcnow

# The tables a refused workflow step must leave unchanged.
TABLES = (Decision, EscortTask, GuestBookEntry, AuditLog, Guest, FaceSample)
CHECKIN: dict[str, Any] = {
    "name": "Siti Aminah",
    "category": "pemerintah",
    "institution": "Dinas Pendidikan",
    "purpose": "Audiensi",
    "phone": "0812 3456 7890",
    "companions": 2,
}


def seed_world(factory: sessionmaker[Session]) -> dict[str, Any]:
    """A user per role (named after it), cameras gate and waiting, and guest Pak Hadi."""
    with transaction(factory) as s:
        users = {role: User(username=role, password_hash="x", role=role) for role in Role}
        s.add_all(users.values())
        s.add_all([Camera(name="gate", role="gate"), Camera(name="waiting", role="waiting_room")])
        guest = create_guest(s, name="Pak Hadi", category="swasta", institution="PT Maju")
    return {"guest_id": guest.id}


def add_arrival(
    session: Session,
    *,
    guest_id: int | None = None,
    status: str = "waiting",
    camera: str = "gate",
    ago_min: float = 5,
) -> Arrival:
    """An arrival first and last seen `ago_min` minutes ago."""
    cam = session.scalars(select(Camera).where(Camera.name == camera)).one()
    at = utcnow() - timedelta(minutes=ago_min)
    arrival = Arrival(
        camera_id=cam.id, guest_id=guest_id, first_seen=at, last_seen=at, status=status
    )
    session.add(arrival)
    session.flush()
    return arrival


def add_unknown(
    session: Session,
    media: FileMediaStore,
    arrival: Arrival,
    *,
    encoding: bool = True,
    snapshot: bool = True,
) -> UnknownFace:
    """A pending unknown face of `arrival`, with a random encoding and a stored snapshot."""
    rng = np.random.default_rng(arrival.id)
    vec = rng.normal(size=128).astype(np.float32)
    image = np.full((60, 50, 3), 120, dtype=np.uint8)
    unknown = UnknownFace(
        arrival_id=arrival.id,
        camera_id=arrival.camera_id,
        first_seen=arrival.first_seen,
        last_seen=arrival.last_seen,
        snapshot=media.save_jpeg(image, "unknown") if snapshot else None,
        encoding=encode_vector(vec) if encoding else None,
    )
    session.add(unknown)
    session.flush()
    return unknown


def counts(factory: sessionmaker[Session]) -> dict[str, int]:
    """Rows per table of TABLES."""
    with factory() as s:
        return {m.__name__: s.scalar(select(func.count()).select_from(m)) or 0 for m in TABLES}


def user(session: Session, role: str) -> User:
    """The seeded user of `role`."""
    return session.scalars(select(User).where(User.username == role)).one()


def media_files(media: FileMediaStore, kind: str | None = None) -> list[str]:
    """Relative paths of every file in the store (of one kind), temporary files included."""
    return sorted(rel for rel, _path in media.files() if kind is None or rel.startswith(kind))
