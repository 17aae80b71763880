"""What calibration reads (enrolled faces, recent strangers, recorded visits and what people
confirmed about them) and where its reports are kept for the dashboard.

The analysis itself is recognition logic and lives in `vision.calibration`; storage only
gathers the rows and stores the JSON report it produces.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.vocab import SampleSource, UnknownStatus
from storage.guests import decode_vector
from storage.models import (
    Arrival,
    ArrivalSample,
    CalibrationReport,
    FaceSample,
    Guest,
    GuestBookEntry,
    ImpostorSample,
    UnknownFace,
)
from storage.types import utcnow

KEEP_REPORTS = 10


@dataclass(frozen=True)
class EnrolledFace:
    """One enrolled encoding, and the visit it was learnt from (camera samples)."""

    guest_id: int
    encoding: np.ndarray
    source: str
    arrival_id: int | None


@dataclass(frozen=True)
class VisitSamples:
    """A recorded visit's kept samples with what the camera said and what people confirmed.

    `confirmed` is the guest people said it was (the guard naming the face, the operator
    checking it in under the camera's name); `not_guest` the guest people said it was NOT.
    """

    arrival_id: int
    recorded_guest_id: int | None
    encodings: np.ndarray
    qualities: np.ndarray
    confirmed: int | None = None
    not_guest: int | None = None


@dataclass
class CalibrationInputs:
    """Everything calibration looks at."""

    names: dict[int, str] = field(default_factory=dict)
    faces: list[EnrolledFace] = field(default_factory=list)
    strangers: list[np.ndarray] = field(default_factory=list)
    visits: list[VisitSamples] = field(default_factory=list)


def calibration_inputs(session: Session, since: datetime) -> CalibrationInputs:
    """Enrolled faces (staff included), strangers and visits seen since `since`."""
    names = {g.id: g.name for g in session.scalars(select(Guest))}
    faces = [
        EnrolledFace(s.guest_id, decode_vector(s.encoding), s.source, s.arrival_id)
        for s in session.scalars(select(FaceSample).order_by(FaceSample.id))
    ]
    strangers = [
        decode_vector(u.encoding)
        for u in session.scalars(
            select(UnknownFace).where(
                UnknownFace.last_seen >= since,
                UnknownFace.encoding.is_not(None),
                UnknownFace.status.in_((UnknownStatus.PENDING, UnknownStatus.DISMISSED)),
            )
        )
        if u.encoding is not None
    ]
    return CalibrationInputs(names, faces, strangers, _visits(session, since, names))


def _visits(session: Session, since: datetime, names: dict[int, str]) -> list[VisitSamples]:
    rows = session.execute(
        select(ArrivalSample, Arrival.guest_id)
        .join(Arrival, Arrival.id == ArrivalSample.arrival_id)
        .where(Arrival.last_seen >= since)
        .order_by(ArrivalSample.arrival_id, ArrivalSample.id)
    ).all()
    grouped: dict[int, tuple[int | None, list[ArrivalSample]]] = {}
    for sample, guest_id in rows:
        grouped.setdefault(sample.arrival_id, (guest_id, []))[1].append(sample)
    confirmed = _confirmed(session, list(grouped), names)
    refused: dict[int, int] = {}
    impostors = select(ImpostorSample.arrival_id, ImpostorSample.guest_id).where(
        ImpostorSample.arrival_id.in_(list(grouped))
    )
    for visit_id, guest in session.execute(impostors).tuples():
        if visit_id is not None:
            refused[visit_id] = guest
    return [
        VisitSamples(
            arrival_id,
            guest_id,
            np.stack([decode_vector(s.encoding) for s in samples]),
            np.array([s.quality for s in samples], dtype=np.float32),
            confirmed.get(arrival_id),
            refused.get(arrival_id),
        )
        for arrival_id, (guest_id, samples) in grouped.items()
    ]


def _confirmed(session: Session, arrival_ids: list[int], names: dict[int, str]) -> dict[int, int]:
    """arrival → guest that people confirmed (guard resolved it, or checked in by name)."""
    if not arrival_ids:
        return {}
    out: dict[int, int] = {}
    resolved = select(UnknownFace.arrival_id, UnknownFace.guest_id).where(
        UnknownFace.arrival_id.in_(arrival_ids),
        UnknownFace.status.in_((UnknownStatus.IDENTIFIED, UnknownStatus.REGISTERED)),
        UnknownFace.guest_id.is_not(None),
    )
    for visit_id, named in session.execute(resolved).tuples():
        if named is not None:
            out[visit_id] = named
    booked = (
        select(GuestBookEntry.arrival_id, GuestBookEntry.name, Arrival.guest_id)
        .join(Arrival, Arrival.id == GuestBookEntry.arrival_id)
        .where(GuestBookEntry.arrival_id.in_(arrival_ids), Arrival.guest_id.is_not(None))
    )
    for visit, name, guest in session.execute(booked).tuples():
        same = guest is not None and names.get(guest, "").casefold() == name.casefold()
        if visit is not None and guest is not None and same:
            out.setdefault(visit, guest)
    return out


def camera_sample_count(session: Session) -> int:
    """How many encodings the gallery learnt from confirmed footage."""
    query = select(FaceSample.id).where(FaceSample.source == SampleSource.CAMERA)
    return len(session.scalars(query).all())


def save_report(session: Session, report: dict[str, Any]) -> CalibrationReport:
    """Keep a calibration report (the newest KEEP_REPORTS are kept)."""
    row = CalibrationReport(created_at=utcnow(), report=json.dumps(report, ensure_ascii=False))
    session.add(row)
    session.flush()
    old = session.scalars(
        select(CalibrationReport).order_by(CalibrationReport.id.desc()).offset(KEEP_REPORTS)
    ).all()
    for stale in old:
        session.delete(stale)
    session.flush()
    return row


def latest_report(session: Session) -> tuple[datetime, dict[str, Any]] | None:
    """The newest calibration report and when it was made, or None."""
    row = session.scalar(select(CalibrationReport).order_by(CalibrationReport.id.desc()).limit(1))
    if row is None:
        return None
    report: dict[str, Any] = json.loads(row.report)
    return row.created_at, report
