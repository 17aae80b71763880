"""Snapshots and enrolment photos, served only to roles allowed to see them, and audited.

Audit granularity: one `view_snapshot` row per file opened on its own. A thumbnail shown in a
list is covered by the list page's own audit row (`view_list`, or the page's view action): its
URL carries a token bound to the user and the file (`listed_url`), so the log stays readable
and a bare URL is still audited. Faces are biometric data, so they are sent with
`Cache-Control: no-store`: nothing stays in the browser's cache after logout (a page still
reuses an image it already shows). Live camera frames (web/guard.py) are audited once per guard
page view instead of once per refresh.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from flask import Blueprint, Response, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.vocab import AuditAction
from storage.media import MediaError
from web import security_policy as policy
from web.auth import audit, current_role, roles_required
from web.extensions import state
from web.responses import error_page

log = logging.getLogger(__name__)
bp = Blueprint("media", __name__, url_prefix="/media")
LIST_PARAM = "l"


def _list_token(user_id: int, rel: str) -> str:
    key = hashlib.sha256(b"tamu-listed-media:" + str(current_app.secret_key).encode()).digest()
    return hmac.new(key, f"{user_id}:{rel}".encode(), hashlib.sha256).hexdigest()[:32]


def listed_url(rel: str) -> str:
    """The URL of a thumbnail shown in an audited list page (not audited once more per image)."""
    if not current_user.is_authenticated:
        return url_for("media.snapshot", rel=rel)
    token: dict[str, str] = {LIST_PARAM: _list_token(current_user.id, rel)}
    return url_for("media.snapshot", rel=rel, **token)  # type: ignore[arg-type]


def _listed(rel: str) -> bool:
    given = request.args.get(LIST_PARAM, "")
    return bool(given) and hmac.compare_digest(given, _list_token(current_user.id, rel))


@bp.get("/<path:rel>")
@roles_required()
def snapshot(rel: str):
    """One stored JPEG, if this role may see its kind; refuses paths outside the store."""
    if not policy.may_view_media(current_role(), rel):
        return error_page(_("Anda tidak berwenang melihat gambar ini."), 403)
    try:
        data = state().media.read(rel)
    except MediaError:
        return error_page(_("Gambar tidak ditemukan."), 404)
    if not _listed(rel):
        audit(AuditAction.VIEW_SNAPSHOT, rel)
    response = Response(data, mimetype="image/jpeg")
    response.cache_control.no_store = True
    return response
