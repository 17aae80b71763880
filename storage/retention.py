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
half-written temporary files after `TMP_MAX_AGE`. Guest book entries go after
`retention.guestbook_days` (null: kept) and audit rows after `retention.audit_days`. It all runs
as one unit of work: columns are cleared and committed first, then the files are deleted.

The capture worker runs it every `retention.interval_minutes` (`run_scheduled`), under a lease
so that it runs once per interval and never twice at once, however many workers there are;
`tamu purge` takes the same lease.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from core.config import PrivacyConfig, RetentionConfig
from core.vocab import AuditAction, SampleSource, UnknownStatus
from storage import audit, leases
from storage.media import MediaStore, is_temporary
from storage.models import (
    Arrival,
    ArrivalSample,
    AuditLog,
    Camera,
    FaceSample,
    GuestBookEntry,
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
LEASE = "retention"
# A run holds the lease this long at most; a crashed holder's lease expires after it.
LEASE_HOLD = timedelta(minutes=30)


class PurgeBusy(Exception):
    """Another process is applying retention right now."""


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
    guestbook_entries: int = 0
    audit_rows: int = 0
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
    retention: RetentionConfig | None = None,
) -> PurgeReport:
    """Null expired snapshot and encoding columns; the counts and the files to delete.

    With `media`, stale live frames and orphaned files are counted and listed too; with
    `retention`, expired guest book entries and audit rows are deleted.
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
        _clear_live(session, report, media, now - live_max_age)
    if retention is not None:
        _clear_records(session, report, retention, now)
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


def _clear_records(
    session: Session, report: PurgeReport, retention: RetentionConfig, now: datetime
) -> None:
    """Guest book entries (when a period is set) and audit rows older than their periods."""
    if retention.guestbook_days is not None:
        cutoff = now - timedelta(days=retention.guestbook_days)
        old = delete(GuestBookEntry).where(GuestBookEntry.checked_in_at < cutoff)
        report.guestbook_entries += int(getattr(session.execute(old), "rowcount", 0) or 0)
    cutoff = now - timedelta(days=retention.audit_days)
    last = func.coalesce(AuditLog.last_at, AuditLog.at)
    rows = delete(AuditLog).where(AuditLog.at < cutoff, last < cutoff)
    report.audit_rows += int(getattr(session.execute(rows), "rowcount", 0) or 0)


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


def _clear_live(session: Session, report: PurgeReport, media: MediaStore, cutoff: datetime) -> None:
    """Live frames not rewritten since `cutoff` (a camera long gone or offline)."""
    stale = {
        entry.rel
        for entry in media.entries()
        if entry.rel.startswith("live/")
        and entry.rel.endswith(".jpg")
        and not is_temporary(entry.rel)
        and entry.modified < cutoff
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
    for entry in media.entries():
        kind = entry.rel.split("/", 1)[0]
        period = TMP_MAX_AGE if is_temporary(entry.rel) else periods.get(kind)
        if period is None or entry.rel in used:
            continue
        if entry.modified < now - period:
            found.add(entry.rel)
    return found


def purge(
    sessions: sessionmaker[Session],
    media: MediaStore,
    privacy: PrivacyConfig,
    *,
    dry_run: bool = False,
    user: User | None = None,
    now: datetime | None = None,
    retention: RetentionConfig | None = None,
) -> PurgeReport:
    """Apply the retention periods: clear columns, commit with a "purge" audit row, delete files.

    A dry run counts what would go and writes nothing (no audit row either).
    """
    if dry_run:
        with sessions() as session:
            report = clear_expired(session, privacy, now=now, media=media, retention=retention)
            session.rollback()
        report.dry_run = True
        return report
    with unit_of_work(sessions, media) as uow:
        report = clear_expired(uow.session, privacy, now=now, media=media, retention=retention)
        for rel in report.files:
            uow.files.delete(rel)
        counts = report.counts()
        counts.pop("files_deleted")
        audit.record(uow.session, user, AuditAction.PURGE, None, counts)
    report.files_deleted = len(uow.files.deleted)
    log.info("purge: %s", report.counts())
    return report


def purge_now(
    sessions: sessionmaker[Session],
    media: MediaStore,
    privacy: PrivacyConfig,
    retention: RetentionConfig,
    holder: str,
    *,
    user: User | None = None,
) -> PurgeReport:
    """Apply retention now, whether due or not (`tamu purge`); PurgeBusy if another run holds
    the lease."""
    started = utcnow()
    if not leases.acquire(sessions, LEASE, holder, started, LEASE_HOLD, due_only=False):
        raise PurgeBusy("retention is being applied by another process")
    return _run_held(sessions, media, privacy, retention, holder, user)


def run_scheduled(
    sessions: sessionmaker[Session],
    media: MediaStore,
    privacy: PrivacyConfig,
    retention: RetentionConfig,
    holder: str,
) -> PurgeReport | None:
    """Apply retention if it is due and no other process holds it; None when not run."""
    if not leases.acquire(sessions, LEASE, holder, utcnow(), LEASE_HOLD):
        return None
    return _run_held(sessions, media, privacy, retention, holder, None)


def _run_held(
    sessions: sessionmaker[Session],
    media: MediaStore,
    privacy: PrivacyConfig,
    retention: RetentionConfig,
    holder: str,
    user: User | None,
) -> PurgeReport:
    """Purge under the lease just taken; release it (next run one interval on) either way."""
    every = timedelta(minutes=retention.interval_minutes)
    try:
        return purge(sessions, media, privacy, user=user, retention=retention)
    finally:
        leases.release(sessions, LEASE, holder, utcnow(), every)
