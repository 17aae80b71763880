"""Calibration for the residence's own faces: how far apart its guests, their own photos and its
strangers are, which guests look alike to dlib, what tolerance and margin fit, and what each
choice would have done to the visits already recorded.

Genuine distances are a guest's own samples to each other and confirmed visits to their guest;
impostor distances are different guests to each other and strangers to their nearest guest. The
replay decides each recorded visit again from its kept samples (without what that visit itself
taught the gallery) under a grid of tolerances and margins, and counts it against what people
confirmed: the guard naming a face, the operator checking a visit in under the camera's name,
and "Bukan orang ini".
"""

from __future__ import annotations

import itertools
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from core.config import RecognitionConfig
from storage.calibration import (
    CalibrationInputs,
    EnrolledFace,
    VisitSamples,
    calibration_inputs,
    save_report,
)
from storage.db import transaction
from storage.guests import Gallery
from storage.settings import enrolment_version
from storage.types import utcnow
from vision.identity import IdentityRule
from vision.matcher import FaceMatcher

log = logging.getLogger(__name__)
TOLERANCES = (0.40, 0.45, 0.50, 0.55, 0.58, 0.60, 0.65)
MARGINS = (0.06, 0.08, 0.10, 0.12, 0.15)
TOP = 20
MAX_VALUES = 5000  # distances kept per distribution for the histogram
BINS = np.round(np.arange(0.0, 1.25, 0.025), 3)


class StopFlag(Protocol):
    """A threading.Event: `wait` returns True once stopping was asked for."""

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds; True when set."""
        ...


@dataclass(frozen=True)
class Pair:
    """Two guests and the distance between their nearest samples."""

    a: int
    b: int
    distance: float


def _pairwise(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    sq = np.einsum("ij,ij->i", a, a)[:, None] - 2.0 * (a @ b.T) + np.einsum("ij,ij->i", b, b)
    distances: np.ndarray = np.sqrt(np.maximum(sq, 0.0))
    return distances


def _by_guest(faces: list[EnrolledFace]) -> dict[int, np.ndarray]:
    grouped: dict[int, list[np.ndarray]] = {}
    for face in faces:
        grouped.setdefault(face.guest_id, []).append(face.encoding)
    return {gid: np.stack(vectors).astype(np.float32) for gid, vectors in grouped.items()}


def guest_pairs(groups: dict[int, np.ndarray]) -> list[Pair]:
    """Every pair of guests by the distance of their nearest samples, closest first."""
    ids = sorted(groups)
    pairs = [
        Pair(a, b, float(_pairwise(groups[a], groups[b]).min()))
        for a, b in itertools.combinations(ids, 2)
    ]
    return sorted(pairs, key=lambda p: p.distance)


def _within(groups: dict[int, np.ndarray]) -> tuple[list[dict[str, Any]], list[float]]:
    rows, values = [], []
    for gid, vectors in sorted(groups.items()):
        if len(vectors) < 2:
            continue
        dist = _pairwise(vectors, vectors)[np.triu_indices(len(vectors), 1)]
        values += dist.tolist()
        rows.append(
            {
                "guest": gid,
                "samples": len(vectors),
                "median": round(float(np.median(dist)), 4),
                "max": round(float(dist.max()), 4),
            }
        )
    return rows, values


def _gallery(faces: list[EnrolledFace], names: dict[int, str]) -> Gallery:
    if not faces:
        return Gallery()
    ids = np.array([f.guest_id for f in faces], dtype=np.int64)
    vectors = np.stack([f.encoding for f in faces]).astype(np.float32)
    return Gallery(ids, vectors, names)


def _evidence(matcher: FaceMatcher, visit: VisitSamples, rule: IdentityRule) -> np.ndarray:
    """The visit's quality-weighted mean distance to each identity (its best samples)."""
    order = np.argsort(visit.qualities)[::-1][: rule.evidence_samples]
    rows = matcher.identity_distances(visit.encodings[order])
    weights = visit.qualities[order].astype(np.float64)
    mean: np.ndarray = (weights[:, None] * rows).sum(axis=0) / max(float(weights.sum()), 1e-9)
    return mean


@dataclass
class Tally:
    """What one tolerance/margin would have done to the recorded visits and strangers."""

    tolerance: float
    margin: float
    named_right: int = 0
    named_wrong: int = 0
    missed: int = 0
    strangers_named: int = 0
    changed_unconfirmed: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return dict(vars(self))


