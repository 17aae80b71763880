"""The visit workflow on stored rows: decisions, escorts, unknown faces, the guest book.

Every function validates everything first (core.workflow), then writes; none commits and none
publishes. Callers wrap them in `storage.db.transaction` and publish the matching
core.events event after the commit. A refusal raises WorkflowError with a user-facing message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import cv2
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from core.workflow import (
    DECIDERS,
    STATUS_AFTER_DECISION,
    WorkflowError,
    check_escort_move,
    check_open,
    check_unknown_action,
    clean_text,
    validate_decision,
    validate_guest_fields,
    validate_guestbook,
)
from storage import audit
from storage.guests import GuestError, add_sample, create_guest, decode_vector
from storage.media import MediaError, MediaStore
from storage.models import (
    Arrival,
    Base,
    Camera,
    Decision,
    EscortTask,
    Guest,
    GuestBookEntry,
    UnknownFace,
    User,
)
from storage.settings import RECEIVING, get_setting, set_setting
from storage.types import utcnow

__all__ = [
    "DECIDERS",
    "NO_DECISION",
    "ArrivalDetail",
    "ArrivalFilter",
    "ArrivalRow",
    "TimelineStep",
    "WaitingArrival",
    "WorkflowError",
    "arrival_detail",
    "camera_names",
    "check_in",
    "check_out",
    "checkin_candidates",
    "decide",
    "escort_for_decision",
    "export_arrivals",
    "guestbook_between",
    "is_receiving",
    "latest_entries",
    "pending_escorts",
    "pending_unknowns",
    "prefill_for_arrival",
    "resolve_unknown",
    "search_arrivals",
    "set_receiving",
    "update_escort",
    "waiting_now",
]

log = logging.getLogger(__name__)
ModelT = TypeVar("ModelT", bound=Base)
_LABELS = {
    Arrival: "Kedatangan",
    UnknownFace: "Wajah tidak dikenal",
    EscortTask: "Tugas pengantaran",
    GuestBookEntry: "Entri buku tamu",
    Guest: "Tamu",
}


def _get(session: Session, model: type[ModelT], row_id: object, *, lock: bool = False) -> ModelT:
    """The row with `row_id` (locked for update when asked), or a WorkflowError."""
    label = _LABELS.get(model, model.__name__)
    if isinstance(row_id, bool) or not isinstance(row_id, int):
        raise WorkflowError(f"{label} tidak ditemukan (id tidak valid: {row_id!r}).")
    row = session.get(model, row_id, with_for_update=lock or None)
    if row is None:
        raise WorkflowError(f"{label} #{row_id} tidak ditemukan.")
    return row


def decide(
    session: Session,
    arrival_id: int,
    kind: str,
    user: User,
    *,
    reschedule_at: datetime | None = None,
    delegate_to: str | None = None,
    note: str | None = None,
) -> Decision:
    """Record the Bupati's decision (the adjutant's on his behalf) on a waiting arrival."""
    request = validate_decision(
        kind, user.role, reschedule_at=reschedule_at, delegate_to=delegate_to, note=note
    )
    arrival = _get(session, Arrival, arrival_id, lock=True)
    check_open(arrival.status)
    decision = Decision(
        arrival_id=arrival.id,
        kind=request.kind,
        by_user_id=user.id,
        on_behalf=request.on_behalf,
        reschedule_at=request.reschedule_at,
        delegate_to=request.delegate_to,
        note=request.note,
        created_at=utcnow(),
    )
    session.add(decision)
    arrival.status = STATUS_AFTER_DECISION[request.kind]
    session.flush()
    if request.kind == "receive":
        session.add(EscortTask(arrival_id=arrival.id, decision_id=decision.id, status="pending"))
        session.flush()
    detail = {"kind": request.kind, "on_behalf": request.on_behalf}
    if request.reschedule_at:
        detail["reschedule_at"] = request.reschedule_at.isoformat()
    if request.delegate_to:
        detail["delegate_to"] = request.delegate_to
    audit.record(session, user, "decide", f"arrival:{arrival.id}", detail)
    return decision


def escort_for_decision(session: Session, decision_id: int) -> EscortTask | None:
    """The escort task a "receive" decision created, if any."""
    return session.scalar(select(EscortTask).where(EscortTask.decision_id == decision_id))


def update_escort(session: Session, task_id: int, status: str, user: User) -> EscortTask:
    """Move an escort task on: pending → escorted → left; "left" closes the visit."""
    task = _get(session, EscortTask, task_id, lock=True)
    check_escort_move(task.status, status)
    now = utcnow()
    task.status = status
    if status == "escorted":
        task.escorted_at, task.escorted_by = now, user.id
    else:
        task.left_at, task.left_by = now, user.id
        _get(session, Arrival, task.arrival_id).status = "left"
    session.flush()
    audit.record(session, user, "escort", f"escort:{task.id}", {"status": status})
    return task


def pending_escorts(session: Session) -> list[EscortTask]:
    """Escort tasks not yet finished (pending or escorted), oldest first."""
    query = (
        select(EscortTask)
        .where(EscortTask.status.in_(("pending", "escorted")))
        .order_by(EscortTask.created_at, EscortTask.id)
    )
    return list(session.scalars(query))


def resolve_unknown(
    session: Session,
    media: MediaStore,
    unknown_id: int,
    action: str,
    user: User,
    *,
    guest_id: int | None = None,
    guest_fields: dict[str, Any] | None = None,
    purpose: str | None = None,
) -> UnknownFace:
    """The guard's answer to a stranger's face: identify, register, not_guest or dismiss."""
    now = utcnow()
    unknown = _get(session, UnknownFace, unknown_id, lock=True)
    new_status = check_unknown_action(action, unknown.status)
    arrival = _get(session, Arrival, unknown.arrival_id)
    if action == "identify":
        guest = _identify(session, media, unknown, guest_id)
    elif action == "register":
        guest = _register(session, media, unknown, user, guest_fields, purpose, now)
    elif action == "not_guest":
        guest = _not_guest(session, unknown, guest_id, guest_fields)
    else:
        guest = None
    if guest is not None:
        arrival.guest_id = guest.id
        unknown.guest_id = guest.id
    if action in ("not_guest", "dismiss"):
        arrival.status = "dismissed"
    unknown.status = new_status
    unknown.resolved_by = user.id
    unknown.resolved_at = now
    session.flush()
    detail = {"action": action, "arrival_id": arrival.id, "guest_id": unknown.guest_id}
    audit.record(session, user, "resolve_unknown", f"unknown:{unknown.id}", detail)
    return unknown


def _identify(
    session: Session, media: MediaStore, unknown: UnknownFace, guest_id: int | None
) -> Guest:
    if guest_id is None:
        raise WorkflowError("Pilih tamu yang dimaksud.")
    guest = _get(session, Guest, guest_id)
    if guest.is_staff:
        raise WorkflowError("Orang ini terdaftar sebagai staf/keluarga, bukan tamu.")
    _enrol(session, media, guest, unknown)
    return guest


def _register(
    session: Session,
    media: MediaStore,
    unknown: UnknownFace,
    user: User,
    guest_fields: dict[str, Any] | None,
    purpose: str | None,
    now: datetime,
) -> Guest:
    fields = validate_guest_fields(guest_fields)
    entry_fields = None
    if purpose is not None and purpose.strip():
        entry_fields = validate_guestbook(**fields, purpose=purpose, companions=0)
    guest = _create_guest(session, **fields)
    _enrol(session, media, guest, unknown)
    if entry_fields is not None:
        entry = GuestBookEntry(
            arrival_id=unknown.arrival_id,
            guest_id=guest.id,
            operator_id=user.id,
            checked_in_at=now,
            **vars(entry_fields),
        )
        session.add(entry)
        session.flush()
        audit.record(session, user, "checkin", f"guestbook:{entry.id}", {"via": "register"})
    return guest


def _not_guest(
    session: Session,
    unknown: UnknownFace,
    guest_id: int | None,
    guest_fields: dict[str, Any] | None,
) -> Guest:
    if unknown.encoding is None:
        raise WorkflowError("Wajah ini tidak memiliki data pengenal; pilih 'abaikan'.")
    if guest_id is not None:
        guest = _get(session, Guest, guest_id)
        guest.is_staff = True
    else:
        name = clean_text((guest_fields or {}).get("name"), "Nama", 120, required=False)
        guest = _create_guest(
            session, name=name or f"Staf/keluarga (wajah #{unknown.id})", is_staff=True
        )
    # The photo stays out: a staff sample only needs the encoding to be skipped.
    add_sample(session, guest, decode_vector(unknown.encoding), None)
    return guest


def _create_guest(session: Session, **fields: Any) -> Guest:
    try:
        return create_guest(session, **fields)
    except GuestError as exc:
        raise WorkflowError(str(exc)) from exc


def _enrol(session: Session, media: MediaStore, guest: Guest, unknown: UnknownFace) -> None:
    """Add the unknown's encoding (and a copy of its snapshot) as the guest's face sample."""
    if unknown.encoding is None:
        log.info("unknown face %s has no encoding; linked without enrolling", unknown.id)
        return
    photo = _copy_snapshot(media, unknown.snapshot)
    add_sample(session, guest, decode_vector(unknown.encoding), photo)


def _copy_snapshot(media: MediaStore, rel: str | None) -> str | None:
    """A copy of a stored snapshot under faces/, so purging snapshots keeps the enrolment."""
    if not rel:
        return None
    try:
        image = cv2.imread(str(media.resolve(rel)))
    except MediaError:
        log.warning("snapshot %s is gone; enrolling without a photo", rel)
        return None
    if image is None:
        return None
    return media.save_jpeg(image, "faces")


def set_receiving(session: Session, receiving: bool, user: User) -> None:
    """Switch "receiving guests" on or off for the Bupati."""
    set_setting(session, RECEIVING, "1" if receiving else "0")
    audit.record(session, user, "set_receiving", "receiving", {"receiving": bool(receiving)})


def is_receiving(session: Session) -> bool:
    """Whether the Bupati receives guests now (default yes)."""
    return get_setting(session, RECEIVING, "1") != "0"


@dataclass(frozen=True)
class WaitingArrival:
    """An open arrival with what the dashboard shows beside it."""

    arrival: Arrival
    purpose: str | None
    entry_id: int | None
    unknown_id: int | None

    @property
    def guest(self) -> Guest | None:
        """The recognised guest, or None for a stranger."""
        return self.arrival.guest

    @property
    def camera_name(self) -> str:
        """The camera that saw the guest first."""
        return self.arrival.camera.name


def waiting_now(session: Session, *, since: datetime | None = None) -> list[WaitingArrival]:
    """Arrivals still waiting for a decision, longest waiting first (optionally since `since`)."""
    query = (
        select(Arrival)
        .where(Arrival.status == "waiting")
        .options(selectinload(Arrival.guest), selectinload(Arrival.camera))
        .order_by(Arrival.first_seen, Arrival.id)
    )
    if since is not None:
        query = query.where(Arrival.last_seen >= since)
    arrivals = list(session.scalars(query))
    ids = [a.id for a in arrivals]
    entries = latest_entries(session, ids)
    unknowns = pending_unknowns(session, ids)
    return [
        WaitingArrival(
            arrival=a,
            purpose=entries[a.id].purpose if a.id in entries else None,
            entry_id=entries[a.id].id if a.id in entries else None,
            unknown_id=unknowns.get(a.id),
        )
        for a in arrivals
    ]


def latest_entries(session: Session, arrival_ids: list[int]) -> dict[int, GuestBookEntry]:
    """The newest guest-book entry of each arrival."""
    if not arrival_ids:
        return {}
    query = (
        select(GuestBookEntry)
        .where(GuestBookEntry.arrival_id.in_(arrival_ids))
        .order_by(GuestBookEntry.checked_in_at, GuestBookEntry.id)
    )
    return {e.arrival_id: e for e in session.scalars(query) if e.arrival_id is not None}


def pending_unknowns(session: Session, arrival_ids: list[int]) -> dict[int, int]:
    """arrival id → id of its pending unknown face."""
    if not arrival_ids:
        return {}
    query = select(UnknownFace.arrival_id, UnknownFace.id).where(
        UnknownFace.arrival_id.in_(arrival_ids), UnknownFace.status == "pending"
    )
    return {arrival_id: unknown_id for arrival_id, unknown_id in session.execute(query)}


def check_in(
    session: Session,
    user: User,
    *,
    arrival_id: int | None = None,
    name: str,
    category: str,
    institution: str | None = None,
    purpose: str,
    phone: str | None = None,
    companions: int = 0,
) -> GuestBookEntry:
    """Write a guest-book entry, linked to an arrival or as a walk-in (arrival_id None)."""
    fields = validate_guestbook(
        name=name,
        category=category,
        institution=institution,
        purpose=purpose,
        phone=phone,
        companions=companions,
    )
    arrival = None
    if arrival_id is not None:
        arrival = _get(session, Arrival, arrival_id, lock=True)
        _check_can_check_in(session, arrival)
    entry = GuestBookEntry(
        arrival_id=arrival.id if arrival else None,
        guest_id=arrival.guest_id if arrival else None,
        operator_id=user.id,
        checked_in_at=utcnow(),
        **vars(fields),
    )
    session.add(entry)
    session.flush()
    audit.record(session, user, "checkin", f"guestbook:{entry.id}", {"arrival_id": arrival_id})
    return entry


def _check_can_check_in(session: Session, arrival: Arrival) -> None:
    if arrival.status == "dismissed":
        raise WorkflowError(f"Kedatangan #{arrival.id} sudah diabaikan (bukan tamu).")
    existing = session.scalar(
        select(GuestBookEntry.id).where(GuestBookEntry.arrival_id == arrival.id).limit(1)
    )
    if existing is not None:
        raise WorkflowError(
            f"Kedatangan #{arrival.id} sudah tercatat di buku tamu (entri #{existing})."
        )


def check_out(session: Session, entry_id: int, user: User) -> GuestBookEntry:
    """Mark a guest-book entry as checked out (once)."""
    entry = _get(session, GuestBookEntry, entry_id, lock=True)
    if entry.checked_out_at is not None:
        raise WorkflowError(f"Entri buku tamu #{entry.id} sudah check-out.")
    entry.checked_out_at = utcnow()
    session.flush()
    audit.record(session, user, "checkout", f"guestbook:{entry.id}")
    return entry


def prefill_for_arrival(session: Session, arrival_id: int) -> dict[str, Any]:
    """Check-in form values for an arrival: the recognised guest's details, else blanks."""
    arrival = _get(session, Arrival, arrival_id)
    guest = arrival.guest if arrival.guest is not None and not arrival.guest.is_staff else None
    return {
        "arrival_id": arrival.id,
        "guest_id": guest.id if guest else None,
        "name": guest.name if guest else "",
        "category": guest.category if guest else "masyarakat",
        "institution": (guest.institution or "") if guest else "",
        "phone": (guest.phone or "") if guest else "",
        "purpose": "",
        "companions": 0,
    }


