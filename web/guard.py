"""The guard's console: live cameras, the unknown-face queue, escort tasks, visiting hours."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Blueprint, jsonify, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.events import EscortChanged, GuestBookChanged, UnknownResolved
from core.visiting import is_open, next_opening
from storage import visits
from storage.db import transaction
from storage.guests import CATEGORIES
from storage.guests import search_guests as find_guests
from storage.media import MediaError
from storage.models import Arrival, Camera, EscortTask, GuestBookEntry, UnknownFace
from storage.types import utcnow
from storage.visits import WorkflowError
from web import forms
from web.auth import audit, db_user, roles_required
from web.extensions import state
from web.realtime import camera_rows, publish
from web.responses import error_page, reply_error, reply_ok

log = logging.getLogger(__name__)
bp = Blueprint("guard", __name__, url_prefix="/guard")
QUEUE_LIMIT = 50
SEARCH_LIMIT = 10
SEARCH_MIN = 2
OUTSIDE_HOURS_WINDOW = timedelta(hours=12)
RESOLVE_MESSAGES = {
    "identify": _l("Wajah dicocokkan dengan tamu terdaftar."),
    "register": _l("Tamu baru terdaftar."),
    "not_guest": _l("Ditandai bukan tamu (staf/keluarga); tidak akan dilaporkan lagi."),
    "dismiss": _l("Deteksi diabaikan."),
}


@bp.get("/")
@roles_required()
def index():
    """Cameras, visiting hours, receiving switch, unknown faces and escort tasks."""
    config = state().config
    with state().sessions() as db:
        page = render_template(
            "guard.html",
            refresh_ms=int(config.web.snapshot_refresh_s * 1000),
            **status_context(db),
            **unknowns_context(db),
            **escorts_context(db),
        )
    audit("view_live", "cameras", {"cameras": [c.name for c in config.cameras]})
    return page


@bp.get("/status")
@roles_required()
def status_panel():
    """Visiting hours, the receiving switch, camera status and arrivals outside the hours."""
    with state().sessions() as db:
        return render_template("guard/_status.html", **status_context(db))


@bp.get("/unknowns")
@roles_required()
def unknowns_panel():
    """The queue of strangers' faces awaiting the guard."""
    with state().sessions() as db:
        return render_template("guard/_unknowns.html", **unknowns_context(db))


@bp.get("/escorts")
@roles_required()
def escorts_panel():
    """Guests the Bupati receives, to escort in and later see out."""
    with state().sessions() as db:
        return render_template("guard/_escorts.html", **escorts_context(db))


def status_context(db: Session) -> dict[str, Any]:
    """Whether visiting is open now, the receiving switch, cameras, outside-hours arrivals."""
    config = state().config
    now = utcnow()
    outside = db.scalars(
        select(Arrival)
        .where(
            Arrival.outside_hours.is_(True),
            Arrival.status == "waiting",
            Arrival.first_seen >= now - OUTSIDE_HOURS_WINDOW,
        )
        .options(selectinload(Arrival.guest), selectinload(Arrival.camera))
        .order_by(Arrival.first_seen.desc())
    )
    return {
        "visiting_open": is_open(config.visiting_hours, now, config.tz),
        "next_opening": next_opening(config.visiting_hours, now, config.tz),
        "closed_message": config.visiting_hours.closed_message,
        "receiving": visits.is_receiving(db),
        "cameras": camera_rows(db),
        "outside_arrivals": list(outside),
    }


def unknowns_context(db: Session) -> dict[str, Any]:
    """Pending unknown faces, newest first."""
    query = (
        select(UnknownFace)
        .where(UnknownFace.status == "pending")
        .options(selectinload(UnknownFace.camera), selectinload(UnknownFace.arrival))
        .order_by(UnknownFace.first_seen.desc(), UnknownFace.id.desc())
        .limit(QUEUE_LIMIT)
    )
    return {"unknowns": list(db.scalars(query)), "categories": CATEGORIES}


