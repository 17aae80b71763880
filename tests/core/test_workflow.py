from datetime import UTC, datetime, timedelta, timezone

import pytest

from core import workflow
from core.errors import InvalidFields, WorkflowError
from core.workflow import (
    GuestFields,
    check_escort_move,
    check_open,
    check_unknown_action,
    validate_decision,
    validate_guest_fields,
    validate_guestbook,
)
from storage import models

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
GOOD = {
    "name": "  Siti Aminah ",
    "category": "pemerintah",
    "institution": "Dinas Pendidikan",
    "purpose": "Audiensi program sekolah",
    "phone": "+62 812-3456-7890",
    "companions": 2,
}


def test_rules_cover_the_stored_vocabulary():
    assert set(workflow.STATUS_AFTER_DECISION) == set(models.DECISIONS)
    assert set(workflow.STATUS_AFTER_DECISION.values()) <= set(models.ARRIVAL_STATUSES)
    # pending until someone decides; "recognised" is the camera's own later evidence
    people = set(workflow.UNKNOWN_STATUS_AFTER.values()) | {"pending", "recognised"}
    assert people == set(models.UNKNOWN_STATUSES)
    assert set(workflow.ESCORT_NEXT) == set(models.ESCORT_STATUSES)
    assert set(workflow.DECIDING_ROLES) <= set(models.ROLES)
    assert models.GUEST_CATEGORIES == ("pemerintah", "swasta", "masyarakat")


def test_valid_guestbook_is_stripped():
    fields = validate_guestbook(**GOOD)
    assert fields.name == "Siti Aminah"
    assert fields.companions == 2
    assert fields.phone == "+62 812-3456-7890"


def test_blank_optionals_become_none():
    fields = validate_guestbook(**{**GOOD, "institution": "  ", "phone": ""})
    assert fields.institution is None
    assert fields.phone is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Nama wajib diisi"),
        ("name", "   ", "Nama wajib diisi"),
        ("name", "x" * 121, "Nama terlalu panjang"),
        ("purpose", "", "Keperluan wajib diisi"),
        ("purpose", "x" * 501, "Keperluan terlalu panjang"),
        ("institution", "x" * 161, "Instansi terlalu panjang"),
        ("phone", "x" * 41, "Nomor telepon terlalu panjang"),
        ("phone", "call me", "Nomor telepon tidak valid"),
        ("phone", "12", "Nomor telepon tidak valid"),
        ("companions", -1, "antara 0 dan 50"),
        ("companions", 51, "antara 0 dan 50"),
        ("companions", "²", "angka bulat"),
        ("companions", "3.5", "angka bulat"),
        ("companions", "-1", "antara 0 dan 50"),
        ("companions", True, "angka bulat"),
        ("category", "vip", "Kategori"),
        ("name", 42, "harus berupa teks"),
    ],
)
def test_bad_guestbook_fields_are_refused_clearly(field, value, message):
    with pytest.raises(WorkflowError, match=message):
        validate_guestbook(**{**GOOD, field: value})


def test_typed_companions_are_read_as_a_number():
    assert validate_guestbook(**{**GOOD, "companions": " 7 "}).companions == 7
    assert validate_guestbook(**{**GOOD, "companions": ""}).companions == 0


def test_every_field_problem_is_reported_at_once():
    with pytest.raises(InvalidFields) as refused:
        validate_guestbook(**{**GOOD, "name": "", "phone": "abc", "companions": 99})
    problems = refused.value.problems
    assert sorted(problems) == ["companions", "name", "phone"]
    assert problems["name"].code == "required" and problems["name"].params == {"field": "name"}
    assert str(refused.value) == (
        "Nama wajib diisi. Nomor telepon tidak valid (contoh: 0812 3456 7890 atau +62 812 ...). "
        "Jumlah pengikut harus antara 0 dan 50."
    )


def test_limits_are_inclusive():
    fields = validate_guestbook(
        **{**GOOD, "name": "n" * 120, "purpose": "p" * 500, "companions": 50}
    )
    assert len(fields.name) == 120
    assert len(fields.purpose) == 500


