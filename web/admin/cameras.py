"""The admin's camera page: each camera's status, its last frame and its frame rate."""

from __future__ import annotations

from flask import Blueprint, render_template

from core.vocab import AuditAction
from web.auth import audit, roles_required
from web.extensions import state
from web.health import camera_rows

bp = Blueprint("admin_cameras", __name__, url_prefix="/admin/kamera")


@bp.get("/")
@roles_required()
def index() -> str:
    """Status, last frame time, fps, last error and the newest frame of every camera."""
    with state().sessions() as db:
        cameras = camera_rows(db)
    page = render_template("admin/cameras.html", cameras=cameras)
    audit(AuditAction.VIEW_LIVE, "cameras", {"cameras": [c["camera"] for c in cameras]})
    return page