def checkin_candidates(session: Session, since: datetime, limit: int = 100) -> list[Arrival]:
    """Arrivals since `since` without a guest-book entry and not dismissed, newest first."""
    has_entry = select(GuestBookEntry.id).where(GuestBookEntry.arrival_id == Arrival.id).exists()
    query = (
        select(Arrival)
        .where(Arrival.first_seen >= since, Arrival.status != "dismissed", ~has_entry)
        .options(selectinload(Arrival.guest), selectinload(Arrival.camera))
        .order_by(Arrival.first_seen.desc(), Arrival.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def guestbook_between(
    session: Session, since: datetime, until: datetime | None = None
) -> list[GuestBookEntry]:
    """Guest-book entries checked in within [since, until), newest first."""
    query = select(GuestBookEntry).where(GuestBookEntry.checked_in_at >= since)
    if until is not None:
        query = query.where(GuestBookEntry.checked_in_at < until)
    query = query.order_by(GuestBookEntry.checked_in_at.desc(), GuestBookEntry.id.desc())
    return list(session.scalars(query))


# --- security review: filtered arrivals and a visit's timeline -------------------------------

NO_DECISION = "none"


@dataclass(frozen=True)
class ArrivalFilter:
    """What the security review filters arrivals by; None/False means "any"."""

    since: datetime | None = None
    until: datetime | None = None
    camera: str | None = None
    guest: str | None = None
    unknown_only: bool = False
    outside_hours: bool = False
    decision: str | None = None  # a decision kind, or NO_DECISION


@dataclass(frozen=True)
class ArrivalRow:
    """One arrival with its latest decision, latest guest-book entry and unknown face."""

    arrival: Arrival
    decision: Decision | None
    entry: GuestBookEntry | None
    unknown: UnknownFace | None

    @property
    def name(self) -> str | None:
        """The recognised guest's name, else the guest-book name, else None (a stranger)."""
        if self.arrival.guest is not None:
            return self.arrival.guest.name
        return self.entry.name if self.entry is not None else None


def camera_names(session: Session) -> list[str]:
    """Every known camera's name, sorted."""
    return list(session.scalars(select(Camera.name).order_by(Camera.name)))


def _filtered(flt: ArrivalFilter) -> Select[tuple[Arrival]]:
    query = select(Arrival)
    if flt.since is not None:
        query = query.where(Arrival.first_seen >= flt.since)
    if flt.until is not None:
        query = query.where(Arrival.first_seen < flt.until)
    if flt.camera:
        query = query.where(Arrival.camera.has(Camera.name == flt.camera))
    if flt.guest:
        needle = f"%{flt.guest.strip().lower()}%"
        in_book = (
            select(GuestBookEntry.id)
            .where(
                GuestBookEntry.arrival_id == Arrival.id,
                func.lower(GuestBookEntry.name).like(needle),
            )
            .exists()
        )
        query = query.where(or_(Arrival.guest.has(func.lower(Guest.name).like(needle)), in_book))
    if flt.unknown_only:
        seen_unknown = select(UnknownFace.id).where(UnknownFace.arrival_id == Arrival.id).exists()
        query = query.where(or_(Arrival.guest_id.is_(None), seen_unknown))
    if flt.outside_hours:
        query = query.where(Arrival.outside_hours.is_(True))
    if flt.decision == NO_DECISION:
        query = query.where(~select(Decision.id).where(Decision.arrival_id == Arrival.id).exists())
    elif flt.decision:
        query = query.where(
            select(Decision.id)
            .where(Decision.arrival_id == Arrival.id, Decision.kind == flt.decision)
            .exists()
        )
    return query


def search_arrivals(
    session: Session, flt: ArrivalFilter, *, page: int = 1, per_page: int = 50
) -> tuple[list[ArrivalRow], int]:
    """One page of filtered arrivals, newest first, and the total number that match."""
    query = _filtered(flt)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, page)
    query = query.order_by(Arrival.first_seen.desc(), Arrival.id.desc())
    return _rows(session, query.offset((page - 1) * per_page).limit(per_page)), total


def export_arrivals(session: Session, flt: ArrivalFilter, limit: int = 100_000) -> list[ArrivalRow]:
    """Every filtered arrival (up to `limit`), oldest first, for the CSV export."""
    query = _filtered(flt).order_by(Arrival.first_seen, Arrival.id).limit(limit)
    return _rows(session, query)


def _rows(session: Session, query: Select[tuple[Arrival]]) -> list[ArrivalRow]:
    query = query.options(selectinload(Arrival.guest), selectinload(Arrival.camera))
    arrivals = list(session.scalars(query))
    ids = [a.id for a in arrivals]
    if not ids:
        return []
    decisions = {
        d.arrival_id: d
        for d in session.scalars(
            select(Decision)
            .where(Decision.arrival_id.in_(ids))
            .options(selectinload(Decision.by_user))
            .order_by(Decision.created_at, Decision.id)
        )
    }
    unknowns = {
        u.arrival_id: u
        for u in session.scalars(
            select(UnknownFace).where(UnknownFace.arrival_id.in_(ids)).order_by(UnknownFace.id)
        )
    }
    entries = latest_entries(session, ids)
    return [
        ArrivalRow(a, decisions.get(a.id), entries.get(a.id), unknowns.get(a.id)) for a in arrivals
    ]


@dataclass(frozen=True)
class TimelineStep:
    """One thing that happened during a visit, who did it and the details."""

    at: datetime
    kind: str  # first_seen, waiting_room, unknown_resolved, checkin, checkout, decision,
    # escort_created, escorted, left, last_seen
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
    arrival = _get(session, Arrival, arrival_id)
    unknown = session.scalar(
        select(UnknownFace).where(UnknownFace.arrival_id == arrival.id).order_by(UnknownFace.id)
    )
    entries = _all(session, GuestBookEntry, GuestBookEntry.arrival_id == arrival.id)
    decisions = _all(session, Decision, Decision.arrival_id == arrival.id)
    escorts = _all(session, EscortTask, EscortTask.arrival_id == arrival.id)
    steps = _arrival_steps(arrival)
    steps += _unknown_steps(session, unknown)
    steps += _entry_steps(session, entries)
    steps += _decision_steps(decisions)
    steps += _escort_steps(session, escorts)
    steps.sort(key=lambda step: (step.at, STEP_ORDER.index(step.kind)))
    return ArrivalDetail(arrival, unknown, entries, decisions, escorts, steps)


STEP_ORDER = (
    "first_seen",
    "waiting_room",
    "unknown_resolved",
    "checkin",
    "decision",
    "escort_created",
    "escorted",
    "left",
    "checkout",
    "last_seen",
)


def _all(session: Session, model: type[ModelT], where: Any) -> list[ModelT]:
    return list(session.scalars(select(model).where(where).order_by(model.id)))  # type: ignore[attr-defined]


def _usernames(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(wanted))).all())


