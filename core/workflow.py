"""The guest SOP as rules: who may decide, which moves are allowed, what a valid entry is.

Pure logic with no database: the `storage` command modules (`storage.decisions`,
`storage.unknowns`, `storage.guestbook`) apply these rules to stored rows (core never imports
storage). Every input is validated once, here; a refusal raises `core.errors.WorkflowError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from core.errors import ErrorCode, Field, InvalidFields, WorkflowError
from core.text import has_control
from core.vocab import (
    ArrivalStatus,
    DecisionKind,
    EscortStatus,
    GuestCategory,
    Role,
    UnknownAction,
    UnknownStatus,
    values,
)

DECIDERS = (Role.BUPATI, Role.ADJUTANT)
# Who tells the guest the outcome: the guard standing with them (the admin covers for them).
RELAYING_ROLES = (Role.GUARD, Role.ADMIN)
# Roles allowed to record a decision; everyone but the Bupati decides on the Bupati's behalf.
DECIDING_ROLES = (*DECIDERS, Role.ADMIN)
# What a decision does to the arrival; "wait" leaves it waiting (still open).
STATUS_AFTER_DECISION = {
    DecisionKind.RECEIVE: ArrivalStatus.RECEIVED,
    DecisionKind.WAIT: ArrivalStatus.WAITING,
    DecisionKind.RESCHEDULE: ArrivalStatus.RESCHEDULED,
    DecisionKind.DECLINE: ArrivalStatus.DECLINED,
    DecisionKind.DELEGATE: ArrivalStatus.DELEGATED,
}
OPEN_STATUSES = (ArrivalStatus.WAITING,)
ESCORT_NEXT = {
    EscortStatus.PENDING: (EscortStatus.ESCORTED, EscortStatus.LEFT),
    EscortStatus.ESCORTED: (EscortStatus.LEFT,),
    EscortStatus.LEFT: (),
}
UNKNOWN_STATUS_AFTER = {
    UnknownAction.IDENTIFY: UnknownStatus.IDENTIFIED,
    UnknownAction.REGISTER: UnknownStatus.REGISTERED,
    UnknownAction.NOT_GUEST: UnknownStatus.NOT_GUEST,
    UnknownAction.DISMISS: UnknownStatus.DISMISSED,
}

NAME_MAX = 120
PURPOSE_MAX = 500
INSTITUTION_MAX = 160
PHONE_MAX = 40
NOTE_MAX = 500
DELEGATE_MAX = 120
COMPANIONS_MAX = 50
WAIT_MINUTES_MAX = 480  # a working day: longer is a reschedule
# Fields typed in a textarea: the only ones that may hold line breaks.
MULTILINE_FIELDS = frozenset(
    {Field.PURPOSE, Field.NOTE, Field.COMMENT, Field.MESSAGE, Field.RESPONSE}
)
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-.]*$")
_WHOLE_NUMBER = re.compile(r"^-?[0-9]{1,6}$")  # ASCII digits only ("²".isdigit() is True)
T = TypeVar("T")


@dataclass(frozen=True)
class DecisionRequest:
    """A validated decision, ready to be stored."""

    kind: DecisionKind
    on_behalf: bool
    reschedule_at: datetime | None
    delegate_to: str | None
    note: str | None
    wait_minutes: int | None = None


@dataclass(frozen=True)
class GuestFields:
    """Validated details of a guest to register."""

    name: str
    category: GuestCategory
    institution: str | None
    phone: str | None


@dataclass(frozen=True)
class GuestBookFields:
    """Validated guest-book fields, stripped, empty optionals as None."""

    name: str
    category: GuestCategory
    institution: str | None
    purpose: str
    phone: str | None
    companions: int


def clean_text(value: object, field: Field, max_len: int, *, required: bool) -> str | None:
    """Strip `value`; refuse control characters (line breaks only in multi-line fields), a
    missing required value, or one longer than `max_len`."""
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise WorkflowError(ErrorCode.NOT_TEXT, field=field)
    if has_control(text, multiline=field in MULTILINE_FIELDS):
        raise WorkflowError(ErrorCode.CONTROL_CHARS, field=field)
    if not text:
        if required:
            raise WorkflowError(ErrorCode.REQUIRED, field=field)
        return None
    if len(text) > max_len:
        raise WorkflowError(ErrorCode.TOO_LONG, field=field, max=max_len)
    return text


def required_text(value: object, field: Field, max_len: int) -> str:
    """A required text value (see `clean_text`)."""
    text = clean_text(value, field, max_len, required=False)
    if text is None:
        raise WorkflowError(ErrorCode.REQUIRED, field=field)
    return text


def clean_phone(value: object) -> str | None:
    """A plausible phone number (digits, spaces, + ( ) - .; 6 to 20 digits) or None."""
    text = clean_text(value, Field.PHONE, PHONE_MAX, required=False)
    if text is None:
        return None
    digits = sum("0" <= ch <= "9" for ch in text)
    if not _PHONE.match(text) or not 6 <= digits <= 20:
        raise WorkflowError(ErrorCode.BAD_PHONE)
    return text


def clean_category(value: object) -> GuestCategory:
    """One of the guest categories."""
    if isinstance(value, str) and value in values(GuestCategory):
        return GuestCategory(value)
    raise WorkflowError(ErrorCode.BAD_CATEGORY)


def clean_companions(value: object) -> int:
    """A whole number of companions between 0 and COMPANIONS_MAX (ASCII digits; empty is 0)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    return _whole_number(value, Field.COMPANIONS, 0, COMPANIONS_MAX)


