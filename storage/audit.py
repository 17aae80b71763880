"""The audit log: who viewed, decided, exported or changed what, and when."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.vocab import AuditAction, values
from storage.models import AuditLog, User
from storage.types import utcnow

# The documented actions (core.vocab.AuditAction); `record` accepts any short snake_case verb so
# a new action never makes an audited operation fail.
ACTIONS = values(AuditAction)
_ACTION = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
TARGET_MAX = 120
# Repeats of one event closer together than this are one burst (one row with a count).
BURST_WINDOW = timedelta(minutes=15)


class AuditError(ValueError):
    """An audit action that is not a short snake_case verb."""


def record(
    session: Session,
    user: User | None,
    action: str,
    target: str | int | None = None,
    detail: str | dict[str, Any] | None = None,
) -> AuditLog:
    """Add one audit row (not committed); `detail` may be a dict, stored as JSON."""
    if not isinstance(action, str) or not _ACTION.match(action):
        raise AuditError(f"bad audit action {action!r}")
    row = AuditLog(
        user_id=user.id if user is not None else None,
        username=user.username if user is not None else None,
        action=action,
        target=_target(target),
        detail=_detail(detail),
    )
    session.add(row)
    session.flush()
    return row


def record_burst(
    session: Session,
    user: User | None,
    action: str,
    target: str | int | None = None,
    detail: str | dict[str, Any] | None = None,
    *,
    now: datetime | None = None,
    window: timedelta = BURST_WINDOW,
) -> AuditLog:
    """Count one more of a repeated event (not committed): one row per burst, with a count.

    The row of the same user, action, target and detail last seen within `window` gets
    `count + 1` and a new `last_at`; otherwise a new burst row starts at count 1.
    """
    now = now or utcnow()
    text, aim = _detail(detail), _target(target)
    query = select(AuditLog).where(
        AuditLog.action == action,
        AuditLog.last_at >= now - window,
        _same(AuditLog.user_id, user.id if user is not None else None),
        _same(AuditLog.target, aim),
        _same(AuditLog.detail, text),
    )
    row = session.scalar(query.order_by(AuditLog.id.desc()).limit(1))
    if row is None:
        row = record(session, user, action, aim, text)
        row.at = row.last_at = now
        session.flush()
        return row
    row.count = AuditLog.count + 1  # in SQL: concurrent repeats all count
    row.last_at = now
    session.flush()
    return row


def _same(column: Any, value: object) -> Any:
    return column.is_(None) if value is None else column == value


def _target(target: str | int | None) -> str | None:
    return None if target is None else str(target)[:TARGET_MAX]


def _detail(detail: str | dict[str, Any] | None) -> str | None:
    if isinstance(detail, dict):
        return json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    return detail


def list_audit(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    user: User | str | int | None = None,
    action: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[AuditLog]:
    """Audit rows, newest first; `user` is a User, a username or a user id."""
    query = select(AuditLog)
    if since is not None:
        query = query.where(AuditLog.at >= since)
    if until is not None:
        query = query.where(AuditLog.at < until)
    if isinstance(user, User):
        query = query.where(AuditLog.user_id == user.id)
    elif isinstance(user, int):
        query = query.where(AuditLog.user_id == user)
    elif isinstance(user, str) and user:
        query = query.where(AuditLog.username == user)
    if action:
        query = query.where(AuditLog.action == action)
    query = query.order_by(AuditLog.at.desc(), AuditLog.id.desc()).offset(offset).limit(limit)
    return list(session.scalars(query))
