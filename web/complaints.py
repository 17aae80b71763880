"""Complaints and suggestions (pengaduan): the public form and tracking, the staff's list.

The form needs no account (CSRF, rate-limited per address); the submitter gets a tracking
number to follow the status. Adjutant and admin move each one on at `/pengaduan/kelola`;
those past `complaints.response_days` unanswered are flagged overdue.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.errors import ErrorCode, WorkflowError
from core.vocab import ComplaintKind, ComplaintStatus
from storage import complaints as store
from storage.db import transaction
from storage.types import utcnow
from web.auth import acting_user, roles_required
from web.extensions import limiter, state
from web.messages import workflow_message
from web.responses import reply_error, reply_ok
from web.security_policy import ADJUTANT, ADMIN

bp = Blueprint("complaints", __name__)

SUBMIT_LIMIT = "5 per hour"
TRACK_LIMIT = "30 per hour"  # tracking numbers are random; this keeps guessing pointless
KIND_LABELS = {ComplaintKind.COMPLAINT: _l("Pengaduan"), ComplaintKind.SUGGESTION: _l("Saran")}
STATUS_LABELS = {
    ComplaintStatus.RECEIVED: _l("Diterima"),
    ComplaintStatus.IN_PROGRESS: _l("Sedang diproses"),
    ComplaintStatus.ANSWERED: _l("Sudah dijawab"),
}
FIELDS = ("kind", "name", "contact", "message")


def _labels() -> dict[str, object]:
    return {"kind_labels": KIND_LABELS, "status_labels": STATUS_LABELS}


@bp.route("/pengaduan", methods=["GET", "POST"])
@limiter.limit(SUBMIT_LIMIT, methods=["POST"])
def submit():
    """The public complaint form; on success the tracking number."""
    if request.method == "GET":
        return render_template("public/complaint_form.html", form={}, **_labels())
    form = {key: request.form.get(key, "") for key in FIELDS}
    days = state().config.complaints.response_days
    try:
        with transaction(state().sessions) as db:
            complaint, _events = store.submit_complaint(
                db,
                kind=form["kind"],
                name=form["name"],
                contact=form["contact"],
                message=form["message"],
                response_days=days,
            )
    except WorkflowError as exc:
        page = render_template(
            "public/complaint_form.html", form=form, error=workflow_message(exc), **_labels()
        )
        return page, 400
    return render_template(
        "public/complaint_sent.html", number=complaint.tracking_no, days=days, **_labels()
    )


@bp.get("/pengaduan/lacak")
@limiter.limit(TRACK_LIMIT)
def track():
    """The status (and answer) of a complaint by its tracking number; nothing else."""
    raw = request.args.get("nomor", "")
    found = None
    if raw:
        with state().sessions() as db:
            found = store.find_by_tracking_no(db, raw[:40])
    status = 404 if raw and found is None else 200
    page = render_template("public/complaint_track.html", raw=raw[:40], found=found, **_labels())
    return page, status


@bp.get("/pengaduan/kelola")
@roles_required(ADJUTANT, ADMIN)
def manage():
    """Staff: every complaint, open ones by due time first, overdue ones flagged."""
    open_only = request.args.get("semua") != "1"
    with state().sessions() as db:
        rows = store.list_complaints(db, open_only=open_only)
    return render_template(
        "complaints/manage.html",
        complaints=rows,
        now=utcnow(),
        is_overdue=store.is_overdue,
        moves=store.MOVES,
        open_only=open_only,
        **_labels(),
    )


@bp.post("/pengaduan/kelola/<int:complaint_id>")
@roles_required(ADJUTANT, ADMIN)
def update(complaint_id: int):
    """Staff: move a complaint on, with the response text (audited)."""
    back = url_for("complaints.manage")
    status = request.form.get("status", "")
    try:
        with transaction(state().sessions) as db:
            complaint, _events = store.update_complaint(
                db,
                complaint_id,
                acting_user(db),
                status=status,
                response=request.form.get("response", ""),
            )
    except WorkflowError as exc:
        status_code = 404 if exc.code == ErrorCode.NOT_FOUND else 400
        return reply_error(workflow_message(exc), back, status_code)
    label = STATUS_LABELS[ComplaintStatus(complaint.status)]
    return reply_ok(
        _("Pengaduan %(number)s: %(status)s.", number=complaint.tracking_no, status=label), back
    )
