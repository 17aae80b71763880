"""Logging in and out, the logged-in user, the role check on every request, and auditing."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.exceptions import HTTPException, Unauthorized
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from core.vocab import AuditAction
from storage import audit as audit_log
from storage import users as user_store
from storage.db import UNAVAILABLE, Session, transaction
from storage.models import AuditLog, User
from web import security_policy as policy
from web import sessions, throttle
from web.extensions import login_manager, state
from web.responses import error_page, local_path, wants_json

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)

USERNAME_MAX = throttle.USERNAME_MAX
PASSWORD_MAX = user_store.PASSWORD_MAX


@dataclass(frozen=True, eq=False)
class LoginUser:
    """The logged-in account as Flask-Login sees it (a detached copy of the User row)."""

    id: int
    username: str
    role: str
    full_name: str | None = None
    active: bool = True
    session_version: int = 0

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        """Disabled accounts are not active (Flask-Login refuses them)."""
        return self.active

    @property
    def display_name(self) -> str:
        """The full name when known, else the username."""
        return self.full_name or self.username

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session: the user id and the session version."""
        return sessions.session_id(self.id, self.session_version)

    @classmethod
    def from_model(cls, user: User) -> LoginUser:
        """A copy of a User row."""
        return cls(
            user.id,
            user.username,
            user.role,
            user.full_name,
            bool(user.active),
            int(user.session_version or 0),
        )


@login_manager.user_loader
def load_user(session_id: str) -> LoginUser | None:
    """The session's user, re-read on every request: a disabled account, a session ended on the
    server (logout, password change) or one past its absolute lifetime is out at once."""
    parsed = sessions.parse_session_id(session_id)
    if parsed is None:
        return None
    user_id, version = parsed
    with state().sessions() as db:
        user = user_store.get_user(db, user_id)
        account = LoginUser.from_model(user) if user is not None and user.active else None
    if account is None:
        return None
    if account.session_version != version:
        sessions.end_stale(f"{account.username}: session ended on the server")
        return None
    if not sessions.within_lifetime(session.get(sessions.LOGIN_AT)):
        sessions.end_stale(f"{account.username}: session lifetime over")
        return None
    return account


def current_role() -> str | None:
    """The logged-in user's role, or None when anonymous."""
    return current_user.role if current_user.is_authenticated else None


def db_user(db: Session) -> User | None:
    """The logged-in user as a User row of session `db` (None when anonymous)."""
    if not current_user.is_authenticated:
        return None
    return db.get(User, current_user.id)


def acting_user(db: Session) -> User:
    """The logged-in user as a User row of `db`, for views behind `roles_required`."""
    user = db_user(db)
    if user is None:
        raise Unauthorized()
    return user


def audit(
    action: AuditAction, target: Any = None, detail: Any = None, *, db: Session | None = None
) -> AuditLog:
    """Write an audit row for the current user, in `db` when given, else in its own transaction."""
    if db is not None:
        return audit_log.record(db, db_user(db), action, target, detail)
    with transaction(state().sessions) as own:
        return audit_log.record(own, db_user(own), action, target, detail)


def home_url(role: str | None) -> str:
    """Where a user with `role` lands after logging in."""
    endpoint = policy.HOME_ENDPOINTS.get(role or "")
    if endpoint is None:
        return url_for("auth.login")
    try:
        return url_for(endpoint)
    except BuildError:
        return url_for("auth.index")


def enforce_policy() -> Response | tuple[Any, int] | None:
    """Before every request: public, else logged in, else redirect; then the role table."""
    endpoint = request.endpoint
    if policy.is_public(endpoint) or policy.uses_token(endpoint):
        return None
    if endpoint is None and request.path.startswith("/api/"):
        return None  # an unknown API URL: 404 (the API's whole surface is public in its document)
    if endpoint in policy.NETWORK_ENDPOINTS and from_open_network():
        return None
    if not current_user.is_authenticated:
        if wants_json() or request.method != "GET":
            return error_page(_("Silakan masuk terlebih dahulu."), 401)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if endpoint is None:
        return None  # an unknown URL: let Flask answer 404 to a logged-in user
    if not policy.may_access(current_user.role, endpoint):
        log.warning("refused %s for %s (%s)", endpoint, current_user.username, current_user.role)
        return error_page(_("Anda tidak berwenang membuka halaman ini."), 403)
    return None


def from_open_network() -> bool:
    """Whether the request comes from a network `metrics.allow` lets in without a login."""
    from web.metrics import from_allowed_network

    return from_allowed_network()


def roles_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Refuse the view unless the user's role is allowed: by `roles`, else by the policy table.

    `create_app` checks that explicit `roles` equal the table's entry for the endpoint.
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            allowed = frozenset(roles) or policy.endpoint_roles(request.endpoint)
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                return error_page(_("Anda tidak berwenang membuka halaman ini."), 403)
            return view(*args, **kwargs)

        wrapper.required_roles = frozenset(roles)  # type: ignore[attr-defined]
        return wrapper

    return decorate


