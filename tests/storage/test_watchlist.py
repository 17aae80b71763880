"""Watchlist storage: sightings (cooldown, withdrawn unknown face), acknowledgement, erasure and
retention, counted in rows and files, on SQLite and PostgreSQL."""

from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from core.config import PrivacyConfig
from core.events import UnknownResolved, WatchlistAcknowledged, WatchlistSighted
from storage.db import transaction
from storage.models import Arrival, AuditLog, Decision, UnknownFace
from storage.models_watchlist import WatchlistEntry, WatchlistSample, WatchlistSighting
from storage.retention import purge
from storage.types import utcnow
from storage.unit_of_work import unit_of_work
from storage.watchlist import (
    EnrolFace,
    WatchlistError,
    enrol,
    load_watchlist_gallery,
    remove,
    watchlist_version,
)
from storage.watchlist_sightings import Seen, acknowledge, open_sightings, record_sighting
from tests.support.storage import add_arrival, add_unknown, media_files, user

IMAGE = np.full((60, 50, 3), 110, dtype=np.uint8)
COOLDOWN = timedelta(minutes=5)
PRIVACY = PrivacyConfig(watchlist_retention_days=30)


def face(seed: int) -> EnrolFace:
    return EnrolFace(IMAGE, np.random.default_rng(seed).normal(size=128).astype(np.float32))


def sight(factory, media, entry_id, *, ago_min=0.0, camera="gate", unknown_id=None):
    seen = Seen(
        entry_id, camera, utcnow() - timedelta(minutes=ago_min), 0.41, "gate:1:1", unknown_id
    )
    with unit_of_work(factory, media) as uow:
        row, events = record_sighting(
            uow.session, uow.files, seen, lambda kind: uow.files.save_jpeg(IMAGE, kind), COOLDOWN
        )
    return row, events


def rows(factory, model) -> int:
    with factory() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_enrol_stores_photos_and_encodings_and_bumps_the_version(factory, media):
    with factory() as s:
        before = watchlist_version(s)
    entry = enrol(factory, media, [face(1), face(2)], name=" Orang X ", level="tinggi", note="a\nb")
    with factory() as s:
        assert watchlist_version(s) != before
        gallery = load_watchlist_gallery(s)
    assert (entry.name, entry.level, entry.note) == ("Orang X", "tinggi", "a\nb")
    assert list(gallery.guest_ids) == [entry.id, entry.id]
    assert gallery.names == {entry.id: "Orang X"}
    assert len(media_files(media, "watchlist")) == 2


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "", "level": "tinggi"}, "name must not be empty"),
        ({"name": "X", "level": "darurat"}, "level 'darurat' is not one of rendah, sedang, tinggi"),
        ({"name": "X\x1b", "level": "rendah"}, "name must not contain control characters"),
        ({"name": "X" * 121, "level": "rendah"}, "name is 121 characters long"),
    ],
)
def test_bad_entries_are_refused_and_leave_nothing(factory, media, fields, message):
    with pytest.raises(WatchlistError, match=message):
        enrol(factory, media, [face(1)], **fields)
    assert rows(factory, WatchlistEntry) == rows(factory, WatchlistSample) == 0
    assert media_files(media, "watchlist") == []


def test_one_sighting_per_entry_per_camera_within_the_cooldown(factory, media):
    entry = enrol(factory, media, [face(1)], name="Orang X", level="sedang", note="catatan")
    first, events = sight(factory, media, entry.id, ago_min=10)
    assert [type(e) for e in events] == [WatchlistSighted]
    assert (events[0].sighting_id, events[0].note, events[0].level) == (
        first.id,
        "catatan",
        "sedang",
    )
    assert events[0].snapshot == first.snapshot and first.snapshot.startswith("watchlist/")
    again, _ = sight(factory, media, entry.id, ago_min=0)  # 10 min later: past the cooldown
    assert again is not None
    assert sight(factory, media, entry.id, ago_min=0) == (None, [])  # within it
    other, _ = sight(factory, media, entry.id, camera="waiting")  # another camera
    assert other is not None
    assert rows(factory, WatchlistSighting) == 3
    assert len(media_files(media, "watchlist")) == 1 + 3  # the cooled-down one wrote nothing
    with factory() as s:
        audited = s.scalars(
            select(AuditLog.action).where(AuditLog.target == f"watchlist:{entry.id}")
        )
        assert list(audited).count("watchlist_sighted") == 3


