"""The guard's console: cameras, visiting hours, unknown faces, escorts; bad input loses nothing."""

from __future__ import annotations

import pytest

from core.events import GuestBookChanged, UnknownResolved
from storage.db import transaction
from storage.guests import create_guest
from storage.models import (
    Arrival,
    AuditLog,
    EscortTask,
    FaceSample,
    Guest,
    GuestBookEntry,
    UnknownFace,
)
from tests.support.web import add_arrival, add_guest, count, get_row, guest_names, post_json
from web.extensions import socketio

ALL_DAY = {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
CLOSED_TEXT = "Maaf, di luar jam kunjungan. Silakan isi buku tamu."


def resolve(client, unknown_id, **form):
    return post_json(client, f"/guard/unknowns/{unknown_id}/resolve", form, "/guard/")


def escort(client, task_id, status):
    return post_json(client, f"/guard/escorts/{task_id}", {"status": status}, "/guard/")


def snapshot_of_state(env):
    """Everything a half-finished resolve could leave behind."""
    with env.sessions() as db:
        return {
            "guests": db.query(Guest).count(),
            "samples": db.query(FaceSample).count(),
            "entries": db.query(GuestBookEntry).count(),
            "unknowns": sorted((u.id, u.status, u.guest_id) for u in db.query(UnknownFace)),
            "arrivals": sorted((a.id, a.status, a.guest_id) for a in db.query(Arrival)),
            "audit": db.query(AuditLog).filter_by(action="resolve_unknown").count(),
        }


def test_guard_page_shows_cameras_and_open_hours(make_env):
    env = make_env(visiting_hours={"weekly": ALL_DAY, "closed_message": CLOSED_TEXT})
    html = env.client("guard").get("/guard/").get_data(as_text=True)
    assert html.count('data-testid="camera-live"') == 2
    assert 'src="/guard/cameras/gate/live.jpg"' in html
    assert 'data-refresh-ms="1000"' in html
    assert 'data-testid="visiting-state" data-open="1"' in html
    assert CLOSED_TEXT not in html
    assert 'data-testid="receiving-state" data-receiving="1"' in html
    assert count(env, AuditLog, action="view_live") == 1


def test_closed_hours_show_the_sop_message_and_flag_outside_arrivals(make_env):
    env = make_env(visiting_hours={"weekly": {}, "closed_message": CLOSED_TEXT})
    add_arrival(env, outside_hours=True)
    html = env.client("guard").get("/guard/status").get_data(as_text=True)
    assert 'data-open="0"' in html
    assert html.count(CLOSED_TEXT) == 1
    assert 'data-testid="outside-hours-arrival"' in html


def test_open_hours_keep_the_sop_text_beside_an_outside_arrival(make_env):
    every_day = {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    env = make_env(visiting_hours={"weekly": every_day, "closed_message": CLOSED_TEXT})
    add_arrival(env, outside_hours=True)
    html = env.client("guard").get("/guard/status").get_data(as_text=True)
    assert 'data-open="1"' in html
    assert 'data-testid="closed-message"' not in html
    assert html.count(CLOSED_TEXT) == 1


def test_unknown_queue_lists_pending_faces(env):
    _, unknown_id = add_arrival(env, unknown=True, camera="waiting")
    html = env.client("guard").get("/guard/unknowns").get_data(as_text=True)
    assert 'data-testid="unknown-card"' in html
    assert f'data-unknown-id="{unknown_id}"' in html
    assert "Kamera waiting" in html
    assert 'data-testid="register-form"' in html
    assert '<img class="snap" src="/media/unknown/' in html


def test_guest_search_finds_guests_but_not_staff(env):
    add_guest(env, "Budi Santoso", institution="PT Sinar")
    with transaction(env.sessions) as db:
        create_guest(db, name="Budi Sopir", is_staff=True)
    client = env.client("guard")
    found = client.get("/guard/guests/search?q=budi").get_json()["guests"]
    assert [g["name"] for g in found] == ["Budi Santoso"]
    assert client.get("/guard/guests/search?q=sinar").get_json()["guests"][0]["name"]
    assert client.get("/guard/guests/search?q=b").get_json()["guests"] == []


def test_identify_links_the_guest_and_tells_the_bupati_live(env):
    guest_id = add_guest(env, "Budi Santoso")
    arrival_id, unknown_id = add_arrival(env, unknown=True)
    bupati = socketio.test_client(env.app, flask_test_client=env.client("bupati"))
    bupati.get_received()
    response = resolve(env.client("guard"), unknown_id, action="identify", guest_id=str(guest_id))
    assert response.get_json()["ok"] is True, response.get_json()
    assert get_row(env, UnknownFace, unknown_id).status == "identified"
    assert get_row(env, Arrival, arrival_id).guest_id == guest_id
    assert count(env, FaceSample, guest_id=guest_id) == 1
    packets = bupati.get_received()
    assert [p["name"] for p in packets] == ["unknown_resolved"]
    assert packets[0]["args"][0]["guest_id"] == guest_id
    assert packets[0]["args"][0]["by"] == "guard1"
    waiting = env.client("bupati").get("/bupati/waiting").get_data(as_text=True)
    assert "Budi Santoso" in waiting and "Tamu tidak dikenal" not in waiting
    bupati.disconnect()


def test_register_enrols_a_new_guest_with_a_purpose(env):
    arrival_id, unknown_id = add_arrival(env, unknown=True)
    form = {
        "action": "register",
        "name": "  Dewi Lestari ",
        "category": "swasta",
        "institution": "CV Lestari",
        "phone": "0812 3456 7890",
        "purpose": "Undangan peresmian toko",
    }
    response = resolve(env.client("guard"), unknown_id, **form)
    assert response.get_json()["ok"] is True, response.get_json()
    with env.sessions() as db:
        guest = db.query(Guest).filter_by(name="Dewi Lestari").one()
        assert (guest.category, guest.institution, guest.phone) == (
            "swasta",
            "CV Lestari",
            "0812 3456 7890",
        )
        assert db.query(FaceSample).filter_by(guest_id=guest.id).count() == 1
        entry = db.query(GuestBookEntry).filter_by(arrival_id=arrival_id).one()
        assert entry.purpose == "Undangan peresmian toko"
    assert get_row(env, UnknownFace, unknown_id).status == "registered"
    assert [type(e) for e in env.sink.events] == [UnknownResolved, GuestBookChanged]
    waiting = env.client("bupati").get("/bupati/waiting").get_data(as_text=True)
    assert "Dewi Lestari" in waiting and "Undangan peresmian toko" in waiting


def test_not_guest_is_never_raised_again_and_leaves_the_waiting_list(env):
    arrival_id, unknown_id = add_arrival(env, unknown=True)
    response = resolve(env.client("guard"), unknown_id, action="not_guest")
    assert response.get_json()["ok"] is True, response.get_json()
    assert get_row(env, Arrival, arrival_id).status == "dismissed"
    with env.sessions() as db:
        staff = db.query(Guest).filter_by(is_staff=True).one()
        assert db.query(FaceSample).filter_by(guest_id=staff.id).count() == 1
    waiting = env.client("bupati").get("/bupati/waiting").get_data(as_text=True)
    assert 'data-testid="waiting-row"' not in waiting


def test_dismiss_a_false_detection(env):
    arrival_id, unknown_id = add_arrival(env, unknown=True)
    assert resolve(env.client("admin"), unknown_id, action="dismiss").get_json()["ok"]
    assert get_row(env, UnknownFace, unknown_id).status == "dismissed"
    assert get_row(env, Arrival, arrival_id).status == "dismissed"
    assert count(env, Guest) == 0
    queue = env.client("guard").get("/guard/unknowns").get_data(as_text=True)
    assert 'data-testid="unknowns-empty"' in queue


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"action": "register", "name": ""}, "Nama wajib diisi"),
        ({"action": "register", "name": "   "}, "Nama wajib diisi"),
        ({"action": "register", "name": "x" * 121}, "terlalu panjang"),
        ({"action": "register", "name": "x" * 3000}, "terlalu panjang"),
        ({"action": "register", "name": "Ani", "category": "raja"}, "Kategori"),
        ({"action": "register", "name": "Ani", "institution": "i" * 161}, "terlalu panjang"),
        ({"action": "register", "name": "Ani", "phone": "telepon saya"}, "telepon"),
        ({"action": "register", "name": "Ani", "purpose": "p" * 501}, "terlalu panjang"),
        ({"action": "identify"}, "wajib diisi"),
        ({"action": "identify", "guest_id": "abc"}, "tidak valid"),
        ({"action": "identify", "guest_id": "424242"}, "tidak ditemukan"),
        ({"action": "teleport"}, "Tindakan tidak dikenal"),
        ({}, "Tindakan tidak dikenal"),
    ],
)
def test_bad_resolutions_are_refused_and_write_nothing(env, form, message):
    add_guest(env, "Tamu Lama")
    _, unknown_id = add_arrival(env, unknown=True)
    before = snapshot_of_state(env)
    response = resolve(env.client("guard"), unknown_id, **form)
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False and message.lower() in body["error"].lower(), body
    assert snapshot_of_state(env) == before
    assert env.sink.events == []


