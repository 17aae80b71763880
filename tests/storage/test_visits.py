from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from storage import visits
from storage.db import make_engine, make_session_factory, transaction
from storage.guests import create_guest, decode_vector, encode_vector
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
from storage.settings import enrolment_version
from storage.types import utcnow
from storage.visits import WorkflowError

ROLES = ("bupati", "adjutant", "guard", "operator", "security", "admin")
TABLES = (Decision, EscortTask, GuestBookEntry, AuditLog, Guest, FaceSample)
CHECKIN = {
    "name": "Siti Aminah",
    "category": "pemerintah",
    "institution": "Dinas Pendidikan",
    "purpose": "Audiensi",
    "phone": "0812 3456 7890",
    "companions": 2,
}


@pytest.fixture
def factory(db_url):
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def world(factory):
    """Users of every role, two cameras and a registered guest."""
    with transaction(factory) as s:
        users = {role: User(username=role, password_hash="x", role=role) for role in ROLES}
        s.add_all(users.values())
        s.add_all([Camera(name="gate", role="gate"), Camera(name="waiting", role="waiting_room")])
        guest = create_guest(s, name="Pak Hadi", category="swasta", institution="PT Maju")
    return {"users": users, "guest_id": guest.id}


def add_arrival(session, *, guest_id=None, status="waiting", camera="gate", ago_min=5):
    cam = session.scalars(select(Camera).where(Camera.name == camera)).one()
    at = utcnow() - timedelta(minutes=ago_min)
    arrival = Arrival(
        camera_id=cam.id, guest_id=guest_id, first_seen=at, last_seen=at, status=status
    )
    session.add(arrival)
    session.flush()
    return arrival


def add_unknown(session, media, arrival, *, encoding=True, snapshot=True):
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


def counts(factory):
    with factory() as s:
        return {m.__name__: s.scalar(select(func.count()).select_from(m)) for m in TABLES}


def user(session, role):
    return session.scalars(select(User).where(User.username == role)).one()


# --- decisions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "extra", "status"),
    [
        ("receive", {}, "received"),
        ("wait", {}, "waiting"),
        ("reschedule", {"reschedule_at": utcnow() + timedelta(days=1)}, "rescheduled"),
        ("decline", {"note": "Sedang rapat"}, "declined"),
        ("delegate", {"delegate_to": "Sekretaris Daerah"}, "delegated"),
    ],
)
def test_every_decision_kind(factory, world, kind, extra, status):
    with transaction(factory) as s:
        arrival_id = add_arrival(s, guest_id=world["guest_id"]).id
    with transaction(factory) as s:
        decision = visits.decide(s, arrival_id, kind, user(s, "bupati"), **extra)
    with factory() as s:
        stored = s.get(Decision, decision.id)
        assert stored.kind == kind
        assert stored.on_behalf is False
        assert stored.by_user.username == "bupati"
        assert s.get(Arrival, arrival_id).status == status
        tasks = s.scalars(select(EscortTask).where(EscortTask.arrival_id == arrival_id)).all()
        assert [(t.status, t.decision_id) for t in tasks] == (
            [("pending", decision.id)] if kind == "receive" else []
        )
        log = s.scalars(select(AuditLog).where(AuditLog.action == "decide")).one()
        assert (log.username, log.target) == ("bupati", f"arrival:{arrival_id}")
        assert f'"kind": "{kind}"' in log.detail
    if kind == "reschedule":
        assert stored.reschedule_at == extra["reschedule_at"]
    if kind == "delegate":
        assert stored.delegate_to == "Sekretaris Daerah"


def test_adjutant_decides_on_behalf(factory, world):
    with transaction(factory) as s:
        arrival_id = add_arrival(s).id
    with transaction(factory) as s:
        decision = visits.decide(s, arrival_id, "receive", user(s, "adjutant"))
    with factory() as s:
        assert s.get(Decision, decision.id).on_behalf is True
        assert visits.escort_for_decision(s, decision.id).status == "pending"