@pytest.mark.parametrize(("role", "on_behalf"), [("bupati", False), ("adjutant", True)])
def test_deciders_and_on_behalf(role, on_behalf):
    request = validate_decision("receive", role, now=NOW)
    assert request.on_behalf is on_behalf
    assert request.kind == "receive"


@pytest.mark.parametrize("role", ["guard", "operator", "security"])
def test_other_roles_may_not_decide(role):
    with pytest.raises(WorkflowError, match="Bupati atau ajudan"):
        validate_decision("receive", role, now=NOW)


def test_unknown_kind_is_refused():
    with pytest.raises(WorkflowError, match="tidak dikenal"):
        validate_decision("ignore", "bupati", now=NOW)


def test_reschedule_needs_an_aware_future_time():
    jakarta = timezone(timedelta(hours=7))
    later = datetime(2026, 11, 25, 9, 0, tzinfo=jakarta)
    request = validate_decision("reschedule", "bupati", reschedule_at=later, now=NOW)
    assert request.reschedule_at == later
    assert request.reschedule_at.utcoffset() == timedelta(0)
    with pytest.raises(WorkflowError, match="wajib diisi"):
        validate_decision("reschedule", "bupati", now=NOW)
    with pytest.raises(WorkflowError, match="masa depan"):
        validate_decision("reschedule", "bupati", reschedule_at=NOW, now=NOW)
    with pytest.raises(WorkflowError, match="zona waktu"):
        validate_decision("reschedule", "bupati", reschedule_at=datetime(2030, 1, 1, 9, 0), now=NOW)


def test_delegate_needs_an_official():
    request = validate_decision("delegate", "adjutant", delegate_to=" Sekda ", now=NOW)
    assert request.delegate_to == "Sekda"
    with pytest.raises(WorkflowError, match="Pejabat"):
        validate_decision("delegate", "adjutant", delegate_to="  ", now=NOW)
    with pytest.raises(WorkflowError, match="terlalu panjang"):
        validate_decision("delegate", "adjutant", delegate_to="x" * 121, now=NOW)


def test_fields_of_other_kinds_are_ignored():
    request = validate_decision("decline", "bupati", delegate_to="Sekda", note=" maaf ", now=NOW)
    assert request.delegate_to is None
    assert request.note == "maaf"


def test_only_waiting_is_open():
    check_open("waiting")
    for status in ("received", "rescheduled", "declined", "delegated", "left", "dismissed"):
        with pytest.raises(WorkflowError, match="sudah diputuskan"):
            check_open(status)


def test_escort_moves():
    check_escort_move("pending", "escorted")
    check_escort_move("escorted", "left")
    check_escort_move("pending", "left")
    for current, new in [("escorted", "escorted"), ("left", "left"), ("left", "escorted")]:
        with pytest.raises(WorkflowError, match="tidak dapat diubah"):
            check_escort_move(current, new)
    with pytest.raises(WorkflowError, match="tidak dikenal"):
        check_escort_move("pending", "gone")


def test_unknown_actions():
    assert check_unknown_action("register", "pending") == ("register", "registered")
    assert check_unknown_action("not_guest", "pending") == ("not_guest", "not_guest")
    with pytest.raises(WorkflowError, match="sudah ditangani"):
        check_unknown_action("dismiss", "identified")
    with pytest.raises(WorkflowError, match="tidak dikenal"):
        check_unknown_action("delete", "pending")


def test_guest_fields_default_category_and_validate():
    fields = validate_guest_fields({"name": " Budi ", "phone": "0812 3456 789"})
    assert fields == GuestFields(
        name="Budi", category="masyarakat", institution=None, phone="0812 3456 789"
    )
    with pytest.raises(WorkflowError, match="Nama wajib"):
        validate_guest_fields(None)
    with pytest.raises(WorkflowError, match="Kategori"):
        validate_guest_fields({"name": "Budi", "category": "x"})
