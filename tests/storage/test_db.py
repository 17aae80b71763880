from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from storage.db import alembic_config, make_engine, make_session_factory, transaction
from storage.models import Base, Camera, Guest

EXPECTED_TABLES = {
    "guests",
    "face_samples",
    "settings",
    "cameras",
    "arrivals",
    "unknown_faces",
    "users",
    "decisions",
    "escort_tasks",
    "guestbook",
    "audit_log",
    "notification_deliveries",
}


def test_migrations_build_every_table_and_match_models(db_url):
    engine = make_engine(db_url)
    assert set(inspect(engine).get_table_names()) >= EXPECTED_TABLES
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_downgrade_to_base_and_up_again(db_url):
    command.downgrade(alembic_config(db_url), "base")
    engine = make_engine(db_url)
    assert not EXPECTED_TABLES & set(inspect(engine).get_table_names())
    command.upgrade(alembic_config(db_url), "head")
    assert set(inspect(engine).get_table_names()) >= EXPECTED_TABLES
    engine.dispose()


def test_times_round_trip_as_aware_utc(db_url):
    sessions = make_session_factory(make_engine(db_url))
    jakarta = timezone(timedelta(hours=7))
    at = datetime(2026, 11, 24, 19, 30, tzinfo=jakarta)
    with transaction(sessions) as s:
        s.add(Camera(name="gate", role="gate", last_frame_at=at))
    with sessions() as s:
        cam = s.scalars(select(Camera)).one()
    assert cam.last_frame_at == at
    assert cam.last_frame_at.tzinfo is not None
    assert cam.last_frame_at.utcoffset() == timedelta(0)
    assert cam.last_frame_at.astimezone(jakarta).hour == 19


def test_naive_datetime_is_refused(sessions):
    with pytest.raises(Exception, match="naive datetime"), transaction(sessions) as s:
        s.add(Camera(name="gate", role="gate", last_frame_at=datetime(2026, 1, 1)))
        s.flush()


def test_failed_transaction_writes_nothing(sessions):
    with pytest.raises(RuntimeError), transaction(sessions) as s:
        s.add(Guest(name="Budi", category="masyarakat", created_at=datetime.now(UTC)))
        s.flush()
        raise RuntimeError("boom")
    with sessions() as s:
        assert s.scalars(select(Guest)).all() == []


def test_sqlite_enforces_foreign_keys(sessions):
    from sqlalchemy.exc import IntegrityError

    from storage.models import FaceSample

    with pytest.raises(IntegrityError), transaction(sessions) as s:
        s.add(FaceSample(guest_id=999, encoding=b"\0" * 512))
        s.flush()
