"""Survey tokens and anonymous answers, IKM summaries, complaints, the display's queue."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import inspect, select

from core.errors import ErrorCode, WorkflowError
from storage import complaints, survey
from storage.db import transaction
from storage.guestbook import check_in
from storage.models import AuditLog, Guest
from storage.models_public import SurveyResponse, SurveyToken
from storage.types import utcnow
from storage.waiting_queue import initials, waiting_queue
from tests.support.storage import CHECKIN, add_arrival, user

ALL_FOUR = {f"u{n}": "4" for n in range(1, 10)}


def _slip(factory, **kw):
    with transaction(factory) as db:
        entry, _ = check_in(db, user(db, "operator"), **CHECKIN)
        issued, _ = survey.issue_slip_token(db, entry.id, user(db, "operator"), valid_days=14, **kw)
    return entry.id, issued.token


def test_one_answer_per_token_and_the_answer_is_not_linked_to_the_visit(factory, world):
    _entry_id, token = _slip(factory)
    with transaction(factory) as db:
        row = db.scalars(select(SurveyToken)).one()
        assert row.token_hash == survey.token_hash(token) and token not in row.token_hash
        survey.submit_response(db, token, ALL_FOUR, "Pelayanan cepat.")
    with pytest.raises(WorkflowError) as refused, transaction(factory) as db:
        survey.submit_response(db, token, ALL_FOUR)
    assert refused.value.code == ErrorCode.SURVEY_USED
    columns = {c.name for c in inspect(SurveyResponse).columns}
    assert not columns & {"token_id", "guestbook_id", "arrival_id", "guest_id", "name"}
    with factory() as db:
        assert db.scalar(select(SurveyResponse.comment)) == "Pelayanan cepat."
        assert db.scalars(select(SurveyResponse)).one().submitted_at.second == 0


@pytest.mark.parametrize(
    ("scores", "comment", "code"),
    [
        ({**ALL_FOUR, "u3": "5"}, None, ErrorCode.OUT_OF_RANGE),
        ({**ALL_FOUR, "u9": "0"}, None, ErrorCode.OUT_OF_RANGE),
        ({**ALL_FOUR, "u1": "3.5"}, None, ErrorCode.OUT_OF_RANGE),
        ({k: v for k, v in ALL_FOUR.items() if k != "u5"}, None, ErrorCode.REQUIRED),
        (ALL_FOUR, "baik\x00", ErrorCode.CONTROL_CHARS),
        (ALL_FOUR, "x" * 501, ErrorCode.TOO_LONG),
    ],
)
def test_bad_answers_are_refused_and_leave_the_token_usable(factory, world, scores, comment, code):
    _entry_id, token = _slip(factory)
    with pytest.raises(WorkflowError) as refused, transaction(factory) as db:
        survey.submit_response(db, token, scores, comment)
    assert refused.value.code == code
    with transaction(factory) as db:
        survey.check_token(db, token)  # still open
        survey.submit_response(db, token, ALL_FOUR)


def test_unknown_expired_and_reprinted_tokens(factory, world):
    with pytest.raises(WorkflowError) as unknown, factory() as db:
        survey.check_token(db, "not-a-real-token-at-all")
    assert unknown.value.code == ErrorCode.SURVEY_UNKNOWN
    entry_id, first = _slip(factory)
    with transaction(factory) as db:
        again, _ = survey.issue_slip_token(db, entry_id, user(db, "operator"), valid_days=14)
    with pytest.raises(WorkflowError) as old, factory() as db:
        survey.check_token(db, first)  # a reprint replaces the slip's link
    assert old.value.code == ErrorCode.SURVEY_UNKNOWN
    with pytest.raises(WorkflowError) as expired, factory() as db:
        survey.check_token(db, again.token, now=utcnow() + timedelta(days=15))
    assert expired.value.code == ErrorCode.SURVEY_UNKNOWN
    with transaction(factory) as db:
        survey.submit_response(db, again.token, ALL_FOUR)
        done, _ = survey.issue_slip_token(db, entry_id, user(db, "operator"), valid_days=14)
    assert done.token is None  # answered: no new link for this visit
    with factory() as db:
        actions = db.scalars(select(AuditLog.action).where(AuditLog.action == "slip_print"))
        assert len(list(actions)) == 2


def test_ikm_summary_per_period(factory, world):
    now = utcnow()
    answers = [ALL_FOUR, {**ALL_FOUR, "u1": "2", "u2": "3"}, {k: "3" for k in ALL_FOUR}]
    for scores in answers:
        _entry, token = _slip(factory)
        with transaction(factory) as db:
            survey.submit_response(db, token, scores, now=now)
    with factory() as db:
        result = survey.ikm_summary(db, now - timedelta(days=1), now + timedelta(days=1))
        empty = survey.ikm_summary(db, now - timedelta(days=9), now - timedelta(days=8))
    responses, means, ikm, category = result
    assert responses == 3
    assert means["u1"] == pytest.approx(3.0) and means["u9"] == pytest.approx(11 / 3)
    # (3 + 10/3 + 7 × 11/3) / 9 × 25 = 32 / 9 × 25 = 88.888… → 88.89, mutu A (from 88.31)
    assert ikm == Decimal("88.89") and category.grade == "A"
    assert empty == (0, {}, None, None)


def test_complaint_lifecycle_audit_and_overdue(factory, world):
    start = utcnow()
    with transaction(factory) as db:
        sent, _ = complaints.submit_complaint(
            db, kind="complaint", message="Antrean lama.", response_days=3
        )
        late, _ = complaints.submit_complaint(
            db, kind="suggestion", name="Ani", message="Tambah kursi.", response_days=3,
            now=start - timedelta(days=4),
        )  # fmt: skip
    assert sent.tracking_no.startswith("PGD-") and str(sent.id) not in sent.tracking_no[4:]
    with factory() as db:
        assert complaints.find_by_tracking_no(db, sent.tracking_no.lower()[4:]).id == sent.id
        assert complaints.is_overdue(db.get(type(late), late.id))
    with transaction(factory) as db:
        adjutant = user(db, "adjutant")
        with pytest.raises(WorkflowError) as need_text:
            complaints.update_complaint(db, sent.id, adjutant, status="answered", response=" ")
        assert need_text.value.code == ErrorCode.REQUIRED
        complaints.update_complaint(db, sent.id, adjutant, status="in_progress")
        complaints.update_complaint(db, sent.id, adjutant, status="answered", response="Sudah.")
    with pytest.raises(WorkflowError) as back, transaction(factory) as db:
        complaints.update_complaint(db, sent.id, user(db, "admin"), status="received")
    assert back.value.code == ErrorCode.COMPLAINT_MOVE
    with factory() as db:
        counts = complaints.complaint_counts(db, start - timedelta(days=5), utcnow())
        moves = db.scalars(select(AuditLog.detail).where(AuditLog.action == "complaint_update"))
        assert [m for m in moves] == ['{"from": "received", "to": "in_progress"}',
                                      '{"from": "in_progress", "to": "answered"}']  # fmt: skip
    assert counts == complaints.ComplaintCounts(
        total=2, received=1, in_progress=0, answered=1, overdue=1, answered_late=0
    )


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"kind": "threat", "message": "x"}, ErrorCode.UNKNOWN_COMPLAINT_KIND),
        ({"kind": "complaint", "message": "  "}, ErrorCode.REQUIRED),
        ({"kind": "complaint", "message": "x" * 2001}, ErrorCode.TOO_LONG),
        ({"kind": "complaint", "message": "ok", "name": "A\x1b[31m"}, ErrorCode.CONTROL_CHARS),
    ],
)
def test_bad_complaints_are_refused(factory, world, fields, code):
    with pytest.raises(WorkflowError) as refused, transaction(factory) as db:
        complaints.submit_complaint(db, response_days=5, **fields)
    assert refused.value.code == code


def test_queue_shows_numbers_and_initials_only(factory, world):
    now = utcnow()
    with transaction(factory) as db:
        staff = Guest(name="Ibu Bupati", is_staff=True)
        db.add(staff)
        db.flush()
        add_arrival(db, guest_id=world["guest_id"], ago_min=30)  # A-01 Pak Hadi
        add_arrival(db, guest_id=staff.id, ago_min=25)  # staff: not counted
        add_arrival(db, status="dismissed", ago_min=20)  # A-02, not shown
        stranger = add_arrival(db, ago_min=10)  # A-03, named by the guest book
        check_in(db, user(db, "operator"), arrival_id=stranger.id, **CHECKIN)
        add_arrival(db, status="received", ago_min=5)  # A-04, called in
    with factory() as db:
        items = waiting_queue(db, now - timedelta(hours=2), now + timedelta(hours=1))
    assert [i.to_dict() for i in items] == [
        {"number": "A-01", "initials": "P.H.", "state": "waiting"},
        {"number": "A-03", "initials": "S.A.", "state": "waiting"},
        {"number": "A-04", "initials": None, "state": "received"},
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Siti Nurhaliza", "S.N."), ("dr. budi a. santoso", "D.B.A."), ("", None), ("  ", None)],
)
def test_initials(name, expected):
    assert initials(name) == expected