def test_wait_keeps_the_arrival_open_for_a_later_decision(factory, world):
    with transaction(factory) as s:
        arrival_id = add_arrival(s).id
    with transaction(factory) as s:
        visits.decide(s, arrival_id, "wait", user(s, "bupati"))
    with transaction(factory) as s:
        visits.decide(s, arrival_id, "decline", user(s, "adjutant"))
    with factory() as s:
        assert s.get(Arrival, arrival_id).status == "declined"


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((10_000, "receive", "bupati"), {}, "tidak ditemukan"),
        (("abc", "receive", "bupati"), {}, "tidak ditemukan"),
        ((None, "receive", "guard"), {}, "Bupati atau ajudan"),
        ((None, "promote", "bupati"), {}, "tidak dikenal"),
        ((None, "reschedule", "bupati"), {"reschedule_at": "past"}, "masa depan"),
        ((None, "reschedule", "bupati"), {}, "wajib diisi"),
        ((None, "delegate", "adjutant"), {"delegate_to": " "}, "Pejabat"),
        ((None, "decline", "bupati"), {"note": "x" * 501}, "Catatan terlalu panjang"),
    ],
)
def test_bad_decisions_write_nothing(factory, world, args, kwargs, message):
    with transaction(factory) as s:
        arrival_id = add_arrival(s).id
    before = counts(factory)
    target, kind, role = args
    if kwargs.get("reschedule_at") == "past":
        kwargs = {"reschedule_at": utcnow() - timedelta(minutes=1)}
    with pytest.raises(WorkflowError, match=message), transaction(factory) as s:
        visits.decide(s, target or arrival_id, kind, user(s, role), **kwargs)
    assert counts(factory) == before
    with factory() as s:
        assert s.get(Arrival, arrival_id).status == "waiting"


def test_already_decided_is_refused(factory, world):
    with transaction(factory) as s:
        arrival_id = add_arrival(s).id
    with transaction(factory) as s:
        visits.decide(s, arrival_id, "receive", user(s, "bupati"))
    before = counts(factory)
    with pytest.raises(WorkflowError, match="sudah diputuskan"), transaction(factory) as s:
        visits.decide(s, arrival_id, "decline", user(s, "adjutant"))
    assert counts(factory) == before


# --- escort ----------------------------------------------------------------------------------


def test_escort_pending_escorted_left(factory, world):
    with transaction(factory) as s:
        arrival_id = add_arrival(s, guest_id=world["guest_id"]).id
    with transaction(factory) as s:
        task_id = visits.escort_for_decision(
            s, visits.decide(s, arrival_id, "receive", user(s, "bupati")).id
        ).id
    with factory() as s:
        assert [t.id for t in visits.pending_escorts(s)] == [task_id]
    with transaction(factory) as s:
        visits.update_escort(s, task_id, "escorted", user(s, "guard"))
    with transaction(factory) as s:
        visits.update_escort(s, task_id, "left", user(s, "guard"))
    with factory() as s:
        task = s.get(EscortTask, task_id)
        guard_id = user(s, "guard").id
        assert (task.status, task.escorted_by, task.left_by) == ("left", guard_id, guard_id)
        assert task.escorted_at <= task.left_at
        assert s.get(Arrival, arrival_id).status == "left"
        assert visits.pending_escorts(s) == []
        actions = s.scalars(select(AuditLog.detail).where(AuditLog.action == "escort")).all()
        assert sorted(actions) == ['{"status": "escorted"}', '{"status": "left"}']
    with pytest.raises(WorkflowError, match="tidak dapat diubah"), transaction(factory) as s:
        visits.update_escort(s, task_id, "escorted", user(s, "guard"))
    with pytest.raises(WorkflowError, match="tidak ditemukan"), transaction(factory) as s:
        visits.update_escort(s, 999, "left", user(s, "guard"))


# --- unknown faces ---------------------------------------------------------------------------


