import numpy as np
import pytest
from sqlalchemy import func, select

from core.errors import InvalidFields, WorkflowError
from core.events import GuestBookChanged, UnknownResolved
from storage import dashboard, unknowns
from storage.db import transaction
from storage.guests import decode_vector
from storage.models import Arrival, AuditLog, FaceSample, Guest, GuestBookEntry, UnknownFace
from storage.settings import enrolment_version
from storage.unit_of_work import unit_of_work
from tests.support.storage import add_arrival, add_unknown, counts, media_files, user


def resolve(factory, media, unknown_id, action, role="guard", **kwargs):
    with unit_of_work(factory, media) as uow:
        return unknowns.resolve_unknown(
            uow.session, uow.files, unknown_id, action, user(uow.session, role), **kwargs
        )


def test_identify_links_and_enrols_a_copy_of_the_snapshot(factory, world, media):
    with transaction(factory) as s:
        arrival = add_arrival(s)
        unknown = add_unknown(s, media, arrival)
        ids, enc, snap = (arrival.id, unknown.id), unknown.encoding, unknown.snapshot
    with factory() as s:
        version = enrolment_version(s)
    _row, events = resolve(factory, media, ids[1], "identify", guest_id=world["guest_id"])
    assert events == [UnknownResolved(ids[1], ids[0], "identify", world["guest_id"], "guard")]
    with factory() as s:
        unknown = s.get(UnknownFace, ids[1])
        assert (unknown.status, unknown.guest_id) == ("identified", world["guest_id"])
        assert unknown.resolved_by == user(s, "guard").id and unknown.resolved_at is not None
        assert s.get(Arrival, ids[0]).guest_id == world["guest_id"]
        assert s.get(Arrival, ids[0]).status == "waiting"
        sample = s.scalars(select(FaceSample)).one()
        assert sample.guest_id == world["guest_id"] and sample.encoding == enc
        assert sample.photo.startswith("faces/") and sample.photo != snap
        assert media.resolve(sample.photo).read_bytes() == media.resolve(snap).read_bytes()
        assert enrolment_version(s) != version
        log = s.scalars(select(AuditLog).where(AuditLog.action == "resolve_unknown")).one()
        assert (log.username, log.target) == ("guard", f"unknown:{ids[1]}")


def test_register_creates_guest_sample_photo_and_guestbook(factory, world, media):
    with transaction(factory) as s:
        arrival = add_arrival(s)
        unknown = add_unknown(s, media, arrival)
        ids, enc, snap = (arrival.id, unknown.id), unknown.encoding, unknown.snapshot
    fields = {"name": " Dewi ", "category": "pemerintah", "institution": "Bappeda"}
    _row, events = resolve(
        factory,
        media,
        ids[1],
        "register",
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
        assert (entry.phone, entry.companions) == ("0813 1111 2222", 0)
        assert entry.operator_id == user(s, "guard").id
        assert [w.purpose for w in dashboard.waiting_now(s)] == ["Koordinasi anggaran"]
    assert events == [
        UnknownResolved(ids[1], ids[0], "register", guest.id, "guard"),
        GuestBookChanged(entry.id, ids[0], "checkin"),
    ]


def test_register_without_purpose_writes_no_guestbook(factory, world, media):
    with transaction(factory) as s:
        unknown_id = add_unknown(s, media, add_arrival(s), snapshot=False).id
    _row, events = resolve(factory, media, unknown_id, "register", guest_fields={"name": "Eko"})
    assert [e.name for e in events] == ["unknown_resolved"]
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(GuestBookEntry)) == 0
        sample = s.scalars(select(FaceSample)).one()
        assert sample.photo is None
    assert media_files(media, "faces") == []


def test_a_missing_snapshot_file_enrols_without_a_photo(factory, world, media):
    with transaction(factory) as s:
        unknown = add_unknown(s, media, add_arrival(s))
        unknown_id, snap = unknown.id, unknown.snapshot
    media.delete(snap)
    resolve(factory, media, unknown_id, "identify", guest_id=world["guest_id"])
    with factory() as s:
        assert s.scalars(select(FaceSample)).one().photo is None


