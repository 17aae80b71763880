"""The guard's console: live cameras, the unknown-face queue, escort tasks, visiting hours."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Blueprint, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from core.errors import WorkflowError
from core.visiting import is_open, next_opening
from core.vocab import AuditAction, EscortStatus, GuestCategory, UnknownAction
from storage import dashboard, decisions, relay, unknowns
from storage.cameras import latest_frame
from storage.db import Session
from storage.guests import search_guests as find_guests
from storage.media import MediaError
from storage.receiving import is_receiving
from storage.types import utcnow
from web import forms
from web.auth import acting_user, audit, roles_required
from web.extensions import state
from web.health import camera_rows, worker_state
from web.messages import workflow_message
from web.responses import error_page, reply_error, reply_ok
from web.work import unit_of_work

log = logging.getLogger(__name__)
bp = Blueprint("guard", __name__, url_prefix="/guard")
QUEUE_LIMIT = 50
SEARCH_LIMIT = 10
SEARCH_MIN = 2
OUTSIDE_HOURS_WINDOW = timedelta(hours=12)
# Visits seen or decided this long ago still belong on the guard's "Tamu menunggu" board.
RELAY_WINDOW = timedelta(hours=12)
RESOLVE_MESSAGES = {
    UnknownAction.IDENTIFY: _l("Wajah dicocokkan dengan tamu terdaftar."),
    UnknownAction.REGISTER: _l("Tamu baru terdaftar."),
    UnknownAction.NOT_GUEST: _l("Ditandai bukan tamu (staf/keluarga); tidak akan dilaporkan lagi."),
    UnknownAction.DISMISS: _l("Deteksi diabaikan."),
}
GUEST_FIELDS = ("name", "category", "institution", "phone")
# Actions that read the guest fields of the form.
ENROLLING = (UnknownAction.REGISTER, UnknownAction.NOT_GUEST)


@bp.get("/")
@roles_required()
def index() -> str:
    """Cameras, visiting hours, receiving switch, unknown faces and escort tasks."""
    config = state().config
    with state().sessions() as db:
        page = render_template(
            "guard.html",
            refresh_ms=int(config.web.snapshot_refresh_s * 1000),
            worker=worker_state(db),
            **status_context(db),
            **relay_context(db),
            **unknowns_context(db),
            **escorts_context(db),
        )
    audit(AuditAction.VIEW_LIVE, "cameras", {"cameras": [c.name for c in config.cameras]})
    return page


@bp.get("/status")
@roles_required()
def status_panel() -> str:
    """Visiting hours, the receiving switch, camera status and arrivals outside the hours."""
    with state().sessions() as db:
        return render_template("guard/_status.html", **status_context(db))


@bp.get("/unknowns")
@roles_required()
def unknowns_panel() -> str:
    """The queue of strangers' faces awaiting the guard."""
    with state().sessions() as db:
        return render_template("guard/_unknowns.html", **unknowns_context(db))


@bp.get("/escorts")
@roles_required()
def escorts_panel() -> str:
    """Guests the Bupati receives, to escort in and later see out."""
    with state().sessions() as db:
        return render_template("guard/_escorts.html", **escorts_context(db))


@bp.get("/relay")
@roles_required()
def relay_panel() -> str:
    """Waiting guests with the Bupati's decision in words, to tell them, and those told."""
    with state().sessions() as db:
        return render_template("guard/_relay.html", **relay_context(db))


def relay_context(db: Session) -> dict[str, Any]:
    """The "Tamu menunggu" board: visits to tell (oldest first) and those already told."""
    return {"relay": relay.relay_board(db, utcnow() - RELAY_WINDOW)}


def status_context(db: Session) -> dict[str, Any]:
    """Whether visiting is open now, the receiving switch, cameras, outside-hours arrivals."""
    config = state().config
    now = utcnow()
    return {
        "visiting_open": is_open(config.visiting_hours, now, config.tz),
        "next_opening": next_opening(config.visiting_hours, now, config.tz),
        "closed_message": config.visiting_hours.closed_message,
        "receiving": is_receiving(db),
        "cameras": camera_rows(db),
        "outside_arrivals": dashboard.waiting_outside_hours(db, now - OUTSIDE_HOURS_WINDOW),
    }


def unknowns_context(db: Session) -> dict[str, Any]:
    """Pending unknown faces, newest first."""
    return {"unknowns": unknowns.pending_queue(db, QUEUE_LIMIT), "categories": list(GuestCategory)}