def test_identify_links_and_enrols(factory, world, media):
    with transaction(factory) as s:
        arrival = add_arrival(s)
        unknown = add_unknown(s, media, arrival)
        ids, enc = (arrival.id, unknown.id), unknown.encoding
    with factory() as s:
        version = enrolment_version(s)
    with transaction(factory) as s:
        visits.resolve_unknown(
            s, media, ids[1], "identify", user(s, "guard"), guest_id=world["guest_id"]
        )
    with factory() as s:
        unknown = s.get(UnknownFace, ids[1])
        assert (unknown.status, unknown.guest_id) == ("identified", world["guest_id"])
        assert unknown.resolved_by == user(s, "guard").id and unknown.resolved_at is not None
        assert s.get(Arrival, ids[0]).guest_id == world["guest_id"]
        assert s.get(Arrival, ids[0]).status == "waiting"
        sample = s.scalars(select(FaceSample)).one()
        assert sample.guest_id == world["guest_id"] and sample.encoding == enc
        assert sample.photo.startswith("faces/") and media.resolve(sample.photo).is_file()
        assert enrolment_version(s) != version
        log = s.scalars(select(AuditLog).where(AuditLog.action == "resolve_unknown")).one()
        assert (log.username, log.target) == ("guard", f"unknown:{ids[1]}")


def test_register_creates_guest_sample_photo_and_guestbook(factory, world, media):
    with transaction(factory) as s:
        arrival = add_arrival(s)
        unknown = add_unknown(s, media, arrival)
        ids, enc, snap = (arrival.id, unknown.id), unknown.encoding, unknown.snapshot
    fields = {"name": " Dewi ", "category": "pemerintah", "institution": "Bappeda"}
    with transaction(factory) as s:
        visits.resolve_unknown(
            s,
            media,
            ids[1],
            "register",
            user(s, "guard"),
            guest_fields={**fields, "phone": "0813 1111 2222"},
            purpose="Koordinasi anggaran",
        )
    with factory() as s:
        guest = s.scalars(select(Guest).where(Guest.name == "Dewi")).one()
        assert (guest.category, guest.institution, guest.is_staff) == (
            "pemerintah",
            "Bappeda",
            False,
        )
        assert s.get(UnknownFace, ids[1]).status == "registered"
        assert s.get(Arrival, ids[0]).guest_id == guest.id
        (sample,) = guest.samples
        assert sample.encoding == enc
        assert sample.photo != snap and media.resolve(sample.photo).read_bytes()[:2] == b"\xff\xd8"
        entry = s.scalars(select(GuestBookEntry)).one()
        assert (entry.arrival_id, entry.guest_id, entry.name, entry.purpose) == (
            ids[0],
            guest.id,
            "Dewi",
            "Koordinasi anggaran",
        )
        assert entry.operator_id == user(s, "guard").id
        assert [w.purpose for w in visits.waiting_now(s)] == ["Koordinasi anggaran"]


def test_register_without_purpose_writes_no_guestbook(factory, world, media):
    with transaction(factory) as s:
        unknown_id = add_unknown(s, media, add_arrival(s), snapshot=False).id
    with transaction(factory) as s:
        visits.resolve_unknown(
            s, media, unknown_id, "register", user(s, "guard"), guest_fields={"name": "Eko"}
        )
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(GuestBookEntry)) == 0
        sample = s.scalars(select(FaceSample)).one()
        assert sample.photo is None


def test_not_guest_is_enrolled_as_staff_and_dismissed(factory, world, media):
    with transaction(factory) as s:
        arrival = add_arrival(s)
        unknown = add_unknown(s, media, arrival)
        ids, enc = (arrival.id, unknown.id), unknown.encoding
    with transaction(factory) as s:
        visits.resolve_unknown(s, media, ids[1], "not_guest", user(s, "guard"))
    with factory() as s:
        staff = s.scalars(select(Guest).where(Guest.is_staff.is_(True))).one()
        assert staff.samples[0].encoding == enc
        assert np.allclose(decode_vector(staff.samples[0].encoding), decode_vector(enc))
        assert s.get(Arrival, ids[0]).status == "dismissed"
        assert s.get(UnknownFace, ids[1]).status == "not_guest"
        assert visits.waiting_now(s) == []


