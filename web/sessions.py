"""How long a login lasts, and ending it on the server: session ids, lifetimes, open sockets.

A session's user id is `"<user id>:<session version>"` (Flask-Login's alternative token). The
version is stored on the user; raising it (logout, password change, disable) ends every session
of that account at its next request. Besides the idle lifetime of the signed cookie
(`web.session_idle_hours`, checked by Flask on every load), each session ends
`web.session_max_hours` after its login, however busy. Open Socket.IO connections are ended
the same way: at once in this process, and by a periodic check for changes made elsewhere (the
`tamu users disable` command, another web process).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from flask import Flask, current_app, flash, g, request, session
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_babel import gettext as _

from storage import users as user_store
from web.extensions import socketio, state

log = logging.getLogger(__name__)
LOGIN_AT = "login_at"
# How often open sockets are checked against their accounts (disabled, logged out, expired).
SOCKET_CHECK_S = 5.0
_REGISTRY = "tamu.sockets"


def session_id(user_id: int, version: int) -> str:
    """The id Flask-Login keeps in the session for this account and session version."""
    return f"{user_id}:{version}"


def parse_session_id(value: object) -> tuple[int, int] | None:
    """(user id, session version) from a session's id, or None when it is not one of ours."""
    if not isinstance(value, str):
        return None
    user_part, sep, version_part = value.partition(":")
    if not sep or not user_part.isascii() or not version_part.isascii():
        return None
    if not (user_part.isdigit() and version_part.isdigit()):
        return None
    return int(user_part), int(version_part)


def begin(now: float | None = None) -> None:
    """Mark the session's login time (call right after `login_user`)."""
    session[LOGIN_AT] = int(now if now is not None else time.time())


def max_age_s() -> float:
    """How long any session lasts after its login, in seconds."""
    return state().config.web.session_max_hours * 3600


def within_lifetime(login_at: object, now: float | None = None) -> bool:
    """Whether a session that logged in at `login_at` (Unix seconds) has not yet expired."""
    if isinstance(login_at, bool) or not isinstance(login_at, int | float):
        return False
    now = time.time() if now is None else now
    return login_at <= now + 60 and now - login_at < max_age_s()


def is_page_load() -> bool:
    """Whether this request loads a page, as opposed to a dashboard's background fetch."""
    mode = request.headers.get("Sec-Fetch-Mode")
    if mode is not None:
        return mode == "navigate"
    return request.method == "GET" and request.headers.get("X-Requested-With") != "fetch"


def end_stale(reason: str) -> None:
    """Refuse the session's login for this request; on a page load, forget it and say why.

    A background fetch sent just before a password change may be answered after it, carrying the
    old cookie: rewriting that cookie would log out the new session and drop its message, so
    such a request is only refused and leaves the browser's cookie alone.
    """
    log.info("session ended: %s", reason)
    if not is_page_load():
        g.tamu_keep_cookie = True
        return
    session.pop("_user_id", None)
    session.pop(LOGIN_AT, None)
    flash(_("Sesi Anda telah berakhir. Silakan masuk kembali."), "error")


class LoginCookieInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except that a refused background fetch sets no cookie."""

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        """Flask's rule, unless this request's stale login must leave the cookie alone."""
        if g.get("tamu_keep_cookie"):
            return False
        return super().should_set_cookie(app, session)


@dataclass(frozen=True)
class SocketLogin:
    """Which login an open Socket.IO connection belongs to."""

    user_id: int
    version: int
    login_at: float


@dataclass
class SocketRegistry:
    """This process's open Socket.IO connections by sid, and the task that checks them."""

    sockets: dict[str, SocketLogin] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    checking: bool = False


def init_app(app: Flask) -> None:
    """Give `app` its registry of open sockets and its session cookies."""
    app.extensions[_REGISTRY] = SocketRegistry()
    app.session_interface = LoginCookieInterface()


def _registry(app: Flask | None = None) -> SocketRegistry:
    found: SocketRegistry = (app or current_app).extensions[_REGISTRY]
    return found


def watch_socket(sid: str, user_id: int, version: int, login_at: float) -> None:
    """Remember an open socket's login; start the periodic check if it is not running."""
    registry = _registry()
    with registry.lock:
        registry.sockets[sid] = SocketLogin(user_id, version, login_at)
        start = not registry.checking
        registry.checking = True
    if start:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        socketio.start_background_task(_check_sockets, app)


def open_socket_count(app: Flask) -> int:
    """How many Socket.IO connections this process has open."""
    registry = _registry(app)
    with registry.lock:
        return len(registry.sockets)


def user_sids(user_id: int, app: Flask | None = None) -> list[str]:
    """The sids of this process's open sockets of `user_id`."""
    registry = _registry(app)
    with registry.lock:
        return [sid for sid, login in registry.sockets.items() if login.user_id == user_id]


def _check_sockets(app: Flask) -> None:
    """Every SOCKET_CHECK_S: end sockets whose login is over; stop when none are left."""
    from web.realtime import disconnect_sids

    registry = _registry(app)
    failing = False
    while True:
        socketio.sleep(SOCKET_CHECK_S)
        try:
            with app.app_context():
                disconnect_sids(stale_sockets(app))
            failing = False
        except Exception as exc:
            if not failing:  # once per outage, not every few seconds
                log.warning("checking open sockets failed (retrying): %s", exc)
            failing = True
        with registry.lock:
            if not registry.sockets:
                registry.checking = False
                return


def stale_sockets(app: Flask, now: float | None = None) -> list[str]:
    """Sids whose account is gone or disabled, whose session version moved on, or expired."""
    registry = _registry(app)
    manager = socketio.server.manager
    with registry.lock:
        for sid in [s for s in registry.sockets if not manager.is_connected(s, "/")]:
            del registry.sockets[sid]
        logins = dict(registry.sockets)
    if not logins:
        return []
    with state().sessions() as db:
        current = user_store.session_states(db, {login.user_id for login in logins.values()})
    stale = []
    for sid, login in logins.items():
        active, version = current.get(login.user_id, (False, -1))
        if not active or version != login.version or not within_lifetime(login.login_at, now):
            stale.append(sid)
    return stale


def forget_socket(sid: str) -> None:
    """Drop a closed socket from the registry."""
    registry = _registry()
    with registry.lock:
        registry.sockets.pop(sid, None)
