"""Logging in and out, redirects, rate limit, CSRF, disabled accounts, the session secret."""

from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy import select

from storage.db import transaction
from storage.models import AuditLog
from storage.users import disable_user
from tests.support.web import PASSWORD, csrf_token, login
from web import load_secret_key

HOMES = {
    "bupati": "/bupati/",
    "adjutant": "/bupati/",
    "admin": "/bupati/",
    "guard": "/guard/",
    "operator": "/operator/",
    "security": "/review/",
}


def audit_actions(env, action=None):
    with env.sessions() as db:
        query = select(AuditLog).order_by(AuditLog.id)
        if action:
            query = query.where(AuditLog.action == action)
        return [(row.action, row.username, row.target) for row in db.scalars(query)]


def test_login_page_has_the_form(env):
    html = env.client().get("/login").get_data(as_text=True)
    assert 'name="username"' in html and 'name="password"' in html
    assert 'type="submit"' in html
    assert 'name="csrf_token"' in html
    assert "Masuk" in html  # Bahasa Indonesia by default


@pytest.mark.parametrize("role", sorted(HOMES))
def test_each_role_lands_on_its_own_page(env, role):
    client = env.client()
    token = csrf_token(client)
    response = client.post(
        "/login", data={"username": f"{role}1", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == HOMES[role]
    assert client.get(HOMES[role]).status_code == 200
    assert client.get("/").headers["Location"] == HOMES[role]


def test_login_is_audited_and_the_session_cookie_is_httponly_and_samesite(env):
    client = env.client()
    token = csrf_token(client)
    response = client.post(
        "/login", data={"username": "GUARD1 ", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert ("login", "guard1", "guard1") in audit_actions(env, "login")


@pytest.mark.parametrize(
    "path", ["/", "/bupati/", "/guard/", "/operator/", "/review/", "/guard/status", "/nowhere"]
)
def test_anonymous_requests_redirect_to_login(env, path):
    response = env.client().get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_anonymous_fetch_gets_401_json(env):
    response = env.client().get("/bupati/waiting", headers={"X-Requested-With": "fetch"})
    assert response.status_code == 401
    assert response.get_json()["ok"] is False


def test_login_follows_a_safe_next_and_ignores_others(env):
    client = env.client()
    response = client.get("/guard/escorts")
    target = response.headers["Location"]
    token = csrf_token(client)
    ok = client.post(target, data={"username": "guard1", "password": PASSWORD, "csrf_token": token})
    assert ok.headers["Location"] == "/guard/escorts"
    for evil in ("//evil.example/x", "https://evil.example/", "/bupati/"):  # last: not a guard page
        other = env.client()
        token = csrf_token(other)
        response = other.post(
            f"/login?next={evil}",
            data={"username": "guard1", "password": PASSWORD, "csrf_token": token},
        )
        assert response.headers["Location"] == "/guard/", evil


def test_wrong_password_is_refused_and_audited(env):
    client = env.client()
    token = csrf_token(client)
    response = client.post(
        "/login", data={"username": "guard1", "password": "wrong-password", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "Nama pengguna atau kata sandi salah" in response.get_data(as_text=True)
    assert client.get("/guard/").status_code == 302
    assert ("login_failed", None, "guard1") in audit_actions(env, "login_failed")


def test_empty_fields_are_refused_with_a_message(env):
    client = env.client()
    token = csrf_token(client)
    response = client.post("/login", data={"username": "", "password": "", "csrf_token": token})
    assert response.status_code == 400
    assert "Isi nama pengguna dan kata sandi" in response.get_data(as_text=True)


def test_disabled_user_cannot_log_in_and_is_logged_out(env):
    client = env.client("guard")
    assert client.get("/guard/").status_code == 200
    with transaction(env.sessions) as db:
        disable_user(db, "guard1")
    assert client.get("/guard/").status_code == 302  # the open session ends at once
    fresh = env.client()
    token = csrf_token(fresh)
    response = fresh.post(
        "/login", data={"username": "guard1", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 401
    assert "dinonaktifkan" in response.get_data(as_text=True)
    assert fresh.get("/guard/").status_code == 302


def test_logout_needs_post_with_csrf(env):
    client = env.client("bupati")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no CSRF token
    assert client.get("/bupati/").status_code == 200
    token = csrf_token(client, "/bupati/")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.headers["Location"] == "/login"
    assert client.get("/bupati/").status_code == 302
    assert ("logout", "bupati1", "bupati1") in audit_actions(env, "logout")


def test_login_without_csrf_token_is_refused(env):
    client = env.client()
    response = client.post("/login", data={"username": "guard1", "password": PASSWORD})
    assert response.status_code == 400
    assert "Formulir kedaluwarsa" in response.get_data(as_text=True)
    assert client.get("/guard/").status_code == 302


def test_login_attempts_are_rate_limited_per_username(env):
    client = env.client()
    token = csrf_token(client)
    bad = {"username": "guard1", "password": "wrong-password", "csrf_token": token}
    statuses = [client.post("/login", data=bad).status_code for _ in range(5)]
    assert statuses == [401] * 5
    blocked = client.post("/login", data={**bad, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Terlalu banyak percobaan masuk" in blocked.get_data(as_text=True)
    # another username from the same address is not blocked
    other = client.post(
        "/login", data={"username": "bupati1", "password": PASSWORD, "csrf_token": token}
    )
    assert other.status_code == 302


def test_successful_logins_do_not_count_towards_the_limit(env):
    for _ in range(7):
        client = env.client()
        login(client, "operator1")


def test_secret_key_file_is_generated_private_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv("TAMU_SECRET_KEY", raising=False)
    path = tmp_path / "instance" / "secret_key"
    first = load_secret_key(path)
    assert len(first) >= 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_secret_key(path) == first
    other = load_secret_key(tmp_path / "other")
    assert other != first


def test_secret_key_from_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("TAMU_SECRET_KEY", "x" * 40)
    assert load_secret_key(tmp_path / "never") == "x" * 40
    assert not (tmp_path / "never").exists()


def test_short_secret_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("TAMU_SECRET_KEY", raising=False)
    path = tmp_path / "weak"
    path.write_text("abc")
    with pytest.raises(RuntimeError, match="too short"):
        load_secret_key(path)


def test_security_headers(env):
    response = env.client().get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
