"""Repeated events are one audit row per burst, with a count and the latest time."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from storage import audit
from storage.db import transaction
from storage.models import AuditLog
from storage.types import utcnow


def rows(sessions):
    with sessions() as db:
        return list(db.scalars(select(AuditLog).order_by(AuditLog.id)))


def test_a_burst_is_one_row_with_a_count(sessions):
    start = utcnow()
    for n in range(5):
        with transaction(sessions) as db:
            audit.record_burst(
                db,
                None,
                "login_failed",
                "guard1",
                {"ip": "10.0.0.1"},
                now=start + n * timedelta(minutes=1),
            )
    (row,) = rows(sessions)
    assert (row.count, row.target, json.loads(row.detail)) == (5, "guard1", {"ip": "10.0.0.1"})
    assert row.at == start and row.last_at == start + timedelta(minutes=4)


def test_another_target_detail_or_a_pause_starts_a_new_burst(sessions):
    start = utcnow()
    with transaction(sessions) as db:
        audit.record_burst(db, None, "login_failed", "guard1", {"ip": "a"}, now=start)
        audit.record_burst(db, None, "login_failed", "guard2", {"ip": "a"}, now=start)
        audit.record_burst(db, None, "login_failed", "guard1", {"ip": "b"}, now=start)
        audit.record_burst(db, None, "login_throttled", "guard1", {"ip": "a"}, now=start)
        later = start + audit.BURST_WINDOW + timedelta(seconds=1)
        audit.record_burst(db, None, "login_failed", "guard1", {"ip": "a"}, now=later)
        audit.record_burst(db, None, "login_failed", None, None, now=later)
        audit.record_burst(db, None, "login_failed", None, None, now=later)
    found = [(r.action, r.target, r.detail, r.count) for r in rows(sessions)]
    assert found == [
        ("login_failed", "guard1", '{"ip": "a"}', 1),
        ("login_failed", "guard2", '{"ip": "a"}', 1),
        ("login_failed", "guard1", '{"ip": "b"}', 1),
        ("login_throttled", "guard1", '{"ip": "a"}', 1),
        ("login_failed", "guard1", '{"ip": "a"}', 1),
        ("login_failed", None, None, 2),
    ]


def test_plain_records_keep_a_count_of_one(sessions):
    with transaction(sessions) as db:
        audit.record(db, None, "login", "guard1")
        audit.record(db, None, "login", "guard1")
    assert [(r.count, r.last_at) for r in rows(sessions)] == [(1, None), (1, None)]