def test_not_guest_can_mark_an_existing_guest_as_staff(factory, world, media):
    with transaction(factory) as s:
        unknown_id = add_unknown(s, media, add_arrival(s)).id
    with transaction(factory) as s:
        visits.resolve_unknown(
            s, media, unknown_id, "not_guest", user(s, "guard"), guest_id=world["guest_id"]
        )
    with factory() as s:
        assert s.get(Guest, world["guest_id"]).is_staff is True


def test_dismiss(factory, world, media):
    with transaction(factory) as s:
        arrival = add_arrival(s)
        ids = (arrival.id, add_unknown(s, media, arrival).id)
    with transaction(factory) as s:
        visits.resolve_unknown(s, media, ids[1], "dismiss", user(s, "guard"))
    with factory() as s:
        assert s.get(Arrival, ids[0]).status == "dismissed"
        assert s.get(UnknownFace, ids[1]).status == "dismissed"
        assert s.scalar(select(func.count()).select_from(FaceSample)) == 0


@pytest.mark.parametrize(
    ("action", "kwargs", "message"),
    [
        ("identify", {}, "Pilih tamu"),
        ("identify", {"guest_id": 9999}, "Tamu #9999 tidak ditemukan"),
        ("register", {"guest_fields": {"name": ""}}, "Nama wajib"),
        ("register", {"guest_fields": {"name": "A", "category": "vip"}}, "Kategori"),
        ("register", {"guest_fields": {"name": "A", "phone": "abc"}}, "telepon"),
        ("register", {"guest_fields": {"name": "A"}, "purpose": "x" * 501}, "Keperluan"),
        ("register", {"guest_fields": {"name": "x" * 121}}, "Nama terlalu panjang"),
        ("explode", {}, "tidak dikenal"),
    ],
)
def test_bad_resolution_writes_nothing(factory, world, media, action, kwargs, message):
    with transaction(factory) as s:
        unknown_id = add_unknown(s, media, add_arrival(s)).id
    before = counts(factory)
    with pytest.raises(WorkflowError, match=message), transaction(factory) as s:
        visits.resolve_unknown(s, media, unknown_id, action, user(s, "guard"), **kwargs)
    assert counts(factory) == before
    with factory() as s:
        assert s.get(UnknownFace, unknown_id).status == "pending"
        assert s.get(UnknownFace, unknown_id).arrival.status == "waiting"


def test_double_resolve_and_unknown_id_refused(factory, world, media):
    with transaction(factory) as s:
        unknown_id = add_unknown(s, media, add_arrival(s)).id
    with transaction(factory) as s:
        visits.resolve_unknown(s, media, unknown_id, "dismiss", user(s, "guard"))
    before = counts(factory)
    with pytest.raises(WorkflowError, match="sudah ditangani"), transaction(factory) as s:
        visits.resolve_unknown(
            s, media, unknown_id, "register", user(s, "admin"), guest_fields={"name": "X"}
        )
    with pytest.raises(WorkflowError, match="tidak ditemukan"), transaction(factory) as s:
        visits.resolve_unknown(s, media, 12345, "dismiss", user(s, "guard"))
    assert counts(factory) == before


def test_not_guest_without_encoding_is_refused(factory, world, media):
    with transaction(factory) as s:
        unknown_id = add_unknown(s, media, add_arrival(s), encoding=False).id
    with pytest.raises(WorkflowError, match="abaikan"), transaction(factory) as s:
        visits.resolve_unknown(s, media, unknown_id, "not_guest", user(s, "guard"))


# --- receiving switch, waiting list ----------------------------------------------------------


