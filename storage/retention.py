"""UU 27/2022 retention: delete face snapshots and encodings once they are no longer needed.

Arrival snapshots go after `privacy.snapshot_retention_days`; strangers' faces (unknown faces'
encodings and snapshots, pending or resolved, and the snapshots of arrivals never linked to a
guest) after `privacy.unknown_retention_days`; live camera frames when stale. Enrolled guests'
face samples and their photos are never touched. Columns are cleared and committed first, then
the files are deleted, so a crash can leave an orphan file but never a row pointing at nothing.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from core.config import PrivacyConfig
from storage import audit
from storage.db import transaction
from storage.media import MediaStore
from storage.models import Arrival, Camera, FaceSample, UnknownFace, User
from storage.types import utcnow

log = logging.getLogger(__name__)
LIVE_MAX_AGE = timedelta(hours=1)


@dataclass
class PurgeReport:
    """What a purge removed (or, on a dry run, would remove)."""

    arrival_snapshots: int = 0
    unknown_snapshots: int = 0
    unknown_encodings: int = 0
    live_frames: int = 0
    files_deleted: int = 0
    dry_run: bool = False
    files: list[str] = field(default_factory=list, repr=False)

    def counts(self) -> dict[str, int]:
        """The counts, for the audit row and the CLI (`files`: files to delete)."""
        out = asdict(self)
        out.pop("dry_run")
        out["files"] = len(self.files)
        return out


def clear_expired(
    session: Session,
    privacy: PrivacyConfig,
    *,
    now: datetime | None = None,
    live_dir: Path | None = None,
    live_max_age: timedelta = LIVE_MAX_AGE,
) -> PurgeReport:
    """Null expired snapshot and encoding columns; return the counts and files to delete."""
    now = now or utcnow()
    report = PurgeReport()
    _clear_arrivals(session, report, now - timedelta(days=privacy.snapshot_retention_days))
    _clear_unknowns(session, report, now - timedelta(days=privacy.unknown_retention_days))
    if live_dir is not None:
        _clear_live(session, report, live_dir, now - live_max_age)
    enrolled = _enrolled_photos(session, report.files)
    report.files = sorted(set(report.files) - enrolled)
    session.flush()
    return report


def _clear_arrivals(session: Session, report: PurgeReport, cutoff: datetime) -> None:
    """Snapshots of arrivals last seen before `cutoff`."""
    query = select(Arrival).where(Arrival.snapshot.is_not(None), Arrival.last_seen < cutoff)
    for arrival in session.scalars(query):
        report.files.append(arrival.snapshot)
        arrival.snapshot = None
        report.arrival_snapshots += 1


def _clear_unknowns(session: Session, report: PurgeReport, cutoff: datetime) -> None:
    """Strangers' encodings and snapshots, and snapshots of arrivals never linked to a guest."""
    query = select(UnknownFace).where(
        UnknownFace.last_seen < cutoff,
        or_(UnknownFace.snapshot.is_not(None), UnknownFace.encoding.is_not(None)),
    )
    for unknown in session.scalars(query):
        if unknown.snapshot:
            report.files.append(unknown.snapshot)
            unknown.snapshot = None
            report.unknown_snapshots += 1
        if unknown.encoding is not None:
            unknown.encoding = None
            report.unknown_encodings += 1
    strangers = select(Arrival).where(
        Arrival.snapshot.is_not(None), Arrival.guest_id.is_(None), Arrival.last_seen < cutoff
    )
    for arrival in session.scalars(strangers):
        report.files.append(arrival.snapshot)
        arrival.snapshot = None
        report.arrival_snapshots += 1


def _clear_live(session: Session, report: PurgeReport, live_dir: Path, cutoff: datetime) -> None:
    """Live frames not rewritten since `cutoff` (a camera long gone or offline)."""
    if not live_dir.is_dir():
        return
    stale = {
        f"live/{path.relative_to(live_dir).as_posix()}"
        for path in live_dir.rglob("*.jpg")
        if path.stat().st_mtime < cutoff.timestamp()
    }
    for camera in session.scalars(select(Camera).where(Camera.latest_frame.in_(stale))):
        camera.latest_frame = None
    report.files.extend(sorted(stale))
    report.live_frames += len(stale)


def _enrolled_photos(session: Session, paths: list[str]) -> set[str]:
    """Those of `paths` that an enrolled face sample uses (kept whatever else happens)."""
    if not paths:
        return set()
    query = select(FaceSample.photo).where(FaceSample.photo.in_(set(paths)))
    return set(session.scalars(query))


def delete_files(media: MediaStore, report: PurgeReport) -> None:
    """Delete the report's files (after the commit); count what was really removed."""
    for rel in report.files:
        try:
            path = media.resolve(rel, must_exist=False)
        except ValueError:
            log.warning("purge: skipped a bad media path %r", rel)
            continue
        if path.is_file():
            path.unlink(missing_ok=True)
            report.files_deleted += 1


def purge(
    sessions: sessionmaker[Session],
    media: MediaStore,
    privacy: PrivacyConfig,
    *,
    dry_run: bool = False,
    user: User | None = None,
    now: datetime | None = None,
) -> PurgeReport:
    """Apply the retention periods: clear columns, commit with a "purge" audit row, delete files.

    A dry run counts what would go and writes nothing (no audit row either).
    """
    live_dir = media.root / "live"
    if dry_run:
        with sessions() as session:
            report = clear_expired(session, privacy, now=now, live_dir=live_dir)
            session.rollback()
        report.dry_run = True
        return report
    with transaction(sessions) as session:
        report = clear_expired(session, privacy, now=now, live_dir=live_dir)
        counts = report.counts()
        counts.pop("files_deleted")
        audit.record(session, user, "purge", None, counts)
    delete_files(media, report)
    log.info("purge: %s", report.counts())
    return report
