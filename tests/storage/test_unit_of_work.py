"""Rows and files change together: counted after success, failure, a crash and replacements."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from core.config import PrivacyConfig
from core.events import ReceivingChanged
from core.sinks import CollectingSink
from storage.guests import add_sample, create_guest
from storage.models import Arrival, FaceSample, Guest, UnknownFace
from storage.receiving import is_receiving, set_receiving
from storage.retention import purge
from storage.types import utcnow
from storage.unit_of_work import referenced, unit_of_work
from tests.support.env import ROOT
from tests.support.storage import add_arrival, add_unknown, media_files, seed_world, user

IMAGE = np.full((30, 30, 3), 80, dtype=np.uint8)


def rows(factory, model):
    with factory() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_success_commits_rows_and_keeps_files(sessions, media):
    with unit_of_work(sessions, media) as uow:
        guest = create_guest(uow.session, name="Ani")
        photo = uow.files.save_jpeg(IMAGE, "faces")
        add_sample(uow.session, guest, np.zeros(128), photo)
    assert (rows(sessions, Guest), rows(sessions, FaceSample)) == (1, 1)
    assert media_files(media) == [photo]


def test_an_exception_between_file_write_and_commit_undoes_both(sessions, media):
    with pytest.raises(RuntimeError, match="crash"), unit_of_work(sessions, media) as uow:
        guest = create_guest(uow.session, name="Ani")
        add_sample(uow.session, guest, np.zeros(128), uow.files.save_jpeg(IMAGE, "faces"))
        uow.files.copy(uow.files.save_jpeg(IMAGE, "arrivals"), "faces")
        assert len(media_files(media)) == 3
        raise RuntimeError("crash before the commit")
    assert (rows(sessions, Guest), rows(sessions, FaceSample)) == (0, 0)
    assert media_files(media) == []


def test_a_failing_commit_undoes_the_files(sessions, media):
    with pytest.raises(Exception, match="NOT NULL"), unit_of_work(sessions, media) as uow:
        uow.files.save_jpeg(IMAGE, "arrivals")
        uow.session.add(Guest(name=None))  # refused by the database at flush/commit
    assert rows(sessions, Guest) == 0
    assert media_files(media) == []


def test_deletes_wait_for_the_commit_and_vanish_with_a_rollback(sessions, media):
    keep = media.save_jpeg(IMAGE, "arrivals")
    with pytest.raises(RuntimeError), unit_of_work(sessions, media) as uow:
        uow.files.delete(keep)
        assert media_files(media) == [keep], "not before the commit"
        raise RuntimeError
    assert media_files(media) == [keep], "not after a rollback"
    with unit_of_work(sessions, media) as uow:
        uow.files.delete(keep)
        uow.files.delete(keep)
        uow.files.delete(None)
        assert media_files(media) == [keep]
    assert media_files(media) == []
    assert uow.files.deleted == [keep]


def test_a_replaced_snapshot_still_used_by_an_unknown_face_stays(sessions, media):
    seed_world(sessions)
    with unit_of_work(sessions, media) as uow:
        arrival = add_arrival(uow.session)
        unknown = add_unknown(uow.session, media, arrival)
        arrival.snapshot = unknown.snapshot  # the recorder shares the first snapshot
        shared, arrival_id = unknown.snapshot, arrival.id
    with unit_of_work(sessions, media) as uow:
        row = uow.session.get(Arrival, arrival_id)
        old, row.snapshot = row.snapshot, uow.files.save_jpeg(IMAGE, "unknown")
        uow.files.delete(old)
        new = row.snapshot
    assert set(media_files(media)) == {shared, new}
    with sessions() as s:
        assert media.resolve(s.scalars(select(UnknownFace.snapshot)).one()).is_file()
        assert referenced(s, [shared, new, "unknown/2026-01/none.jpg"]) == {shared, new}
    with unit_of_work(sessions, media) as uow:
        uow.session.scalars(select(UnknownFace)).one().snapshot = None
        uow.files.delete(shared)
    assert media_files(media) == [new]


def test_events_are_published_after_the_commit_only(sessions, media):
    seed_world(sessions)
    sink = CollectingSink()
    with pytest.raises(RuntimeError), unit_of_work(sessions, media, sink) as uow:
        uow.collect(set_receiving(uow.session, False, user(uow.session, "bupati")))
        raise RuntimeError
    assert sink.events == []
    with unit_of_work(sessions, media, sink) as uow:
        state = uow.collect(set_receiving(uow.session, False, user(uow.session, "bupati")))
        assert sink.events == [], "not before the commit"
    assert state is False
    assert sink.events == [ReceivingChanged(receiving=False, by="bupati")]


class BrokenSink:
    def publish(self, event):
        raise ConnectionError("socket gone")


def test_a_failing_sink_does_not_undo_the_commit(sessions, media):
    seed_world(sessions)
    with unit_of_work(sessions, media, BrokenSink()) as uow:
        uow.collect(set_receiving(uow.session, False, user(uow.session, "bupati")))
        photo = uow.files.save_jpeg(IMAGE, "arrivals")
    with sessions() as s:
        assert is_receiving(s) is False
    assert media_files(media) == [photo]


CHILD = textwrap.dedent(
    """
    import sys
    import numpy as np
    from storage.db import make_engine, make_session_factory
    from storage.guests import add_sample, create_guest
    from storage.media import FileMediaStore
    from storage.unit_of_work import unit_of_work

    sessions = make_session_factory(make_engine(sys.argv[1]))
    with unit_of_work(sessions, FileMediaStore(sys.argv[2])) as uow:
        guest = create_guest(uow.session, name="Half Enrolled")
        photo = uow.files.save_jpeg(np.zeros((20, 20, 3), np.uint8), "faces")
        add_sample(uow.session, guest, np.zeros(128), photo)
        uow.session.flush()
        print(photo, flush=True)
        sys.stdin.readline()  # killed here, between the file write and the commit
    """
)


def test_kill_9_between_file_write_and_commit_leaves_an_orphan_that_retention_sweeps(
    sqlite_url, sessions, media
):
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, sqlite_url, str(media.root)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        photo = child.stdout.readline().strip()
        assert photo.startswith("faces/"), photo
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    assert child.returncode == -signal.SIGKILL
    assert (rows(sessions, Guest), rows(sessions, FaceSample)) == (0, 0)
    assert media_files(media) == [photo], "the crash leaves the file without a row"

    with unit_of_work(sessions, media) as uow:
        guest = create_guest(uow.session, name="Enrolled")
        kept = uow.files.save_jpeg(IMAGE, "faces")
        add_sample(uow.session, guest, np.zeros(128), kept)
    privacy = PrivacyConfig(snapshot_retention_days=30, unknown_retention_days=7)
    soon = purge(sessions, media, privacy)
    assert soon.orphan_files == 0, "a young orphan may be a write still in flight"
    later = purge(sessions, media, privacy, now=utcnow() + timedelta(days=31))
    assert (later.orphan_files, later.files_deleted) == (1, 1)
    assert media_files(media) == [kept]
    assert (rows(sessions, Guest), rows(sessions, FaceSample)) == (1, 1)
