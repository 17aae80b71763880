"""The admin's API-token section: add (the token is shown once), list and revoke."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _

from core.vocab import AuditAction, Role, values
from storage.api_tokens import TokenError, create_token, list_tokens, revoke_token
from storage.db import transaction
from web.auth import acting_user, audit, roles_required
from web.extensions import state
from web.responses import reply_error

bp = Blueprint("api_tokens", __name__, url_prefix="/api-tokens")


def _page(new_secret: str | None = None, status: int = 200) -> tuple[str, int]:
    with state().sessions() as db:
        tokens = list_tokens(db)
        page = render_template(
            "api/tokens.html", tokens=tokens, roles=values(Role), new_secret=new_secret
        )
    return page, status


@bp.get("/")
@roles_required()
def index() -> tuple[str, int]:
    """Every token (never its secret) and the form to add one."""
    return _page()


@bp.post("/")
@roles_required()
def add() -> tuple[str, int] | object:
    """Create a token and show it this once."""
    name = request.form.get("name", "")[:60]
    role = request.form.get("role", "")
    try:
        with transaction(state().sessions) as db:
            new = create_token(db, name, role, acting_user(db))
            detail = {"name": new.row.name, "role": role}
            audit(AuditAction.TOKEN_ADD, new.row.id, detail, db=db)
    except TokenError as exc:
        return reply_error(_("Token tidak dibuat: %(why)s", why=str(exc)), url_for(".index"))
    return _page(new_secret=new.secret, status=201)


@bp.post("/<int:token_id>/revoke")
@roles_required()
def revoke(token_id: int) -> tuple[str, int] | object:
    """Revoke a token: calls with it are refused from now on."""
    try:
        with transaction(state().sessions) as db:
            row = revoke_token(db, token_id)
            audit(AuditAction.TOKEN_REVOKE, row.id, {"name": row.name}, db=db)
    except TokenError:
        return reply_error(_("Token tidak ditemukan."), url_for(".index"), 404)
    return _page()