def escorts_context(db: Session) -> dict[str, Any]:
    """Open escort tasks with their arrivals (guest name, camera)."""
    return {"escorts": decisions.open_escorts(db)}


@bp.get("/cameras/<name>/live.jpg")
@roles_required()
def live_frame(name: str) -> Response | tuple[Any, int]:
    """The newest frame of a camera, as the capture worker last wrote it."""
    config = state().config
    if name not in {c.name for c in config.cameras}:
        return error_page(_("Kamera tidak dikenal."), 404)
    with state().sessions() as db:
        rel = latest_frame(db, name)
    try:
        data = state().media.read(rel or f"live/{name}.jpg")
    except MediaError:
        return error_page(_("Belum ada gambar dari kamera ini."), 404)
    response = Response(data, mimetype="image/jpeg")
    response.cache_control.no_store = True
    return response


@bp.get("/guests/search")
@roles_required()
def search_guests() -> Response:
    """Registered guests (not staff) whose name or institution contains `q`, as JSON."""
    text = (request.args.get("q") or "").strip()[:120]
    if len(text) < SEARCH_MIN:
        return jsonify(ok=True, guests=[])
    with state().sessions() as db:
        found = [g for g in find_guests(db, text, limit=SEARCH_LIMIT * 2) if not g.is_staff]
    guests = [
        {"id": g.id, "name": g.name, "institution": g.institution, "category": g.category}
        for g in found[:SEARCH_LIMIT]
    ]
    return jsonify(ok=True, guests=guests)


@bp.post("/unknowns/<int:unknown_id>/resolve")
@roles_required()
def resolve_unknown(unknown_id: int) -> Response:
    """This is guest X, a new guest, not a guest (staff/family), or a false detection."""
    back = url_for("guard.index")
    form = request.form
    action = (form.get("action") or "").strip()
    try:
        guest_id = None
        if action == UnknownAction.IDENTIFY:
            guest_id = forms.whole_number(form, "guest_id", _("Tamu"))
        fields = {key: forms.text(form, key) for key in GUEST_FIELDS}
        purpose = forms.text(form, "purpose")
        with unit_of_work() as uow:
            unknown = uow.collect(
                unknowns.resolve_unknown(
                    uow.session, uow.files, unknown_id, action, acting_user(uow.session),
                    guest_id=guest_id,
                    guest_fields=fields if action in ENROLLING else None,
                    purpose=purpose if action == UnknownAction.REGISTER else None,
                    learn_bound=state().config.recognition.max_camera_samples,
                )
            )  # fmt: skip
    except WorkflowError as exc:
        return reply_error(workflow_message(exc), back)
    except forms.FormError as exc:
        return reply_error(str(exc), back)
    message = str(RESOLVE_MESSAGES[UnknownAction(action)])
    return reply_ok(message, back, guest_id=unknown.guest_id)


@bp.post("/arrivals/<int:arrival_id>/told")
@roles_required()
def tell(arrival_id: int) -> Response:
    """Record that the guest was told the decision shown (decision_id): "Sudah disampaikan"."""
    back = url_for("guard.index")
    try:
        decision_id = forms.whole_number(request.form, "decision_id", _("Keputusan"))
        with unit_of_work() as uow:
            user = acting_user(uow.session)
            uow.collect(relay.tell(uow.session, arrival_id, decision_id or 0, user))
    except WorkflowError as exc:
        return reply_error(workflow_message(exc), back)
    except forms.FormError as exc:
        return reply_error(str(exc), back)
    return reply_ok(_("Tercatat: keputusan sudah disampaikan kepada tamu."), back)


@bp.post("/escorts/<int:task_id>")
@roles_required()
def update_escort(task_id: int) -> Response:
    """Mark a received guest escorted in (status=escorted) or gone (status=left)."""
    back = url_for("guard.index")
    status = (request.form.get("status") or "").strip()
    try:
        with unit_of_work() as uow:
            user = acting_user(uow.session)
            task = uow.collect(decisions.update_escort(uow.session, task_id, status, user))
    except WorkflowError as exc:
        return reply_error(workflow_message(exc), back)
    if task.status == EscortStatus.ESCORTED:
        message = _("Tamu sudah diantar.")
    else:
        message = _("Tamu sudah pulang.")
    return reply_ok(message, back, status=task.status)
