"""The Bupati's and adjutant's page: who is waiting now, decisions, the receiving switch."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.events import DecisionMade, EscortChanged, ReceivingChanged
from storage import visits
from storage.db import transaction
from storage.models import Arrival, Decision
from storage.types import utcnow
from storage.visits import WorkflowError
from web import forms
from web import security_policy as policy
from web.auth import db_user, roles_required
from web.extensions import state
from web.i18n import DECISION_LABELS
from web.realtime import camera_rows, publish
from web.responses import reply_error, reply_ok

log = logging.getLogger(__name__)
bp = Blueprint("bupati", __name__, url_prefix="/bupati")
RECENT_LIMIT = 10
RECENT_HOURS = 24
# Someone unseen for this long without a decision has gone home; security review keeps the record.
WAITING_HOURS = 12


@bp.get("/")
@roles_required()
def index():
    """The waiting list, newest arrivals, decisions and camera status."""
    with state().sessions() as db:
        context = waiting_context(db) | activity_context(db)
        return render_template("bupati.html", **context)


@bp.get("/waiting")
@roles_required()
def waiting_panel():
    """The waiting list alone (refreshed by the page on live events)."""
    with state().sessions() as db:
        return render_template("bupati/_waiting.html", **waiting_context(db))


@bp.get("/activity")
@roles_required()
def activity_panel():
    """Newest arrivals, recent decisions and camera status (refreshed on live events)."""
    with state().sessions() as db:
        return render_template("bupati/_activity.html", **activity_context(db))


def waiting_context(db: Session) -> dict[str, Any]:
    """What the waiting list shows."""
    return {
        "waiting": visits.waiting_now(db, since=utcnow() - timedelta(hours=WAITING_HOURS)),
        "now": utcnow(),
        "receiving": visits.is_receiving(db),
        "can_decide": policy.may_access(current_user.role, "bupati.decide"),
    }


def activity_context(db: Session) -> dict[str, Any]:
    """What the activity panel shows."""
    since = utcnow() - timedelta(hours=RECENT_HOURS)
    arrivals = db.scalars(
        select(Arrival)
        .where(Arrival.first_seen >= since, Arrival.status != "dismissed")
        .options(selectinload(Arrival.guest), selectinload(Arrival.camera))
        .order_by(Arrival.first_seen.desc(), Arrival.id.desc())
        .limit(RECENT_LIMIT)
    )
    decisions = db.scalars(
        select(Decision)
        .where(Decision.created_at >= since)
        .options(selectinload(Decision.by_user))
        .order_by(Decision.created_at.desc(), Decision.id.desc())
        .limit(RECENT_LIMIT)
    )
    return {
        "recent_arrivals": list(arrivals),
        "recent_decisions": list(decisions),
        "cameras": camera_rows(db),
    }


@bp.post("/arrivals/<int:arrival_id>/decide")
@roles_required()
def decide(arrival_id: int):
    """Record a decision on a waiting guest; the guard's screen hears of it live."""
    back = url_for("bupati.index")
    form = request.form
    kind = (form.get("kind") or "").strip()
    try:
        when = None
        if kind == "reschedule":
            when = forms.local_datetime(form.get("date"), form.get("time"), state().config.tz)
        delegate_to = forms.text(form, "delegate_to")
        note = forms.text(form, "note")
        with transaction(state().sessions) as db:
            decision = visits.decide(
                db, arrival_id, kind, db_user(db),
                reschedule_at=when, delegate_to=delegate_to, note=note,
            )  # fmt: skip
            task = visits.escort_for_decision(db, decision.id)
    except (WorkflowError, forms.FormError) as exc:
        return reply_error(str(exc), back)
    _publish_decision(decision, task.id if task else None)
    label = DECISION_LABELS.get(kind, kind)
    return reply_ok(_("Keputusan tersimpan: %(kind)s.", kind=label), back, decision_id=decision.id)


def _publish_decision(decision: Decision, task_id: int | None) -> None:
    detail = decision.delegate_to
    if decision.reschedule_at is not None:
        detail = decision.reschedule_at.isoformat()
    publish(
        DecisionMade(
            decision_id=decision.id,
            arrival_id=decision.arrival_id,
            kind=decision.kind,
            by=current_user.username,
            on_behalf=decision.on_behalf,
            at=decision.created_at,
            detail=detail,
        )
    )
    if task_id is not None:
        publish(EscortChanged(task_id, decision.arrival_id, "pending", current_user.username))


@bp.post("/receiving")
@roles_required()
def set_receiving():
    """Switch "receiving guests" on (receiving=1) or off (receiving=0)."""
    back = url_for("bupati.index")
    value = request.form.get("receiving")
    if value not in ("0", "1"):
        return reply_error(_("Pilihan tidak valid."), back)
    receiving = value == "1"
    with transaction(state().sessions) as db:
        visits.set_receiving(db, receiving, db_user(db))
    publish(ReceivingChanged(receiving=receiving, by=current_user.username))
    message = _("Menerima tamu.") if receiving else _("Tidak menerima tamu.")
    return reply_ok(message, back, receiving=receiving)
