"""The watchlist pages: security manages entries with real photos; the guard's and security's
pages show and acknowledge sightings; the Bupati's never show them. One headless-Chromium test:
a sighting published by another process reaches the guard's open page live, not the Bupati's."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select

from core.events import WatchlistSighted
from storage.db import transaction
from storage.models import AuditLog, Camera
from storage.models_watchlist import WatchlistEntry, WatchlistSighting
from storage.types import utcnow
from storage.watchlist import EnrolFace, enrol
from storage.watchlist_sightings import sighted_event
from tamu import photo_check
from tests.support.storage import media_files
from tests.support.waiting import stays_true
from tests.support.web import csrf_token, post_json

STEP_MS = 5000
IMAGE = np.full((60, 50, 3), 110, dtype=np.uint8)


def seed_sighting(sessions, media, *, note="Pernah mengancam staf") -> WatchlistSighted:
    """An entry and one unacknowledged sighting with a snapshot; its event."""
    entry = enrol(
        sessions, media, [EnrolFace(IMAGE, np.ones(128, np.float32))],
        name="Orang X", level="tinggi", note=note,
    )  # fmt: skip
    with transaction(sessions) as db:
        row = WatchlistSighting(
            entry_id=entry.id, camera="gate", at=utcnow(), distance=0.4,
            snapshot=media.save_jpeg(IMAGE, "watchlist"),
        )  # fmt: skip
        db.add(row)
        db.flush()
        return sighted_event(row, db.get(WatchlistEntry, entry.id))


def upload(client, path, **fields):
    data = {"csrf_token": csrf_token(client, "/watchlist/"), "level": "sedang", **fields}
    with open(path, "rb") as photo:
        data["photo"] = (photo, path.name)
        return client.post("/watchlist/", data=data, content_type="multipart/form-data")


@pytest.fixture
def checked(env):
    """The app with the entry point's real photo check (dlib)."""
    photo_check.install(env.app, env.config)
    return env


def test_security_adds_with_a_photo_and_removes_with_erasure(checked, faces_dir):
    env = checked
    client = env.client("security")
    response = upload(client, faces_dir / "obama" / "obama1.jpg", name="Orang X", note="Catatan")
    assert response.status_code == 302
    page = client.get("/watchlist/").get_data(as_text=True)
    assert "Orang X masuk daftar perhatian." in page
    assert 'data-testid="watchlist-entry-name">Orang X<' in page
    assert len(media_files(env.media, "watchlist")) == 1
    with env.sessions() as db:
        entry = db.scalars(select(WatchlistEntry)).one()
        assert (entry.level, entry.note, entry.created_by) == ("sedang", "Catatan", "security1")
    token = csrf_token(client, "/watchlist/")
    client.post(f"/watchlist/{entry.id}/remove", data={"csrf_token": token})
    assert "Orang X dihapus dari daftar perhatian." in client.get("/watchlist/").get_data(
        as_text=True
    )
    assert media_files(env.media, "watchlist") == []
    with env.sessions() as db:
        assert db.scalars(select(WatchlistEntry)).all() == []
        actions = db.scalars(select(AuditLog.action).where(AuditLog.username == "security1"))
        assert {"watchlist_add", "watchlist_remove"} <= set(actions)


@pytest.mark.parametrize(
    ("photo", "fields", "reason"),
    [
        ("edge/two_people.jpg", {"name": "Orang X"}, "beberapa wajah (2 ditemukan)"),
        ("notes.jpg", {"name": "Orang X"}, "tidak terbaca / bukan gambar"),
        ("obama/obama1.jpg", {"name": "Orang X", "level": "darurat"}, "Tingkat &#39;darurat&#39;"),
        ("obama/obama1.jpg", {"name": ""}, "Nama wajib diisi."),
    ],
)
def test_bad_input_is_refused_clearly_and_stores_nothing(
    checked, faces_dir, tmp_path, photo, fields, reason
):
    text = tmp_path / "notes.jpg"
    text.write_text("not a photo")
    path = text if photo == "notes.jpg" else faces_dir / photo
    client = checked.client("security")
    upload(client, path, **fields)
    page = client.get("/watchlist/").get_data(as_text=True)
    assert "Tidak disimpan: " in page and reason in page
    assert media_files(checked.media, "watchlist") == []
    with checked.sessions() as db:
        assert db.scalars(select(WatchlistEntry)).all() == []


def test_other_roles_cannot_manage_the_watchlist(env):
    for role in ("guard", "bupati", "adjutant", "operator"):
        client = env.client(role)
        assert client.get("/watchlist/").status_code == 403, role
        token = csrf_token(client, "/")
        assert client.post("/watchlist/1/remove", data={"csrf_token": token}).status_code == 403
    for role in ("bupati", "adjutant", "operator"):
        assert env.client(role).get("/watchlist/alerts").status_code == 403, role


