"""Worker heartbeats: each capture worker writes its row every few seconds; the web reads them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storage.models_health import WorkerHeartbeat
from storage.types import utcnow


def beat(
    session: Session, worker: str, host: str, pid: int, cameras: list[str], now: datetime
) -> None:
    """Record that `worker` is alive at `now` (the caller commits)."""
    row = session.get(WorkerHeartbeat, worker)
    if row is None:
        row = WorkerHeartbeat(worker=worker, host=host[:80], pid=pid, started_at=now)
        session.add(row)
    row.cameras = ",".join(cameras)[:400]
    row.beat_at = now
    session.flush()


def forget(session: Session, worker: str) -> None:
    """Remove `worker`'s row (it stopped cleanly)."""
    session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.worker == worker))


def last_beat(session: Session) -> datetime | None:
    """The newest heartbeat of any worker (None when no worker ever ran or all stopped)."""
    return session.scalar(select(func.max(WorkerHeartbeat.beat_at)))


def worker_alive(last: datetime | None, now: datetime, down_s: float) -> bool:
    """Whether a heartbeat at `last` means a worker is running at `now`."""
    return last is not None and now - last <= timedelta(seconds=down_s)


def prune(session: Session, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete rows of workers silent for `older_than` (killed ones never remove their row)."""
    cutoff = (now or utcnow()) - older_than
    result = session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
