"""The satisfaction survey (IKM): one link per guest-book visit, anonymous answers, summaries.

A slip's QR holds a random token; only its SHA-256 is stored. Answering marks the token used
and stores the scores in a row that does not point back to it, so no view or export can tie an
answer to a guest.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core import ikm
from core.errors import ErrorCode, Field, WorkflowError
from core.vocab import AuditAction
from core.workflow import clean_text
from storage import audit
from storage.models import GuestBookEntry, User
from storage.models_public import SurveyResponse, SurveyToken
from storage.rows import Outcome, get_row
from storage.types import utcnow

COMMENT_MAX = 500
TOKEN_BYTES = 18  # 24 URL-safe characters, 144 random bits


@dataclass(frozen=True)
class SlipSurvey:
    """A visit's survey link as the slip shows it: the token (None once answered)."""

    entry: GuestBookEntry
    token: str | None
    expires_at: datetime | None


class IkmSummary(NamedTuple):
    """A period's survey result: responses, each element's mean, the IKM and its category."""

    responses: int
    element_means: dict[str, float]
    ikm: Decimal | None
    category: ikm.Category | None


def token_hash(token: str) -> str:
    """The stored form of a survey token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_slip_token(
    session: Session, entry_id: int, user: User, *, valid_days: int, now: datetime | None = None
) -> Outcome[SlipSurvey]:
    """A fresh survey token for a guest-book entry's slip; an earlier unused one stops working.

    Only the hash is stored, so a reprinted slip gets a new token. Once the visit's survey is
    answered no new token is issued (token None).
    """
    now = now or utcnow()
    entry = get_row(session, GuestBookEntry, entry_id)
    row = session.scalar(select(SurveyToken).where(SurveyToken.guestbook_id == entry.id))
    if row is not None and row.used:
        return SlipSurvey(entry, None, None), []
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires = now + timedelta(days=valid_days)
    if row is None:
        row = SurveyToken(guestbook_id=entry.id, token_hash=token_hash(token), expires_at=expires)
        session.add(row)
    else:
        row.token_hash, row.expires_at = token_hash(token), expires
    session.flush()
    audit.record(session, user, AuditAction.SLIP_PRINT, f"guestbook:{entry.id}")
    return SlipSurvey(entry, token, expires), []


def check_token(session: Session, token: str, now: datetime | None = None) -> None:
    """Raise SURVEY_UNKNOWN (no such token, or expired) or SURVEY_USED; else return."""
    row = _token_row(session, token)
    if row is None or row.expires_at <= (now or utcnow()):
        raise WorkflowError(ErrorCode.SURVEY_UNKNOWN)
    if row.used:
        raise WorkflowError(ErrorCode.SURVEY_USED)


def _token_row(session: Session, token: str) -> SurveyToken | None:
    if not isinstance(token, str) or not 10 <= len(token) <= 64:
        return None
    return session.scalar(select(SurveyToken).where(SurveyToken.token_hash == token_hash(token)))


def clean_scores(scores: Mapping[str, object]) -> dict[str, int]:
    """The nine element scores as integers 1–4, or a WorkflowError naming the problem."""
    out: dict[str, int] = {}
    for code in ikm.ELEMENT_CODES:
        raw = scores.get(code)
        text = raw.strip() if isinstance(raw, str) else raw
        if text is None or text == "":
            raise WorkflowError(ErrorCode.REQUIRED, field=Field.SCORE)
        if not isinstance(text, str | int) or str(text) not in {"1", "2", "3", "4"}:
            raise WorkflowError(
                ErrorCode.OUT_OF_RANGE, field=Field.SCORE, min=ikm.SCORE_MIN, max=ikm.SCORE_MAX
            )
        out[code] = int(text)
    return out


def submit_response(
    session: Session,
    token: str,
    scores: Mapping[str, object],
    comment: object = None,
    now: datetime | None = None,
) -> Outcome[SurveyResponse]:
    """Store one anonymous answer for `token`; a second answer is refused (SURVEY_USED).

    The inputs are checked first, so a bad answer leaves the token usable.
    """
    now = now or utcnow()
    clean = clean_scores(scores)
    text = clean_text(comment, Field.COMMENT, COMMENT_MAX, required=False)
    check_token(session, token, now)
    # The claim is one conditional UPDATE: two answers racing cannot both win.
    claimed = session.execute(
        update(SurveyToken)
        .where(SurveyToken.token_hash == token_hash(token), SurveyToken.used.is_(False))
        .values(used=True)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise WorkflowError(ErrorCode.SURVEY_USED)
    # Whole minutes: the answer's time cannot single out a visit by the second.
    response = SurveyResponse(submitted_at=now.replace(second=0, microsecond=0), comment=text)
    for code, score in clean.items():
        setattr(response, code, score)
    session.add(response)
    session.flush()
    return response, []


def ikm_summary(session: Session, start: datetime, end: datetime) -> IkmSummary:
    """Answers submitted in [start, end): count, element means, IKM and category (None if none)."""
    columns = [func.avg(getattr(SurveyResponse, code)) for code in ikm.ELEMENT_CODES]
    row = session.execute(
        select(func.count(SurveyResponse.id), *columns).where(
            SurveyResponse.submitted_at >= start, SurveyResponse.submitted_at < end
        )
    ).one()
    count = int(row[0])
    if count == 0:
        return IkmSummary(0, {}, None, None)
    means = {code: float(value) for code, value in zip(ikm.ELEMENT_CODES, row[1:], strict=True)}
    value = ikm.ikm_value(list(means.values()))
    return IkmSummary(count, means, value, ikm.category(value))


def survey_comments(session: Session, start: datetime, end: datetime) -> list[str]:
    """The comments of answers submitted in [start, end), newest first (no other field)."""
    query = (
        select(SurveyResponse.comment)
        .where(
            SurveyResponse.submitted_at >= start,
            SurveyResponse.submitted_at < end,
            SurveyResponse.comment.is_not(None),
        )
        .order_by(SurveyResponse.submitted_at.desc())
    )
    return [c for c in session.scalars(query) if c]