def test_a_sighting_withdraws_the_tracks_untouched_unknown_face(factory, world, media):
    entry = enrol(factory, media, [face(1)], name="Orang X", level="tinggi")
    with transaction(factory) as s:
        arrival = add_arrival(s)
        unknown = add_unknown(s, media, arrival)
        ids = (arrival.id, unknown.id)
    _row, events = sight(factory, media, entry.id, unknown_id=ids[1])
    assert [type(e) for e in events] == [UnknownResolved, WatchlistSighted]
    assert (events[0].unknown_id, events[0].arrival_id, events[0].action) == (
        ids[1],
        ids[0],
        "dismiss",
    )
    assert rows(factory, Arrival) == rows(factory, UnknownFace) == 0
    assert media_files(media, "unknown") == []


def test_an_unknown_face_somebody_acted_on_stays(factory, world, media):
    entry = enrol(factory, media, [face(1)], name="Orang X", level="tinggi")
    with transaction(factory) as s:
        arrival = add_arrival(s)
        unknown = add_unknown(s, media, arrival)
        s.add(Decision(arrival_id=arrival.id, kind="wait", by_user_id=user(s, "bupati").id))
        unknown_id = unknown.id
    _row, events = sight(factory, media, entry.id, unknown_id=unknown_id)
    assert [type(e) for e in events] == [WatchlistSighted]
    assert rows(factory, Arrival) == rows(factory, UnknownFace) == 1


def test_acknowledge_once_audited_and_leaves_the_open_list(factory, world, media):
    entry = enrol(factory, media, [face(1)], name="Orang X", level="rendah")
    row, _ = sight(factory, media, entry.id)
    with transaction(factory) as s:
        assert [r.id for r in open_sightings(s)] == [row.id]
        _acked, events = acknowledge(s, row.id, user(s, "guard"))
        assert events == [WatchlistAcknowledged(row.id, "guard")]
        again, _ = acknowledge(s, row.id, user(s, "security"))
        assert again.acknowledged_by == "guard"
        assert acknowledge(s, 999, user(s, "guard")) == (None, [])
        assert open_sightings(s) == []
        acks = s.scalars(select(AuditLog).where(AuditLog.action == "watchlist_ack")).all()
        assert [(a.username, a.target) for a in acks] == [("guard", f"sighting:{row.id}")]


def test_remove_erases_photos_encodings_sightings_and_snapshots(factory, media):
    entry = enrol(factory, media, [face(1), face(2)], name="Orang X", level="tinggi")
    kept = enrol(factory, media, [face(3)], name="Orang Y", level="rendah")
    sight(factory, media, entry.id)
    sight(factory, media, entry.id, camera="waiting")
    sight(factory, media, kept.id)
    assert len(media_files(media, "watchlist")) == 3 + 3
    erased = remove(factory, media, entry.id)
    assert (erased.encodings, erased.sightings, erased.files) == (2, 2, 4)
    assert rows(factory, WatchlistEntry) == rows(factory, WatchlistSample) == 1
    assert rows(factory, WatchlistSighting) == 1
    assert len(media_files(media, "watchlist")) == 2
    assert remove(factory, media, entry.id) is None


def test_retention_purges_old_entries_and_old_sightings_with_their_files(factory, media):
    old = enrol(factory, media, [face(1)], name="Lama", level="rendah")
    fresh = enrol(factory, media, [face(2)], name="Baru", level="tinggi")
    with transaction(factory) as s:
        s.get(WatchlistEntry, old.id).created_at = utcnow() - timedelta(days=31)
    sight(factory, media, old.id)
    sight(factory, media, fresh.id, ago_min=60 * 24 * 31)  # an old sighting of a kept entry
    sight(factory, media, fresh.id)
    assert len(media_files(media, "watchlist")) == 2 + 3
    report = purge(factory, media, PRIVACY)
    assert (report.watchlist_entries, report.watchlist_sightings) == (1, 2)
    assert report.files_deleted == 3  # the old entry's photo and snapshot, the old snapshot
    with factory() as s:
        assert [e.name for e in s.scalars(select(WatchlistEntry))] == ["Baru"]
        assert len(s.scalars(select(WatchlistSighting)).all()) == 1
    assert len(media_files(media, "watchlist")) == 2