def test_receiving_switch(factory, world):
    with factory() as s:
        assert visits.is_receiving(s) is True
    with transaction(factory) as s:
        visits.set_receiving(s, False, user(s, "bupati"))
    with factory() as s:
        assert visits.is_receiving(s) is False
    with transaction(factory) as s:
        visits.set_receiving(s, True, user(s, "adjutant"))
    with factory() as s:
        assert visits.is_receiving(s) is True
        logs = s.scalars(select(AuditLog).where(AuditLog.action == "set_receiving")).all()
        assert [(log.username, log.detail) for log in sorted(logs, key=lambda r: r.id)] == [
            ("bupati", '{"receiving": false}'),
            ("adjutant", '{"receiving": true}'),
        ]


def test_waiting_now_lists_open_arrivals_longest_first(factory, world, media):
    with transaction(factory) as s:
        newer = add_arrival(s, guest_id=world["guest_id"], camera="waiting", ago_min=2)
        older = add_arrival(s, ago_min=20)
        unknown_id = add_unknown(s, media, older).id
        add_arrival(s, status="received")
        add_arrival(s, status="dismissed")
        stale = add_arrival(s, ago_min=60 * 30)
        ids = (newer.id, older.id, stale.id)
    with transaction(factory) as s:
        visits.check_in(s, user(s, "operator"), arrival_id=ids[0], **CHECKIN)
    with factory() as s:
        rows = visits.waiting_now(s)
        recent = visits.waiting_now(s, since=utcnow() - timedelta(hours=12))
    assert [w.arrival.id for w in rows] == [ids[2], ids[1], ids[0]]
    assert [w.arrival.id for w in recent] == [ids[1], ids[0]]
    by_id = {w.arrival.id: w for w in rows}
    assert by_id[ids[1]].guest is None and by_id[ids[1]].unknown_id == unknown_id
    assert by_id[ids[0]].guest.name == "Pak Hadi"
    assert by_id[ids[0]].camera_name == "waiting"
    assert by_id[ids[0]].purpose == "Audiensi" and by_id[ids[0]].unknown_id is None


# --- guest book ------------------------------------------------------------------------------


def test_walk_in_check_in_and_out(factory, world):
    with transaction(factory) as s:
        entry_id = visits.check_in(s, user(s, "operator"), **{**CHECKIN, "name": " Ani "}).id
    with factory() as s:
        entry = s.get(GuestBookEntry, entry_id)
        assert (entry.arrival_id, entry.guest_id, entry.name, entry.companions) == (
            None,
            None,
            "Ani",
            2,
        )
        assert entry.operator_id == user(s, "operator").id and entry.checked_out_at is None
        today = visits.guestbook_between(s, utcnow() - timedelta(hours=1))
        assert [e.id for e in today] == [entry_id]
    with transaction(factory) as s:
        visits.check_out(s, entry_id, user(s, "operator"))
    with factory() as s:
        assert s.get(GuestBookEntry, entry_id).checked_out_at is not None
    with pytest.raises(WorkflowError, match="sudah check-out"), transaction(factory) as s:
        visits.check_out(s, entry_id, user(s, "operator"))
    with pytest.raises(WorkflowError, match="tidak ditemukan"), transaction(factory) as s:
        visits.check_out(s, 4242, user(s, "operator"))
    with factory() as s:
        actions = s.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["checkin", "checkout"]


def test_check_in_linked_to_recognised_arrival_prefilled(factory, world):
    with transaction(factory) as s:
        arrival_id = add_arrival(s, guest_id=world["guest_id"]).id
        stranger_id = add_arrival(s).id
    with factory() as s:
        prefill = visits.prefill_for_arrival(s, arrival_id)
        blank = visits.prefill_for_arrival(s, stranger_id)
        candidates = [a.id for a in visits.checkin_candidates(s, utcnow() - timedelta(hours=1))]
    assert prefill["name"] == "Pak Hadi"
    assert (prefill["category"], prefill["institution"]) == ("swasta", "PT Maju")
    assert prefill["guest_id"] == world["guest_id"]
    assert blank["name"] == "" and blank["guest_id"] is None
    assert set(candidates) == {arrival_id, stranger_id}
    fields = {k: prefill[k] for k in ("name", "category", "institution")}
    with transaction(factory) as s:
        entry = visits.check_in(
            s, user(s, "operator"), arrival_id=arrival_id, purpose="Silaturahmi", **fields
        )
    assert (entry.arrival_id, entry.guest_id) == (arrival_id, world["guest_id"])
    with factory() as s:
        assert [a.id for a in visits.checkin_candidates(s, utcnow() - timedelta(hours=1))] == [
            stranger_id
        ]
    before = counts(factory)
    with pytest.raises(WorkflowError, match="sudah tercatat"), transaction(factory) as s:
        visits.check_in(s, user(s, "operator"), arrival_id=arrival_id, **CHECKIN)
    assert counts(factory) == before


