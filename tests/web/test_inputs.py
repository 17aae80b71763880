"""Crafted input gets a clear 400/404, never a 500: ids, dates, control characters, wildcards."""

from __future__ import annotations

import pytest

from storage.models import Arrival, AuditLog, Decision, Guest, GuestBookEntry, UnknownFace
from tests.support.web import (
    PASSWORD,
    add_arrival,
    add_guest,
    count,
    csrf_token,
    get_row,
    post_json,
)

HUGE = "9" * 20
# Not ASCII digits: "²" passes str.isdigit(); "١" (Arabic-Indic one) even passes int().
NOT_ASCII = ["²", "١", "１"]


@pytest.mark.parametrize("raw", [*NOT_ASCII, HUGE, "2147483648", "-1", "1.0", "0x1"])
def test_ids_in_urls_are_ascii_digits_within_the_integer_range(env, raw):
    arrival_id, unknown_id = add_arrival(env, unknown=True)
    assert arrival_id == 1 and unknown_id == 1  # "١" would be this arrival
    security, bupati, guard = env.client("security"), env.client("bupati"), env.client("guard")
    assert security.get(f"/review/arrivals/{raw}").status_code == 404
    decide = post_json(bupati, f"/bupati/arrivals/{raw}/decide", {"kind": "receive"}, "/bupati/")
    assert decide.status_code == 404
    resolve = post_json(guard, f"/guard/unknowns/{raw}/resolve", {"action": "dismiss"}, "/guard/")
    assert resolve.status_code == 404
    assert get_row(env, Arrival, arrival_id).status == "waiting"
    assert get_row(env, UnknownFace, unknown_id).status == "pending"
    assert count(env, AuditLog, action="view_arrival") == 0


def test_the_largest_id_is_simply_not_found(env):
    response = env.client("security").get("/review/arrivals/2147483647")
    assert response.status_code == 404
    assert "tidak ditemukan" in response.get_data(as_text=True)


@pytest.mark.parametrize("raw", [*NOT_ASCII, HUGE, "12a", "-3"])
def test_ids_in_forms_are_ascii_digits_within_the_integer_range(env, raw):
    add_guest(env)
    _, unknown_id = add_arrival(env, unknown=True)
    response = post_json(
        env.client("guard"),
        f"/guard/unknowns/{unknown_id}/resolve",
        {"action": "identify", "guest_id": raw},
        "/guard/",
    )
    assert response.status_code == 400
    assert "Tamu tidak valid" in response.get_json()["error"]
    assert get_row(env, UnknownFace, unknown_id).status == "pending"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=0001-01-01", "Tanggal awal harus antara tahun 2000 dan 2100"),
        ("to=9999-12-31", "Tanggal akhir harus antara tahun 2000 dan 2100"),
        ("from=2026-1-5", "Tanggal awal tidak valid"),
        ("to=%2B2026-01-05", "Tanggal akhir tidak valid"),
        ("from=２０２６-01-05", "Tanggal awal tidak valid"),
    ],
)
@pytest.mark.parametrize("page", ["/review/", "/review/export.csv", "/review/audit"])
def test_review_dates_are_bounded(env, page, query, message):
    response = env.client("security").get(f"{page}?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_guest_book_day_is_bounded(env):
    for day in ("9999-12-31", "0001-01-01"):
        response = env.client("operator").get(f"/operator/?day={day}")
        assert response.status_code == 400
        assert "harus antara tahun 2000 dan 2100" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("day", "clock", "message"),
    [
        ("9999-12-31", "09:00", "harus antara tahun 2000 dan 2100"),
        ("2026-12-01", "9", "tidak valid"),
        ("2026-12-01", "09:00+07:00", "tidak valid"),
    ],
)
def test_reschedule_dates_are_bounded(env, day, clock, message):
    arrival_id, _ = add_arrival(env)
    response = post_json(
        env.client("bupati"),
        f"/bupati/arrivals/{arrival_id}/decide",
        {"kind": "reschedule", "date": day, "time": clock},
        "/bupati/",
    )
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert count(env, Decision) == 0


CONTROL = ["\x00", "\n", "\r", "\x1b[31m", "\x7f", "\x85", "\u2028"]


