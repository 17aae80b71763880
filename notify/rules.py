"""Who gets what: pure functions from an event (or the waiting guests) to notices for people."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, tzinfo

from core.config import Config, PersonConfig, RuleConfig
from core.events import Event, GuestArrived, UnknownFaceSeen, WatchlistSighted
from notify import render
from storage.notifications import UndecidedArrival


@dataclass(frozen=True)
class Notice:
    """Something to tell some people; `key` names it once across processes and restarts."""

    key: str
    event_type: str
    title: str
    text: str
    people: tuple[PersonConfig, ...]
    urgent: bool = False
    snapshot: str | None = None


def in_quiet_hours(person: PersonConfig, now: datetime, tz: tzinfo) -> bool:
    """Whether `now` falls in the person's quiet hours (a window may pass midnight)."""
    window = person.quiet_window()
    if window is None:
        return False
    start, end = window
    local = now.astimezone(tz).time().replace(second=0, microsecond=0)
    return _within(local, start, end)


def _within(moment: time, start: time, end: time) -> bool:
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def notices_for_event(event: Event, config: Config) -> list[Notice]:
    """The notices one stored event asks for (none for most events)."""
    if isinstance(event, GuestArrived):
        return _arrival(event, config)
    if isinstance(event, UnknownFaceSeen):
        return _unknown(event, config)
    if isinstance(event, WatchlistSighted):
        return _watchlist(event, config)
    return []


def _arrival(event: GuestArrived, config: Config) -> list[Notice]:
    """A recognised guest's arrival and/or an arrival outside visiting hours, as one message."""
    rules = config.notifications.rules
    applied: list[RuleConfig] = []
    if event.guest_id is not None:
        applied.append(rules.guest_arrived)
    if event.outside_hours:
        applied.append(rules.outside_hours)
    people = _people(config, [t for rule in applied for t in rule.to])
    if not people:
        return []
    title, text = render.guest_arrived(
        event.guest_name,
        config.camera_label(event.camera),
        event.at,
        config.tz,
        event.outside_hours,
    )
    urgent = any(rule.urgent for rule in applied)
    key = f"{event.name}:{event.arrival_id}"
    return [Notice(key, event.name, title, text, people, urgent, event.snapshot)]


def _unknown(event: UnknownFaceSeen, config: Config) -> list[Notice]:
    """A stranger's face at a camera whose role the rule watches (the gate by default)."""
    rule = config.notifications.rules.unknown_face
    try:
        role = config.camera(event.camera).role
    except KeyError:
        role = None
    people = _people(config, rule.to)
    if role not in rule.cameras or not people:
        return []
    title, text = render.unknown_face(config.camera_label(event.camera), event.at, config.tz)
    key = f"{event.name}:{event.unknown_id}"
    return [Notice(key, event.name, title, text, people, rule.urgent, event.snapshot)]


def _watchlist(event: WatchlistSighted, config: Config) -> list[Notice]:
    """A watchlist sighting, urgent by default (it passes quiet hours)."""
    rule = config.notifications.rules.watchlist
    people = _people(config, rule.to)
    if not people:
        return []
    title, text = render.watchlist(
        event.person_name, event.level, config.camera_label(event.camera), event.at, config.tz
    )
    key = f"{event.name}:{event.watchlist_id}:{event.at.isoformat()}"
    return [Notice(key, event.name, title, text, people, rule.urgent, event.snapshot)]


def notices_for_waiting(
    waiting: Sequence[UndecidedArrival], now: datetime, config: Config
) -> list[Notice]:
    """Reminders and escalation steps now due for guests still waiting without a decision."""
    rule = config.notifications.rules.waiting
    steps = [("waiting_reminder", rule.after_minutes, rule.to)]
    steps += [
        (f"waiting_escalation_{i + 1}", step.after_minutes, step.to)
        for i, step in enumerate(rule.escalate)
    ]
    out = []
    for visit in waiting:
        minutes = (now - visit.first_seen).total_seconds() / 60
        for kind, after, targets in steps:
            people = _people(config, targets)
            if minutes < after or not people:
                continue
            escalated = kind != "waiting_reminder"
            title, text = render.waiting(
                visit.guest_name, visit.first_seen, int(minutes), config.tz, escalated
            )
            key = f"{kind}:{visit.arrival_id}"
            out.append(Notice(key, kind, title, text, people, rule.urgent, visit.snapshot))
    return out


def _people(config: Config, targets: Sequence[str]) -> tuple[PersonConfig, ...]:
    return tuple(config.notifications.people_for(list(targets)))
