"""UU 27/2022 retention: delete face snapshots and encodings once they are no longer needed.

Arrival snapshots and the face samples kept with a guest's visit go after
`privacy.snapshot_retention_days`; strangers' faces (unknown faces' encodings and snapshots,
pending or resolved, the snapshots and samples of arrivals never linked to a guest) after
`privacy.unknown_retention_days`; encodings learnt from confirmed footage and impostor samples
after `privacy.camera_sample_retention_days`; watchlist entries (photos, encodings) and their
sightings (snapshots) after `privacy.watchlist_retention_days`; live camera frames when stale.
A pending unknown face whose snapshot and encoding go is dismissed, so the guard's queue never
shows an empty face. Enrolled guests' face samples and their photos are never touched: a file
any row still references stays (`storage.unit_of_work`). Files no row references (left by a
crash between writing a file and the commit) go once older than their kind's period, and
half-written temporary files after `TMP_MAX_AGE`. It all runs as one unit of work: columns are
cleared and committed first, then the files are deleted.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session, sessionmaker

from core.config import PrivacyConfig
from core.vocab import AuditAction, SampleSource, UnknownStatus
from storage import audit
from storage.media import MediaStore, is_temporary
from storage.models import (
    Arrival,
    ArrivalSample,
    Camera,
    FaceSample,
    ImpostorSample,
    UnknownFace,
    User,
)
from storage.settings import bump_enrolment_version
from storage.types import utcnow
from storage.unit_of_work import all_referenced, referenced, unit_of_work
from storage.watchlist_sightings import clear_watchlist

log = logging.getLogger(__name__)
LIVE_MAX_AGE = timedelta(hours=1)
# A temporary file older than this is left from a crashed write (writes take milliseconds).
TMP_MAX_AGE = timedelta(hours=1)


@dataclass
class PurgeReport:
    """What a purge removed (or, on a dry run, would remove)."""

    arrival_snapshots: int = 0
    unknown_snapshots: int = 0
    unknown_encodings: int = 0
    unknowns_dismissed: int = 0
    track_samples: int = 0
    camera_samples: int = 0
    impostor_samples: int = 0
    live_frames: int = 0
    watchlist_entries: int = 0
    watchlist_sightings: int = 0
    orphan_files: int = 0
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
    media: MediaStore | None = None,
    live_max_age: timedelta = LIVE_MAX_AGE,
) -> PurgeReport:
    """Null expired snapshot and encoding columns; the counts and the files to delete.

    With `media`, stale live frames and orphaned files are counted and listed too.
    """
    now = now or utcnow()
    report = PurgeReport()
    snapshots = now - timedelta(days=privacy.snapshot_retention_days)
    strangers = now - timedelta(days=privacy.unknown_retention_days)
    _clear_arrivals(session, report, snapshots)
    _clear_unknowns(session, report, strangers, now)
    _clear_encodings(session, report, snapshots, strangers)
    _clear_camera_samples(
        session, report, now - timedelta(days=privacy.camera_sample_retention_days)
    )
    _clear_watchlist(session, report, now - timedelta(days=privacy.watchlist_retention_days))
    if media is not None:
        _clear_live(session, report, media.root / "live", now - live_max_age)
    session.flush()
    files = set(report.files)
    report.files = sorted(files - referenced(session, files))
    if media is not None:
        orphans = _orphans(session, media, privacy, now) - files
        report.orphan_files = len(orphans)
        report.files = sorted(set(report.files) | orphans)
    return report


def _clear_arrivals(session: Session, report: PurgeReport, cutoff: datetime) -> None:
    """Snapshots of arrivals last seen before `cutoff`."""
    query = select(Arrival).where(Arrival.snapshot.is_not(None), Arrival.last_seen < cutoff)
    for arrival in session.scalars(query):
        _clear_snapshot(report, arrival)


def _clear_unknowns(session: Session, report: PurgeReport, cutoff: datetime, now: datetime) -> None:
    """Strangers' encodings and snapshots, and snapshots of arrivals never linked to a guest.

    A pending face left with neither is dismissed: nothing remains for the guard to judge.
    """
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
        if unknown.status == UnknownStatus.PENDING:
            unknown.status = UnknownStatus.DISMISSED
            unknown.resolved_at = now
            report.unknowns_dismissed += 1
    strangers = select(Arrival).where(
        Arrival.snapshot.is_not(None), Arrival.guest_id.is_(None), Arrival.last_seen < cutoff
    )
    for arrival in session.scalars(strangers):
        _clear_snapshot(report, arrival)


def _clear_encodings(
    session: Session, report: PurgeReport, guests_cutoff: datetime, strangers_cutoff: datetime
) -> None:
    """The face samples kept with visits: a guest's with the snapshots, a stranger's sooner."""
    expired = or_(
        and_(Arrival.guest_id.is_not(None), Arrival.last_seen < guests_cutoff),
        and_(Arrival.guest_id.is_(None), Arrival.last_seen < strangers_cutoff),
    )
    old = select(Arrival.id).where(expired)
    result = session.execute(delete(ArrivalSample).where(ArrivalSample.arrival_id.in_(old)))
    report.track_samples += int(getattr(result, "rowcount", 0) or 0)


def _clear_camera_samples(session: Session, report: PurgeReport, cutoff: datetime) -> None:
    """Encodings learnt from confirmed footage and impostor samples older than their period."""
    camera = delete(FaceSample).where(
        FaceSample.source == SampleSource.CAMERA, FaceSample.created_at < cutoff
    )
    report.camera_samples += int(getattr(session.execute(camera), "rowcount", 0) or 0)
    impostors = delete(ImpostorSample).where(ImpostorSample.created_at < cutoff)
    report.impostor_samples += int(getattr(session.execute(impostors), "rowcount", 0) or 0)
    if report.camera_samples or report.impostor_samples:
        bump_enrolment_version(session)


def _clear_watchlist(session: Session, report: PurgeReport, cutoff: datetime) -> None:
    """Watchlist entries (photos, encodings) and sightings (snapshots) older than their period."""
    entries, sightings, files = clear_watchlist(session, cutoff)
    report.watchlist_entries += entries
    report.watchlist_sightings += sightings
    report.files.extend(files)


def _clear_snapshot(report: PurgeReport, arrival: Arrival) -> None:
    if arrival.snapshot:
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


def _orphans(
    session: Session, media: MediaStore, privacy: PrivacyConfig, now: datetime
) -> set[str]:
    """Files no row references, older than their kind's period; stale temporary files."""
    periods = {
        "arrivals": timedelta(days=privacy.snapshot_retention_days),
        "faces": timedelta(days=privacy.snapshot_retention_days),
        "unknown": timedelta(days=privacy.unknown_retention_days),
        "watchlist": timedelta(days=privacy.watchlist_retention_days),
    }
    used = all_referenced(session)
    found = set()
    for rel, path in media.files():
        kind = rel.split("/", 1)[0]
        period = TMP_MAX_AGE if is_temporary(rel) else periods.get(kind)
        if period is None or rel in used:
            continue
        if path.stat().st_mtime < (now - period).timestamp():
            found.add(rel)
    return found


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
    if dry_run:
        with sessions() as session:
            report = clear_expired(session, privacy, now=now, media=media)
            session.rollback()
        report.dry_run = True
        return report
    with unit_of_work(sessions, media) as uow:
        report = clear_expired(uow.session, privacy, now=now, media=media)
        for rel in report.files:
            uow.files.delete(rel)
        counts = report.counts()
        counts.pop("files_deleted")
        audit.record(uow.session, user, AuditAction.PURGE, None, counts)
    report.files_deleted = len(uow.files.deleted)
    log.info("purge: %s", report.counts())
    return report
