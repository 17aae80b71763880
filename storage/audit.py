"""The audit log: who viewed, decided, exported or changed what, and when."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.vocab import AuditAction, values
from storage.models import AuditLog, User

# The documented actions (core.vocab.AuditAction); `record` accepts any short snake_case verb so
# a new action never makes an audited operation fail.
ACTIONS = values(AuditAction)
_ACTION = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
TARGET_MAX = 120


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
    if isinstance(detail, dict):
        detail = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    row = AuditLog(
        user_id=user.id if user is not None else None,
        username=user.username if user is not None else None,
        action=action,
        target=None if target is None else str(target)[:TARGET_MAX],
        detail=detail,
    )
    session.add(row)
    session.flush()
    return row


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
