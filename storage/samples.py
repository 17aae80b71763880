"""Face samples kept with a visit, and the recent strangers' encodings recognition compares to.

A track keeps its best good samples with the arrival it was recorded as (bounded per track): the
confirmed-footage feedback, "Bukan orang ini" impostor samples and calibration read them back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.vocab import UnknownStatus
from storage.guests import decode_vector, encode_vector
from storage.models import Arrival, ArrivalSample, Camera, UnknownFace

SAMPLES_PER_TRACK = 5


@dataclass(frozen=True)
class TrackSample:
    """One good sample of a track: its encoding, quality and what it matched on its own."""

    captured_at: datetime
    encoding: np.ndarray
    quality: float
    face_px: int
    sharpness: float
    frontalness: float
    nearest_guest_id: int | None = None
    distance: float | None = None


def keep_track_samples(
    session: Session,
    arrival: Arrival,
    camera: Camera,
    track: str,
    samples: tuple[TrackSample, ...],
) -> None:
    """Replace what the track kept with the arrival by its current best samples."""
    if not track or not samples:
        return
    session.execute(
        delete(ArrivalSample).where(
            ArrivalSample.arrival_id == arrival.id, ArrivalSample.track == track
        )
    )
    best = sorted(samples, key=lambda s: s.quality, reverse=True)[:SAMPLES_PER_TRACK]
    for sample in best:
        session.add(
            ArrivalSample(
                arrival_id=arrival.id,
                camera_id=camera.id,
                track=track[:40],
                captured_at=sample.captured_at,
                encoding=encode_vector(sample.encoding),
                quality=float(sample.quality),
                face_px=int(sample.face_px),
                sharpness=float(sample.sharpness),
                frontalness=float(sample.frontalness),
                nearest_guest_id=sample.nearest_guest_id,
                distance=sample.distance,
            )
        )
    session.flush()


def arrival_samples(session: Session, arrival_id: int) -> list[ArrivalSample]:
    """The samples kept with an arrival, best quality first."""
    query = (
        select(ArrivalSample)
        .where(ArrivalSample.arrival_id == arrival_id)
        .order_by(ArrivalSample.quality.desc(), ArrivalSample.id)
    )
    return list(session.scalars(query))


def move_samples(session: Session, from_arrival: int, to_arrival: int) -> None:
    """Hand the samples of one arrival over to another (arrivals merged into one visit)."""
    for row in session.scalars(
        select(ArrivalSample).where(ArrivalSample.arrival_id == from_arrival)
    ):
        row.arrival_id = to_arrival
    session.flush()


def recent_unknowns(session: Session, since: datetime) -> tuple[np.ndarray, np.ndarray]:
    """(ids, encodings) of the pending unknown faces seen since `since`."""
    rows = session.execute(
        select(UnknownFace.id, UnknownFace.encoding).where(
            UnknownFace.status == UnknownStatus.PENDING,
            UnknownFace.last_seen >= since,
            UnknownFace.encoding.is_not(None),
        )
    ).all()
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 128), dtype=np.float32)
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    return ids, np.stack([decode_vector(r[1]) for r in rows])
