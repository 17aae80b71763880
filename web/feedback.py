"""What the guard and security tell recognition: "Bukan orang ini" (not this person)."""

from __future__ import annotations

from flask import Blueprint, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core.errors import WorkflowError
from storage import feedback
from web.auth import acting_user, roles_required
from web.messages import workflow_message
from web.responses import local_path, reply_error, reply_ok
from web.work import unit_of_work

bp = Blueprint("feedback", __name__)


@bp.post("/kedatangan/<int:arrival_id>/bukan-orang-ini")
@roles_required()
def not_this_person(arrival_id: int) -> Response:
    """The camera named the wrong person: back to an unknown face, never that guest again."""
    back = local_path(request.form.get("next")) or url_for("auth.index")
    try:
        with unit_of_work() as uow:
            user = acting_user(uow.session)
            unknown = uow.collect(feedback.not_this_person(uow.session, arrival_id, user))
    except WorkflowError as exc:
        return reply_error(workflow_message(exc), back)
    message = _("Nama dibatalkan. Wajah ini kini menunggu pemeriksaan penjaga.")
    return reply_ok(message, back, unknown_id=unknown.id)
