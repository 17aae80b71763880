"""Registered guests and their enrolled face encodings; the gallery the matcher searches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from core.text import has_control
from core.vocab import SampleSource, values
from storage.models import GUEST_CATEGORIES, FaceSample, Guest, ImpostorSample
from storage.search import contains
from storage.settings import bump_enrolment_version

CATEGORIES = GUEST_CATEGORIES
SAMPLE_SOURCES = values(SampleSource)
ENCODING_DIM = 128
_LIMITS = {"name": 120, "institution": 160, "phone": 40}


class GuestError(ValueError):
    """Guest data that cannot be stored; the message says which field and why."""


@dataclass(frozen=True)
class Gallery:
    """Every enrolled encoding as one float32 matrix, with the guest of each row."""

    guest_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    encodings: np.ndarray = field(
        default_factory=lambda: np.zeros((0, ENCODING_DIM), dtype=np.float32)
    )
    names: dict[int, str] = field(default_factory=dict)
    staff: set[int] = field(default_factory=set)
    # Faces once wrongly taken for a guest ("Bukan orang ini"), with the guest of each row.
    impostor_guest_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    impostor_encodings: np.ndarray = field(
        default_factory=lambda: np.zeros((0, ENCODING_DIM), dtype=np.float32)
    )

    def __len__(self) -> int:
        return int(self.guest_ids.shape[0])


def encode_vector(vector: np.ndarray) -> bytes:
    """A 128-d encoding as 512 bytes of little-endian float32."""
    arr = np.asarray(vector, dtype="<f4").reshape(-1)
    if arr.shape[0] != ENCODING_DIM:
        raise GuestError(f"a face encoding has {ENCODING_DIM} values, got {arr.shape[0]}")
    return arr.tobytes()


def decode_vector(data: bytes) -> np.ndarray:
    """512 stored bytes back into a float32 vector of 128 values."""
    if len(data) != ENCODING_DIM * 4:
        raise GuestError(f"a stored encoding has {ENCODING_DIM * 4} bytes, got {len(data)}")
    return np.frombuffer(data, dtype="<f4").astype(np.float32)


def _clean(field_name: str, value: str | None, required: bool = False) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise GuestError(f"{field_name} must not be empty")
        return None
    if has_control(text):
        raise GuestError(f"{field_name} must not contain control characters")
    limit = _LIMITS[field_name]
    if len(text) > limit:
        raise GuestError(f"{field_name} is {len(text)} characters long; at most {limit} allowed")
    return text


def create_guest(
    session: Session,
    *,
    name: str,
    category: str = "masyarakat",
    institution: str | None = None,
    phone: str | None = None,
    notes: str | None = None,
    is_staff: bool = False,
) -> Guest:
    """Validate and add a guest (the caller commits); bumps the enrolment version."""
    if category not in CATEGORIES:
        raise GuestError(f"category {category!r} is not one of {', '.join(CATEGORIES)}")
    guest = Guest(
        name=_clean("name", name, required=True),
        category=category,
        institution=_clean("institution", institution),
        phone=_clean("phone", phone),
        notes=(notes or "").strip() or None,
        is_staff=is_staff,
    )
    session.add(guest)
    session.flush()
    bump_enrolment_version(session)
    return guest


@dataclass(frozen=True)
class SampleInfo:
    """Where a face sample came from and how good it is (all optional for old callers)."""

    source: str = SampleSource.PHOTO
    camera: str | None = None
    captured_at: datetime | None = None
    arrival_id: int | None = None
    quality: float | None = None
    face_px: int | None = None
    sharpness: float | None = None
    frontalness: float | None = None
    warnings: str | None = None


def add_sample(
    session: Session,
    guest: Guest,
    encoding: np.ndarray,
    photo: str | None,
    info: SampleInfo | None = None,
) -> FaceSample:
    """Enrol one face encoding (and its stored photo) for `guest`; bumps the enrolment version."""
    meta = info or SampleInfo()
    if meta.source not in SAMPLE_SOURCES:
        raise GuestError(f"sample source {meta.source!r} is not one of {', '.join(SAMPLE_SOURCES)}")
    sample = FaceSample(
        guest_id=guest.id, encoding=encode_vector(encoding), photo=photo, **vars(meta)
    )
    session.add(sample)
    session.flush()
    bump_enrolment_version(session)
    return sample


def camera_samples(session: Session, guest_id: int) -> list[FaceSample]:
    """The guest's samples taken from confirmed camera footage, best quality first."""
    query = (
        select(FaceSample)
        .where(FaceSample.guest_id == guest_id, FaceSample.source == SampleSource.CAMERA)
        .order_by(FaceSample.quality.desc(), FaceSample.id)
    )
    return list(session.scalars(query))