def test_prefill_for_unknown_arrival_is_refused(factory, world):
    with factory() as s, pytest.raises(WorkflowError, match="tidak ditemukan"):
        visits.prefill_for_arrival(s, 777)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "Nama wajib"),
        ({"name": "x" * 121}, "Nama terlalu panjang"),
        ({"purpose": ""}, "Keperluan wajib"),
        ({"purpose": "x" * 501}, "Keperluan terlalu panjang"),
        ({"institution": "x" * 161}, "Instansi terlalu panjang"),
        ({"phone": "08-abc"}, "telepon tidak valid"),
        ({"companions": 51}, "antara 0 dan 50"),
        ({"category": "asing"}, "Kategori"),
        ({"arrival_id": 5555}, "Kedatangan #5555 tidak ditemukan"),
        ({"arrival_id": "dismissed"}, "sudah diabaikan"),
    ],
)
def test_bad_check_in_writes_nothing(factory, world, change, message):
    with transaction(factory) as s:
        dismissed_id = add_arrival(s, status="dismissed").id
    if change.get("arrival_id") == "dismissed":
        change = {"arrival_id": dismissed_id}
    before = counts(factory)
    with pytest.raises(WorkflowError, match=message), transaction(factory) as s:
        visits.check_in(s, user(s, "operator"), **{**CHECKIN, **change})
    assert counts(factory) == before


def test_times_are_aware_utc(factory, world):
    with transaction(factory) as s:
        entry = visits.check_in(s, user(s, "operator"), **CHECKIN)
    with factory() as s:
        at = s.get(GuestBookEntry, entry.id).checked_in_at
    assert at.tzinfo is not None and at.utcoffset() == timedelta(0)
    assert abs(at - datetime.now(UTC)) < timedelta(minutes=1)


# --- review: filters and timeline ------------------------------------------------------------


