"""The shared media store (`storage.media_store: database`): the same contract as files, in rows."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from pydantic import ValidationError
from sqlalchemy import select, update

from core.config import PrivacyConfig, StorageConfig
from storage.db import make_engine, make_session_factory, transaction
from storage.media import DatabaseMediaStore, FileMediaStore, MediaError, open_media_store
from storage.models import Arrival, Camera
from storage.models_media import MediaBlob
from storage.retention import purge
from storage.types import utcnow
from storage.unit_of_work import unit_of_work

IMAGE = np.full((30, 40, 3), 120, dtype=np.uint8)
PRIVACY = PrivacyConfig(snapshot_retention_days=30, unknown_retention_days=7)


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine) -> DatabaseMediaStore:
    return DatabaseMediaStore(engine)


def blob_paths(engine) -> set[str]:
    with make_session_factory(engine)() as db:
        return set(db.scalars(select(MediaBlob.path)))


def age(engine, rel: str, **delta) -> None:
    with transaction(make_session_factory(engine)) as db:
        old = utcnow() - timedelta(**delta)
        db.execute(update(MediaBlob).where(MediaBlob.path == rel).values(modified_at=old))


def test_saved_images_are_rows_read_copied_overwritten_and_removed(store, engine):
    rel = store.save_jpeg(IMAGE, "arrivals")
    assert rel.startswith("arrivals/") and store.exists(rel)
    data = store.read(rel)
    assert data[:2] == b"\xff\xd8"
    copy = store.copy(rel, "faces")
    assert copy.startswith("faces/") and store.read(copy) == data
    store.write_fixed("live/gate.jpg", IMAGE)
    store.write_fixed("live/gate.jpg", np.zeros((10, 10, 3), np.uint8))
    assert len(store.read("live/gate.jpg")) < len(data)
    assert {e.rel for e in store.entries()} == {rel, copy, "live/gate.jpg"} == blob_paths(engine)
    assert store.remove(rel) and not store.remove(rel)
    assert not store.exists(rel)
    with pytest.raises(MediaError, match="no such media file"):
        store.read(rel)


@pytest.mark.parametrize(
    "bad", ["../x.jpg", "/etc/passwd", "config/x.jpg", "arrivals/\x00.jpg", "", "a\\b"]
)
def test_paths_that_are_not_ours_are_refused(store, bad):
    with pytest.raises(MediaError):
        store.read(bad)
    with pytest.raises(MediaError):
        store.write(bad, b"x")
    assert not store.exists(bad)
    store.delete(bad)  # quiet, as for files


def test_database_media_needs_postgresql_and_files_stay_the_default(tmp_path):
    assert isinstance(open_media_store(StorageConfig(media_dir=tmp_path)), FileMediaStore)
    with pytest.raises(ValidationError, match="media_store: database keeps snapshots"):
        StorageConfig(database_url="sqlite:///x.db", media_store="database")
    pg = StorageConfig(database_url="postgresql+psycopg://u@127.0.0.1/x", media_store="database")
    assert pg.media_store == "database"


def test_failed_work_removes_its_rows_and_deletes_wait_for_the_commit(pg_url):
    engine = make_engine(pg_url)
    sessions, store = make_session_factory(engine), DatabaseMediaStore(engine)
    with pytest.raises(RuntimeError), unit_of_work(sessions, store) as uow:
        uow.files.save_jpeg(IMAGE, "arrivals")
        raise RuntimeError("the rows failed")
    assert blob_paths(engine) == set()
    kept = store.save_jpeg(IMAGE, "arrivals")
    with unit_of_work(sessions, store) as uow:
        camera = Camera(name="gate", role="gate")
        uow.session.add(camera)
        uow.session.flush()
        uow.session.add(
            Arrival(camera_id=camera.id, first_seen=utcnow(), last_seen=utcnow(), snapshot=kept)
        )
        uow.files.delete(kept)  # still referenced at the commit: stays
    assert blob_paths(engine) == {kept}
    engine.dispose()


def test_retention_sweeps_old_unreferenced_rows_and_stale_live_frames(pg_url):
    engine = make_engine(pg_url)
    sessions, store = make_session_factory(engine), DatabaseMediaStore(engine)
    old = store.save_jpeg(IMAGE, "arrivals")
    young = store.save_jpeg(IMAGE, "arrivals")
    store.write_fixed("live/old.jpg", IMAGE)
    with transaction(sessions) as db:
        db.add(Camera(name="old", role="gate", latest_frame="live/old.jpg"))
    age(engine, old, days=31)
    age(engine, young, days=29)
    age(engine, "live/old.jpg", hours=3)
    report = purge(sessions, store, PRIVACY)
    assert report.orphan_files == 1 and report.live_frames == 1
    assert blob_paths(engine) == {young}
    with sessions() as db:
        assert db.scalar(select(Camera.latest_frame)) is None
    engine.dispose()
