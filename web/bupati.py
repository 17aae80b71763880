"""The Bupati's and adjutant's page: who is waiting now, decisions, the receiving switch."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from core.errors import WorkflowError
from core.vocab import AuditAction, DecisionKind
from core.workflow import NOTE_MAX, WAIT_MINUTES_MAX
from storage import dashboard, decisions
from storage.db import Session
from storage.receiving import is_receiving
from storage.receiving import set_receiving as store_receiving
from storage.types import utcnow
from web import forms
from web import security_policy as policy
from web.auth import acting_user, audit, roles_required
from web.extensions import state
from web.health import camera_rows, worker_state
from web.i18n import DECISION_LABELS
from web.messages import workflow_message
from web.responses import reply_error, reply_ok
from web.work import unit_of_work

log = logging.getLogger(__name__)
bp = Blueprint("bupati", __name__, url_prefix="/bupati")
RECENT_LIMIT = 10
RECENT_HOURS = 24
# Someone unseen for this long without a decision has gone home; security review keeps the record.
WAITING_HOURS = 12


@bp.get("/")
@roles_required()
def index() -> str:
    """The waiting list, newest arrivals, decisions and camera status."""
    with state().sessions() as db:
        context = waiting_context(db) | activity_context(db)
        page = render_template("bupati.html", worker=worker_state(db), **context)
    audit(AuditAction.VIEW_LIST, "bupati")  # once per page view, not per thumbnail
    return page


@bp.get("/waiting")
@roles_required()
def waiting_panel() -> str:
    """The waiting list alone (refreshed by the page on live events)."""
    with state().sessions() as db:
        return render_template("bupati/_waiting.html", **waiting_context(db))


@bp.get("/activity")
@roles_required()
def activity_panel() -> str:
    """Newest arrivals, recent decisions and camera status (refreshed on live events)."""
    with state().sessions() as db:
        return render_template("bupati/_activity.html", **activity_context(db))


def waiting_context(db: Session) -> dict[str, Any]:
    """What the waiting list shows."""
    return {
        "waiting": dashboard.waiting_now(db, since=utcnow() - timedelta(hours=WAITING_HOURS)),
        "now": utcnow(),
        "receiving": is_receiving(db),
        "can_decide": policy.may_access(current_user.role, "bupati.decide"),
        "wait_max": WAIT_MINUTES_MAX,
        "note_max": NOTE_MAX,
    }


def activity_context(db: Session) -> dict[str, Any]:
    """What the activity panel shows."""
    since = utcnow() - timedelta(hours=RECENT_HOURS)
    return {
        "recent_arrivals": dashboard.recent_arrivals(db, since, RECENT_LIMIT),
        "recent_decisions": decisions.recent_decisions(db, since, RECENT_LIMIT),
        "cameras": camera_rows(db),
    }


@bp.post("/arrivals/<int:arrival_id>/decide")
@roles_required()
def decide(arrival_id: int) -> Response:
    """Record a decision on a waiting guest; the guard's screen hears of it live."""
    back = url_for("bupati.index")
    form = request.form
    kind = (form.get("kind") or "").strip()
    try:
        when = None
        if kind == DecisionKind.RESCHEDULE:
            when = forms.local_datetime(form.get("date"), form.get("time"), state().config.tz)
        delegate_to = forms.text(form, "delegate_to")
        note = forms.text(form, "note")
        minutes = forms.text(form, "wait_minutes")
        with unit_of_work() as uow:
            decision = uow.collect(
                decisions.decide(
                    uow.session, arrival_id, kind, acting_user(uow.session),
                    reschedule_at=when, delegate_to=delegate_to, note=note, wait_minutes=minutes,
                )
            )  # fmt: skip
    except WorkflowError as exc:
        return reply_error(workflow_message(exc), back)
    except forms.FormError as exc:
        return reply_error(str(exc), back)
    label = DECISION_LABELS.get(kind, kind)
    return reply_ok(_("Keputusan tersimpan: %(kind)s.", kind=label), back, decision_id=decision.id)


@bp.post("/receiving")
@roles_required()
def set_receiving() -> Response:
    """Switch "receiving guests" on (receiving=1) or off (receiving=0)."""
    back = url_for("bupati.index")
    value = request.form.get("receiving")
    if value not in ("0", "1"):
        return reply_error(_("Pilihan tidak valid."), back)
    with unit_of_work() as uow:
        receiving = uow.collect(
            store_receiving(uow.session, value == "1", acting_user(uow.session))
        )
    message = _("Menerima tamu.") if receiving else _("Tidak menerima tamu.")
    return reply_ok(message, back, receiving=receiving)
