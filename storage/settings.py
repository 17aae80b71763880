"""Small shared settings: the enrolment version (workers reload on change), receiving guests."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from storage.models import Setting

ENROLMENT_VERSION = "enrolment_version"
RECEIVING = "receiving"


def get_setting(session: Session, key: str, default: str | None = None) -> str | None:
    """The stored value of `key`, or `default` when it was never set."""
    row = session.get(Setting, key)
    return row.value if row is not None else default


def set_setting(session: Session, key: str, value: str) -> None:
    """Store `value` under `key` (insert or update; the caller commits)."""
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
    session.flush()


def enrolment_version(session: Session) -> str:
    """An opaque token that changes whenever guests or their face samples change."""
    return get_setting(session, ENROLMENT_VERSION, "0") or "0"


def bump_enrolment_version(session: Session) -> str:
    """Give the enrolment a new version token (random, so concurrent bumps never collide)."""
    version = secrets.token_hex(8)
    set_setting(session, ENROLMENT_VERSION, version)
    return version
