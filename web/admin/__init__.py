"""The admin's pages: the overview here; accounts, guests and cameras in their own modules."""

from __future__ import annotations

from flask import Blueprint, render_template

from storage.cameras import list_cameras
from storage.guests import list_guests
from storage.users import list_users
from web.auth import roles_required
from web.extensions import state

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@roles_required()
def index() -> str:
    """Links to every admin page with a one-line summary of each."""
    with state().sessions() as db:
        users = list_users(db)
        summary = {
            "users": len(users),
            "active_users": sum(1 for u in users if u.active),
            "guests": len(list_guests(db)),
            "cameras": len(list_cameras(db)),
        }
    return render_template("admin/index.html", summary=summary)