def replay(inputs: CalibrationInputs, rule: IdentityRule) -> list[Tally]:
    """Each candidate (tolerance, margin) against the recorded visits and the strangers."""
    tallies = [Tally(t, m) for t, m in itertools.product(TOLERANCES, MARGINS)]
    evidence = [_visit_rows(inputs, visit, rule) for visit in inputs.visits]
    full = FaceMatcher(_gallery(inputs.faces, inputs.names))
    stranger_rows = (
        full.identity_distances(np.stack(inputs.strangers))
        if inputs.strangers and len(full)
        else None
    )
    for tally in tallies:
        for visit, found in zip(inputs.visits, evidence, strict=True):
            if found is not None:
                _count(tally, visit, _decide(found, tally))
        if stranger_rows is not None:
            tally.strangers_named += sum(
                full.decide(row, tolerance=tally.tolerance, margin=tally.margin).guest_id
                is not None
                for row in stranger_rows
            )
    return tallies


def _visit_rows(
    inputs: CalibrationInputs, visit: VisitSamples, rule: IdentityRule
) -> tuple[FaceMatcher, np.ndarray] | None:
    """A matcher without what this visit taught the gallery, and the visit's evidence row."""
    if len(visit.encodings) < rule.min_good:
        return None
    faces = [f for f in inputs.faces if f.arrival_id != visit.arrival_id]
    matcher = FaceMatcher(_gallery(faces, inputs.names))
    if len(matcher) == 0:
        return None
    return matcher, _evidence(matcher, visit, rule)


def _decide(found: tuple[FaceMatcher, np.ndarray], tally: Tally) -> int | None:
    matcher, row = found
    return matcher.decide(row, tolerance=tally.tolerance, margin=tally.margin).guest_id


def _count(tally: Tally, visit: VisitSamples, named: int | None) -> None:
    if visit.confirmed is not None:
        if named == visit.confirmed:
            tally.named_right += 1
        elif named is None:
            tally.missed += 1
        else:
            tally.named_wrong += 1
    elif visit.not_guest is not None and named == visit.not_guest:
        tally.named_wrong += 1
    elif named != visit.recorded_guest_id and visit.not_guest is None:
        tally.changed_unconfirmed += 1


def recommend(
    tallies: list[Tally], genuine: list[float], impostor: list[float], cfg: RecognitionConfig
) -> dict[str, Any]:
    """The tolerance and margin this residence's data supports, and why."""
    confirmed = any(t.named_right or t.missed or t.named_wrong for t in tallies)
    safe = [t for t in tallies if t.named_wrong == 0 and t.strangers_named == 0]
    if confirmed and safe:
        best = max(
            safe,
            key=lambda t: (
                t.named_right,
                -abs(t.tolerance - cfg.tolerance) - abs(t.margin - cfg.margin),
            ),
        )
        return _advice(best.tolerance, best.margin, "replay")
    if impostor:
        floor = float(np.percentile(impostor, 5))
        ceiling = float(np.percentile(genuine, 95)) if genuine else cfg.tolerance
        tolerance = round(min(max(ceiling, 0.35), floor - 0.03, 0.65), 2)
        code = "overlap" if ceiling > floor - 0.03 else "distributions"
        return _advice(max(tolerance, 0.3), cfg.margin, code)
    return _advice(cfg.tolerance, cfg.margin, "no_data")


# Why a tolerance is advised: a code (the dashboard translates it) -> the CLI's English text.
BASIS = {
    "replay": "replay: no wrong name and no stranger named, most confirmed visits named",
    "distributions": "distributions: above 95% of genuine distances, below 95% of impostor ones",
    "overlap": "distributions overlap: chosen to keep strangers out (look-alikes cannot be told)",
    "no_data": "not enough data yet",
}


def _advice(tolerance: float, margin: float, code: str) -> dict[str, Any]:
    return {"tolerance": tolerance, "margin": margin, "basis": BASIS[code], "basis_code": code}


