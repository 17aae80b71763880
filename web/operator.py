"""The operator's digital guest book (buku tamu): check-in linked to an arrival or walk-in."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, Regexp, ValidationError

from core.events import GuestBookChanged
from core.workflow import (
    CATEGORIES,
    COMPANIONS_MAX,
    INSTITUTION_MAX,
    NAME_MAX,
    PURPOSE_MAX,
    WorkflowError,
    clean_phone,
)
from storage import visits
from storage.db import transaction
from storage.models import GuestBookEntry
from web.auth import db_user, roles_required
from web.extensions import state
from web.realtime import publish
from web.responses import reply_error, reply_ok, wants_json

log = logging.getLogger(__name__)
bp = Blueprint("operator", __name__, url_prefix="/operator")
WALK_IN = ""


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _plausible_phone(_form: FlaskForm, field: StringField) -> None:
    try:
        clean_phone(field.data)
    except WorkflowError:
        raise ValidationError(
            _("Nomor telepon tidak valid (contoh: 0812 3456 7890 atau +62 812 ...).")
        ) from None


class CheckInForm(FlaskForm):
    """A guest-book line; the same rules as core.workflow, with messages in the user's language."""

    arrival_id = StringField(
        default=WALK_IN,
        filters=[_strip],
        validators=[Optional(), Regexp(r"^\d{1,12}$", message=_l("Kedatangan tidak valid."))],
    )
    name = StringField(
        filters=[_strip],
        validators=[
            DataRequired(_l("Nama wajib diisi.")),
            Length(max=NAME_MAX, message=_l("Nama maksimal 120 karakter.")),
        ],
    )
    category = StringField(
        default="masyarakat",
        validators=[AnyOf(CATEGORIES, message=_l("Pilih kategori tamu."))],
    )
    institution = StringField(
        filters=[_strip],
        validators=[Length(max=INSTITUTION_MAX, message=_l("Instansi maksimal 160 karakter."))],
    )
    purpose = TextAreaField(
        filters=[_strip],
        validators=[
            DataRequired(_l("Keperluan wajib diisi.")),
            Length(max=PURPOSE_MAX, message=_l("Keperluan maksimal 500 karakter.")),
        ],
    )
    phone = StringField(filters=[_strip], validators=[Optional(), _plausible_phone])
    companions = StringField(
        default="0",
        filters=[_strip],
        validators=[
            Optional(),
            Regexp(r"^\d{1,2}$", message=_l("Jumlah pengikut harus angka 0 sampai 50.")),
        ],
    )

    def validate_companions(self, field: StringField) -> None:
        """At most COMPANIONS_MAX companions."""
        if field.data and field.data.isdigit() and int(field.data) > COMPANIONS_MAX:
            raise ValidationError(_("Jumlah pengikut harus angka 0 sampai 50."))

    def values(self) -> dict[str, Any]:
        """The validated fields as check_in keyword arguments."""
        return {
            "arrival_id": int(self.arrival_id.data) if self.arrival_id.data else None,
            "name": self.name.data,
            "category": self.category.data,
            "institution": self.institution.data or None,
            "purpose": self.purpose.data,
            "phone": self.phone.data or None,
            "companions": int(self.companions.data or 0),
        }


def _today() -> date:
    return datetime.now(state().config.tz).date()


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=state().config.tz)
    return start, start + timedelta(days=1)


def _parse_day(raw: str | None) -> tuple[date, str | None]:
    """The requested day (default today), and an error message for a bad value."""
    if not raw:
        return _today(), None
    try:
        return date.fromisoformat(raw.strip()), None
    except ValueError:
        return _today(), _("Tanggal tidak valid (format: TTTT-BB-HH).")


def _arrival_label(arrival: Any) -> str:
    """How an open arrival is named in the form's choice list."""
    who = arrival.guest.name if arrival.guest else _("Tamu tidak dikenal")
    at = arrival.first_seen.astimezone(state().config.tz).strftime("%H:%M")
    return f"#{arrival.id} · {at} · {who} · {arrival.camera.name}"


def book_context(db: Session, day: date) -> dict[str, Any]:
    """The day's entries and today's arrivals not yet in the book."""
    start, end = _day_bounds(day)
    today_start, _end = _day_bounds(_today())
    return {
        "day": day,
        "is_today": day == _today(),
        "entries": visits.guestbook_between(db, start, end),
        "candidates": visits.checkin_candidates(db, today_start),
        "categories": CATEGORIES,
    }


def _render(form: CheckInForm, day: date, status: int = 200, error: str | None = None):
    with state().sessions() as db:
        context = book_context(db, day)
    choices = [(str(a.id), _arrival_label(a)) for a in context["candidates"]]
    page = render_template(
        "operator/index.html", form=form, error=error, arrival_choices=choices, **context
    )
    return page, status


@bp.get("/")
@roles_required()
def index():
    """Today's guest book, arrivals waiting to be written in, and the check-in form."""
    day, error = _parse_day(request.args.get("day"))
    form = CheckInForm(formdata=None)
    arrival_arg = request.args.get("arrival", "").strip()
    if arrival_arg:
        error = error or _prefill(form, arrival_arg)
    return _render(form, day, 400 if error else 200, error)


def _prefill(form: CheckInForm, arrival_arg: str) -> str | None:
    """Fill the form from an arrival's recognised guest; an error message when it cannot."""
    if not arrival_arg.isdigit():
        return _("Kedatangan tidak valid.")
    try:
        with state().sessions() as db:
            values = visits.prefill_for_arrival(db, int(arrival_arg))
    except WorkflowError as exc:
        return str(exc)
    form.arrival_id.data = str(values["arrival_id"])
    for key in ("name", "category", "institution", "phone"):
        getattr(form, key).data = values[key]
    return None


@bp.get("/entries")
@roles_required()
def entries_panel():
    """The day's entries alone (the page refreshes it on live events)."""
    day, _error = _parse_day(request.args.get("day"))
    with state().sessions() as db:
        return render_template("operator/_entries.html", **book_context(db, day))


@bp.get("/arrivals")
@roles_required()
def arrivals_panel():
    """Today's arrivals not yet in the book (the page refreshes it on live events)."""
    with state().sessions() as db:
        return render_template("operator/_arrivals.html", **book_context(db, _today()))


@bp.post("/checkin")
@roles_required()
def checkin():
    """Write a guest-book entry; bad input re-shows the form with the reasons, writing nothing."""
    form = CheckInForm()
    if not form.validate():
        return _refused(form, _("Periksa kembali isian formulir."))
    try:
        with transaction(state().sessions) as db:
            entry: GuestBookEntry = visits.check_in(db, db_user(db), **form.values())
    except WorkflowError as exc:
        return _refused(form, str(exc))
    publish(GuestBookChanged(entry.id, entry.arrival_id, "checkin"))
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
def checkout(entry_id: int):
    """Mark a guest as gone from the guest book."""
    back = url_for("operator.index")
    try:
        with transaction(state().sessions) as db:
            entry = visits.check_out(db, entry_id, db_user(db))
    except WorkflowError as exc:
        return reply_error(str(exc), back)
    publish(GuestBookChanged(entry.id, entry.arrival_id, "checkout"))
    return reply_ok(_("%(name)s sudah check-out.", name=entry.name), back, entry_id=entry.id)
