"""Whether the Bupati receives guests now: a switch in the settings table, audited."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.events import ReceivingChanged
from core.vocab import AuditAction
from storage import audit
from storage.models import User
from storage.rows import Outcome
from storage.settings import RECEIVING, get_setting, set_setting


def set_receiving(session: Session, receiving: bool, user: User) -> Outcome[bool]:
    """Switch "receiving guests" on or off for the Bupati; (the new state, events)."""
    set_setting(session, RECEIVING, "1" if receiving else "0")
    detail = {"receiving": bool(receiving)}
    audit.record(session, user, AuditAction.SET_RECEIVING, "receiving", detail)
    return receiving, [ReceivingChanged(receiving=receiving, by=user.username)]


def is_receiving(session: Session) -> bool:
    """Whether the Bupati receives guests now (default yes)."""
    return get_setting(session, RECEIVING, "1") != "0"
