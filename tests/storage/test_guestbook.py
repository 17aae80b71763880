from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.errors import InvalidFields, WorkflowError
from core.events import GuestBookChanged
from storage import guestbook
from storage.db import transaction
from storage.models import AuditLog, GuestBookEntry
from storage.types import utcnow
from tests.support.storage import CHECKIN, add_arrival, counts, user


def test_walk_in_check_in_and_out(factory, world):
    with transaction(factory) as s:
        entry, events = guestbook.check_in(s, user(s, "operator"), **{**CHECKIN, "name": " Ani "})
        entry_id = entry.id
    assert events == [GuestBookChanged(entry_id, None, "checkin")]
    with factory() as s:
        entry = s.get(GuestBookEntry, entry_id)
        assert (entry.arrival_id, entry.guest_id, entry.name, entry.companions) == (
            None,
            None,
            "Ani",
            2,
        )
        assert entry.operator_id == user(s, "operator").id and entry.checked_out_at is None
        today = guestbook.guestbook_between(s, utcnow() - timedelta(hours=1))
        assert [e.id for e in today] == [entry_id]
        assert guestbook.guestbook_between(s, utcnow() - timedelta(hours=1), utcnow()) == today
    with transaction(factory) as s:
        _entry, events = guestbook.check_out(s, entry_id, user(s, "operator"))
    assert events == [GuestBookChanged(entry_id, None, "checkout")]
    with factory() as s:
        assert s.get(GuestBookEntry, entry_id).checked_out_at is not None
    with pytest.raises(WorkflowError, match="sudah check-out"), transaction(factory) as s:
        guestbook.check_out(s, entry_id, user(s, "operator"))
    with pytest.raises(WorkflowError, match="tidak ditemukan"), transaction(factory) as s:
        guestbook.check_out(s, 4242, user(s, "operator"))
    with factory() as s:
        actions = s.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["checkin", "checkout"]


def test_check_in_linked_to_recognised_arrival_prefilled(factory, world):
    with transaction(factory) as s:
        arrival_id = add_arrival(s, guest_id=world["guest_id"]).id
        stranger_id = add_arrival(s).id
    with factory() as s:
        prefill = guestbook.prefill_for_arrival(s, arrival_id)
        blank = guestbook.prefill_for_arrival(s, stranger_id)
        hour_ago = utcnow() - timedelta(hours=1)
        candidates = [a.id for a in guestbook.checkin_candidates(s, hour_ago)]
    assert prefill["name"] == "Pak Hadi"
    assert (prefill["category"], prefill["institution"]) == ("swasta", "PT Maju")
    assert prefill["guest_id"] == world["guest_id"]
    assert blank["name"] == "" and blank["guest_id"] is None
    assert set(candidates) == {arrival_id, stranger_id}
    fields = {k: prefill[k] for k in ("name", "category", "institution")}
    with transaction(factory) as s:
        entry, events = guestbook.check_in(
            s, user(s, "operator"), arrival_id=arrival_id, purpose="Silaturahmi", **fields
        )
    assert (entry.arrival_id, entry.guest_id) == (arrival_id, world["guest_id"])
    assert events == [GuestBookChanged(entry.id, arrival_id, "checkin")]
    with factory() as s:
        assert [a.id for a in guestbook.checkin_candidates(s, hour_ago)] == [stranger_id]
        assert guestbook.latest_entries(s, [arrival_id, stranger_id]) == {
            arrival_id: s.get(GuestBookEntry, entry.id)
        }
    before = counts(factory)
    with pytest.raises(WorkflowError, match="sudah tercatat"), transaction(factory) as s:
        guestbook.check_in(s, user(s, "operator"), arrival_id=arrival_id, **CHECKIN)
    assert counts(factory) == before


def test_prefill_for_unknown_arrival_is_refused(factory, world):
    with factory() as s, pytest.raises(WorkflowError, match="tidak ditemukan"):
        guestbook.prefill_for_arrival(s, 777)


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
        ({"companions": "²"}, "angka bulat"),
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
        guestbook.check_in(s, user(s, "operator"), **{**CHECKIN, **change})
    assert counts(factory) == before


def test_every_bad_field_is_reported_at_once(factory, world):
    bad = {**CHECKIN, "name": "", "purpose": "x" * 501, "companions": "dua"}
    with pytest.raises(InvalidFields) as refused, transaction(factory) as s:
        guestbook.check_in(s, user(s, "operator"), **bad)
    problems = refused.value.problems
    assert sorted(problems) == ["companions", "name", "purpose"]
    assert str(problems["companions"]) == "Jumlah pengikut harus berupa angka bulat."
    assert "Nama wajib diisi." in str(refused.value)


def test_companions_as_typed_text(factory, world):
    with transaction(factory) as s:
        entry, _events = guestbook.check_in(
            s, user(s, "operator"), **{**CHECKIN, "companions": " 3 "}
        )
        blank, _events = guestbook.check_in(s, user(s, "operator"), **{**CHECKIN, "companions": ""})
    assert (entry.companions, blank.companions) == (3, 0)


def test_times_are_aware_utc(factory, world):
    with transaction(factory) as s:
        entry, _events = guestbook.check_in(s, user(s, "operator"), **CHECKIN)
    with factory() as s:
        at = s.get(GuestBookEntry, entry.id).checked_in_at
    assert at.tzinfo is not None and at.utcoffset() == timedelta(0)
    assert abs(at - datetime.now(UTC)) < timedelta(minutes=1)
