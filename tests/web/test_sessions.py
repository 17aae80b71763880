"""Sessions end on the server: logout, password change, disable, absolute lifetime; sockets too."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from core.events import ReceivingChanged
from storage.db import transaction
from storage.models import AuditLog, User
from storage.users import disable_user
from tamu.cli import cli
from tests.support.waiting import wait_until
from tests.support.web import PASSWORD, csrf_token, login
from web import sessions
from web.extensions import socketio
from web.realtime import publish

NEW_PASSWORD = "pintu-gerbang-berwarna-hijau"
DEADLINE_S = 5.0


def session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def client_with_cookie(env, value: str):
    """A fresh browser holding a saved copy of a session cookie (as an attacker would)."""
    other = env.app.test_client()
    other.set_cookie("session", value)
    return other


def logout(client, page: str = "/guard/"):
    token = csrf_token(client, page)
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    return response


def change_password(client, current: str, new: str, repeat: str | None = None):
    token = csrf_token(client, "/account/password")
    data = {
        "current_password": current,
        "new_password": new,
        "new_password2": new if repeat is None else repeat,
        "csrf_token": token,
    }
    return client.post("/account/password", data=data)


def version_of(env, username: str) -> int:
    with env.sessions() as db:
        return db.scalars(select(User.session_version).where(User.username == username)).one()


def test_a_saved_cookie_no_longer_opens_pages_after_logout(env):
    client = env.client("guard")
    saved = session_cookie(client)
    assert client_with_cookie(env, saved).get("/guard/").status_code == 200
    logout(client)
    replay = client_with_cookie(env, saved).get("/guard/")
    assert replay.status_code == 302 and replay.headers["Location"].startswith("/login")


def test_logout_ends_the_accounts_sessions_on_other_devices_too(env):
    desk, phone = env.client("guard"), env.client("guard")
    before = version_of(env, "guard1")
    logout(desk)
    assert version_of(env, "guard1") == before + 1
    assert phone.get("/guard/").status_code == 302
    login(phone, "guard1")  # a new login works at once
    assert phone.get("/guard/").status_code == 200


def test_logout_asks_the_browser_to_drop_its_cache(env):
    response = logout(env.client("bupati"), "/bupati/")
    assert response.headers["Clear-Site-Data"] == '"cache"'


def test_password_change_keeps_this_session_and_ends_the_others(env):
    desk, phone = env.client("operator"), env.client("operator")
    saved = session_cookie(desk)
    response = change_password(desk, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/operator/"
    page = desk.get("/operator/")
    assert page.status_code == 200
    assert "Sesi di perangkat lain telah diakhiri" in page.get_data(as_text=True)
    assert phone.get("/operator/").status_code == 302
    assert client_with_cookie(env, saved).get("/operator/").status_code == 302
    fresh = env.app.test_client()
    login(fresh, "operator1", NEW_PASSWORD)
    with env.sessions() as db:
        rows = db.scalars(select(AuditLog).where(AuditLog.action == "password_change")).all()
    assert [(r.username, r.target) for r in rows] == [("operator1", "operator1")]


def test_a_late_fetch_with_the_old_cookie_leaves_the_new_session_alone(env):
    """A panel refresh sent before a password change and answered after it is refused, but its
    answer must not overwrite the browser's new cookie (and with it the new login and message)."""
    desk = env.client("operator")
    saved = session_cookie(desk)
    assert change_password(desk, PASSWORD, NEW_PASSWORD).status_code == 302
    late = client_with_cookie(env, saved)
    fetched = late.get(
        "/operator/", headers={"X-Requested-With": "fetch", "Sec-Fetch-Mode": "cors"}
    )
    assert fetched.status_code in (302, 401)
    assert "Set-Cookie" not in fetched.headers
    assert late.get_cookie("session").value == saved
    loaded = late.get("/operator/", headers={"Sec-Fetch-Mode": "navigate"})
    assert loaded.status_code == 302 and "Set-Cookie" in loaded.headers
    page = late.get(loaded.headers["Location"]).get_data(as_text=True)
    assert "Sesi Anda telah berakhir" in page


@pytest.mark.parametrize(
    ("current", "new", "repeat", "message"),
    [
        ("salah-sama-sekali", NEW_PASSWORD, None, "Kata sandi saat ini salah"),
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "tidak sama"),
        (PASSWORD, "pendek", None, "terlalu pendek"),
        (PASSWORD, "1234567890", None, "paling umum"),
        (PASSWORD, "Password123", None, "paling umum"),
        (PASSWORD, "saya-Operator1-lagi", None, "memuat nama pengguna"),
    ],
)
def test_a_refused_password_change_changes_nothing(env, current, new, repeat, message):
    client = env.client("operator")
    before = version_of(env, "operator1")
    response = change_password(client, current, new, repeat)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert version_of(env, "operator1") == before
    assert client.get("/operator/").status_code == 200
    login(env.app.test_client(), "operator1", PASSWORD)  # the old password still works


