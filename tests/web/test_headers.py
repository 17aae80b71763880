"""Caching, cookies and HSTS: nothing personal stays in a browser's cache; TLS settings apply."""

from __future__ import annotations

import re

import pytest

from core.config import ConfigError, parse_config
from tests.support.web import PASSWORD, add_arrival, csrf_token, jpeg

PAGES = {
    "bupati": ["/bupati/", "/bupati/waiting", "/bupati/activity"],
    "guard": ["/guard/", "/guard/status", "/guard/unknowns", "/guard/escorts"],
    "operator": ["/operator/", "/operator/entries", "/operator/arrivals"],
    "security": ["/review/", "/review/audit", "/review/arrivals/1", "/review/export.csv"],
}


@pytest.mark.parametrize("role", sorted(PAGES))
def test_authenticated_pages_are_never_stored(env, role):
    add_arrival(env)
    client = env.client(role)
    for path in [*PAGES[role], "/account/password"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path


def test_login_and_error_pages_are_not_stored_but_static_files_are_cached(env):
    client = env.app.test_client()
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    assert env.client("guard").get("/review/").headers["Cache-Control"] == "no-store"  # 403
    static = client.get("/static/css/tamu.css")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")


@pytest.mark.parametrize("kind", ["arrivals", "unknown", "faces"])
def test_face_images_are_never_stored(env, kind):
    rel = jpeg(env.media, kind)
    response = env.client("admin").get(f"/media/{rel}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Expires" not in response.headers


def test_by_default_no_hsts_and_cookies_without_secure(env):
    client = env.app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/login", data={"username": "guard1", "password": PASSWORD, "csrf_token": token}
    )
    assert "Strict-Transport-Security" not in response.headers
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and not any("Secure" in c for c in cookies)


def test_behind_tls_cookies_are_secure_and_hsts_is_sent(make_env):
    env = make_env(web={"session_cookie_secure": True, "hsts_max_age_s": 31536000})
    client = env.app.test_client()
    page = client.get("/login", base_url="https://tamu.example")
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True))[1]
    response = client.post(
        "/login",
        data={"username": "guard1", "password": PASSWORD, "csrf_token": token},
        base_url="https://tamu.example",
        headers={"Referer": "https://tamu.example/login"},  # Flask-WTF's HTTPS check
    )
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    device = next(c for c in cookies if c.startswith("tamu_device="))
    assert "Secure" in session and "HttpOnly" in session
    assert "Secure" in device and "HttpOnly" in device


@pytest.mark.parametrize(
    ("web", "message"),
    [
        ({"hsts_max_age_s": 600}, "web: Value error, hsts_max_age_s needs session_cookie_secure"),
        ({"session_idle_hours": 30, "session_max_hours": 24}, "must not exceed"),
        ({"session_max_hours": 0}, "web.session_max_hours: Input should be greater than 0"),
        ({"session_cookie_secure": "sometimes"}, "web.session_cookie_secure"),
    ],
)
def test_bad_session_settings_are_one_clear_config_error(web, message):
    with pytest.raises(ConfigError) as err:
        parse_config({"web": web})
    assert message.replace("Value error, ", "") in str(err.value)
    assert "\n" not in str(err.value)