def _arrival_steps(arrival: Arrival) -> list[TimelineStep]:
    camera = {"camera": arrival.camera.name, "role": arrival.camera.role}
    steps = [TimelineStep(arrival.first_seen, "first_seen", detail=camera)]
    if arrival.waiting_room_at is not None:
        steps.append(TimelineStep(arrival.waiting_room_at, "waiting_room"))
    if arrival.last_seen > arrival.first_seen:
        steps.append(
            TimelineStep(arrival.last_seen, "last_seen", detail={"sightings": arrival.sightings})
        )
    return steps


def _unknown_steps(session: Session, unknown: UnknownFace | None) -> list[TimelineStep]:
    if unknown is None or unknown.resolved_at is None:
        return []
    names = _usernames(session, {unknown.resolved_by})
    guest = session.get(Guest, unknown.guest_id) if unknown.guest_id else None
    detail = {"action": unknown.status, "guest": guest.name if guest else None}
    return [
        TimelineStep(
            unknown.resolved_at, "unknown_resolved", names.get(unknown.resolved_by), detail=detail
        )
    ]


def _entry_steps(session: Session, entries: list[GuestBookEntry]) -> list[TimelineStep]:
    names = _usernames(session, {e.operator_id for e in entries})
    steps = []
    for entry in entries:
        detail = {
            "entry_id": entry.id,
            "name": entry.name,
            "purpose": entry.purpose,
            "companions": entry.companions,
        }
        by = names.get(entry.operator_id) if entry.operator_id else None
        steps.append(TimelineStep(entry.checked_in_at, "checkin", by, detail=detail))
        if entry.checked_out_at is not None:
            steps.append(
                TimelineStep(entry.checked_out_at, "checkout", detail={"entry_id": entry.id})
            )
    return steps


def _decision_steps(decisions: list[Decision]) -> list[TimelineStep]:
    return [
        TimelineStep(
            d.created_at,
            "decision",
            d.by_user.username,
            d.on_behalf,
            {
                "kind": d.kind,
                "reschedule_at": d.reschedule_at,
                "delegate_to": d.delegate_to,
                "note": d.note,
            },
        )
        for d in decisions
    ]


def _escort_steps(session: Session, escorts: list[EscortTask]) -> list[TimelineStep]:
    names = _usernames(session, {t.escorted_by for t in escorts} | {t.left_by for t in escorts})
    steps = []
    for task in escorts:
        steps.append(TimelineStep(task.created_at, "escort_created", detail={"task_id": task.id}))
        if task.escorted_at is not None:
            steps.append(TimelineStep(task.escorted_at, "escorted", names.get(task.escorted_by)))
        if task.left_at is not None:
            steps.append(TimelineStep(task.left_at, "left", names.get(task.left_by)))
    return steps