def test_cli_password_reset_ends_every_session(env, tmp_path):
    client = env.client("security")
    config_file = tmp_path / "config.yaml"  # the file the env was built from
    result = CliRunner().invoke(
        cli,
        ["--config", str(config_file), "users", "password", "security1", "--password-stdin"],
        input=NEW_PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert client.get("/review/").status_code == 302
    login(env.app.test_client(), "security1", NEW_PASSWORD)


def test_a_session_ends_at_its_absolute_lifetime_however_busy(env):
    client = env.client("guard")
    assert client.get("/guard/").status_code == 200
    max_s = env.config.web.session_max_hours * 3600
    with client.session_transaction() as saved:
        saved[sessions.LOGIN_AT] = int(time.time() - max_s + 120)
    assert client.get("/guard/").status_code == 200  # two minutes left
    with client.session_transaction() as saved:
        saved[sessions.LOGIN_AT] = int(time.time() - max_s - 1)
    response = client.get("/guard/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "Sesi Anda telah berakhir" in client.get("/login").get_data(as_text=True)


def test_a_session_without_its_login_time_or_of_the_old_form_is_refused(env):
    client = env.client("guard")
    with client.session_transaction() as saved:
        del saved[sessions.LOGIN_AT]
    assert client.get("/guard/").status_code == 302
    client = env.client("guard")
    with client.session_transaction() as saved:
        saved["_user_id"] = str(env.users["guard"])  # the id alone, as sessions held before
    assert client.get("/guard/").status_code == 302


def test_lifetimes_come_from_the_config(make_env):
    env = make_env(web={"session_idle_hours": 2, "session_max_hours": 8})
    assert env.app.permanent_session_lifetime.total_seconds() == 2 * 3600
    with env.app.app_context():
        assert sessions.max_age_s() == 8 * 3600


def socket_of(env, client):
    sock = socketio.test_client(env.app, flask_test_client=client)
    assert sock.is_connected()
    sock.get_received()
    return sock


def test_logout_closes_the_accounts_open_sockets_at_once(env):
    desk, phone = env.client("guard"), env.client("guard")
    desk_socket, phone_socket = socket_of(env, desk), socket_of(env, phone)
    other = socket_of(env, env.client("bupati"))
    logout(desk)
    assert not desk_socket.is_connected() and not phone_socket.is_connected()
    assert other.is_connected()
    other.disconnect()


def test_password_change_closes_the_accounts_open_sockets(env):
    client = env.client("bupati")
    sock = socket_of(env, client)
    assert change_password(client, PASSWORD, NEW_PASSWORD).status_code == 302
    assert not sock.is_connected()
    again = socket_of(env, client)  # this browser's new session connects again
    again.disconnect()


def test_a_disabled_users_open_socket_is_closed_and_hears_nothing_more(env, monkeypatch):
    monkeypatch.setattr(sessions, "SOCKET_CHECK_S", 0.05)
    guard = socket_of(env, env.client("guard"))
    watcher = socket_of(env, env.client("bupati"))
    with transaction(env.sessions) as db:  # as `tamu users disable` does, from another process
        disable_user(db, "guard1")
    wait_until(lambda: not guard.is_connected(), DEADLINE_S, message="socket still open")
    with env.app.app_context():
        publish(ReceivingChanged(False, "bupati1"))
    assert guard.queue == []  # what the closed socket's browser would have received
    assert [p["name"] for p in watcher.get_received()] == ["receiving_changed"]
    watcher.disconnect()


def test_sockets_past_the_lifetime_or_of_an_ended_session_are_found_stale(env):
    guard = socket_of(env, env.client("guard"))
    bupati = socket_of(env, env.client("bupati"))
    later = time.time() + env.config.web.session_max_hours * 3600 + 1
    with env.app.app_context():
        assert sessions.stale_sockets(env.app) == []
        assert len(sessions.stale_sockets(env.app, now=later)) == 2
        with transaction(env.sessions) as db:
            user = db.get(User, env.users["guard"])
            user.session_version += 1
        (stale,) = sessions.stale_sockets(env.app)
        assert sessions.user_sids(env.users["guard"], env.app) == [stale]
    guard.disconnect()
    bupati.disconnect()


def test_an_ended_session_cannot_open_a_socket(env):
    client = env.client("guard")
    saved = session_cookie(client)
    logout(client)
    replay = socketio.test_client(env.app, flask_test_client=client_with_cookie(env, saved))
    assert not replay.is_connected()