def clean_wait_minutes(value: object) -> int | None:
    """How long the guest is asked to wait: 1 to WAIT_MINUTES_MAX minutes, or None if not given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _whole_number(value, Field.WAIT_MINUTES, 1, WAIT_MINUTES_MAX)


def _whole_number(value: object, field: Field, low: int, high: int) -> int:
    """An int (or ASCII digits) between `low` and `high`."""
    if isinstance(value, str) and _WHOLE_NUMBER.match(value.strip()):
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise WorkflowError(ErrorCode.NOT_A_NUMBER, field=field)
    if not low <= value <= high:
        raise WorkflowError(ErrorCode.OUT_OF_RANGE, field=field, min=low, max=high)
    return value


class _Checks:
    """Runs each field's check and keeps every field's problem, to refuse them all at once."""

    def __init__(self) -> None:
        self.problems: dict[Field, WorkflowError] = {}

    def run(self, field: Field, check: Callable[[], T], fallback: T) -> T:
        """The checked value, or `fallback` after noting the field's problem."""
        try:
            return check()
        except WorkflowError as exc:
            self.problems[field] = exc
            return fallback

    def done(self) -> None:
        """Raise InvalidFields when any field had a problem."""
        if self.problems:
            raise InvalidFields(self.problems)


def validate_guestbook(
    *,
    name: object,
    category: object,
    institution: object = None,
    purpose: object,
    phone: object = None,
    companions: object = 0,
) -> GuestBookFields:
    """Check every guest-book field; the problems of all fields raise one InvalidFields."""
    checks = _Checks()
    fields = GuestBookFields(
        name=checks.run(Field.NAME, lambda: required_text(name, Field.NAME, NAME_MAX), ""),
        category=checks.run(
            Field.CATEGORY, lambda: clean_category(category), GuestCategory.MASYARAKAT
        ),
        institution=checks.run(
            Field.INSTITUTION,
            lambda: clean_text(institution, Field.INSTITUTION, INSTITUTION_MAX, required=False),
            None,
        ),
        purpose=checks.run(
            Field.PURPOSE, lambda: required_text(purpose, Field.PURPOSE, PURPOSE_MAX), ""
        ),
        phone=checks.run(Field.PHONE, lambda: clean_phone(phone), None),
        companions=checks.run(Field.COMPANIONS, lambda: clean_companions(companions), 0),
    )
    checks.done()
    return fields