def test_the_guard_sees_and_acknowledges_the_alert_the_bupati_never_sees_it(env):
    event = seed_sighting(env.sessions, env.media)
    guard = env.client("guard")
    page = guard.get("/guard/").get_data(as_text=True)
    for text in ("Orang X", "Tinggi", "Pernah mengancam staf", f"/media/{event.snapshot}"):
        assert text in page, text
    # the camera by its display name, on the guard's alert and on security's watchlist page
    assert 'data-testid="watchlist-camera">Kamera Gerbang depan<' in page
    watchlist_page = env.client("security").get("/watchlist/").get_data(as_text=True)
    assert "Kamera Gerbang depan ·" in watchlist_page and "Kamera gate" not in watchlist_page
    for role in ("bupati", "adjutant"):
        assert "Orang X" not in env.client(role).get("/").get_data(as_text=True), role
        assert env.client(role).get(f"/media/{event.snapshot}").status_code == 403
    assert "Orang X" in env.client("security").get("/review/").get_data(as_text=True)
    reply = post_json(guard, f"/watchlist/sightings/{event.sighting_id}/ack", {}, "/guard/")
    assert reply.get_json() == {"ok": True, "message": "Peringatan sudah ditangani."}
    assert "Orang X" not in guard.get("/watchlist/alerts").get_data(as_text=True)
    missing = post_json(guard, "/watchlist/sightings/999/ack", {}, "/guard/")
    assert missing.status_code == 404
    with env.sessions() as db:
        ack = db.scalars(select(AuditLog).where(AuditLog.action == "watchlist_ack")).one()
        assert ack.username == "guard1"


def test_no_photo_check_installed_is_a_clear_error(env, faces_dir):
    client = env.client("security")
    upload(client, faces_dir / "obama" / "obama1.jpg", name="Orang X")
    page = client.get("/watchlist/").get_data(as_text=True)
    assert "pemeriksaan foto tidak tersedia di server ini" in page


def seed_camera_and_entry(sessions, media) -> None:
    with transaction(sessions) as db:
        db.add(Camera(name="gate", role="gate", latest_frame="live/gate.jpg"))
    media.write_fixed("live/gate.jpg", np.full((90, 160, 3), 60, np.uint8))
    enrol(sessions, media, [EnrolFace(IMAGE, np.ones(128, np.float32))], name="x", level="rendah")


@pytest.mark.e2e
@pytest.mark.redis
def test_a_published_sighting_reaches_the_guards_open_page_live_not_the_bupatis(
    serve, chromium, redis_server, tmp_path
):
    from playwright.sync_api import expect

    from core.sinks import SocketIOSink
    from storage.db import make_engine, make_session_factory
    from storage.media import FileMediaStore
    from tests.web.test_browser import open_as

    expect.set_options(timeout=STEP_MS)
    queue = redis_server()
    _served, base = serve(
        "web",
        [{"name": "gate", "role": "gate", "url": "rtsp://127.0.0.1:9/none"}],
        users=(("satpam", "guard"), ("bupati", "bupati")),
        seed=seed_camera_and_entry,
        events={"redis_url": queue.url(), "channel": "tamu-watch"},
    )
    problems: list[str] = []
    guard = open_as(chromium, base, "satpam", problems)
    bupati = open_as(chromium, base, "bupati", problems)
    for page in (guard, bupati):
        expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    expect(guard.locator("[data-testid=watchlist-alert]")).to_have_count(0)
    # What the capture worker does: store the sighting, then publish through Redis.
    engine = make_engine(f"sqlite:///{tmp_path / 'tamu.db'}")
    event = seed_sighting(make_session_factory(engine), FileMediaStore(tmp_path / "media"))
    engine.dispose()
    SocketIOSink(queue.url(), "tamu-watch").publish(event)
    alert = guard.locator("[data-testid=watchlist-alert]")
    expect(alert).to_have_count(1)
    expect(alert.locator("[data-testid=watchlist-name]")).to_have_text("Orang X")
    expect(alert.locator("[data-testid=watchlist-note]")).to_have_text("Pernah mengancam staf")
    expect(alert.locator("img[data-testid=watchlist-snapshot]")).to_be_visible()
    assert stays_true(lambda: "Orang X" not in bupati.content(), 1.0)
    guard.click("[data-testid=watchlist-ack] button")
    expect(guard.locator("[data-testid=toast]")).to_contain_text("Peringatan sudah ditangani")
    expect(guard.locator("[data-testid=watchlist-alert]")).to_have_count(0)
    assert problems == []
