"""Erasing a guest: every face image and encoding of them, their guest-book lines per policy.

One command for the CLI and the admin page. Rows change in the caller's unit of work; the files
go only after its commit (and only when no other row still uses them). One audit row says what
was erased, in counts; the guest's name is not repeated in it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.orm import Session

from core.vocab import AuditAction
from storage import audit
from storage.models import (
    Arrival,
    ArrivalSample,
    FaceSample,
    Guest,
    GuestBookEntry,
    ImpostorSample,
    UnknownFace,
    User,
)
from storage.rows import get_row
from storage.settings import bump_enrolment_version
from storage.unit_of_work import StagedFiles

GuestBookPolicy = Literal["anonymise", "delete"]
# What an anonymised guest-book line shows instead of the name.
ERASED_NAME = "(dihapus)"


@dataclass(frozen=True)
class Erased:
    """What erasing one guest removed, in counts (the detail of its audit row)."""

    guest_id: int
    photos: int
    encodings: int
    impostor_samples: int
    arrival_snapshots: int
    arrival_samples: int
    unknown_faces: int
    guestbook: int
    guestbook_policy: str


def erase_guest(
    session: Session,
    files: StagedFiles,
    guest_id: int,
    user: User | None,
    *,
    guestbook: GuestBookPolicy = "anonymise",
    via: str = "web",
) -> Erased:
    """Erase guest `guest_id` with every face of them; WorkflowError NOT_FOUND when absent."""
    guest = get_row(session, Guest, guest_id, lock=True)
    arrival_ids = list(session.scalars(select(Arrival.id).where(Arrival.guest_id == guest_id)))
    samples = list(session.scalars(select(FaceSample).where(FaceSample.guest_id == guest_id)))
    photos = _doom(files, [s.photo for s in samples])
    snapshots = _erase_arrival_snapshots(session, files, arrival_ids)
    unknowns = _erase_unknown_faces(session, files, guest_id, arrival_ids)
    arrival_samples = _delete_arrival_samples(session, guest_id, arrival_ids)
    impostors = _count_and_delete(session, ImpostorSample, ImpostorSample.guest_id == guest_id)
    lines = _guestbook(session, guest_id, guestbook)
    session.execute(delete(FaceSample).where(FaceSample.guest_id == guest_id))
    session.execute(update(Arrival).where(Arrival.guest_id == guest_id).values(guest_id=None))
    session.delete(guest)
    session.flush()
    bump_enrolment_version(session)
    erased = Erased(
        guest_id, photos, len(samples), impostors, snapshots, arrival_samples, unknowns,
        lines, guestbook,
    )  # fmt: skip
    audit.record(
        session, user, AuditAction.GUEST_REMOVE, f"guest:{guest_id}", {**asdict(erased), "via": via}
    )
    return erased


def _doom(files: StagedFiles, paths: list[str | None]) -> int:
    """Stage these files for deletion after the commit; how many there were."""
    real = [p for p in paths if p]
    for path in real:
        files.delete(path)
    return len(real)


def _erase_arrival_snapshots(session: Session, files: StagedFiles, arrival_ids: list[int]) -> int:
    """The guest's visits keep their rows (times, decisions) but lose their face images."""
    if not arrival_ids:
        return 0
    snaps = session.scalars(select(Arrival.snapshot).where(Arrival.id.in_(arrival_ids))).all()
    session.execute(
        update(Arrival).where(Arrival.id.in_(arrival_ids)).values(snapshot=None, snapshot_score=0)
    )
    return _doom(files, list(snaps))


def _erase_unknown_faces(
    session: Session, files: StagedFiles, guest_id: int, arrival_ids: list[int]
) -> int:
    """Strangers' crops later linked to the guest (or of the guest's visits): image and encoding."""
    where = UnknownFace.guest_id == guest_id
    if arrival_ids:
        where = where | UnknownFace.arrival_id.in_(arrival_ids)
    faces = list(session.scalars(select(UnknownFace).where(where)))
    _doom(files, [f.snapshot for f in faces])
    for face in faces:
        face.snapshot = None
        face.encoding = None
        face.guest_id = None
    return len(faces)


def _delete_arrival_samples(session: Session, guest_id: int, arrival_ids: list[int]) -> int:
    """Encodings taken of the guest's visits; others merely nearest to the guest forget it."""
    count = 0
    if arrival_ids:
        count = _count_and_delete(session, ArrivalSample, ArrivalSample.arrival_id.in_(arrival_ids))
    session.execute(
        update(ArrivalSample)
        .where(ArrivalSample.nearest_guest_id == guest_id)
        .values(nearest_guest_id=None, distance=None)
    )
    return count


def _count_and_delete(session: Session, model: Any, where: ColumnElement[bool]) -> int:
    ids = list(session.scalars(select(model.id).where(where)))
    if ids:
        session.execute(delete(model).where(model.id.in_(ids)))
    return len(ids)


def _guestbook(session: Session, guest_id: int, policy: GuestBookPolicy) -> int:
    """The guest's guest-book lines, anonymised (the visit stays on record) or deleted."""
    where = GuestBookEntry.guest_id == guest_id
    if policy == "delete":
        return _count_and_delete(session, GuestBookEntry, where)
    entries = list(session.scalars(select(GuestBookEntry).where(where)))
    for entry in entries:
        entry.name = ERASED_NAME
        entry.institution = None
        entry.phone = None
        entry.guest_id = None
    return len(entries)
