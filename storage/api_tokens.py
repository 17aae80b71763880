"""API tokens: created once (only the SHA-256 is stored), listed, revoked, checked per call."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import ROLES, User
from storage.models_api import ApiToken
from storage.types import utcnow

PREFIX = "tamu_"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,59}$")
TOKEN_MAX = 100
# last_used_at is written at most this often per token (each call would be a write otherwise).
TOUCH_EVERY = timedelta(minutes=1)


class TokenError(ValueError):
    """A token that cannot be created or changed; the message says why."""


@dataclass(frozen=True)
class NewToken:
    """A created token: the row, and the secret shown once and never stored."""

    row: ApiToken
    secret: str


def hash_token(secret: str) -> str:
    """The stored form of a token: its SHA-256 in hex (tokens are random, so no salt needed)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(session: Session, name: str, role: str, created_by: User | None) -> NewToken:
    """A new token named `name` with `role` (not committed); the secret is only in the result."""
    name = (name or "").strip()
    if not NAME.match(name):
        raise TokenError("name: 1-60 letters, digits, spaces, '_', '.' or '-'")
    if role not in ROLES:
        raise TokenError(f"role: one of {', '.join(ROLES)}")
    secret = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name,
        role=role,
        token_hash=hash_token(secret),
        created_by=created_by.id if created_by is not None else None,
    )
    session.add(row)
    session.flush()
    return NewToken(row, secret)


def list_tokens(session: Session) -> list[ApiToken]:
    """Every token, newest first (revoked ones too: the audit trail names them)."""
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))


def revoke_token(session: Session, token_id: int) -> ApiToken:
    """Revoke token `token_id` (not committed); an unknown id is a TokenError."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise TokenError(f"no API token with id {token_id}")
    row.revoked = True
    session.flush()
    return row


def authenticate(session: Session, secret: str, now: datetime | None = None) -> ApiToken | None:
    """The live token whose secret is `secret`, its last use noted; None when unknown or revoked."""
    if not secret or len(secret) > TOKEN_MAX:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if row is None or row.revoked:
        return None
    now = now or utcnow()
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        row.last_used_at = now
        session.flush()
    return row
