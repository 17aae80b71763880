"""The logged-in user's own account: changing the password ends the account's other sessions."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from core.vocab import AuditAction
from storage import users as user_store
from storage.db import transaction
from storage.passwords import PASSWORD_MAX, PASSWORD_MIN, PasswordProblem
from web import throttle
from web.auth import LoginUser, acting_user, audit, home_url, roles_required, start_session
from web.extensions import limiter, state

log = logging.getLogger(__name__)
bp = Blueprint("account", __name__, url_prefix="/account")
CHANGE_LIMIT = "5 per minute"


def problem_message(problem: PasswordProblem) -> str:
    """Why a new password is refused, in the request's language."""
    messages = {
        PasswordProblem.EMPTY: _("Kata sandi baru wajib diisi."),
        PasswordProblem.TOO_SHORT: _(
            "Kata sandi baru terlalu pendek (minimal %(min)s karakter).", min=PASSWORD_MIN
        ),
        PasswordProblem.TOO_LONG: _(
            "Kata sandi baru terlalu panjang (maksimal %(max)s karakter).", max=PASSWORD_MAX
        ),
        PasswordProblem.COMMON: _(
            "Kata sandi ini termasuk yang paling umum dipakai orang. Pilih yang lain."
        ),
        PasswordProblem.CONTAINS_USERNAME: _("Kata sandi tidak boleh memuat nama pengguna."),
    }
    return messages[problem]


def _change_key() -> str:
    return f"password-change:{current_user.id}"


def _render(error: str | None = None, status: int = 200) -> tuple[str, int]:
    page = render_template(
        "account/password.html", error=error, min_length=PASSWORD_MIN, max_length=PASSWORD_MAX
    )
    return page, status


@bp.route("/password", methods=["GET", "POST"])
@roles_required()
@limiter.limit(CHANGE_LIMIT, key_func=_change_key, methods=["POST"], deduct_when=throttle.failed)
def password() -> Response | tuple[Any, int]:
    """Change one's own password: the current one, then the new one twice."""
    if request.method == "GET":
        return _render()
    current = request.form.get("current_password", "")[:PASSWORD_MAX]
    new = request.form.get("new_password", "")
    if new != request.form.get("new_password2", ""):
        return _render(_("Konfirmasi kata sandi baru tidak sama."), 400)
    from web.realtime import disconnect_user

    with transaction(state().sessions) as db:
        user = acting_user(db)
        if user_store.check_credentials(db, user.username, current) is None:
            return _render(_("Kata sandi saat ini salah."), 400)
        try:
            user_store.set_password(db, user.username, new)
        except user_store.WeakPassword as exc:
            return _render(problem_message(exc.problem), 400)
        audit(AuditAction.PASSWORD_CHANGE, user.username, db=db)
        account = LoginUser.from_model(user)
    start_session(account)  # this browser stays logged in, with the new session version
    disconnect_user(account.id)
    log.info("%s changed their password; their other sessions are ended", account.username)
    flash(_("Kata sandi diganti. Sesi di perangkat lain telah diakhiri."), "success")
    return redirect(home_url(account.role))
