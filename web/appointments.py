"""Expected guests (janji temu): the page where the adjutant and the operator make them, and
the live "today's expected guests" panel shared by the Bupati's, guard's and operator's pages."""

from __future__ import annotations

import logging
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from flask import Blueprint, g, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from core.appointments import AppointmentFields, PhotoRefused, validate_appointment
from core.enrolment import Enrolment, EnrolmentRefused
from core.errors import WorkflowError
from storage import appointments
from storage.models_appointments import Appointment
from web import security_policy as policy
from web.auth import acting_user, current_role, roles_required
from web.extensions import state
from web.messages import field_messages, workflow_message
from web.reasons import refusal
from web.responses import reply_error, reply_ok, wants_json
from web.work import unit_of_work

log = logging.getLogger(__name__)
bp = Blueprint("appointments", __name__, url_prefix="/janji")
PHOTO_SUFFIXES = frozenset({".jpg", ".jpeg", ".png"})


def _today() -> date:
    return datetime.now(state().config.tz).date()


def _day(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=state().config.tz)
    return start, start + timedelta(days=1)


@bp.app_template_global()
def expected_today() -> list[Appointment]:
    """Today's appointments (Asia/Jakarta), earliest first: the shared panel's rows."""
    with state().sessions() as db:
        return appointments.between(db, *_day(_today()))


@bp.app_template_global()
def scheduled_arrivals() -> set[int]:
    """Ids of today's arrivals that fulfilled an appointment ("Dijadwalkan"), once a request."""
    if "scheduled_arrivals" not in g:
        g.scheduled_arrivals = {a.arrival_id for a in expected_today() if a.arrival_id}
    found: set[int] = g.scheduled_arrivals
    return found


@bp.app_template_global()
def may_make_appointments() -> bool:
    """Whether the current user may make appointments (the panel links to the form)."""
    return policy.may_access(current_role(), "appointments.index")


@bp.get("/")
@roles_required()
def index() -> str:
    """The form, today's appointments and the next week's."""
    return _page()


def _page(
    error: str | None = None, problems: dict[str, list[str]] | None = None, status: int = 200
) -> Any:
    start, _end = _day(_today())
    with state().sessions() as db:
        upcoming = appointments.between(db, start, start + timedelta(days=8))
    page = render_template(
        "appointments/index.html",
        upcoming=upcoming,
        error=error,
        problems=problems or {},
        values=request.form if request.method == "POST" else {},
        can_enrol=state().enroller is not None,
        today=_today().isoformat(),
    )
    return page, status


@bp.post("/")
@roles_required()
def create() -> Response | Any:
    """Make an appointment; bad input shows the reasons and saves nothing."""
    try:
        fields = _fields()
    except WorkflowError as exc:
        return _refused(workflow_message(exc), field_messages(exc))
    photo = request.files.get("photo")
    try:
        enrolled = _enrol(fields, photo) if photo is not None and photo.filename else None
    except PhotoRefused as exc:
        message = _("Foto tidak dapat dipakai: %(reason)s", reason=str(exc))
        return _refused(message, {"photo": [message]})
    with unit_of_work() as uow:
        user = acting_user(uow.session)
        guest_id = enrolled.guest_id if enrolled is not None else None
        row = uow.collect(appointments.create(uow.session, user, fields, guest_id=guest_id))
    message = _("Janji temu dengan %(name)s tersimpan.", name=row.name)
    if enrolled is not None and enrolled.similar:
        similar = ", ".join(f"#{other['id']} {other['name']}" for other in enrolled.similar)
        message += " " + _("Periksa: wajahnya mirip %(names)s.", names=similar)
    return reply_ok(message, url_for("appointments.index"), appointment_id=row.id)


def _fields() -> AppointmentFields:
    """The form's fields, checked once (core.appointments)."""
    form = request.form
    day = (form.get("day") or "").strip()
    start, end = (form.get("time") or "").strip(), (form.get("until") or "").strip()
    config = state().config
    return validate_appointment(
        name=form.get("name"),
        at=f"{day}T{start}" if day and start else "",
        until=f"{day}T{end}" if day and end else None,
        purpose=form.get("purpose"),
        host=form.get("host"),
        length=timedelta(minutes=config.appointments.default_length_minutes),
        tz=config.tz,
    )


def _enrol(fields: AppointmentFields, photo: FileStorage) -> Enrolment:
    """Enrol the guest from the uploaded photo (kept only in a temporary file meanwhile)."""
    username = current_user.username if current_user.is_authenticated else None
    enroller = state().enroller
    if enroller is None:
        raise PhotoRefused(_("pendaftaran wajah dari foto tidak tersedia di server ini"))
    suffix = Path(photo.filename or "").suffix.lower()
    if suffix not in PHOTO_SUFFIXES:
        raise PhotoRefused(_("hanya foto JPEG atau PNG"))
    with tempfile.TemporaryDirectory(prefix="tamu-photo-") as folder:
        path = Path(folder) / f"photo{suffix}"
        photo.save(path)
        try:
            return enroller([(photo.filename or path.name, path)], {"name": fields.name}, username)
        except EnrolmentRefused as exc:
            reasons = [refusal(p.reason) for p in exc.problems] + [refusal(exc.reason or "")]
            raise PhotoRefused("; ".join(r for r in reasons if r)) from None


def _refused(message: str, problems: dict[str, list[str]]) -> Response | Any:
    """400 with every field's reason: as JSON for scripts, else the form again, filled in."""
    if wants_json():
        response = jsonify(ok=False, error=message, fields=problems)
        response.status_code = 400
        return response
    return _page(message, problems, 400)


@bp.post("/<int:appointment_id>/cancel")
@roles_required()
def cancel(appointment_id: int) -> Response:
    """Cancel an appointment still expected."""
    back = url_for("appointments.index")
    try:
        with unit_of_work() as uow:
            user = acting_user(uow.session)
            row = uow.collect(appointments.cancel(uow.session, appointment_id, user))
    except WorkflowError as exc:
        return reply_error(workflow_message(exc), back)
    return reply_ok(_("Janji temu dengan %(name)s dibatalkan.", name=row.name), back)


@bp.get("/panel")
@roles_required()
def panel() -> str:
    """Today's expected guests alone (pages refresh it on live events)."""
    return render_template("appointments/_expected_list.html")
