"""The public service pages without login: no face, name or id; survey, complaints, limits."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from core.visiting import WEEKDAYS
from storage import complaints as complaint_store
from storage.db import transaction
from storage.guestbook import check_in
from storage.models import AuditLog, User
from storage.types import utcnow
from tests.support.web import add_arrival, add_guest, csrf_token

ALL_THREE = {f"u{n}": "3" for n in range(1, 10)}
PUBLIC_PAGES = [
    "/layanan",
    "/ruang-tunggu",
    "/ruang-tunggu/antrian",
    "/pengaduan",
    "/pengaduan/lacak",
]
_SURVEY_URL = re.compile(r'data-survey-url="([^"]+)"')
_TRACKING = re.compile(r'data-testid="tracking-number">(PGD-[A-Z0-9]{8})<')


def _checked_in_visit(env) -> tuple[int, int]:
    """Guest Budi Santoso seen at the gate, checked in by the operator as Siti Aminah Putri."""
    guest_id = add_guest(env, "Budi Santoso")
    arrival_id, _ = add_arrival(env, guest_id=guest_id)
    with transaction(env.sessions) as db:
        operator = db.get(User, env.users["operator"])
        entry, _ = check_in(
            db, operator, arrival_id=arrival_id, name="Siti Aminah Putri", category="swasta",
            purpose="Audiensi", phone="0812 3456 7890",
        )  # fmt: skip
    return arrival_id, entry.id


def _survey_url(env, entry_id: int) -> str:
    page = env.client("operator").get(f"/operator/slip/{entry_id}")
    assert page.status_code == 200
    return _SURVEY_URL.search(page.get_data(as_text=True)).group(1).removeprefix("http://localhost")


def test_public_pages_need_no_login_and_show_no_face_name_or_id(env):
    arrival_id, entry_id = _checked_in_visit(env)
    add_arrival(env, minutes_ago=1)  # a stranger after Siti: A-02, no initials
    survey = _survey_url(env, entry_id)
    anonymous = env.client()
    for path in [*PUBLIC_PAGES, survey]:
        response = anonymous.get(path)
        body = response.get_data(as_text=True)
        assert response.status_code == 200, path
        for secret in ("Budi", "Santoso", "Siti", "Aminah", "0812", "/media/", ".jpg", "Audiensi"):
            assert secret not in body, (path, secret)
        assert f"#{arrival_id}" not in body and f"/{entry_id}" not in body, path
    queue = anonymous.get("/ruang-tunggu/antrian").get_json()["queue"]
    assert queue == [
        {"number": "A-01", "initials": "S.A.P.", "state": "waiting"},
        {"number": "A-02", "initials": None, "state": "waiting"},
    ]
    display = anonymous.get("/ruang-tunggu").get_data(as_text=True)
    assert "A-01" in display and "S.A.P." in display and 'data-testid="service-qr"' in display
    assert 'src="data:image/svg+xml;base64,' in display
    assert "socket.io" not in display  # the display polls; anonymous sockets stay refused


@pytest.mark.parametrize(
    ("hours", "state", "next_opening"),
    [
        ({"weekly": {d: ["00:00-24:00"] for d in WEEKDAYS}}, "open", False),
        ({"weekly": {}}, "closed", False),
        ({"weekly": {"mon": ["08:00-09:00"]}}, "closed", True),
        ("holiday", "holiday", True),
    ],
)  # fmt: skip
def test_layanan_shows_todays_state(make_env, hours, state, next_opening):
    if hours == "holiday":
        today = utcnow().astimezone(ZoneInfo("Asia/Jakarta")).date()
        hours = {"weekly": {"mon": ["08:00-09:00"]}, "holidays": [today.isoformat()]}
    env = make_env(visiting_hours=hours)
    body = env.client().get("/layanan").get_data(as_text=True)
    assert f'data-state="{state}"' in body
    assert ('data-testid="next-opening"' in body) is next_opening
    for part in ('data-testid="sop-steps"', 'data-testid="appointment"', 'href="/pengaduan"'):
        assert part in body
    assert 'data-ikm=""' in body  # no answers yet


def test_survey_from_a_slip_once_with_csrf_and_checked_input(env):
    _arrival_id, entry_id = _checked_in_visit(env)
    url = _survey_url(env, entry_id)
    guest = env.client()
    assert 'data-testid="survey-form"' in guest.get(url).get_data(as_text=True)
    assert guest.post(url, data=ALL_THREE).status_code == 400  # no CSRF token
    token = csrf_token(guest, url)
    bad = guest.post(url, data={**ALL_THREE, "u4": "9", "csrf_token": token})
    assert bad.status_code == 400 and "antara 1 dan 4" in bad.get_data(as_text=True)
    control = guest.post(url, data={**ALL_THREE, "comment": "a\x07", "csrf_token": token})
    assert control.status_code == 400 and "karakter kontrol" in control.get_data(as_text=True)
    done = guest.post(url, data={**ALL_THREE, "comment": "Ramah.", "csrf_token": token})
    assert done.status_code == 200 and 'data-testid="survey-thanks"' in done.get_data(as_text=True)
    again = guest.post(url, data={**ALL_THREE, "csrf_token": token})
    assert again.status_code == 409 and "sudah diisi" in again.get_data(as_text=True)
    assert guest.get(url).status_code == 409
    assert guest.get("/survei/tebak-tebakan-saja-123").status_code == 404
    layanan = guest.get("/layanan").get_data(as_text=True)
    assert 'data-ikm="75.00"' in layanan and 'data-grade="C"' in layanan
    slip = env.client("operator").get(f"/operator/slip/{entry_id}").get_data(as_text=True)
    assert 'data-testid="survey-done"' in slip and "data-survey-url" not in slip


def test_public_forms_are_rate_limited(env):
    client = env.client()
    token = csrf_token(client, "/pengaduan")
    form = {"kind": "suggestion", "message": "Tambah kursi.", "csrf_token": token}
    statuses = [client.post("/pengaduan", data=form).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    survey = [client.post("/survei/tidak-ada-token-ini", data=form).status_code for _ in range(31)]
    assert set(survey[:30]) == {404} and survey[30] == 429


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"kind": "complaint", "message": ""}, "wajib diisi"),
        ({"kind": "ancaman", "message": "x"}, "pengaduan atau saran"),
        ({"kind": "complaint", "message": "x" * 2001}, "terlalu panjang"),
        ({"kind": "complaint", "message": "ok", "contact": "0812\r\n"}, "karakter kontrol"),
        ({"kind": "complaint", "message": "Baris satu.\r\nBaris dua."}, None),
        ({"kind": "complaint", "message": "ok", "name": "Ani\x00"}, "karakter kontrol"),
    ],
)
def test_bad_complaints_get_a_clear_error_and_keep_the_text(env, form, message):
    client = env.client()
    response = client.post(
        "/pengaduan", data={**form, "csrf_token": csrf_token(client, "/pengaduan")}
    )
    body = response.get_data(as_text=True)
    if message is None:  # surrounding whitespace is trimmed: accepted
        assert response.status_code == 200 and "PGD-" in body
        return
    assert response.status_code == 400 and message in body
    # The form comes back filled in (control characters are refused before any form, web.inputs).
    if len(form["message"]) < 100 and message != "karakter kontrol":
        assert f">{form['message']}</textarea>" in body


def test_complaint_lifecycle_tracking_and_overdue(env):
    public = env.client()
    token = csrf_token(public, "/pengaduan")
    sent = public.post(
        "/pengaduan", data={"kind": "complaint", "name": "Ani", "contact": "ani@example.org",
                            "message": "Antrean terlalu lama.", "csrf_token": token},
    )  # fmt: skip
    number = _TRACKING.search(sent.get_data(as_text=True)).group(1)
    tracked = public.get(f"/pengaduan/lacak?nomor={number}").get_data(as_text=True)
    assert 'data-status="received"' in tracked and "Ani" not in tracked
    assert public.get("/pengaduan/lacak?nomor=PGD-22222222").status_code == 404
    with transaction(env.sessions) as db:
        old, _ = complaint_store.submit_complaint(
            db, kind="suggestion", message="Parkir.", response_days=5,
            now=utcnow() - timedelta(days=6),
        )  # fmt: skip
        new = complaint_store.find_by_tracking_no(db, number)
    adjutant = env.client("adjutant")
    page = adjutant.get("/pengaduan/kelola").get_data(as_text=True)
    assert f'data-number="{old.tracking_no}"' in page and "ani@example.org" in page
    assert re.search(
        rf'data-number="{old.tracking_no}"\s+data-status="received" data-overdue="1"', page
    )
    assert re.search(rf'data-number="{number}"\s+data-status="received" data-overdue="0"', page)
    token = csrf_token(adjutant, "/pengaduan/kelola")
    path = f"/pengaduan/kelola/{new.id}"
    assert (
        adjutant.post(path, data={"status": "in_progress", "csrf_token": token}).status_code == 302
    )
    refused = adjutant.post(
        path, data={"status": "answered", "csrf_token": token}, follow_redirects=True
    )
    assert "Tanggapan wajib diisi" in refused.get_data(as_text=True)
    answer = {"status": "answered", "response": "Loket kedua dibuka.", "csrf_token": token}
    assert adjutant.post(path, data=answer).status_code == 302
    assert adjutant.post("/pengaduan/kelola/999999", data=answer).status_code == 302
    tracked = public.get(f"/pengaduan/lacak?nomor={number}").get_data(as_text=True)
    assert 'data-status="answered"' in tracked and "Loket kedua dibuka." in tracked
    with env.sessions() as db:
        audits = db.query(AuditLog).filter_by(action="complaint_update").all()
        assert [(a.username, a.target) for a in audits] == [("adjutant1", number)] * 2


@pytest.mark.parametrize(
    "role", [None, "bupati", "adjutant", "guard", "operator", "security", "admin"]
)
def test_staff_pages_by_role(env, role):
    _arrival_id, entry_id = _checked_in_visit(env)
    client = env.client(role)
    manage = client.get("/pengaduan/kelola")
    slip = client.get(f"/operator/slip/{entry_id}")
    if role is None:
        assert manage.headers["Location"].startswith("/login?")
        assert slip.headers["Location"].startswith("/login?")
        return
    assert manage.status_code == (200 if role in ("adjutant", "admin") else 403)
    assert slip.status_code == (200 if role in ("operator", "admin") else 403)