def check_declared_roles(app: Any) -> None:
    """Fail at start-up when a view's `roles_required(...)` disagrees with the policy table."""
    for endpoint, view in app.view_functions.items():
        declared = getattr(view, "required_roles", None)
        if declared and declared != policy.endpoint_roles(endpoint):
            raise RuntimeError(
                f"{endpoint}: roles_required{tuple(sorted(declared))} disagrees with "
                f"web/security_policy.py {tuple(sorted(policy.endpoint_roles(endpoint)))}"
            )


def safe_next(target: str | None, role: str) -> str | None:
    """`target` when it is a local path this role may open, else None (no open redirects)."""
    target = local_path(target)
    if target is None:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    try:
        endpoint, _args = current_app.url_map.bind("localhost").match(parts.path, method="GET")
    except HTTPException:
        return None
    return target if policy.may_access(role, endpoint) else None


@bp.get("/")
@roles_required()
def index():
    """Send a logged-in user to their own page."""
    try:
        return redirect(url_for(policy.HOME_ENDPOINTS[current_user.role]))
    except BuildError:
        return render_template("home.html")


@bp.route("/login", methods=["GET", "POST"])
@throttle.throttled_login
def login():
    """The login form; on success each role lands on its own page."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(home_url(current_user.role))
    if request.method == "GET":
        return render_template("login.html", username="")
    username = request.form.get("username", "").strip()[:USERNAME_MAX]
    password = request.form.get("password", "")[:PASSWORD_MAX]
    if not username or not password:
        return _login_failed(username, _("Isi nama pengguna dan kata sandi."), "empty", 400)
    account: LoginUser | None = None
    target = user_store.normalise_username(username)
    with transaction(state().sessions) as db:
        user = user_store.check_credentials(db, username, password)
        if user is None or not user.active:
            reason = "disabled" if user is not None else "bad"
            detail = {"ip": request.remote_addr, "reason": reason}
            audit_log.record_burst(db, user, AuditAction.LOGIN_FAILED, target, detail)
        else:
            audit_log.record(db, user, AuditAction.LOGIN, target, {"ip": request.remote_addr})
            account = LoginUser.from_model(user)
    if user is None:
        return _login_failed(username, _("Nama pengguna atau kata sandi salah."), "bad")
    if account is None:
        return _login_failed(username, _("Akun ini dinonaktifkan. Hubungi admin."), "disabled")
    return _start_session(account)


def _login_failed(username: str, message: str, reason: str, status: int = 401):
    log.info("login failed for %r from %s: %s", username, request.remote_addr, reason)
    return render_template("login.html", username=username, error=message), status


def _start_session(account: LoginUser) -> Response:
    next_url = safe_next(request.args.get("next"), account.role)
    start_session(account)
    log.info("%s (%s) logged in", account.username, account.role)
    response = redirect(next_url or home_url(account.role))
    return throttle.remember_device(response, account.username)


def start_session(account: LoginUser) -> None:
    """A fresh session for `account` (no session fixation), keeping the chosen language."""
    _fresh_session()
    session.permanent = True
    login_user(account)
    sessions.begin()


def _fresh_session() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


@bp.post("/logout")
@roles_required()
def logout():
    """End the session on every device of this account (POST with the CSRF token)."""
    from web.realtime import disconnect_user

    user_id = current_user.id
    with transaction(state().sessions) as db:
        user = acting_user(db)
        user_store.end_sessions(db, user)
        audit(AuditAction.LOGOUT, user.username, db=db)
    logout_user()
    _fresh_session()
    disconnect_user(user_id)
    flash(_("Anda telah keluar."), "success")
    response = redirect(url_for("auth.login"))
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.app_errorhandler(429)
def too_many_requests(_exc: Exception):
    """Too many login attempts: say so on the login page, and count the burst in the audit log."""
    minutes = throttle.minutes_to_wait()
    message = _(
        "Terlalu banyak percobaan masuk. Coba lagi dalam %(minutes)s menit.", minutes=minutes
    )
    if request.endpoint != "auth.login":
        return error_page(_("Terlalu banyak permintaan. Coba lagi sebentar lagi."), 429)
    target = throttle.attempted_username()
    try:
        with transaction(state().sessions) as db:
            detail = {"ip": request.remote_addr}
            audit_log.record_burst(db, None, AuditAction.LOGIN_THROTTLED, target or None, detail)
    except UNAVAILABLE as exc:  # still refuse the attempt when the audit cannot be written
        log.error("could not audit a throttled login: %s", exc)
    log.warning("login throttled for %r from %s", target, request.remote_addr)
    if wants_json():
        return error_page(message, 429)
    username = request.form.get("username", "")[:USERNAME_MAX]
    return render_template("login.html", username=username, error=message), 429