@pytest.mark.parametrize("char", CONTROL)
def test_control_characters_in_a_login_are_refused_before_the_database(env, char):
    client = env.app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/login", data={"username": f"guard1{char}", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 400
    assert "karakter kontrol" in response.get_data(as_text=True)
    assert count(env, AuditLog) == 0


@pytest.mark.parametrize("char", CONTROL)
def test_control_characters_in_form_fields_write_nothing(env, char):
    arrival_id, unknown_id = add_arrival(env, unknown=True)
    operator = env.client("operator")
    book = post_json(
        operator,
        "/operator/checkin",
        {"name": f"Siti{char}INFO forged line", "purpose": "Audiensi", "category": "masyarakat"},
        "/operator/",
    )
    assert book.status_code == 400
    register = post_json(
        env.client("guard"),
        f"/guard/unknowns/{unknown_id}/resolve",
        {"action": "register", "name": f"Rina{char}", "purpose": "Audiensi"},
        "/guard/",
    )
    assert register.status_code == 400
    note = post_json(
        env.client("bupati"),
        f"/bupati/arrivals/{arrival_id}/decide",
        {"kind": "wait", "note": f"tunggu{char}sebentar" if char == "\x00" else "x\x00"},
        "/bupati/",
    )
    assert note.status_code == 400
    assert count(env, GuestBookEntry) == count(env, Guest) == count(env, Decision) == 0


def test_line_breaks_are_allowed_in_multi_line_fields_only(env):
    response = post_json(
        env.client("operator"),
        "/operator/checkin",
        {"name": "Siti", "purpose": "Audiensi\r\nlalu rapat\tsingkat", "category": "masyarakat"},
        "/operator/",
    )
    assert response.get_json()["ok"] is True, response.get_json()
    with env.sessions() as db:
        assert db.query(GuestBookEntry).one().purpose == "Audiensi\r\nlalu rapat\tsingkat"


@pytest.mark.parametrize(
    "path",
    [
        "/review/?guest=a%00b",
        "/review/?camera=%0agate",
        "/review/audit?user=x%1b",
        "/review/%00",
        "/guard/guests/search?q=bu%00di",
        "/operator/?arrival=1%00",
        "/media/arrivals/%0a.jpg",
    ],
)
def test_control_characters_in_urls_are_refused(env, path):
    role = "guard" if path.startswith("/guard") else "operator" if "operator" in path else "admin"
    response = env.client(role).get(path)
    assert response.status_code == 400, path
    assert "karakter kontrol" in response.get_data(as_text=True)


def test_guest_search_takes_like_wildcards_literally(env):
    add_guest(env, "Budi Santoso")
    add_guest(env, "Rina 100% Jaya")
    client = env.client("guard")
    found = client.get("/guard/guests/search?q=%25%25").get_json()["guests"]
    assert found == []
    found = client.get("/guard/guests/search?q=0%25").get_json()["guests"]
    assert [g["name"] for g in found] == ["Rina 100% Jaya"]
    assert client.get("/guard/guests/search?q=B__i").get_json()["guests"] == []


def test_review_by_name_takes_like_wildcards_literally(env):
    guest_id = add_guest(env, "Budi Santoso")
    add_arrival(env, guest_id=guest_id)
    client = env.client("security")
    assert 'data-testid="review-row"' in client.get("/review/?guest=budi").get_data(as_text=True)
    for pattern in ("%25", "B_di", "%5C"):
        html = client.get(f"/review/?guest={pattern}").get_data(as_text=True)
        assert 'data-testid="review-row"' not in html, pattern


@pytest.mark.postgres
def test_nul_bytes_on_postgresql_are_a_clear_400(make_env, pg_url):
    env = make_env(pg_url)
    arrival_id, _ = add_arrival(env)
    client = env.app.test_client()
    token = csrf_token(client)
    login = client.post(
        "/login", data={"username": "guard1\x00", "password": PASSWORD, "csrf_token": token}
    )
    assert login.status_code == 400
    book = post_json(
        env.client("operator"),
        "/operator/checkin",
        {"name": "Siti\x00", "purpose": "Audiensi", "category": "masyarakat"},
        "/operator/",
    )
    assert book.status_code == 400
    search = env.client("security").get("/review/?guest=%00")
    assert search.status_code == 400
    assert count(env, GuestBookEntry) == 0
    assert get_row(env, Arrival, arrival_id).status == "waiting"
