import json
import os
from datetime import timedelta

import numpy as np
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from core.config import PrivacyConfig, RetentionConfig
from storage import leases, unknowns
from storage.db import make_engine, make_session_factory, transaction, upgrade
from storage.guests import add_sample, create_guest, encode_vector
from storage.media import FileMediaStore
from storage.models import (
    Arrival,
    AuditLog,
    Camera,
    FaceSample,
    GuestBookEntry,
    UnknownFace,
    User,
)
from storage.retention import LEASE, PurgeBusy, purge, purge_now, run_scheduled
from storage.types import utcnow
from storage.unit_of_work import unit_of_work
from tamu.cli import cli
from tests.support.storage import media_files

PRIVACY = PrivacyConfig(snapshot_retention_days=30, unknown_retention_days=7)
IMAGE = np.full((40, 40, 3), 90, dtype=np.uint8)


def seed(factory, media):
    """Arrivals and unknown faces on both sides of each retention period; an enrolled guest."""
    now = utcnow()
    ids = {}
    with transaction(factory) as s:
        cam = Camera(name="gate", role="gate", latest_frame="live/gate.jpg")
        gone = Camera(name="old", role="gate", latest_frame="live/old.jpg")
        guard = User(username="guard", password_hash="x", role="guard")
        s.add_all([cam, gone, guard])
        s.flush()
        guest = create_guest(s, name="Pak Hadi")

        def arrival(days, guest_id=None):
            at = now - timedelta(days=days)
            row = Arrival(
                camera_id=cam.id,
                guest_id=guest_id,
                first_seen=at,
                last_seen=at,
                snapshot=media.save_jpeg(IMAGE, "arrivals"),
            )
            s.add(row)
            s.flush()
            return row

        def unknown(row, status="pending"):
            face = UnknownFace(
                arrival_id=row.id,
                camera_id=cam.id,
                first_seen=row.first_seen,
                last_seen=row.last_seen,
                snapshot=media.save_jpeg(IMAGE, "unknown"),
                encoding=encode_vector(np.ones(128)),
                status=status,
            )
            s.add(face)
            s.flush()
            return face

        ids["old_guest"] = arrival(40, guest.id).id
        ids["recent_guest"] = arrival(10, guest.id).id
        old_stranger = arrival(8)
        ids["old_stranger"] = old_stranger.id
        ids["old_unknown"] = unknown(old_stranger).id
        ids["old_resolved"] = unknown(arrival(9, guest.id), status="identified").id
        new_stranger = arrival(1)
        ids["new_stranger"] = new_stranger.id
        ids["new_unknown"] = unknown(new_stranger).id
        # An enrolled sample whose photo was the stranger's own snapshot path: kept.
        old_unknown = s.get(UnknownFace, ids["old_unknown"])
        sample = add_sample(s, guest, np.ones(128), old_unknown.snapshot)
        ids["sample"] = sample.id
        ids["sample_photo"] = sample.photo
        ids["copied"] = add_sample(s, guest, np.ones(128), media.save_jpeg(IMAGE, "faces")).photo
    media.write_fixed("live/gate.jpg", IMAGE)
    media.write_fixed("live/old.jpg", IMAGE)
    stale = (now - timedelta(hours=3)).timestamp()
    os.utime(media.resolve("live/old.jpg"), (stale, stale))
    return ids


def snapshot_state(factory):
    with factory() as s:
        arrivals = {a.id: a.snapshot for a in s.scalars(select(Arrival))}
        unknowns = {u.id: (u.snapshot, u.encoding) for u in s.scalars(select(UnknownFace))}
        samples = {f.id: (f.photo, f.encoding) for f in s.scalars(select(FaceSample))}
    return arrivals, unknowns, samples


