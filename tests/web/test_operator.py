from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.events import GuestBookChanged
from storage.db import transaction
from storage.models import Arrival, AuditLog, Camera, GuestBookEntry
from storage.types import utcnow
from tests.support.web import add_guest, csrf_token
from tests.support.web import login as login_as

GOOD = {
    "arrival_id": "",
    "name": "Siti Aminah",
    "category": "pemerintah",
    "institution": "Dinas Pendidikan",
    "purpose": "Audiensi program sekolah",
    "phone": "0812 3456 7890",
    "companions": "2",
}


@pytest.fixture
def web(env):
    """The shared dashboard env (a user per role, cameras gate and waiting) and one guest."""
    guest_id = add_guest(env, "Pak Hadi", category="swasta", institution="PT Maju")
    return {"app": env.app, "sessions": env.sessions, "sink": env.sink, "guest_id": guest_id}


def login(app, username):
    client = app.test_client()
    login_as(client, username)
    return client


def post(client, path, data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/operator/")})


def add_arrival(sessions, *, guest_id=None, ago_min=5, status="waiting"):
    with transaction(sessions) as s:
        cam = s.scalars(select(Camera).where(Camera.name == "gate")).one()
        at = utcnow() - timedelta(minutes=ago_min)
        arrival = Arrival(
            camera_id=cam.id, guest_id=guest_id, first_seen=at, last_seen=at, status=status
        )
        s.add(arrival)
        s.flush()
        return arrival.id


def entries(sessions):
    with sessions() as s:
        return list(s.scalars(select(GuestBookEntry).order_by(GuestBookEntry.id)))


def test_operator_page_shows_form_and_today(web):
    arrival_id = add_arrival(web["sessions"], guest_id=web["guest_id"])
    client = login(web["app"], "operator1")
    html = client.get("/operator/").get_data(as_text=True)
    assert 'data-testid="guestbook-form"' in html
    assert 'data-testid="checkin-submit"' in html
    assert f'data-testid="candidate-row" data-arrival-id="{arrival_id}"' in html
    assert 'data-testid="entries-empty"' in html
    assert 'name="csrf_token"' in html


def test_walk_in_check_in_then_out(web):
    client = login(web["app"], "operator1")
    response = post(client, "/operator/checkin", GOOD)
    assert response.status_code == 302
    (entry,) = entries(web["sessions"])
    assert (entry.arrival_id, entry.name, entry.category, entry.companions) == (
        None,
        "Siti Aminah",
        "pemerintah",
        2,
    )
    assert web["sink"].events[-1] == GuestBookChanged(entry.id, None, "checkin")
    page = client.get("/operator/").get_data(as_text=True)
    assert f'data-testid="guestbook-row" data-entry-id="{entry.id}"' in page
    assert "Siti Aminah tercatat di buku tamu." in page
    out = post(client, f"/operator/entries/{entry.id}/checkout", {})
    assert out.status_code == 302
    assert entries(web["sessions"])[0].checked_out_at is not None
    assert web["sink"].events[-1] == GuestBookChanged(entry.id, None, "checkout")
    again = client.post(
        f"/operator/entries/{entry.id}/checkout",
        data={"csrf_token": csrf_token(client, "/operator/")},
        headers={"X-Requested-With": "fetch"},
    )
    assert again.status_code == 400
    assert "sudah check-out" in again.get_json()["error"]
    with web["sessions"]() as s:
        actions = s.scalars(select(AuditLog.action).where(AuditLog.username == "operator1"))
        assert [a for a in actions if a not in ("login", "view_list")] == ["checkin", "checkout"]


def test_recognised_arrival_is_prefilled_and_linked(web):
    arrival_id = add_arrival(web["sessions"], guest_id=web["guest_id"])
    client = login(web["app"], "operator1")
    html = client.get(f"/operator/?arrival={arrival_id}").get_data(as_text=True)
    assert 'value="Pak Hadi"' in html
    assert 'value="PT Maju"' in html
    assert '<option value="swasta" selected>' in html
    assert f'<option value="{arrival_id}" selected>' in html
    data = {**GOOD, "arrival_id": str(arrival_id), "name": "Pak Hadi", "category": "swasta"}
    assert post(client, "/operator/checkin", data).status_code == 302
    (entry,) = entries(web["sessions"])
    assert (entry.arrival_id, entry.guest_id) == (arrival_id, web["guest_id"])
    assert web["sink"].events[-1] == GuestBookChanged(entry.id, arrival_id, "checkin")
    page = client.get("/operator/").get_data(as_text=True)
    assert f'data-testid="candidate-row" data-arrival-id="{arrival_id}"' not in page
    twice = post(client, "/operator/checkin", data)
    assert twice.status_code == 400
    assert "sudah tercatat di buku tamu" in twice.get_data(as_text=True)
    assert len(entries(web["sessions"])) == 1


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": "   "}, "name", "Nama wajib diisi."),
        ({"name": "x" * 121}, "name", "Nama terlalu panjang (maksimal 120 karakter)."),
        ({"purpose": ""}, "purpose", "Keperluan wajib diisi."),
        ({"purpose": "x" * 501}, "purpose", "Keperluan terlalu panjang (maksimal 500 karakter)."),
        (
            {"institution": "x" * 161},
            "institution",
            "Instansi terlalu panjang (maksimal 160 karakter).",
        ),
        ({"phone": "bukan nomor"}, "phone", "Nomor telepon tidak valid"),
        ({"companions": "51"}, "companions", "Jumlah pengikut harus antara 0 dan 50."),
        ({"companions": "-1"}, "companions", "Jumlah pengikut harus antara 0 dan 50."),
        ({"companions": "dua"}, "companions", "Jumlah pengikut harus berupa angka bulat."),
        ({"companions": "²"}, "companions", "Jumlah pengikut harus berupa angka bulat."),
        ({"category": "vip"}, "category", "Kategori harus salah satu dari"),
    ],
)
def test_bad_input_is_explained_and_nothing_written(web, change, field, message):
    client = login(web["app"], "operator1")
    response = post(client, "/operator/checkin", {**GOOD, **change})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'data-testid="error-{field}">{message}' in html
    assert 'data-testid="form-error"' in html
    assert 'value="Dinas Pendidikan"' in html or field == "institution"
    assert entries(web["sessions"]) == []
    assert web["sink"].events == []


