"""Snapshots and enrolment photos, served only to roles allowed to see them, and audited.

Audit granularity: one `view_snapshot` row per file served. Faces are biometric data, so they
are sent with `Cache-Control: no-store`: nothing stays in the browser's cache after logout (a
page still reuses an image it already shows). Live camera frames (web/guard.py) are audited once
per guard page view instead of once per refresh.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response
from flask_babel import gettext as _

from core.vocab import AuditAction
from storage.media import MediaError
from web import security_policy as policy
from web.auth import audit, current_role, roles_required
from web.extensions import state
from web.responses import error_page

log = logging.getLogger(__name__)
bp = Blueprint("media", __name__, url_prefix="/media")


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
    audit(AuditAction.VIEW_SNAPSHOT, rel)
    response = Response(data, mimetype="image/jpeg")
    response.cache_control.no_store = True
    return response
