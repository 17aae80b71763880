import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from storage.audit import AuditError, list_audit, record
from storage.db import make_engine, make_session_factory, transaction
from storage.models import AuditLog, User
from storage.types import utcnow


@pytest.fixture
def factory(db_url):
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


def add_user(session, username, role="security"):
    user = User(username=username, password_hash="x", role=role)
    session.add(user)
    session.flush()
    return user


def test_record_and_list_with_filters(factory):
    with transaction(factory) as s:
        ana = add_user(s, "ana")
        budi = add_user(s, "budi", "operator")
        record(s, ana, "view_arrival", "arrival:3")
        record(s, budi, "checkin", 17, {"arrival_id": None, "note": "tamu ±"})
        record(s, None, "login_failed", "user:x")
    with factory() as s:
        rows = list_audit(s)
        assert [r.action for r in rows] == ["login_failed", "checkin", "view_arrival"]
        assert rows[0].user_id is None and rows[0].username is None
        checkin = rows[1]
        assert checkin.username == "budi"
        assert checkin.target == "17"
        assert json.loads(checkin.detail) == {"arrival_id": None, "note": "tamu ±"}
        assert [r.action for r in list_audit(s, user="ana")] == ["view_arrival"]
        ana = s.scalars(select(User).where(User.username == "ana")).one()
        assert [r.action for r in list_audit(s, user=ana)] == ["view_arrival"]
        assert [r.action for r in list_audit(s, user=ana.id)] == ["view_arrival"]
        assert [r.username for r in list_audit(s, action="checkin")] == ["budi"]
        assert len(list_audit(s, limit=2)) == 2
        assert [r.action for r in list_audit(s, limit=2, offset=2)] == ["view_arrival"]


def test_time_window(factory):
    with transaction(factory) as s:
        old = record(s, None, "purge")
        old.at = utcnow() - timedelta(days=3)
        record(s, None, "login_failed")
    with factory() as s:
        since = utcnow() - timedelta(days=1)
        assert [r.action for r in list_audit(s, since=since)] == ["login_failed"]
        assert [r.action for r in list_audit(s, until=since)] == ["purge"]
        assert list_audit(s, since=utcnow() + timedelta(minutes=1)) == []


@pytest.mark.parametrize("action", ["", "View", "drop table", "x" * 41, None])
def test_bad_action_is_refused_and_nothing_written(factory, action):
    with pytest.raises(AuditError), transaction(factory) as s:
        record(s, None, "login")
        record(s, None, action)
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_long_target_is_cut_not_refused(factory):
    with transaction(factory) as s:
        row = record(s, None, "view_snapshot", "arrivals/" + "a" * 300)
    assert len(row.target) == 120