def test_search_filters_and_pagination(factory, world, media):
    with transaction(factory) as s:
        hadi = add_arrival(s, guest_id=world["guest_id"], ago_min=60 * 26)
        stranger = add_arrival(s, camera="waiting", ago_min=30)
        add_unknown(s, media, stranger)
        late = add_arrival(s, ago_min=10)
        late.outside_hours = True
        walk = add_arrival(s, ago_min=5)
        ids = {"hadi": hadi.id, "stranger": stranger.id, "late": late.id, "walk": walk.id}
    with transaction(factory) as s:
        visits.decide(s, ids["hadi"], "receive", user(s, "bupati"))
        visits.decide(s, ids["late"], "decline", user(s, "adjutant"))
        visits.check_in(s, user(s, "operator"), arrival_id=ids["walk"], **CHECKIN)

    def found(**kwargs):
        with factory() as s:
            rows, total = visits.search_arrivals(s, visits.ArrivalFilter(**kwargs))
        assert total == len(rows)
        return [r.arrival.id for r in rows]

    assert found() == [ids["walk"], ids["late"], ids["stranger"], ids["hadi"]]
    assert found(since=utcnow() - timedelta(hours=2)) == [ids["walk"], ids["late"], ids["stranger"]]
    assert found(until=utcnow() - timedelta(hours=2)) == [ids["hadi"]]
    assert found(camera="waiting") == [ids["stranger"]]
    assert found(camera="nowhere") == []
    assert found(guest="HADI") == [ids["hadi"]]
    assert found(guest="aminah") == [ids["walk"]]
    assert found(unknown_only=True) == [ids["walk"], ids["late"], ids["stranger"]]
    assert found(outside_hours=True) == [ids["late"]]
    assert found(decision="decline") == [ids["late"]]
    assert found(decision="receive", guest="hadi") == [ids["hadi"]]
    assert found(decision=visits.NO_DECISION) == [ids["walk"], ids["stranger"]]
    with factory() as s:
        page2, total = visits.search_arrivals(s, visits.ArrivalFilter(), page=2, per_page=3)
        assert total == 4 and [r.arrival.id for r in page2] == [ids["hadi"]]
        rows, _ = visits.search_arrivals(s, visits.ArrivalFilter())
        by_id = {r.arrival.id: r for r in rows}
        assert by_id[ids["hadi"]].name == "Pak Hadi"
        assert by_id[ids["hadi"]].decision.kind == "receive"
        assert by_id[ids["walk"]].name == "Siti Aminah"
        assert by_id[ids["stranger"]].name is None
        assert by_id[ids["stranger"]].unknown.status == "pending"
        exported = visits.export_arrivals(s, visits.ArrivalFilter(unknown_only=True))
        assert [r.arrival.id for r in exported] == [ids["stranger"], ids["late"], ids["walk"]]
        assert visits.camera_names(s) == ["gate", "waiting"]


def test_arrival_detail_timeline(factory, world, media):
    with transaction(factory) as s:
        arrival = add_arrival(s, ago_min=30)
        arrival.waiting_room_at = arrival.first_seen + timedelta(minutes=2)
        arrival.last_seen = arrival.first_seen + timedelta(minutes=3)
        unknown_id = add_unknown(s, media, arrival).id
        arrival_id = arrival.id
    with transaction(factory) as s:
        visits.resolve_unknown(
            s,
            media,
            unknown_id,
            "register",
            user(s, "guard"),
            guest_fields={"name": "Dewi"},
            purpose="Koordinasi",
        )
    with transaction(factory) as s:
        visits.decide(s, arrival_id, "wait", user(s, "adjutant"))
    with transaction(factory) as s:
        decision = visits.decide(s, arrival_id, "receive", user(s, "bupati"))
        task_id = visits.escort_for_decision(s, decision.id).id
    with transaction(factory) as s:
        visits.update_escort(s, task_id, "escorted", user(s, "guard"))
    with transaction(factory) as s:
        visits.update_escort(s, task_id, "left", user(s, "admin"))
        entry_id = s.scalars(select(GuestBookEntry.id)).one()
    with transaction(factory) as s:
        visits.check_out(s, entry_id, user(s, "operator"))
    with factory() as s:
        detail = visits.arrival_detail(s, arrival_id)
    steps = [(st.kind, st.by, st.on_behalf) for st in detail.steps]
    assert steps == [
        ("first_seen", None, False),
        ("waiting_room", None, False),
        ("last_seen", None, False),
        ("unknown_resolved", "guard", False),
        ("checkin", "guard", False),
        ("decision", "adjutant", True),
        ("decision", "bupati", False),
        ("escort_created", None, False),
        ("escorted", "guard", False),
        ("left", "admin", False),
        ("checkout", None, False),
    ]
    assert detail.steps[0].detail == {"camera": "gate", "role": "gate"}
    assert detail.steps[3].detail == {"action": "registered", "guest": "Dewi"}
    assert detail.steps[4].detail["purpose"] == "Koordinasi"
    assert [d.detail["kind"] for d in detail.steps if d.kind == "decision"] == ["wait", "receive"]
    assert detail.arrival.status == "left" and detail.unknown.id == unknown_id
    with factory() as s, pytest.raises(WorkflowError, match="tidak ditemukan"):
        visits.arrival_detail(s, 31337)
