"""One row by id for a workflow step; a missing or malformed id is a WorkflowError."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from core.errors import ErrorCode, Record, WorkflowError
from core.events import Event
from storage.models import Arrival, Base, EscortTask, Guest, GuestBookEntry, UnknownFace
from storage.models_appointments import Appointment

ModelT = TypeVar("ModelT", bound=Base)
RowT = TypeVar("RowT")
# What a storage command returns: the row it wrote and the events to publish after the commit.
Outcome = tuple[RowT, list[Event]]
ID_MAX = 2**31 - 1  # Integer primary keys: a larger id cannot exist (and PostgreSQL refuses it)
RECORDS: dict[type[Base], Record] = {
    Arrival: Record.ARRIVAL,
    UnknownFace: Record.UNKNOWN_FACE,
    EscortTask: Record.ESCORT_TASK,
    GuestBookEntry: Record.GUESTBOOK_ENTRY,
    Guest: Record.GUEST,
    Appointment: Record.APPOINTMENT,
}


def get_row(session: Session, model: type[ModelT], row_id: object, *, lock: bool = False) -> ModelT:
    """The row with `row_id` (locked for update when asked), or a WorkflowError."""
    record = RECORDS[model]
    if isinstance(row_id, bool) or not isinstance(row_id, int):
        raise WorkflowError(ErrorCode.BAD_ID, record=record, id=repr(row_id))
    if not 1 <= row_id <= ID_MAX:
        raise WorkflowError(ErrorCode.NOT_FOUND, record=record, id=row_id)
    row = session.get(model, row_id, with_for_update=lock or None)
    if row is None:
        raise WorkflowError(ErrorCode.NOT_FOUND, record=record, id=row_id)
    return row