def test_unknown_ids_and_second_resolutions_are_refused(env):
    client = env.client("guard")
    missing = resolve(client, 987654, action="dismiss")
    assert missing.status_code == 400 and "tidak ditemukan" in missing.get_json()["error"]
    _, unknown_id = add_arrival(env, unknown=True)
    assert resolve(client, unknown_id, action="register", name="Ani").get_json()["ok"]
    before = snapshot_of_state(env)
    again = resolve(client, unknown_id, action="register", name="Ani Lagi")
    assert again.status_code == 400 and "sudah ditangani" in again.get_json()["error"]
    assert snapshot_of_state(env) == before
    assert guest_names(env) == ["Ani"]


def test_escort_task_flow(env):
    arrival_id, _ = add_arrival(env)
    bupati = env.client("bupati")
    post_json(bupati, f"/bupati/arrivals/{arrival_id}/decide", {"kind": "receive"}, "/bupati/")
    with env.sessions() as db:
        task_id = db.query(EscortTask).filter_by(arrival_id=arrival_id).one().id
    guard = env.client("guard")
    socket = socketio.test_client(env.app, flask_test_client=guard)
    socket.get_received()
    bad = escort(guard, task_id, "flying")
    assert bad.status_code == 400 and "tidak dikenal" in bad.get_json()["error"]
    assert escort(guard, task_id, "escorted").get_json()["ok"]
    assert escort(guard, task_id, "escorted").status_code == 400  # not twice
    assert escort(guard, task_id, "left").get_json()["ok"]
    assert get_row(env, EscortTask, task_id).status == "left"
    assert get_row(env, Arrival, arrival_id).status == "left"
    statuses = [p["args"][0]["status"] for p in socket.get_received()]
    assert statuses == ["escorted", "left"]
    assert escort(guard, 555555, "left").status_code == 400
    assert 'data-testid="escorts-empty"' in guard.get("/guard/escorts").get_data(as_text=True)
    socket.disconnect()
