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
from storage.db import Session, transaction
from storage.models import AuditLog, User
from web import security_policy as policy
from web.extensions import limiter, login_manager, state
from web.responses import error_page, local_path, wants_json

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)

LOGIN_LIMIT = "5 per minute"
USERNAME_MAX = 60
PASSWORD_MAX = 200


@dataclass(frozen=True, eq=False)
class LoginUser:
    """The logged-in account as Flask-Login sees it (a detached copy of the User row)."""

    id: int
    username: str
    role: str
    full_name: str | None = None
    active: bool = True

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
        """The id Flask-Login keeps in the session."""
        return str(self.id)

    @classmethod
    def from_model(cls, user: User) -> LoginUser:
        """A copy of a User row."""
        return cls(user.id, user.username, user.role, user.full_name, bool(user.active))


@login_manager.user_loader
def load_user(user_id: str) -> LoginUser | None:
    """The session's user, re-read on every request so a disabled account is out at once."""
    try:
        key = int(user_id)
    except (TypeError, ValueError):
        return None
    with state().sessions() as db:
        user = user_store.get_user(db, key)
        return LoginUser.from_model(user) if user is not None and user.active else None


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
    if policy.is_public(endpoint):
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


def _login_key() -> str:
    """Rate-limit login attempts per client address and username."""
    name = user_store.normalise_username(request.form.get("username", ""))[:USERNAME_MAX]
    return f"login:{request.remote_addr}:{name}"


@bp.get("/")
@roles_required()
def index():
    """Send a logged-in user to their own page."""
    try:
        return redirect(url_for(policy.HOME_ENDPOINTS[current_user.role]))
    except BuildError:
        return render_template("home.html")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    LOGIN_LIMIT,
    key_func=_login_key,
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 302,
)
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
        if user is None:
            audit_log.record(
                db, None, AuditAction.LOGIN_FAILED, target, {"ip": request.remote_addr}
            )
        elif not user.active:
            audit_log.record(db, user, AuditAction.LOGIN_FAILED, target, {"reason": "disabled"})
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
    lang = session.get("lang")
    next_url = safe_next(request.args.get("next"), account.role)
    session.clear()  # a fresh session at login (no session fixation)
    if lang:
        session["lang"] = lang
    session.permanent = True
    login_user(account)
    log.info("%s (%s) logged in", account.username, account.role)
    return redirect(next_url or home_url(account.role))


@bp.post("/logout")
@roles_required()
def logout():
    """End the session (POST with the CSRF token)."""
    audit(AuditAction.LOGOUT, current_user.username)
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Anda telah keluar."), "success")
    return redirect(url_for("auth.login"))


@bp.app_errorhandler(429)
def too_many_requests(_exc: Exception):
    """Too many login attempts: say so on the login page."""
    message = _("Terlalu banyak percobaan masuk. Coba lagi dalam satu menit.")
    if request.endpoint == "auth.login" and not wants_json():
        username = request.form.get("username", "")[:USERNAME_MAX]
        return render_template("login.html", username=username, error=message), 429
    return error_page(message, 429)
