"""The admin's account page: add, disable or enable, reset a password, change a role; audited.

Disabling, a new password or a new role ends the account's sessions and open sockets at once,
as logging out does (web/sessions.py). The admin cannot lock themselves out.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from core.vocab import AuditAction, Role
from storage import users as user_store
from storage.db import Session, transaction
from storage.models import User
from storage.passwords import PASSWORD_MAX, PASSWORD_MIN
from web.account import problem_message
from web.auth import audit, roles_required
from web.extensions import state
from web.responses import reply_error, reply_ok

bp = Blueprint("admin_users", __name__, url_prefix="/admin/pengguna")


class AdminFormError(ValueError):
    """A refused account change; the message is shown to the admin."""


@bp.get("/")
@roles_required()
def index() -> str:
    """Every account with its role and state, and the form to add one."""
    with state().sessions() as db:
        users = user_store.list_users(db)
        return render_template(
            "admin/users.html",
            users=users,
            roles=list(Role),
            min_length=PASSWORD_MIN,
            max_length=PASSWORD_MAX,
        )


def _back() -> str:
    return url_for("admin_users.index")


def _field(name: str, limit: int = 200) -> str:
    return (request.form.get(name) or "").strip()[:limit]


def _new_password() -> str:
    """The new password typed twice; AdminFormError when the two differ."""
    password = request.form.get("password", "")[: PASSWORD_MAX + 1]
    if password != request.form.get("password2", "")[: PASSWORD_MAX + 1]:
        raise AdminFormError(_("Konfirmasi kata sandi tidak sama."))
    return password


def _role() -> str:
    role = _field("role", 20)
    if role not in tuple(Role):
        raise AdminFormError(_("Peran tidak dikenal."))
    return role


def _user_error(exc: user_store.UserError) -> str:
    """A storage refusal in the admin's language."""
    if isinstance(exc, user_store.WeakPassword):
        return problem_message(exc.problem)
    return _("Akun tidak dapat disimpan: %(reason)s", reason=str(exc))


def _account(db: Session, user_id: int) -> User:
    user = user_store.get_user(db, user_id)
    if user is None:
        raise AdminFormError(_("Pengguna tidak ditemukan."))
    return user


def _not_self(user: User, message: str) -> None:
    if user.id == current_user.id:
        raise AdminFormError(message)


def _end_sockets(user_id: int) -> None:
    from web.realtime import disconnect_user

    disconnect_user(user_id)


@bp.post("/tambah")
@roles_required()
def add() -> Response:
    """A new account: username, full name, role and a password typed twice."""
    username = user_store.normalise_username(_field("username", 60))
    try:
        role, password = _role(), _new_password()
        if not user_store.USERNAME.fullmatch(username):
            raise AdminFormError(
                _("Nama pengguna 3–60 karakter: huruf kecil, angka, '.', '_' atau '-'.")
            )
        with transaction(state().sessions) as db:
            if user_store.get_user_by_username(db, username) is not None:
                raise AdminFormError(_("Nama pengguna %(name)s sudah dipakai.", name=username))
            user = user_store.create_user(
                db, username, role, password, full_name=_field("full_name", 200) or None
            )
            audit(AuditAction.USER_ADD, user.username, {"role": role, "via": "web"}, db=db)
    except AdminFormError as exc:
        return reply_error(str(exc), _back())
    except user_store.UserError as exc:
        return reply_error(_user_error(exc), _back())
    return reply_ok(_("Pengguna %(name)s ditambahkan.", name=username), _back())


@bp.post("/<int:user_id>/nonaktif")
@roles_required()
def disable(user_id: int) -> Response:
    """Stop an account from logging in and end its sessions now."""
    try:
        with transaction(state().sessions) as db:
            user = _account(db, user_id)
            _not_self(user, _("Anda tidak dapat menonaktifkan akun Anda sendiri."))
            user_store.disable_user(db, user.username)
            audit(AuditAction.USER_DISABLE, user.username, {"via": "web"}, db=db)
            name = user.username
    except AdminFormError as exc:
        return reply_error(str(exc), _back())
    _end_sockets(user_id)
    return reply_ok(_("Akun %(name)s dinonaktifkan; sesinya diakhiri.", name=name), _back())


@bp.post("/<int:user_id>/aktif")
@roles_required()
def enable(user_id: int) -> Response:
    """Let a disabled account log in again."""
    try:
        with transaction(state().sessions) as db:
            user = user_store.enable_user(db, _account(db, user_id).username)
            audit(AuditAction.USER_ENABLE, user.username, {"via": "web"}, db=db)
            name = user.username
    except AdminFormError as exc:
        return reply_error(str(exc), _back())
    return reply_ok(_("Akun %(name)s diaktifkan kembali.", name=name), _back())


@bp.post("/<int:user_id>/sandi")
@roles_required()
def reset_password(user_id: int) -> Response:
    """Give an account a new password (the password rules apply); its sessions end."""
    try:
        password = _new_password()
        with transaction(state().sessions) as db:
            user = _account(db, user_id)
            user_store.set_password(db, user.username, password)
            audit(AuditAction.PASSWORD_CHANGE, user.username, {"via": "admin"}, db=db)
            name = user.username
    except AdminFormError as exc:
        return reply_error(str(exc), _back())
    except user_store.UserError as exc:
        return reply_error(_user_error(exc), _back())
    _end_sockets(user_id)
    message = _("Kata sandi %(name)s diganti; semua sesinya diakhiri.", name=name)
    if user_id == current_user.id:
        message = _("Kata sandi Anda diganti; silakan masuk kembali.")
    return reply_ok(message, _back())


@bp.post("/<int:user_id>/peran")
@roles_required()
def change_role(user_id: int) -> Response:
    """Give an account another role; its sessions end so its pages and rooms follow."""
    try:
        role = _role()
        with transaction(state().sessions) as db:
            user = _account(db, user_id)
            _not_self(user, _("Anda tidak dapat mengubah peran akun Anda sendiri."))
            old = user.role
            user_store.set_role(db, user.username, role)
            detail = {"role": role, "old_role": old, "via": "web"}
            audit(AuditAction.USER_ROLE, user.username, detail, db=db)
            name = user.username
    except AdminFormError as exc:
        return reply_error(str(exc), _back())
    _end_sockets(user_id)
    return reply_ok(_("Peran %(name)s diubah.", name=name), _back())
