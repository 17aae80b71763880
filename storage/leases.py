"""Leases on scheduled tasks shared by processes on any host: one holder, once per interval.

Taking a lease is one conditional UPDATE, atomic on SQLite and PostgreSQL alike, so two workers
(or a worker and `tamu purge`) never run the same task at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from storage.models_health import TaskLease


def acquire(
    sessions: sessionmaker[Session],
    name: str,
    holder: str,
    now: datetime,
    hold: timedelta,
    *,
    due_only: bool = True,
) -> bool:
    """Take the lease `name` for `hold` unless another holder has it (or, with `due_only`,
    it is not due yet); True when taken. Commits at once."""
    _ensure_row(sessions, name)
    free = or_(TaskLease.held_until.is_(None), TaskLease.held_until < now)
    due = or_(TaskLease.next_due.is_(None), TaskLease.next_due <= now)
    where = (
        and_(TaskLease.name == name, free, due) if due_only else and_(TaskLease.name == name, free)
    )
    with sessions() as session, session.begin():
        result = session.execute(
            update(TaskLease).where(where).values(holder=holder, held_until=now + hold)
        )
        return int(getattr(result, "rowcount", 0) or 0) == 1


def release(
    sessions: sessionmaker[Session], name: str, holder: str, now: datetime, every: timedelta
) -> None:
    """End `holder`'s run of `name` at `now`; the next one is due `every` later."""
    with sessions() as session, session.begin():
        session.execute(
            update(TaskLease)
            .where(TaskLease.name == name, TaskLease.holder == holder)
            .values(held_until=None, last_run_at=now, next_due=now + every)
        )


def lease(sessions: sessionmaker[Session], name: str) -> TaskLease | None:
    """The lease row `name` (detached), or None if never taken."""
    with sessions() as session:
        row = session.scalar(select(TaskLease).where(TaskLease.name == name))
        if row is not None:
            session.expunge(row)
        return row


def _ensure_row(sessions: sessionmaker[Session], name: str) -> None:
    """Create the lease row once; a concurrent creator wins harmlessly."""
    try:
        with sessions() as session, session.begin():
            if session.get(TaskLease, name) is None:
                session.add(TaskLease(name=name))
    except IntegrityError:
        pass