def _summary(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    arr = np.asarray(values)
    return {
        "n": int(arr.size),
        "p05": round(float(np.percentile(arr, 5)), 4),
        "median": round(float(np.median(arr)), 4),
        "p95": round(float(np.percentile(arr, 95)), 4),
    }


def _histogram(values: list[float]) -> list[int]:
    counts, _ = np.histogram(np.clip(values, 0, BINS[-1] - 1e-6), bins=BINS)
    return [int(c) for c in counts]


def analyse(inputs: CalibrationInputs, cfg: RecognitionConfig) -> dict[str, Any]:
    """The calibration report (JSON-ready)."""
    rule = IdentityRule.from_config(cfg)
    groups = _by_guest(inputs.faces)
    pairs = guest_pairs(groups)
    within, genuine = _within(groups)
    impostor = [p.distance for p in pairs]
    strangers = _strangers(inputs, groups)
    impostor += [s["distance"] for s in strangers]
    genuine += _confirmed_distances(inputs, rule)
    tallies = replay(inputs, rule)
    name = inputs.names.get
    limit = cfg.tolerance + cfg.margin
    return {
        "config": {"tolerance": cfg.tolerance, "margin": cfg.margin},
        "guests": len(groups),
        "samples": len(inputs.faces),
        "camera_samples": sum(f.source == "camera" for f in inputs.faces),
        "between_guests": [
            {"a": p.a, "a_name": name(p.a), "b": p.b, "b_name": name(p.b), "distance": p.distance}
            for p in pairs[:TOP]
        ],
        "lookalikes": [
            {"a": p.a, "a_name": name(p.a), "b": p.b, "b_name": name(p.b), "distance": p.distance}
            for p in pairs
            if p.distance < limit
        ],
        "within_guests": [{**row, "name": name(row["guest"])} for row in within],
        "strangers": sorted(strangers, key=lambda s: s["distance"])[:TOP],
        "stranger_count": len(strangers),
        "visits": len(inputs.visits),
        "confirmed_visits": sum(v.confirmed is not None for v in inputs.visits),
        "genuine": _summary(genuine),
        "impostor": _summary(impostor),
        "histogram": {
            "bins": BINS.tolist(),
            "genuine": _histogram(genuine[:MAX_VALUES]),
            "impostor": _histogram(impostor[:MAX_VALUES]),
        },
        "recommendation": recommend(tallies, genuine, impostor, cfg),
        "replay": [t.as_dict() for t in tallies],
    }


def _strangers(inputs: CalibrationInputs, groups: dict[int, np.ndarray]) -> list[dict[str, Any]]:
    if not inputs.strangers or not groups:
        return []
    ids = sorted(groups)
    queries = np.stack(inputs.strangers).astype(np.float32)
    per_guest = np.stack([_pairwise(queries, groups[g]).min(axis=1) for g in ids], axis=1)
    best = per_guest.argmin(axis=1)
    return [
        {
            "nearest_guest": ids[int(b)],
            "name": inputs.names.get(ids[int(b)]),
            "distance": round(float(per_guest[i, b]), 4),
        }
        for i, b in enumerate(best)
    ]


def _confirmed_distances(inputs: CalibrationInputs, rule: IdentityRule) -> list[float]:
    """Confirmed visits' evidence distance to their own guest (without their own footage)."""
    out = []
    for visit in inputs.visits:
        if visit.confirmed is None:
            continue
        found = _visit_rows(inputs, visit, rule)
        if found is None:
            continue
        matcher, row = found
        columns = matcher.columns.tolist()
        if visit.confirmed in columns:
            out.append(round(float(row[columns.index(visit.confirmed)]), 4))
    return out


class CalibrationRefresher:
    """Keeps the admin's calibration report fresh: after enrolment changes, and hourly."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        cfg: RecognitionConfig,
        *,
        days: int = 30,
        every_s: float = 3600.0,
        check_s: float = 60.0,
    ) -> None:
        self.sessions = sessions
        self.cfg = cfg
        self.days = days
        self.every_s = every_s
        self.check_s = check_s
        self._version: str | None = None
        self._made_at = float("-inf")

    def run(self, stop: StopFlag) -> None:
        """Refresh until `stop` is set (a daemon thread of the worker)."""
        while True:
            try:
                self.refresh_if_due(time.monotonic())
            except Exception:
                log.exception("calibration report not refreshed")
            if stop.wait(self.check_s):
                return

    def refresh_if_due(self, now: float) -> bool:
        """Make a new report when enrolment changed or the last one is old; True when made."""
        with self.sessions() as session:
            version = enrolment_version(session)
        if version == self._version and now - self._made_at < self.every_s:
            return False
        with self.sessions() as session:
            inputs = calibration_inputs(session, utcnow() - timedelta(days=self.days))
        report = {**analyse(inputs, self.cfg), "days": self.days}
        with transaction(self.sessions) as session:
            save_report(session, report)
        self._version, self._made_at = version, now
        log.info("calibration report refreshed: %d look-alike pairs", len(report["lookalikes"]))
        return True
