"""Event types: what happened, told after it is stored, in the past tense."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from pydantic import ConfigDict, TypeAdapter, ValidationError

from core.vocab import EventName


class EventError(ValueError):
    """A message that is not a valid event of a known type."""


@dataclass(frozen=True)
class Event:
    """Base of all events; `name` is the Socket.IO event name, `origin` the publishing process."""

    name: ClassVar[str] = "event"
    # "worker" (capture worker) or "web" (dashboard): each process notifies only what it
    # originates, so an event relayed to another process is never notified twice.
    origin: ClassVar[str] = "web"
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

    name: ClassVar[str] = EventName.GUEST_ARRIVED
    origin: ClassVar[str] = "worker"
    arrival_id: int
    camera: str
    guest_id: int | None
    guest_name: str | None
    at: datetime
    distance: float | None
    snapshot: str | None
    outside_hours: bool = False
    appointment_id: int | None = None  # the expected guest's appointment it fulfils


@dataclass(frozen=True)
class ArrivalUpdated(Event):
    """An existing arrival was seen again (same visit), possibly at another camera."""

    name: ClassVar[str] = EventName.ARRIVAL_UPDATED
    origin: ClassVar[str] = "worker"
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

    name: ClassVar[str] = EventName.UNKNOWN_FACE_SEEN
    origin: ClassVar[str] = "worker"
    unknown_id: int
    arrival_id: int
    camera: str
    at: datetime
    snapshot: str | None


@dataclass(frozen=True)
class ArrivalReidentified(Event):
    """The camera's evidence changed who an arrival is.

    A stranger recognised as a guest (`unknown_id` is the unknown face now closed), a name
    withdrawn (`guest_id` None; `unknown_id` is the new unknown face for the guard) or another
    guest named. `merged_into` is set when the arrival joined the guest's open visit and is gone.
    """

    name: ClassVar[str] = EventName.ARRIVAL_REIDENTIFIED
    origin: ClassVar[str] = "worker"
    arrival_id: int
    camera: str
    guest_id: int | None
    guest_name: str | None
    previous_guest_id: int | None
    unknown_id: int | None
    reason: str
    at: datetime
    merged_into: int | None = None
    snapshot: str | None = None
    distance: float | None = None


@dataclass(frozen=True)
class CameraStatusChanged(Event):
    """A camera went online, offline or is reconnecting; also sent periodically with fps."""

    name: ClassVar[str] = EventName.CAMERA_STATUS
    origin: ClassVar[str] = "worker"
    camera: str
    status: str
    last_frame_at: datetime | None
    fps: float
    error: str | None = None


@dataclass(frozen=True)
class UnknownResolved(Event):
    """A guard decided what a stranger's face is."""

    name: ClassVar[str] = EventName.UNKNOWN_RESOLVED
    unknown_id: int
    arrival_id: int | None
    action: str
    guest_id: int | None
    by: str


@dataclass(frozen=True)
class DecisionMade(Event):
    """The Bupati (or the adjutant on the Bupati's behalf) decided on a waiting guest."""

    name: ClassVar[str] = EventName.DECISION_MADE
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

    name: ClassVar[str] = EventName.ESCORT_CHANGED
    task_id: int
    arrival_id: int
    status: str
    by: str | None = None


@dataclass(frozen=True)
class OutcomeTold(Event):
    """The guard told the guest the Bupati's decision (`kind`) on their visit."""

    name: ClassVar[str] = EventName.OUTCOME_TOLD
    decision_id: int
    arrival_id: int
    kind: str
    by: str
    at: datetime


@dataclass(frozen=True)
class ReceivingChanged(Event):
    """The Bupati switched receiving guests on or off."""

    name: ClassVar[str] = EventName.RECEIVING_CHANGED
    receiving: bool
    by: str


@dataclass(frozen=True)
class GuestBookChanged(Event):
    """A guest-book entry was checked in or out."""

    name: ClassVar[str] = EventName.GUESTBOOK_CHANGED
    entry_id: int
    arrival_id: int | None
    action: str


@dataclass(frozen=True)
class WatchlistSighted(Event):
    """A person on the watchlist (daftar perhatian) was seen; `level` is how serious."""

    name: ClassVar[str] = EventName.WATCHLIST_SIGHTED
    origin: ClassVar[str] = "worker"
    watchlist_id: int
    person_name: str  # not `name`: that is the event type (ClassVar) on every event
    level: str
    camera: str
    at: datetime
    snapshot: str | None
    sighting_id: int | None = None
    note: str | None = None
    distance: float | None = None


@dataclass(frozen=True)
class WatchlistAcknowledged(Event):
    """A guard or security officer acknowledged a watchlist sighting."""

    name: ClassVar[str] = EventName.WATCHLIST_ACKNOWLEDGED
    sighting_id: int
    by: str


@dataclass(frozen=True)
class AppointmentsChanged(Event):
    """An appointment (janji temu) was made, fulfilled by an arrival, or became a no-show."""

    name: ClassVar[str] = EventName.APPOINTMENTS_CHANGED
    appointment_id: int
    status: str
    arrival_id: int | None = None


@dataclass(frozen=True)
class WorkerStatusChanged(Event):
    """The capture worker's heartbeat came back, or stopped for `web.worker_down_s`."""

    name: ClassVar[str] = EventName.WORKER_STATUS
    alive: bool
    last_beat_at: datetime | None


@dataclass(frozen=True)
class ResyncNeeded(Event):
    """Events may have been missed (the message queue was away): pages reload their panels."""

    name: ClassVar[str] = EventName.RESYNC
    reason: str


EVENT_TYPES: dict[str, type[Event]] = {
    cls.name: cls
    for cls in (
        GuestArrived,
        ArrivalUpdated,
        UnknownFaceSeen,
        ArrivalReidentified,
        CameraStatusChanged,
        UnknownResolved,
        DecisionMade,
        EscortChanged,
        OutcomeTold,
        ReceivingChanged,
        GuestBookChanged,
        WatchlistSighted,
        AppointmentsChanged,
        WorkerStatusChanged,
        WatchlistAcknowledged,
        ResyncNeeded,
    )
}


_ADAPTERS: dict[str, TypeAdapter[Any]] = {}


def _adapter(cls: type[Event]) -> TypeAdapter[Any]:
    """One pydantic adapter per event type, built on first use."""
    if cls.name not in _ADAPTERS:
        _ADAPTERS[cls.name] = TypeAdapter(cls)
    return _ADAPTERS[cls.name]


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
        event: Event = _adapter(cls).validate_json(json.dumps(fields))
        return event
    except (TypeError, ValueError) as exc:
        raise EventError(f"{name}: {_first_error(exc)}") from None


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        where = ".".join(str(part) for part in err["loc"]) or "(event)"
        return f"{where}: {err['msg']}"
    return str(exc)