def test_purge_applies_each_retention_period(factory, media):
    ids = seed(factory, media)
    arrivals_before, unknowns_before, samples_before = snapshot_state(factory)
    report = purge(factory, media, PRIVACY)
    arrivals, unknowns, samples = snapshot_state(factory)

    assert arrivals[ids["old_guest"]] is None
    assert arrivals[ids["old_stranger"]] is None
    assert arrivals[ids["recent_guest"]] == arrivals_before[ids["recent_guest"]]
    assert arrivals[ids["new_stranger"]] is not None
    assert unknowns[ids["old_unknown"]] == (None, None)
    assert unknowns[ids["old_resolved"]] == (None, None)
    assert unknowns[ids["new_unknown"]] == unknowns_before[ids["new_unknown"]]
    assert samples == samples_before, "enrolled samples are never touched"
    assert media.resolve(ids["sample_photo"]).is_file()
    assert media.resolve(ids["copied"]).is_file()
    for rel in (arrivals_before[ids["old_guest"]], arrivals_before[ids["old_stranger"]]):
        assert not media.resolve(rel, must_exist=False).exists()
    assert media.resolve(arrivals[ids["recent_guest"]]).is_file()
    assert media.resolve(unknowns[ids["new_unknown"]][0]).is_file()
    assert not media.resolve("live/old.jpg", must_exist=False).exists()
    assert media.resolve("live/gate.jpg").is_file()

    assert report.counts() == {
        "arrival_snapshots": 2,
        "unknown_snapshots": 2,
        "unknown_encodings": 2,
        "unknowns_dismissed": 1,
        "track_samples": 0,
        "camera_samples": 0,
        "impostor_samples": 0,
        "live_frames": 1,
        "guestbook_entries": 0,
        "audit_rows": 0,
        "watchlist_entries": 0,
        "watchlist_sightings": 0,
        "orphan_files": 0,
        "files_deleted": 4,
        "files": 4,
    }
    with factory() as s:
        assert {c.name: c.latest_frame for c in s.scalars(select(Camera))} == {
            "gate": "live/gate.jpg",
            "old": None,
        }
        log = s.scalars(select(AuditLog).where(AuditLog.action == "purge")).one()
        assert json.loads(log.detail)["unknown_encodings"] == 2
    again = purge(factory, media, PRIVACY)
    assert again.counts()["files"] == 0 and again.files_deleted == 0


def test_dry_run_changes_nothing(factory, media):
    seed(factory, media)
    before = snapshot_state(factory)
    files_before = sorted(p for p in media.root.rglob("*") if p.is_file())
    report = purge(factory, media, PRIVACY, dry_run=True)
    assert report.dry_run is True
    assert report.arrival_snapshots == 2 and report.unknown_encodings == 2
    assert report.live_frames == 1 and report.files_deleted == 0
    assert report.unknowns_dismissed == 1
    assert snapshot_state(factory) == before
    assert sorted(p for p in media.root.rglob("*") if p.is_file()) == files_before
    with factory() as s:
        assert s.scalars(select(AuditLog).where(AuditLog.action == "purge")).all() == []


def test_enrolment_from_an_unknown_survives_the_purge(factory, media):
    """A registered stranger keeps the copied photo and encoding after the snapshot is purged."""
    ids = seed(factory, media)
    with unit_of_work(factory, media) as uow:
        guard = uow.session.scalars(select(User)).one()
        unknowns.resolve_unknown(
            uow.session,
            uow.files,
            ids["new_unknown"],
            "register",
            guard,
            guest_fields={"name": "Dewi"},
        )
    purge(factory, media, PRIVACY, now=utcnow() + timedelta(days=60))
    with factory() as s:
        face = s.get(UnknownFace, ids["new_unknown"])
        (sample,) = s.get(Arrival, ids["new_stranger"]).guest.samples
        assert (face.snapshot, face.encoding) == (None, None)
        assert sample.encoding is not None
        assert media.resolve(sample.photo).is_file()