def trim_camera_samples(session: Session, guest_id: int, keep: int) -> list[FaceSample]:
    """Delete all but the `keep` best camera samples of a guest; returns the deleted rows."""
    extra = camera_samples(session, guest_id)[keep:]
    for sample in extra:
        session.delete(sample)
    if extra:
        session.flush()
        bump_enrolment_version(session)
    return extra


def remove_sample(session: Session, sample_id: int) -> FaceSample | None:
    """Delete one face sample (its photo file is the caller's); None if there is none."""
    sample = session.get(FaceSample, sample_id)
    if sample is None:
        return None
    session.delete(sample)
    session.flush()
    bump_enrolment_version(session)
    return sample


def add_impostor(
    session: Session,
    guest_id: int,
    encoding: np.ndarray,
    *,
    arrival_id: int | None = None,
    quality: float | None = None,
    user_id: int | None = None,
) -> ImpostorSample:
    """Remember a face that is NOT `guest_id` although it was taken for them."""
    row = ImpostorSample(
        guest_id=guest_id,
        encoding=encode_vector(encoding),
        arrival_id=arrival_id,
        quality=quality,
        created_by=user_id,
    )
    session.add(row)
    session.flush()
    bump_enrolment_version(session)
    return row


def get_guest(session: Session, guest_id: int) -> Guest | None:
    """The guest with `guest_id`, or None."""
    return session.get(Guest, guest_id)


def list_guests(session: Session) -> list[Guest]:
    """All guests by name."""
    return list(session.scalars(select(Guest).order_by(func.lower(Guest.name), Guest.id)))


def search_guests(session: Session, text: str, limit: int = 20) -> list[Guest]:
    """Guests whose name or institution contains `text`, case-insensitively."""
    query = (
        select(Guest)
        .where(or_(contains(Guest.name, text), contains(Guest.institution, text)))
        .order_by(func.lower(Guest.name), Guest.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def guests_with_samples(session: Session) -> list[Guest]:
    """All guests by name, each with their face samples loaded (photos and quality)."""
    query = (
        select(Guest)
        .options(selectinload(Guest.samples))
        .order_by(func.lower(Guest.name), Guest.id)
    )
    return list(session.scalars(query))


def sample_counts(session: Session) -> dict[int, int]:
    """How many face samples each guest has."""
    query = select(FaceSample.guest_id, func.count()).group_by(FaceSample.guest_id)
    return {guest_id: count for guest_id, count in session.execute(query)}


def load_gallery(session: Session) -> Gallery:
    """Every enrolled encoding with its guest, ready for one vectorised distance computation."""
    rows = session.execute(
        select(FaceSample.guest_id, FaceSample.encoding, Guest.name, Guest.is_staff)
        .join(Guest, Guest.id == FaceSample.guest_id)
        .order_by(FaceSample.id)
    ).all()
    if not rows:
        return Gallery()
    guest_ids, encodings = id_matrix(rows)
    names = {r[0]: r[2] for r in rows}
    staff = {r[0] for r in rows if r[3]}
    imp_ids, imp_vectors = _impostors(session)
    return Gallery(guest_ids, encodings, names, staff, imp_ids, imp_vectors)


def _impostors(session: Session) -> tuple[np.ndarray, np.ndarray]:
    rows = session.execute(
        select(ImpostorSample.guest_id, ImpostorSample.encoding).order_by(ImpostorSample.id)
    ).all()
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros((0, ENCODING_DIM), dtype=np.float32)
    return id_matrix(rows)


def id_matrix(rows: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """(id, stored encoding, …) rows as an int64 id vector and one float32 (N, 128) matrix."""
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    blob = b"".join(r[1] for r in rows)
    return ids, np.frombuffer(blob, dtype="<f4").astype(np.float32).reshape(len(rows), -1)
