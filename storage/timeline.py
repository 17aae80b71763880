"""A visit's timeline for the security review: every recorded step, who took it, in order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import (
    Arrival,
    Decision,
    EscortTask,
    Guest,
    GuestBookEntry,
    UnknownFace,
    User,
)
from storage.rows import get_row


class Step(StrEnum):
    """A kind of timeline step, in the order steps at the same instant are shown."""

    FIRST_SEEN = "first_seen"
    WAITING_ROOM = "waiting_room"
    UNKNOWN_RESOLVED = "unknown_resolved"
    CHECKIN = "checkin"
    DECISION = "decision"
    TOLD = "told"  # the guard told the guest the decision
    ESCORT_CREATED = "escort_created"
    ESCORTED = "escorted"
    LEFT = "left"
    CHECKOUT = "checkout"
    LAST_SEEN = "last_seen"


STEP_ORDER = tuple(Step)


@dataclass(frozen=True)
class TimelineStep:
    """One thing that happened during a visit, who did it and the details."""

    at: datetime
    kind: Step
    by: str | None = None
    on_behalf: bool = False
    detail: dict[str, Any] | None = None


@dataclass(frozen=True)
class ArrivalDetail:
    """An arrival with everything recorded about its visit, in time order."""

    arrival: Arrival
    unknown: UnknownFace | None
    entries: list[GuestBookEntry]
    decisions: list[Decision]
    escorts: list[EscortTask]
    steps: list[TimelineStep]


def arrival_detail(session: Session, arrival_id: int) -> ArrivalDetail:
    """The visit of `arrival_id`: gate → waiting room → guest book → decisions → escort → left."""
    arrival = get_row(session, Arrival, arrival_id)
    unknown = session.scalar(
        select(UnknownFace).where(UnknownFace.arrival_id == arrival.id).order_by(UnknownFace.id)
    )
    entries = list(
        session.scalars(
            select(GuestBookEntry)
            .where(GuestBookEntry.arrival_id == arrival.id)
            .order_by(GuestBookEntry.id)
        )
    )
    decisions = list(
        session.scalars(
            select(Decision).where(Decision.arrival_id == arrival.id).order_by(Decision.id)
        )
    )
    escorts = list(
        session.scalars(
            select(EscortTask).where(EscortTask.arrival_id == arrival.id).order_by(EscortTask.id)
        )
    )
    steps = _arrival_steps(arrival)
    steps += _unknown_steps(session, unknown)
    steps += _entry_steps(session, entries)
    steps += _decision_steps(decisions)
    steps += _told_steps(session, decisions)
    steps += _escort_steps(session, escorts)
    steps.sort(key=lambda step: (step.at, STEP_ORDER.index(step.kind)))
    return ArrivalDetail(arrival, unknown, entries, decisions, escorts, steps)


def _usernames(session: Session, ids: Iterable[int | None]) -> dict[int | None, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    query = select(User.id, User.username).where(User.id.in_(wanted))
    return {user_id: name for user_id, name in session.execute(query).tuples()}


def _arrival_steps(arrival: Arrival) -> list[TimelineStep]:
    camera = {"camera": arrival.camera.name, "role": arrival.camera.role}
    steps = [TimelineStep(arrival.first_seen, Step.FIRST_SEEN, detail=camera)]
    if arrival.waiting_room_at is not None:
        steps.append(TimelineStep(arrival.waiting_room_at, Step.WAITING_ROOM))
    if arrival.last_seen > arrival.first_seen:
        detail = {"sightings": arrival.sightings}
        steps.append(TimelineStep(arrival.last_seen, Step.LAST_SEEN, detail=detail))
    return steps


def _unknown_steps(session: Session, unknown: UnknownFace | None) -> list[TimelineStep]:
    if unknown is None or unknown.resolved_at is None:
        return []
    names = _usernames(session, [unknown.resolved_by])
    guest = session.get(Guest, unknown.guest_id) if unknown.guest_id else None
    detail = {"action": unknown.status, "guest": guest.name if guest else None}
    by = names.get(unknown.resolved_by)
    return [TimelineStep(unknown.resolved_at, Step.UNKNOWN_RESOLVED, by, detail=detail)]


def _entry_steps(session: Session, entries: list[GuestBookEntry]) -> list[TimelineStep]:
    names = _usernames(session, [e.operator_id for e in entries])
    steps = []
    for entry in entries:
        detail = {
            "entry_id": entry.id,
            "name": entry.name,
            "purpose": entry.purpose,
            "companions": entry.companions,
        }
        by = names.get(entry.operator_id)
        steps.append(TimelineStep(entry.checked_in_at, Step.CHECKIN, by, detail=detail))
        if entry.checked_out_at is not None:
            checkout = {"entry_id": entry.id}
            steps.append(TimelineStep(entry.checked_out_at, Step.CHECKOUT, detail=checkout))
    return steps


def _decision_steps(decisions: list[Decision]) -> list[TimelineStep]:
    return [
        TimelineStep(
            d.created_at,
            Step.DECISION,
            d.by_user.username,
            d.on_behalf,
            {
                "kind": d.kind,
                "reschedule_at": d.reschedule_at,
                "delegate_to": d.delegate_to,
                "note": d.note,
                "wait_minutes": d.wait_minutes,
            },
        )
        for d in decisions
    ]


def _told_steps(session: Session, decisions: list[Decision]) -> list[TimelineStep]:
    names = _usernames(session, [d.told_by for d in decisions])
    return [
        TimelineStep(d.told_at, Step.TOLD, names.get(d.told_by), detail={"kind": d.kind})
        for d in decisions
        if d.told_at is not None
    ]


def _escort_steps(session: Session, escorts: list[EscortTask]) -> list[TimelineStep]:
    names = _usernames(session, [t.escorted_by for t in escorts] + [t.left_by for t in escorts])
    steps = []
    for task in escorts:
        created = {"task_id": task.id}
        steps.append(TimelineStep(task.created_at, Step.ESCORT_CREATED, detail=created))
        if task.escorted_at is not None:
            steps.append(TimelineStep(task.escorted_at, Step.ESCORTED, names.get(task.escorted_by)))
        if task.left_at is not None:
            steps.append(TimelineStep(task.left_at, Step.LEFT, names.get(task.left_by)))
    return steps