@pytest.mark.parametrize(
    ("arrival", "message"),
    [
        ("999", 'data-testid="form-error">Kedatangan #999 tidak ditemukan.'),
        ("abc", 'data-testid="error-arrival_id">Kedatangan tidak valid.'),
        ("²", 'data-testid="error-arrival_id">Kedatangan tidak valid.'),
        ("9" * 20, 'data-testid="error-arrival_id">Kedatangan tidak valid.'),
    ],
)
def test_unknown_arrival_is_refused(web, arrival, message):
    client = login(web["app"], "operator1")
    response = post(client, "/operator/checkin", {**GOOD, "arrival_id": arrival})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert entries(web["sessions"]) == []
    page = client.get(f"/operator/?arrival={arrival}")
    assert page.status_code == 400
    assert 'data-testid="form-error"' in page.get_data(as_text=True)


def test_json_check_in_reports_fields(web):
    client = login(web["app"], "operator1")
    response = client.post(
        "/operator/checkin",
        data={**GOOD, "name": "", "csrf_token": csrf_token(client, "/operator/")},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 400
    assert response.get_json()["fields"] == {"name": ["Nama wajib diisi."]}
    several = client.post(
        "/operator/checkin",
        data={
            **GOOD,
            "name": "",
            "companions": "99",
            "csrf_token": csrf_token(client, "/operator/"),
        },
        headers={"X-Requested-With": "fetch"},
    )
    assert several.get_json()["fields"] == {
        "name": ["Nama wajib diisi."],
        "companions": ["Jumlah pengikut harus antara 0 dan 50."],
    }
    assert several.get_json()["error"] == "Periksa kembali isian formulir."
    ok = client.post(
        "/operator/checkin",
        data={**GOOD, "csrf_token": csrf_token(client, "/operator/")},
        headers={"X-Requested-With": "fetch"},
    )
    assert ok.get_json()["ok"] is True
    assert ok.get_json()["entry_id"] == entries(web["sessions"])[0].id


def test_checkout_of_unknown_entry(web):
    client = login(web["app"], "operator1")
    response = post(client, "/operator/entries/4242/checkout", {})
    assert response.status_code == 302
    assert "tidak ditemukan" in client.get("/operator/").get_data(as_text=True)


def test_missing_csrf_token_is_refused(web):
    client = login(web["app"], "operator1")
    response = client.post("/operator/checkin", data=GOOD)
    assert response.status_code == 400
    assert entries(web["sessions"]) == []


def test_other_day_and_bad_day(web):
    client = login(web["app"], "operator1")
    assert post(client, "/operator/checkin", GOOD).status_code == 302
    yesterday = (utcnow() - timedelta(days=2)).date().isoformat()
    other = client.get(f"/operator/?day={yesterday}").get_data(as_text=True)
    assert 'data-testid="entries-empty"' in other
    bad = client.get("/operator/?day=2026-13-45")
    assert bad.status_code == 400
    assert "Tanggal tidak valid" in bad.get_data(as_text=True)
    panel = client.get("/operator/entries").get_data(as_text=True)
    assert 'data-testid="guestbook-row"' in panel
    assert client.get("/operator/arrivals").status_code == 200


@pytest.mark.parametrize("username", ["guard1", "security1"])
def test_other_roles_are_refused(web, username):
    client = login(web["app"], username)
    assert client.get("/operator/").status_code == 403
    token = csrf_token(client, "/review/" if username == "security1" else "/guard/")
    response = client.post("/operator/checkin", data={**GOOD, "csrf_token": token})
    assert response.status_code == 403
    assert entries(web["sessions"]) == []


def test_admin_may_keep_the_book_and_anonymous_is_sent_to_login(web):
    assert login(web["app"], "admin1").get("/operator/").status_code == 200
    anonymous = web["app"].test_client().get("/operator/")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_english_labels(web):
    client = login(web["app"], "operator1")
    client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client, "/operator/")})
    html = client.get("/operator/").get_data(as_text=True)
    assert "Save to the guest book" in html and "Purpose" in html
    assert "Simpan ke buku tamu" not in html
    bad = post(client, "/operator/checkin", {**GOOD, "name": "", "companions": "51"})
    html = bad.get_data(as_text=True)
    assert "Please check the form." in html
    assert 'data-testid="error-name">Name is required.' in html
    assert 'data-testid="error-companions">Number of companions must be between 0 and 50.' in html
    twice = post(client, "/operator/entries/4242/checkout", {})
    assert twice.status_code == 302
    assert "Guest book entry #4242 not found." in client.get("/operator/").get_data(as_text=True)
    with web["sessions"]() as s:
        assert s.scalar(select(func.count()).select_from(GuestBookEntry)) == 0
