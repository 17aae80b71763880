"""Tables of the system's own health: worker heartbeats and leases for scheduled tasks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import UTCDateTime, utcnow


class WorkerHeartbeat(Base):
    """A capture worker (one per host and process) and when it last said it was alive."""

    __tablename__ = "worker_heartbeats"
    worker: Mapped[str] = mapped_column(String(120), primary_key=True)
    host: Mapped[str] = mapped_column(String(80))
    pid: Mapped[int] = mapped_column(Integer)
    cameras: Mapped[str] = mapped_column(String(400), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class TaskLease(Base):
    """A scheduled task shared by every process: who runs it now, and when it is next due."""

    __tablename__ = "task_leases"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(120))
    # A run holds the task until it finishes or this passes (a crashed holder's lease expires).
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
