"""Expected guests on the dashboard: made by the adjutant and the operator, refused to others,
shown live on the four receiving pages, bad input and bad photos refused, saving nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.events import AppointmentsChanged
from storage.arrivals import ArrivalPolicy, Sighting, record_guest
from storage.db import transaction
from storage.guests import create_guest
from storage.models import Guest
from storage.models_appointments import Appointment
from storage.types import utcnow
from tests.support.web import csrf_token

PAGES = {"bupati": "/bupati/", "adjutant": "/bupati/", "guard": "/guard/", "operator": "/operator/"}


def _today(env) -> str:
    return datetime.now(env.config.tz).date().isoformat()


def _form(env, **over) -> dict[str, str]:
    data = {
        "name": "Bu Sri Wahyuni",
        "day": _today(env),
        "time": "23:00",
        "until": "23:45",
        "purpose": "Audiensi sekolah",
        "host": "Bupati",
    }
    return {k: v for k, v in {**data, **over}.items() if v is not None}


def _post(client, data, **kw):
    token = csrf_token(client, "/janji/") if "headers" not in kw else None
    return client.post("/janji/", data={**data, "csrf_token": token or ""}, **kw)


def _rows(env) -> list[Appointment]:
    with env.sessions() as s:
        return list(s.scalars(select(Appointment)))


@pytest.mark.parametrize("role", ["adjutant", "operator"])
def test_made_by_adjutant_and_operator_and_shown_on_the_four_pages(env, role):
    client = env.client(role)
    response = _post(client, _form(env))
    assert response.status_code == 302, response.get_data(as_text=True)
    (row,) = _rows(env)
    assert (row.name, row.host, row.purpose, row.status) == (
        "Bu Sri Wahyuni",
        "Bupati",
        "Audiensi sekolah",
        "expected",
    )
    assert row.until - row.at == timedelta(minutes=45)
    assert row.created_by == env.users[role]
    assert env.sink.events[-1] == AppointmentsChanged(row.id, "expected", None)
    assert "Janji temu dengan Bu Sri Wahyuni tersimpan." in client.get("/janji/").get_data(
        as_text=True
    )
    for viewer, page in PAGES.items():
        html = env.client(viewer).get(page).get_data(as_text=True)
        assert 'data-testid="expected-panel"' in html, viewer
        assert f'data-appointment-id="{row.id}"' in html, viewer
        assert "23:00–23:45" in html, viewer
    panel = env.client("guard").get("/janji/panel").get_data(as_text=True)
    assert "Bu Sri Wahyuni" in panel and "Dijadwalkan" in panel


@pytest.mark.parametrize("role", ["guard", "bupati", "security"])
def test_refused_for_roles_that_do_not_make_appointments(env, role):
    client = env.client(role)
    assert client.get("/janji/").status_code == 403
    token = csrf_token(client, "/")
    response = client.post("/janji/", data={**_form(env), "csrf_token": token})
    assert response.status_code == 403
    assert _rows(env) == []
    html = client.get(PAGES.get(role, "/review/")).get_data(as_text=True)
    assert 'data-testid="expected-new"' not in html


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"until": "22:00"}, "until", "Waktu selesai harus sesudah waktu mulai."),
        ({"time": ""}, "at", "Waktu janji wajib diisi."),
        ({"day": "1999-01-01"}, "at", "Waktu janji tidak valid"),
        ({"day": "2026-13-01"}, "at", "Waktu janji tidak valid"),
        ({"name": "   "}, "name", "Nama wajib diisi."),
        ({"host": "x" * 121}, "host", "Bertemu dengan terlalu panjang"),
    ],
)
def test_bad_input_shows_the_reason_and_saves_nothing(env, over, field, message):
    client = env.client("operator")
    response = _post(client, _form(env, **over))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'data-testid="error-{field}"' in html and message in html
    assert 'value="Bu Sri Wahyuni"' in html or field == "name"
    assert _rows(env) == []


def test_control_characters_are_refused(env):
    client = env.client("adjutant")
    response = _post(client, _form(env, name="Bu\x00Sri"))
    assert response.status_code == 400
    assert _rows(env) == []


def test_json_refusal_names_the_fields(env):
    client = env.client("operator")
    token = csrf_token(client, "/janji/")
    response = client.post(
        "/janji/",
        data=_form(env, until="22:00"),
        headers={"X-CSRFToken": token, "X-Requested-With": "fetch"},
    )
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False and list(body["fields"]) == ["until"]
    assert _rows(env) == []


def test_a_matched_arrival_shows_the_scheduled_badge(env):
    with transaction(env.sessions) as s:
        guest_id = create_guest(s, name="Pak Hadi").id
    at = utcnow().replace(microsecond=0)
    client = env.client("adjutant")
    local = at.astimezone(env.config.tz)
    if local.date().isoformat() != _today(env) or local.hour == 23:
        pytest.skip("too close to midnight in Jakarta for a same-day window")
    form = _form(env, name="pak hadi", time=f"{local:%H:%M}", until=f"{local.hour + 1:02d}:00")
    assert _post(client, form).status_code == 302
    with transaction(env.sessions) as s:
        policy = ArrivalPolicy.from_config(env.config)
        recorded = record_guest(s, policy, guest_id, Sighting("gate", at, at))
    assert recorded is not None and recorded.appointment_id == _rows(env)[0].id
    html = client.get("/bupati/").get_data(as_text=True)
    assert 'data-testid="scheduled-badge"' in html
    assert f'data-arrival-id="{recorded.arrival.id}"' in html
    assert "Sudah tiba" in client.get("/janji/panel").get_data(as_text=True)


def test_a_photo_is_refused_when_the_server_cannot_enrol(env, faces_dir):
    client = env.client("operator")
    with (faces_dir / "biden" / "biden1.jpg").open("rb") as photo:
        response = _post(client, {**_form(env), "photo": (photo, "biden.jpg")})
    assert response.status_code == 400
    assert "pendaftaran wajah dari foto tidak tersedia" in response.get_data(as_text=True)
    assert _rows(env) == []


def test_a_photo_enrols_the_guest_through_the_entry_points_enrolment(env, faces_dir):
    from tamu.enrolment import PhotoEnroller

    env.app.extensions["tamu"].enroller = PhotoEnroller(env.config)
    client = env.client("operator")
    with (faces_dir / "edge" / "two_people.jpg").open("rb") as photo:
        bad = _post(client, {**_form(env), "photo": (photo, "two.jpg")})
    assert bad.status_code == 400 and 'data-testid="error-photo"' in bad.get_data(as_text=True)
    assert "beberapa wajah (2 ditemukan); pakai foto satu orang" in bad.get_data(as_text=True)
    with env.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Guest)) == 0
    assert _rows(env) == []
    with (faces_dir / "biden" / "biden1.jpg").open("rb") as photo:
        good = _post(client, {**_form(env, name="Joe Biden"), "photo": (photo, "biden1.jpg")})
    assert good.status_code == 302
    (row,) = _rows(env)
    with env.sessions() as s:
        guest = s.get(Guest, row.guest_id)
        assert guest is not None and guest.name == "Joe Biden" and len(guest.samples) == 1


def test_cancel_from_the_page(env):
    client = env.client("adjutant")
    assert _post(client, _form(env)).status_code == 302
    (row,) = _rows(env)
    token = csrf_token(client, "/janji/")
    response = client.post(f"/janji/{row.id}/cancel", data={"csrf_token": token})
    assert response.status_code == 302
    assert _rows(env)[0].status == "cancelled"
    assert env.sink.events[-1] == AppointmentsChanged(row.id, "cancelled", None)
    again = client.post(f"/janji/{row.id}/cancel", data={"csrf_token": token})
    assert again.status_code == 302  # refused with a flash
    assert "tidak lagi dijadwalkan" in client.get("/janji/").get_data(as_text=True)