def test_not_guest_is_enrolled_as_staff_and_dismissed(factory, world, media):
    with transaction(factory) as s:
        arrival = add_arrival(s)
        unknown = add_unknown(s, media, arrival)
        ids, enc = (arrival.id, unknown.id), unknown.encoding
    resolve(factory, media, ids[1], "not_guest")
    with factory() as s:
        staff = s.scalars(select(Guest).where(Guest.is_staff.is_(True))).one()
        assert staff.samples[0].encoding == enc
        assert np.allclose(decode_vector(staff.samples[0].encoding), decode_vector(enc))
        assert s.get(Arrival, ids[0]).status == "dismissed"
        assert s.get(UnknownFace, ids[1]).status == "not_guest"
        assert dashboard.waiting_now(s) == []


def test_not_guest_can_mark_an_existing_guest_as_staff(factory, world, media):
    with transaction(factory) as s:
        unknown_id = add_unknown(s, media, add_arrival(s)).id
    resolve(factory, media, unknown_id, "not_guest", guest_id=world["guest_id"])
    with factory() as s:
        assert s.get(Guest, world["guest_id"]).is_staff is True


def test_dismiss(factory, world, media):
    with transaction(factory) as s:
        arrival = add_arrival(s)
        ids = (arrival.id, add_unknown(s, media, arrival).id)
    resolve(factory, media, ids[1], "dismiss")
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
    before, files = counts(factory), media_files(media)
    with pytest.raises(WorkflowError, match=message):
        resolve(factory, media, unknown_id, action, **kwargs)
    assert counts(factory) == before
    assert media_files(media) == files
    with factory() as s:
        assert s.get(UnknownFace, unknown_id).status == "pending"
        assert s.get(UnknownFace, unknown_id).arrival.status == "waiting"


def test_every_bad_guest_field_is_reported_at_once(factory, world, media):
    with transaction(factory) as s:
        unknown_id = add_unknown(s, media, add_arrival(s)).id
    fields = {"name": "", "category": "vip", "phone": "abc"}
    with pytest.raises(InvalidFields) as refused:
        resolve(factory, media, unknown_id, "register", guest_fields=fields)
    assert sorted(refused.value.problems) == ["category", "name", "phone"]


def test_a_failure_after_the_copy_removes_the_copied_photo(factory, world, media):
    with transaction(factory) as s:
        unknown_id = add_unknown(s, media, add_arrival(s)).id
    files = media_files(media)
    with pytest.raises(RuntimeError, match="power cut"), unit_of_work(factory, media) as uow:
        unknowns.resolve_unknown(
            uow.session, uow.files, unknown_id, "identify", user(uow.session, "guard"),
            guest_id=world["guest_id"],
        )  # fmt: skip
        assert len(media_files(media, "faces")) == 1
        raise RuntimeError("power cut before the commit")
    assert media_files(media) == files
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(FaceSample)) == 0
        assert s.get(UnknownFace, unknown_id).status == "pending"


def test_double_resolve_and_unknown_id_refused(factory, world, media):
    with transaction(factory) as s:
        unknown_id = add_unknown(s, media, add_arrival(s)).id
    resolve(factory, media, unknown_id, "dismiss")
    before = counts(factory)
    with pytest.raises(WorkflowError, match="sudah ditangani"):
        resolve(factory, media, unknown_id, "register", "admin", guest_fields={"name": "X"})
    with pytest.raises(WorkflowError, match="tidak ditemukan"):
        resolve(factory, media, 12345, "dismiss")
    assert counts(factory) == before


def test_not_guest_without_encoding_is_refused(factory, world, media):
    with transaction(factory) as s:
        unknown_id = add_unknown(s, media, add_arrival(s), encoding=False).id
    with pytest.raises(WorkflowError, match="abaikan"):
        resolve(factory, media, unknown_id, "not_guest")


def test_pending_queue_and_pending_for_arrivals(factory, world, media):
    with transaction(factory) as s:
        older = add_arrival(s, ago_min=30)
        newer = add_arrival(s, ago_min=3)
        ids = [add_unknown(s, media, a).id for a in (older, newer)]
        arrival_ids = (older.id, newer.id)
    resolve(factory, media, ids[0], "dismiss")
    with factory() as s:
        assert [u.id for u in unknowns.pending_queue(s, 10)] == [ids[1]]
        assert unknowns.pending_for_arrivals(s, list(arrival_ids)) == {arrival_ids[1]: ids[1]}
        assert unknowns.pending_for_arrivals(s, []) == {}