def escorts_context(db: Session) -> dict[str, Any]:
    """Open escort tasks with their arrivals (guest name, camera)."""
    tasks = visits.pending_escorts(db)
    arrival_ids = [t.arrival_id for t in tasks]
    arrivals = {
        a.id: a
        for a in db.scalars(
            select(Arrival)
            .where(Arrival.id.in_(arrival_ids))
            .options(selectinload(Arrival.guest), selectinload(Arrival.camera))
        )
    }
    return {"escorts": [(t, arrivals.get(t.arrival_id)) for t in tasks]}


@bp.get("/cameras/<name>/live.jpg")
@roles_required()
def live_frame(name: str):
    """The newest frame of a camera, as the capture worker last wrote it."""
    config = state().config
    if name not in {c.name for c in config.cameras}:
        return error_page(_("Kamera tidak dikenal."), 404)
    with state().sessions() as db:
        rel = db.scalar(select(Camera.latest_frame).where(Camera.name == name))
    try:
        path = state().media.resolve(rel or f"live/{name}.jpg")
    except MediaError:
        return error_page(_("Belum ada gambar dari kamera ini."), 404)
    response = send_file(path, mimetype="image/jpeg", max_age=0, etag=False)
    response.cache_control.no_store = True
    return response


@bp.get("/guests/search")
@roles_required()
def search_guests():
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
def resolve_unknown(unknown_id: int):
    """This is guest X, a new guest, not a guest (staff/family), or a false detection."""
    back = url_for("guard.index")
    form = request.form
    action = (form.get("action") or "").strip()
    try:
        guest_id = None
        if action == "identify":
            guest_id = forms.whole_number(form, "guest_id", _("Tamu"))
        fields = {k: forms.text(form, k) for k in ("name", "category", "institution", "phone")}
        purpose = forms.text(form, "purpose")
        with transaction(state().sessions) as db:
            unknown = visits.resolve_unknown(
                db, state().media, unknown_id, action, db_user(db),
                guest_id=guest_id,
                guest_fields=fields if action in ("register", "not_guest") else None,
                purpose=purpose if action == "register" else None,
            )  # fmt: skip
            entry_id = _entry_of(db, unknown.arrival_id) if action == "register" else None
    except (WorkflowError, forms.FormError) as exc:
        return reply_error(str(exc), back)
    by = current_user.username
    publish_events = [
        UnknownResolved(unknown.id, unknown.arrival_id, action, unknown.guest_id, by),
    ]
    if entry_id is not None:
        publish_events.append(GuestBookChanged(entry_id, unknown.arrival_id, "checkin"))
    _publish_all(publish_events)
    return reply_ok(str(RESOLVE_MESSAGES[action]), back, guest_id=unknown.guest_id)


def _entry_of(db: Session, arrival_id: int) -> int | None:
    return db.scalar(
        select(GuestBookEntry.id)
        .where(GuestBookEntry.arrival_id == arrival_id)
        .order_by(GuestBookEntry.id.desc())
        .limit(1)
    )


@bp.post("/escorts/<int:task_id>")
@roles_required()
def update_escort(task_id: int):
    """Mark a received guest escorted in (status=escorted) or gone (status=left)."""
    back = url_for("guard.index")
    status = (request.form.get("status") or "").strip()
    try:
        with transaction(state().sessions) as db:
            task: EscortTask = visits.update_escort(db, task_id, status, db_user(db))
    except WorkflowError as exc:
        return reply_error(str(exc), back)
    _publish_all([EscortChanged(task.id, task.arrival_id, task.status, current_user.username)])
    message = _("Tamu sudah diantar.") if status == "escorted" else _("Tamu sudah pulang.")
    return reply_ok(message, back, status=task.status)


def _publish_all(events: list[Any]) -> None:
    for event in events:
        publish(event)
