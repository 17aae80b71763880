"""Guard and operator: register a new guest from a recorded arrival's snapshot and samples."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core.errors import WorkflowError
from core.vocab import AuditAction, GuestCategory
from storage.arrival_enrolment import enrol_from_arrival, unnamed_arrivals
from storage.models import Arrival
from storage.types import utcnow
from web import forms
from web.auth import acting_user, audit, roles_required
from web.extensions import state
from web.messages import workflow_message
from web.responses import error_page, reply_error, reply_ok
from web.work import unit_of_work

bp = Blueprint("enrol_arrival", __name__, url_prefix="/kedatangan")
RECENT = timedelta(hours=24)
FIELDS = ("name", "category", "institution", "phone")


@bp.get("/tanpa-nama")
@roles_required()
def index() -> str:
    """Arrivals of the last 24 hours that nobody is named for, with their snapshots."""
    with state().sessions() as db:
        page = render_template(
            "enrol_arrival/index.html", arrivals=unnamed_arrivals(db, utcnow() - RECENT)
        )
    audit(AuditAction.VIEW_LIST, "unnamed_arrivals")
    return page


@bp.get("/<int:arrival_id>/daftarkan")
@roles_required()
def form(arrival_id: int) -> str | tuple[Any, int]:
    """The arrival's snapshot and the new guest's details."""
    with state().sessions() as db:
        arrival = db.get(Arrival, arrival_id)
        if arrival is None:
            return error_page(_("Kedatangan tidak ditemukan."), 404)
        page = render_template(
            "enrol_arrival/form.html", arrival=arrival, categories=list(GuestCategory)
        )
    audit(AuditAction.VIEW_ARRIVAL, f"arrival:{arrival_id}")
    return page


@bp.post("/<int:arrival_id>/daftarkan")
@roles_required()
def enrol(arrival_id: int) -> Response:
    """Enrol the new guest; the arrival (and its pending unknown face) get the name."""
    back = url_for("enrol_arrival.form", arrival_id=arrival_id)
    try:
        fields = {key: forms.text(request.form, key) for key in FIELDS}
        with unit_of_work() as uow:
            guest = uow.collect(
                enrol_from_arrival(
                    uow.session, uow.files, arrival_id, acting_user(uow.session), fields,
                    learn_bound=state().config.recognition.max_camera_samples,
                )
            )  # fmt: skip
            name, guest_id = guest.name, guest.id
    except WorkflowError as exc:
        return reply_error(workflow_message(exc), back)
    except forms.FormError as exc:
        return reply_error(str(exc), back)
    message = _("Tamu baru terdaftar: %(name)s (id %(id)s).", name=name, id=guest_id)
    return reply_ok(message, url_for("enrol_arrival.index"), guest_id=guest_id)