def test_purge_command(write_config):
    config, path = write_config({"privacy": {"unknown_retention_days": 7}})
    upgrade(config.storage.database_url)
    engine = make_engine(config.storage.database_url)
    factory = make_session_factory(engine)
    media = FileMediaStore(config.storage.media_dir)
    seed(factory, media)
    runner = CliRunner()
    dry = runner.invoke(cli, ["--config", str(path), "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would clear 2 arrival snapshots" in dry.output
    assert "would delete 4 files" in dry.output
    real = runner.invoke(cli, ["--config", str(path), "purge"])
    assert real.exit_code == 0, real.output
    assert "cleared 2 unknown-face encodings" in real.output
    assert "deleted 4 files" in real.output
    with factory() as s:
        assert s.scalars(select(AuditLog.action)).all() == ["purge"]
    engine.dispose()


def test_expired_pending_faces_leave_the_guards_queue(factory, media):
    ids = seed(factory, media)
    purge(factory, media, PRIVACY)
    with factory() as s:
        queue = unknowns.pending_queue(s, 50)
        assert [u.id for u in queue] == [ids["new_unknown"]]
        assert all(u.snapshot for u in queue)
        old = s.get(UnknownFace, ids["old_unknown"])
        assert (old.status, old.resolved_by) == ("dismissed", None)
        assert old.resolved_at is not None
        assert s.get(UnknownFace, ids["old_resolved"]).status == "identified"


def age(media, rel, **delta):
    """Set a stored file's modification time `delta` in the past."""
    when = (utcnow() - timedelta(**delta)).timestamp()
    os.utime(media.resolve(rel, must_exist=False), (when, when))


def test_orphaned_files_go_after_their_period_and_referenced_ones_stay(factory, media):
    ids = seed(factory, media)
    orphans = {
        "old_arrival": (media.save_jpeg(IMAGE, "arrivals"), {"days": 31}),
        "young_arrival": (media.save_jpeg(IMAGE, "arrivals"), {"days": 29}),
        "old_unknown": (media.save_jpeg(IMAGE, "unknown"), {"days": 8}),
        "young_unknown": (media.save_jpeg(IMAGE, "unknown"), {"days": 6}),
        "old_face": (media.save_jpeg(IMAGE, "faces"), {"days": 31}),
    }
    for rel, delta in orphans.values():
        age(media, rel, **delta)
    stale_tmp = "arrivals/2026-01/.x.jpg.0badc0de.tmp"
    fresh_tmp = "unknown/2026-01/.y.jpg.0badc0de.tmp"
    for rel in (stale_tmp, fresh_tmp):
        path = media.resolve(rel, must_exist=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\xff\xd8 half a jpeg")
    age(media, stale_tmp, hours=2)
    with factory() as s:
        recent = s.get(Arrival, ids["recent_guest"]).snapshot
    age(media, recent, days=300)  # an old file that a row still uses is no orphan
    age(media, ids["copied"], days=300)

    dry = purge(factory, media, PRIVACY, dry_run=True)
    assert dry.orphan_files == 4
    report = purge(factory, media, PRIVACY)

    assert report.orphan_files == 4 and report.files_deleted == 4 + 4
    left = set(media_files(media))
    for name in ("old_arrival", "old_unknown", "old_face"):
        assert orphans[name][0] not in left, name
    for name in ("young_arrival", "young_unknown"):
        assert orphans[name][0] in left, name
    assert stale_tmp not in left and fresh_tmp in left
    assert {recent, ids["copied"], ids["sample_photo"]} <= left


def test_encodings_kept_with_visits_and_learnt_from_footage_expire_too(factory, media):
    from storage.guests import SampleInfo, add_impostor
    from storage.models import ArrivalSample, ImpostorSample
    from storage.settings import enrolment_version

    now = utcnow()
    with transaction(factory) as s:
        cam = Camera(name="gate", role="gate")
        s.add(cam)
        s.flush()
        guest = create_guest(s, name="Bu Sari")
        photo = add_sample(s, guest, np.ones(128), None)  # an enrolment photo: never purged
        ids = {}
        for key, days, guest_id in (
            ("old_guest", 40, guest.id),
            ("new_guest", 10, guest.id),
            ("old_stranger", 8, None),
            ("new_stranger", 2, None),
        ):
            at = now - timedelta(days=days)
            row = Arrival(camera_id=cam.id, guest_id=guest_id, first_seen=at, last_seen=at)
            s.add(row)
            s.flush()
            ids[key] = row.id
            s.add(
                ArrivalSample(
                    arrival_id=row.id, camera_id=cam.id, track="gate:1:1", captured_at=at,
                    encoding=encode_vector(np.ones(128)), quality=0.9, face_px=120,
                    sharpness=20.0, frontalness=1.0,
                )
            )  # fmt: skip
        old_cam = add_sample(s, guest, np.ones(128), None, SampleInfo(source="camera"))
        old_cam.created_at = now - timedelta(days=200)
        new_cam = add_sample(s, guest, np.ones(128), None, SampleInfo(source="camera"))
        old_imp = add_impostor(s, guest.id, np.ones(128))
        old_imp.created_at = now - timedelta(days=200)
        add_impostor(s, guest.id, np.ones(128))
        version = enrolment_version(s)
    report = purge(factory, media, PRIVACY)
    assert (report.track_samples, report.camera_samples, report.impostor_samples) == (2, 1, 1)
    with factory() as s:
        left = {a for (a,) in s.execute(select(ArrivalSample.arrival_id))}
        assert left == {ids["new_guest"], ids["new_stranger"]}
        assert {r.id for r in s.scalars(select(FaceSample))} == {photo.id, new_cam.id}
        assert s.scalar(select(ImpostorSample.id).where(ImpostorSample.id == old_imp.id)) is None
        assert enrolment_version(s) != version  # the workers reload their gallery


RETENTION = RetentionConfig(interval_minutes=60, guestbook_days=365, audit_days=730)


def seed_records(factory) -> None:
    """Guest book entries and audit rows on both sides of their periods (and a live burst)."""
    now = utcnow()
    with transaction(factory) as s:
        for days, name in ((400, "Lama"), (10, "Baru")):
            at = now - timedelta(days=days)
            s.add(GuestBookEntry(name=name, category="masyarakat", purpose="x", checked_in_at=at))
        for days, last in ((800, None), (10, None), (800, now - timedelta(days=1))):
            at = now - timedelta(days=days)
            s.add(AuditLog(action="view", at=at, last_at=last))


def test_guest_book_and_audit_log_expire_after_their_own_periods(factory, media):
    seed_records(factory)
    report = purge(factory, media, PRIVACY, retention=RETENTION)
    assert (report.guestbook_entries, report.audit_rows) == (1, 1)
    with factory() as s:
        assert s.scalars(select(GuestBookEntry.name)).all() == ["Baru"]
        assert s.scalar(select(func.count()).where(AuditLog.action == "view")) == 2
        (row,) = s.scalars(select(AuditLog).where(AuditLog.action == "purge")).all()
    counts = json.loads(row.detail)
    assert (counts["guestbook_entries"], counts["audit_rows"]) == (1, 1)  # one row per run


def test_a_null_guest_book_period_keeps_the_guest_book(factory, media):
    seed_records(factory)
    keep = RetentionConfig(guestbook_days=None, audit_days=730)
    assert purge(factory, media, PRIVACY, retention=keep).guestbook_entries == 0
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(GuestBookEntry)) == 2


def test_scheduled_retention_runs_once_per_interval_and_never_beside_a_running_one(factory, media):
    seed(factory, media)
    first = run_scheduled(factory, media, PRIVACY, RETENTION, "host-a:1")
    assert first is not None and first.arrival_snapshots == 2
    assert run_scheduled(factory, media, PRIVACY, RETENTION, "host-b:2") is None  # not due
    row = leases.lease(factory, LEASE)
    assert row is not None and row.holder == "host-a:1" and row.held_until is None
    assert row.next_due - row.last_run_at == timedelta(minutes=60)
    # Someone is running it right now (its hold is live): a forced run is refused.
    assert leases.acquire(
        factory, LEASE, "host-c:3", utcnow(), timedelta(minutes=5), due_only=False
    )
    with pytest.raises(PurgeBusy):
        purge_now(factory, media, PRIVACY, RETENTION, "purge@host-d")
    with factory() as s:
        assert s.scalars(select(AuditLog.action)).all() == ["purge"]


def test_purge_command_refuses_while_another_run_holds_the_lease(write_config):
    config, path = write_config()
    upgrade(config.storage.database_url)
    engine = make_engine(config.storage.database_url)
    factory = make_session_factory(engine)
    assert leases.acquire(factory, LEASE, "host-a:1", utcnow(), timedelta(minutes=5))
    result = CliRunner().invoke(cli, ["--config", str(path), "purge"])
    assert result.exit_code == 1
    assert "retention is being applied by another process" in result.output
    with factory() as s:
        assert s.scalars(select(AuditLog.action)).all() == []  # nothing ran
    engine.dispose()
