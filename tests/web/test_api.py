"""The REST API: bearer tokens, the role table, bounded inputs, JSON errors, audit bursts."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from core.vocab import AuditAction
from storage.api_tokens import TokenError, create_token, hash_token, revoke_token
from storage.db import transaction
from storage.guests import add_sample
from storage.models import ROLES, AuditLog, FaceSample, Guest
from storage.models_api import ApiToken
from tests.support.web import add_arrival, add_guest, fake_encoding, jpeg

# Written apart from web/security_policy.py: who reads what through the API.
EXPECTED = {
    "/api/v1/arrivals": {"bupati", "adjutant", "security", "admin"},
    "/api/v1/arrivals/{arrival}": {"bupati", "adjutant", "security", "admin"},
    "/api/v1/visits/{arrival}": {"security", "admin"},
    "/api/v1/guests": {"guard", "security", "admin"},
    "/api/v1/guests/{guest}": {"guard", "security", "admin"},
    "/api/v1/report?since=2026-11-01&days=30": {"bupati", "adjutant", "security", "admin"},
    "/api/v1/appointments": {"bupati", "adjutant", "guard", "operator", "admin"},
}


def new_token(env, role: str, name: str | None = None) -> str:
    with transaction(env.sessions) as db:
        return create_token(db, name or f"sistem-{role}", role, None).secret


def call(env, path: str, token: str | None = None, **headers: str):
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return env.app.test_client().get(path, headers=headers)


@pytest.fixture
def seeded(env):
    guest = add_guest(env, "Siti Aminah")
    with transaction(env.sessions) as db:
        add_sample(db, db.get(Guest, guest), fake_encoding(1), photo=jpeg(env.media, "faces"))
    arrival, _ = add_arrival(env, guest_id=guest)
    stranger, _ = add_arrival(env, camera="waiting", unknown=True, minutes_ago=2)
    return env, {"guest": guest, "arrival": arrival, "stranger": stranger}


def test_only_the_hash_is_stored_and_the_secret_is_long(env):
    with transaction(env.sessions) as db:
        new = create_token(db, "bappeda", "security", None)
    with env.sessions() as db:
        row = db.scalar(select(ApiToken))
    assert len(new.secret) > 40 and new.secret not in row.token_hash
    assert row.token_hash == hash_token(new.secret)


@pytest.mark.parametrize(("name", "role"), [("", "admin"), ("x" * 61, "admin"), ("ok", "boss")])
def test_bad_token_input_is_refused_and_writes_nothing(env, name, role):
    with pytest.raises(TokenError), transaction(env.sessions) as db:
        create_token(db, name, role, None)
    with env.sessions() as db:
        assert db.scalar(select(ApiToken)) is None


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer wrong-token", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 500],
)
def test_calls_without_a_valid_token_get_401_json(env, header):
    headers = {"Authorization": header} if header else {}
    response = call(env, "/api/v1/arrivals", **headers)
    assert response.status_code == 401
    assert response.get_json()["code"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused_from_then_on(env):
    token = new_token(env, "admin")
    assert call(env, "/api/v1/arrivals", token).status_code == 200
    with transaction(env.sessions) as db:
        revoke_token(db, db.scalar(select(ApiToken.id)))
    assert call(env, "/api/v1/arrivals", token).status_code == 401


def test_a_dashboard_login_does_not_open_the_api(env):
    client = env.client("admin")
    assert client.get("/api/v1/arrivals").status_code == 401


@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_by_every_role(seeded, role):
    env, ids = seeded
    token = new_token(env, role)
    for template, allowed in EXPECTED.items():
        path = template.format(arrival=ids["arrival"], guest=ids["guest"])
        response = call(env, path, token)
        expected = 200 if role in allowed else 403
        assert response.status_code == expected, (path, role, response.get_json())


def test_arrivals_are_filtered_by_day_camera_and_limit(seeded):
    env, ids = seeded
    token = new_token(env, "security")
    everything = call(env, "/api/v1/arrivals", token).get_json()
    assert everything["total"] == 2
    assert [a["id"] for a in everything["items"]] == [ids["stranger"], ids["arrival"]]
    gate = call(env, "/api/v1/arrivals?camera=gate", token).get_json()
    assert [a["id"] for a in gate["items"]] == [ids["arrival"]]
    assert gate["items"][0]["guest_name"] == "Siti Aminah"
    assert gate["items"][0]["snapshot_url"].startswith("/media/arrivals/")
    one = call(env, "/api/v1/arrivals?limit=1&offset=1", token).get_json()
    assert one["total"] == 2 and [a["id"] for a in one["items"]] == [ids["arrival"]]
    long_ago = call(env, "/api/v1/arrivals?date=2020-01-01", token).get_json()
    assert long_ago == {"total": 0, "items": []}


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=201", "limit=abc", "offset=-1", "date=2026-13-01", "camera=../x",
     "colour=red", "limit=5%00"],
)  # fmt: skip
def test_bad_query_parameters_get_400_json(seeded, query):
    env, _ = seeded
    response = call(env, f"/api/v1/arrivals?{query}", new_token(env, "admin"))
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.is_json and response.get_json().get("code", 400) == 400


def test_unknown_records_get_404_json(seeded):
    env, _ = seeded
    token = new_token(env, "admin")
    assert call(env, "/api/v1/nothing").get_json()["code"] == 404
    for path in ("/api/v1/arrivals/999", "/api/v1/visits/999", "/api/v1/guests/999"):
        response = call(env, path, token)
        assert response.status_code == 404 and response.get_json()["code"] == 404, path


def test_a_visit_has_its_timeline(seeded):
    env, ids = seeded
    visit = call(env, f"/api/v1/visits/{ids['stranger']}", new_token(env, "security")).get_json()
    assert visit["arrival"]["id"] == ids["stranger"]
    assert visit["unknown_face_status"] == "pending"
    assert visit["timeline"][0]["kind"] == "first_seen"


def test_guests_carry_no_encodings_and_photos_only_for_roles_that_see_faces(seeded):
    env, ids = seeded
    guest = call(env, f"/api/v1/guests/{ids['guest']}", new_token(env, "guard")).get_json()
    assert set(guest) == {
        "id", "name", "category", "institution", "is_staff", "created_at", "photo_urls",
    }  # fmt: skip
    with env.sessions() as db:
        photo = db.scalar(select(FaceSample.photo))
    assert guest["photo_urls"] == [f"/media/{photo}"]
    found = call(env, "/api/v1/guests?q=siti", new_token(env, "admin")).get_json()
    assert [g["name"] for g in found["items"]] == ["Siti Aminah"]


def test_report_figures_and_a_bounded_period(seeded):
    env, _ = seeded
    token = new_token(env, "bupati")
    today = datetime.now(env.config.tz).date().isoformat()  # the residence's calendar day
    figures = call(env, f"/api/v1/report?since={today}", token).get_json()
    assert figures["arrivals"] == 2 and figures["recognised"] == 1 and figures["strangers"] == 1
    assert figures["by_camera"] == {"gate": 1, "waiting": 1}
    for query in ("days=93", "days=0", "until=2026-12-01"):
        response = call(env, f"/api/v1/report?since={today}&{query}", token)
        assert response.status_code == 400, query
    assert call(env, "/api/v1/report?since=0001-01-01&days=92", token).status_code == 200
    assert call(env, "/api/v1/report?since=9999-12-31", token).status_code == 200


def test_calls_are_audited_as_bursts(env):
    token = new_token(env, "security", "bappeda")
    for _ in range(3):
        call(env, "/api/v1/arrivals", token)
    call(env, "/api/v1/guests", token)
    call(env, "/api/v1/visits/1", new_token(env, "guard"))  # refused by role
    for _ in range(2):
        call(env, "/api/v1/arrivals", "forged")
    with env.sessions() as db:
        rows = db.scalars(select(AuditLog).where(AuditLog.action == AuditAction.API_CALL)).all()
    bursts = {(r.target, r.detail): r.count for r in rows}
    assert len(rows) == 4
    listed = [c for (t, d), c in bursts.items() if t and "bappeda" in t and "list_arrivals" in d]
    assert listed == [3]
    assert any('"status": 403' in d for (_t, d) in bursts)
    assert [c for (t, d), c in bursts.items() if t is None and '"status": 401' in d] == [2]


def test_the_openapi_document_is_served_without_a_token(env):
    spec = call(env, "/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/arrivals" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_the_admin_adds_a_token_shown_once_and_revokes_it(env):
    client = env.client("admin")
    page = client.get("/api-tokens/").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    added = client.post("/api-tokens/", data={"name": "bappeda", "role": "security",
                                              "csrf_token": token})  # fmt: skip
    assert added.status_code == 201
    secret = added.get_data(as_text=True).split("<code>")[1].split("</code>")[0]
    assert call(env, "/api/v1/arrivals", secret).status_code == 200
    assert secret not in client.get("/api-tokens/").get_data(as_text=True)
    with env.sessions() as db:
        token_id = db.scalar(select(ApiToken.id))
    client.post(f"/api-tokens/{token_id}/revoke", data={"csrf_token": token})
    assert call(env, "/api/v1/arrivals", secret).status_code == 401
    refused = client.post("/api-tokens/", data={"name": "", "role": "x", "csrf_token": token})
    assert refused.status_code == 302
    with env.sessions() as db:
        assert len(db.scalars(select(ApiToken)).all()) == 1


def test_the_api_on_postgresql(make_env, pg_url):
    env = make_env(pg_url)
    guest = add_guest(env, "Siti Aminah")
    arrival, _ = add_arrival(env, guest_id=guest)
    token = new_token(env, "admin")
    today = datetime.now(env.config.tz).date().isoformat()
    listed = call(env, f"/api/v1/arrivals?date={today}&camera=gate", token).get_json()
    assert [a["id"] for a in listed["items"]] == [arrival]
    assert call(env, f"/api/v1/visits/{arrival}", token).status_code == 200
    assert call(env, "/api/v1/guests?q=SITI", token).get_json()["items"][0]["id"] == guest
    report = call(env, "/api/v1/report?since=0001-01-01&days=92", token)
    assert report.status_code == 200 and report.get_json()["arrivals"] == 0
    assert call(env, "/api/v1/arrivals/2147483647", token).status_code == 404


def test_another_system_makes_an_appointment_and_reads_it_back(seeded):
    env, _ids = seeded
    token = new_token(env, "adjutant")
    headers = {"Authorization": f"Bearer {token}"}
    client = env.app.test_client()
    body = {"name": "Kepala Bappeda", "at": "2026-12-01T10:00", "purpose": "Rapat anggaran"}
    made = client.post("/api/v1/appointments", json=body, headers=headers)
    assert made.status_code == 201, made.get_json()
    row = made.get_json()
    assert row["name"] == "Kepala Bappeda" and row["status"] == "expected"
    assert row["until"] == "2026-12-01T11:00:00+07:00"  # the default hour, Jakarta time
    listed = call(env, "/api/v1/appointments?date=2026-12-01", token).get_json()
    assert [a["id"] for a in listed["items"]] == [row["id"]]
    with env.sessions() as db:
        calls = db.scalars(select(AuditLog).where(AuditLog.action == AuditAction.API_CALL)).all()
    assert any("create_appointment" in (r.target or "") + str(r.detail) for r in calls)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "Siti", "at": "besok pagi"}, 400),
        ({"name": "Siti", "at": "2026-12-01T10:00", "until": "2026-12-01T09:00"}, 400),
        ({"name": "Si\x00ti", "at": "2026-12-01T10:00"}, 400),
        ({"at": "2026-12-01T10:00"}, 400),
        ({"name": "Siti", "at": "2026-12-01T10:00", "extra": 1}, 400),
    ],
)
def test_a_bad_appointment_is_refused_and_nothing_is_saved(seeded, body, status):
    env, _ids = seeded
    headers = {"Authorization": f"Bearer {new_token(env, 'operator')}"}
    response = env.app.test_client().post("/api/v1/appointments", json=body, headers=headers)
    assert response.status_code == status and response.get_json()["code"] == status
    token = new_token(env, "admin", "reader")
    assert call(env, "/api/v1/appointments?date=2026-12-01", token).get_json()["items"] == []


def test_a_guard_token_cannot_make_appointments(seeded):
    env, _ids = seeded
    headers = {"Authorization": f"Bearer {new_token(env, 'guard')}"}
    body = {"name": "Siti", "at": "2026-12-01T10:00"}
    response = env.app.test_client().post("/api/v1/appointments", json=body, headers=headers)
    assert response.status_code == 403