def validate_guest_fields(fields: Mapping[str, object] | None) -> GuestFields:
    """Name, category (default masyarakat), institution and phone of a guest to register."""
    raw = fields or {}
    checks = _Checks()
    guest = GuestFields(
        name=checks.run(
            Field.NAME, lambda: required_text(raw.get("name"), Field.NAME, NAME_MAX), ""
        ),
        category=checks.run(
            Field.CATEGORY,
            lambda: clean_category(raw.get("category") or GuestCategory.MASYARAKAT),
            GuestCategory.MASYARAKAT,
        ),
        institution=checks.run(
            Field.INSTITUTION,
            lambda: clean_text(
                raw.get("institution"), Field.INSTITUTION, INSTITUTION_MAX, required=False
            ),
            None,
        ),
        phone=checks.run(Field.PHONE, lambda: clean_phone(raw.get("phone")), None),
    )
    checks.done()
    return guest


def validate_decision(
    kind: str,
    role: str,
    *,
    reschedule_at: datetime | None = None,
    delegate_to: str | None = None,
    note: str | None = None,
    wait_minutes: object = None,
    now: datetime | None = None,
) -> DecisionRequest:
    """Check a decision against the SOP: allowed role, kind, and the kind's own fields."""
    if role not in DECIDING_ROLES:
        raise WorkflowError(ErrorCode.NOT_A_DECIDER)
    try:
        decision = DecisionKind(kind)
    except ValueError:
        raise WorkflowError(ErrorCode.UNKNOWN_DECISION, kind=kind) from None
    when = None
    if decision is DecisionKind.RESCHEDULE:
        when = _future(reschedule_at, now or datetime.now(UTC))
    delegate = None
    if decision is DecisionKind.DELEGATE:
        delegate = required_text(delegate_to, Field.DELEGATE_TO, DELEGATE_MAX)
    minutes = clean_wait_minutes(wait_minutes) if decision is DecisionKind.WAIT else None
    return DecisionRequest(
        kind=decision,
        on_behalf=role != Role.BUPATI,
        reschedule_at=when,
        delegate_to=delegate,
        note=clean_text(note, Field.NOTE, NOTE_MAX, required=False),
        wait_minutes=minutes,
    )


def _future(at: datetime | None, now: datetime) -> datetime:
    if at is None:
        raise WorkflowError(ErrorCode.REQUIRED, field=Field.RESCHEDULE_AT)
    if at.tzinfo is None:
        raise WorkflowError(ErrorCode.NAIVE_TIME)
    if at <= now:
        raise WorkflowError(ErrorCode.NOT_IN_FUTURE)
    return at.astimezone(UTC)


def check_open(status: str) -> None:
    """Refuse a decision on an arrival that is no longer waiting."""
    if status not in OPEN_STATUSES:
        raise WorkflowError(ErrorCode.ALREADY_DECIDED, status=status)


def check_relayer(role: str) -> None:
    """Refuse recording "the guest was told" by anyone but the guard (or the admin)."""
    if role not in RELAYING_ROLES:
        raise WorkflowError(ErrorCode.NOT_A_RELAYER)


def check_untold(told_at: datetime | None) -> None:
    """Refuse recording "the guest was told" a second time."""
    if told_at is not None:
        raise WorkflowError(ErrorCode.ALREADY_TOLD)


def check_escort_move(current: str, new: str) -> EscortStatus:
    """The escort task's next status; refuses a step off pending → escorted → left."""
    try:
        target = EscortStatus(new)
    except ValueError:
        raise WorkflowError(ErrorCode.UNKNOWN_ESCORT_STATUS, status=new) from None
    if target not in ESCORT_NEXT.get(EscortStatus(current), ()):
        raise WorkflowError(ErrorCode.ESCORT_MOVE, current=current, new=new)
    return target


def check_unknown_action(action: str, status: str) -> tuple[UnknownAction, UnknownStatus]:
    """The action and the unknown face's status after it; refuses unknowns and re-resolving."""
    try:
        chosen = UnknownAction(action)
    except ValueError:
        raise WorkflowError(ErrorCode.UNKNOWN_ACTION, action=action) from None
    if status != UnknownStatus.PENDING:
        raise WorkflowError(ErrorCode.ALREADY_RESOLVED, status=status)
    return chosen, UNKNOWN_STATUS_AFTER[chosen]
