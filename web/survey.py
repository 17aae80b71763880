"""The satisfaction survey (IKM): the guest-book slip with its QR, and the anonymous form.

`/operator/slip/<entry>` (operator, admin) prints a slip whose QR holds a fresh one-visit
token; `/survei/<token>` (no login) takes one answer per token, rate-limited, with CSRF.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.errors import ErrorCode, WorkflowError
from core.ikm import ELEMENTS
from storage import survey as survey_store
from storage.db import transaction
from storage.survey import COMMENT_MAX
from web.auth import acting_user, roles_required
from web.extensions import limiter, state
from web.messages import workflow_message
from web.public import qr_data_uri
from web.responses import error_page
from web.security_policy import ADMIN, OPERATOR

bp = Blueprint("survey", __name__)

ANSWER_LIMIT = "30 per hour"  # one phone per visit; a shared waiting-room Wi-Fi stays well under
SCORE_LABELS = {
    1: _l("Tidak baik"),
    2: _l("Kurang baik"),
    3: _l("Baik"),
    4: _l("Sangat baik"),
}
STATUS = {ErrorCode.SURVEY_UNKNOWN: 404, ErrorCode.SURVEY_USED: 409}


@bp.get("/operator/slip/<int:entry_id>")
@roles_required(OPERATOR, ADMIN)
def slip(entry_id: int):
    """A printable guest-book slip with the visit's survey QR (a reprint gets a new one)."""
    valid_days = state().config.public.survey_valid_days
    try:
        with transaction(state().sessions) as db:
            user = acting_user(db)
            issued, _events = survey_store.issue_slip_token(
                db, entry_id, user, valid_days=valid_days
            )
    except WorkflowError as exc:
        return error_page(workflow_message(exc), 404)
    url = qr = None
    if issued.token is not None:
        url = url_for("survey.respond", token=issued.token, _external=True)
        qr = qr_data_uri(url)
    return render_template("public/slip.html", issued=issued, survey_url=url, survey_qr=qr)


@bp.route("/survei/<token>", methods=["GET", "POST"])
@limiter.limit(ANSWER_LIMIT, methods=["POST"])
def respond(token: str):
    """The anonymous survey of one visit: nine elements scored 1–4 and a comment."""
    try:
        with transaction(state().sessions) as db:
            survey_store.check_token(db, token)
    except WorkflowError as exc:
        return _refused(exc)
    if request.method == "GET":
        return _form({}, "")
    scores = {e.code: request.form.get(e.code, "") for e in ELEMENTS}
    comment = request.form.get("comment", "")
    try:
        with transaction(state().sessions) as db:
            survey_store.submit_response(db, token, scores, comment)
    except WorkflowError as exc:
        if exc.code in STATUS:
            return _refused(exc)
        return _form(scores, comment, workflow_message(exc), 400)
    return render_template("public/survey_thanks.html")


def _refused(exc: WorkflowError) -> tuple[Any, int]:
    return render_template("public/survey_closed.html", message=workflow_message(exc)), STATUS.get(
        exc.code, 400
    )


def _form(scores: dict[str, str], comment: str, error: str | None = None, status: int = 200):
    page = render_template(
        "public/survey.html",
        elements=ELEMENTS,
        score_labels=SCORE_LABELS,
        scores=scores,
        comment=comment[:COMMENT_MAX],
        comment_max=COMMENT_MAX,
        error=error,
        title=_("Survei Kepuasan Masyarakat"),
    )
    return page, status
