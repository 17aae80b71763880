"""Event types: what happened, told after it is stored, in the past tense."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, ClassVar

from pydantic import ConfigDict, TypeAdapter, ValidationError


class EventError(ValueError):
    """A message that is not a valid event of a known type."""


@dataclass(frozen=True)
class Event:
    """Base of all events; `name` is the Socket.IO event name."""

    name: ClassVar[str] = "event"
    # How parse_event checks a message: exact JSON types, no unknown or missing fields.
    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(strict=True, extra="forbid")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with the event's name under `type`."""
        out: dict[str, Any] = {"type": self.name}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            out[field.name] = value.isoformat() if isinstance(value, datetime) else value
        return out

    def to_json(self) -> str:
        """The event as one JSON line."""
        return json.dumps(self.to_dict(), ensure_ascii=False)


@dataclass(frozen=True)
class GuestArrived(Event):
    """A new arrival was recorded (a recognised guest, or a stranger when guest_id is None)."""

    name: ClassVar[str] = "guest_arrived"
    arrival_id: int
    camera: str
    guest_id: int | None
    guest_name: str | None
    at: datetime
    distance: float | None
    snapshot: str | None
    outside_hours: bool = False


@dataclass(frozen=True)
class ArrivalUpdated(Event):
    """An existing arrival was seen again (same visit), possibly at another camera."""

    name: ClassVar[str] = "arrival_updated"
    arrival_id: int
    camera: str
    guest_id: int | None
    last_seen: datetime
    sightings: int
    waiting_room_at: datetime | None = None
    snapshot: str | None = None


@dataclass(frozen=True)
class UnknownFaceSeen(Event):
    """A stranger's face awaits a guard's decision."""

    name: ClassVar[str] = "unknown_face_seen"
    unknown_id: int
    arrival_id: int
    camera: str
    at: datetime
    snapshot: str | None


@dataclass(frozen=True)
class CameraStatusChanged(Event):
    """A camera went online, offline or is reconnecting; also sent periodically with fps."""

    name: ClassVar[str] = "camera_status"
    camera: str
    status: str
    last_frame_at: datetime | None
    fps: float
    error: str | None = None


@dataclass(frozen=True)
class UnknownResolved(Event):
    """A guard decided what a stranger's face is."""

    name: ClassVar[str] = "unknown_resolved"
    unknown_id: int
    arrival_id: int | None
    action: str
    guest_id: int | None
    by: str


@dataclass(frozen=True)
class DecisionMade(Event):
    """The Bupati (or the adjutant on the Bupati's behalf) decided on a waiting guest."""

    name: ClassVar[str] = "decision_made"
    decision_id: int
    arrival_id: int
    kind: str
    by: str
    on_behalf: bool
    at: datetime
    detail: str | None = None


@dataclass(frozen=True)
class EscortChanged(Event):
    """An escort task was created or moved on (pending, escorted, left)."""

    name: ClassVar[str] = "escort_changed"
    task_id: int
    arrival_id: int
    status: str
    by: str | None = None


@dataclass(frozen=True)
class ReceivingChanged(Event):
    """The Bupati switched receiving guests on or off."""

    name: ClassVar[str] = "receiving_changed"
    receiving: bool
    by: str


@dataclass(frozen=True)
class GuestBookChanged(Event):
    """A guest-book entry was checked in or out."""

    name: ClassVar[str] = "guestbook_changed"
    entry_id: int
    arrival_id: int | None
    action: str


@dataclass(frozen=True)
class ResyncNeeded(Event):
    """Events may have been missed (the message queue was away): pages reload their panels."""

    name: ClassVar[str] = "resync"
    reason: str


EVENT_TYPES: dict[str, type[Event]] = {
    cls.name: cls
    for cls in (
        GuestArrived,
        ArrivalUpdated,
        UnknownFaceSeen,
        CameraStatusChanged,
        UnknownResolved,
        DecisionMade,
        EscortChanged,
        ReceivingChanged,
        GuestBookChanged,
        ResyncNeeded,
    )
}


@cache
def _adapter(cls: type[Event]) -> TypeAdapter[Any]:
    return TypeAdapter(cls)


def parse_event(data: Any) -> Event:
    """The Event that `data` (the `to_dict` form) describes; EventError if it is not exactly one.

    Checked as JSON against the type's fields: known `type`, every required field, no other
    field, exact JSON types (an id is a number, not "12"), ISO 8601 times.
    """
    if not isinstance(data, Mapping):
        raise EventError(f"an event is a mapping, not {type(data).__name__}")
    fields = dict(data)
    name = fields.pop("type", None)
    cls = EVENT_TYPES.get(name) if isinstance(name, str) else None
    if cls is None:
        raise EventError(f"unknown event type {str(name)[:40]!r}")
    try:
        return _adapter(cls).validate_json(json.dumps(fields))
    except (TypeError, ValueError) as exc:
        raise EventError(f"{name}: {_first_error(exc)}") from None


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        where = ".".join(str(part) for part in err["loc"]) or "(event)"
        return f"{where}: {err['msg']}"
    return str(exc)
