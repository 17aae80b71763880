"""The operator's digital guest book (buku tamu): check-in linked to an arrival or walk-in."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField
from wtforms.validators import Optional, Regexp

from core.errors import WorkflowError
from core.vocab import AuditAction, GuestCategory
from core.workflow import COMPANIONS_MAX, INSTITUTION_MAX, NAME_MAX, PHONE_MAX, PURPOSE_MAX
from storage import guestbook
from storage.db import Session
from storage.models import Arrival
from web import forms
from web.auth import acting_user, audit, roles_required
from web.extensions import state
from web.messages import field_messages, workflow_message
from web.responses import reply_error, reply_ok, wants_json
from web.work import unit_of_work

log = logging.getLogger(__name__)
bp = Blueprint("operator", __name__, url_prefix="/operator")
WALK_IN = ""
# Limits the form shows as hints; core.workflow.validate_guestbook is the one that enforces them.
LIMITS = {
    "name": NAME_MAX,
    "institution": INSTITUTION_MAX,
    "purpose": PURPOSE_MAX,
    "phone": PHONE_MAX,
    "companions": COMPANIONS_MAX,
}


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class CheckInForm(FlaskForm):
    """A guest-book line as typed; the rules are checked once, by `storage.guestbook.check_in`."""

    arrival_id = StringField(
        default=WALK_IN,
        filters=[_strip],
        validators=[Optional(), Regexp(r"^[0-9]{1,9}$", message=_l("Kedatangan tidak valid."))],
    )
    name = StringField(filters=[_strip])
    category = StringField(default=GuestCategory.MASYARAKAT.value)
    institution = StringField(filters=[_strip])
    purpose = TextAreaField(filters=[_strip])
    phone = StringField(filters=[_strip])
    companions = StringField(default="0", filters=[_strip])

    def values(self) -> dict[str, Any]:
        """The fields as check_in keyword arguments (the arrival id already read)."""
        return {
            "arrival_id": int(self.arrival_id.data) if self.arrival_id.data else None,
            "name": self.name.data,
            "category": self.category.data,
            "institution": self.institution.data,
            "purpose": self.purpose.data,
            "phone": self.phone.data,
            "companions": self.companions.data,
        }

    def show_problems(self, problems: dict[str, list[str]]) -> None:
        """Put each field's refusal under the field."""
        for name, messages in problems.items():
            getattr(self, name).errors = list(messages)


def _today() -> date:
    return datetime.now(state().config.tz).date()


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=state().config.tz)
    return start, start + timedelta(days=1)


def _parse_day(raw: str | None) -> tuple[date, str | None]:
    """The requested day (default today), and an error message for a bad value."""
    try:
        return forms.iso_date(raw) or _today(), None
    except forms.FormError as exc:
        return _today(), str(exc)


def _arrival_label(arrival: Arrival) -> str:
    """How an open arrival is named in the form's choice list."""
    who = arrival.guest.name if arrival.guest else _("Tamu tidak dikenal")
    at = arrival.first_seen.astimezone(state().config.tz).strftime("%H:%M")
    return f"#{arrival.id} · {at} · {who} · {state().config.camera_label(arrival.camera.name)}"


def book_context(db: Session, day: date) -> dict[str, Any]:
    """The day's entries and today's arrivals not yet in the book."""
    start, end = _day_bounds(day)
    today_start, _end = _day_bounds(_today())
    entries = guestbook.guestbook_between(db, start, end)
    return {
        "day": day,
        "is_today": day == _today(),
        "entries": entries,
        "outcomes": guestbook.outcomes(db, entries),
        "candidates": guestbook.checkin_candidates(db, today_start),
        "categories": list(GuestCategory),
        "limits": LIMITS,
    }


def _render(
    form: CheckInForm, day: date, status: int = 200, error: str | None = None
) -> tuple[str, int]:
    with state().sessions() as db:
        context = book_context(db, day)
    choices = [(str(a.id), _arrival_label(a)) for a in context["candidates"]]
    page = render_template(
        "operator/index.html", form=form, error=error, arrival_choices=choices, **context
    )
    return page, status


@bp.get("/")
@roles_required()
def index() -> tuple[str, int]:
    """Today's guest book, arrivals waiting to be written in, and the check-in form."""
    day, error = _parse_day(request.args.get("day"))
    form = CheckInForm(formdata=None)
    arrival_arg = request.args.get("arrival", "").strip()
    if arrival_arg:
        error = error or _prefill(form, arrival_arg)
    page = _render(form, day, 400 if error else 200, error)
    audit(AuditAction.VIEW_LIST, "operator")  # once per page view, not per thumbnail
    return page


def _prefill(form: CheckInForm, arrival_arg: str) -> str | None:
    """Fill the form from an arrival's recognised guest; an error message when it cannot."""
    if not re.fullmatch(r"[0-9]{1,9}", arrival_arg):
        return _("Kedatangan tidak valid.")
    try:
        with state().sessions() as db:
            values = guestbook.prefill_for_arrival(db, int(arrival_arg))
    except WorkflowError as exc:
        return workflow_message(exc)
    form.arrival_id.data = str(values["arrival_id"])
    for key in ("name", "category", "institution", "phone"):
        getattr(form, key).data = values[key]
    return None


@bp.get("/entries")
@roles_required()
def entries_panel() -> str:
    """The day's entries alone (the page refreshes it on live events)."""
    day, _error = _parse_day(request.args.get("day"))
    with state().sessions() as db:
        return render_template("operator/_entries.html", **book_context(db, day))


@bp.get("/arrivals")
@roles_required()
def arrivals_panel() -> str:
    """Today's arrivals not yet in the book (the page refreshes it on live events)."""
    with state().sessions() as db:
        return render_template("operator/_arrivals.html", **book_context(db, _today()))


@bp.post("/checkin")
@roles_required()
def checkin() -> Response | tuple[Any, int]:
    """Write a guest-book entry; bad input re-shows the form with the reasons, writing nothing."""
    form = CheckInForm()
    if not form.validate():
        return _refused(form, _("Periksa kembali isian formulir."))
    try:
        with unit_of_work() as uow:
            user = acting_user(uow.session)
            learn = state().config.recognition.max_camera_samples
            entry = uow.collect(
                guestbook.check_in(uow.session, user, **form.values(), learn_bound=learn)
            )
    except WorkflowError as exc:
        problems = field_messages(exc)
        if not problems:
            return _refused(form, workflow_message(exc))
        form.show_problems(problems)
        return _refused(form, _("Periksa kembali isian formulir."))
    message = _("%(name)s tercatat di buku tamu.", name=entry.name)
    if wants_json():
        return jsonify(ok=True, message=message, entry_id=entry.id)
    flash(message, "success")
    return redirect(url_for("operator.index"))


def _refused(form: CheckInForm, message: str) -> Response | tuple[Any, int]:
    if wants_json():
        errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        response = jsonify(ok=False, error=message, fields=errors)
        response.status_code = 400
        return response
    return _render(form, _today(), 400, message)


@bp.post("/entries/<int:entry_id>/checkout")
@roles_required()
def checkout(entry_id: int) -> Response:
    """Mark a guest as gone from the guest book."""
    back = url_for("operator.index")
    try:
        with unit_of_work() as uow:
            user = acting_user(uow.session)
            entry = uow.collect(guestbook.check_out(uow.session, entry_id, user))
    except WorkflowError as exc:
        return reply_error(workflow_message(exc), back)
    return reply_ok(_("%(name)s sudah check-out.", name=entry.name), back, entry_id=entry.id)
