"""Camera rows: synced from the config, with the status the capture worker last reported."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import CameraConfig
from core.vocab import CameraStatus
from storage.models import CAMERA_STATUSES, Camera
from storage.types import utcnow


def live_frame_path(camera_name: str) -> str:
    """The media path of a camera's live frame."""
    return f"live/{camera_name}.jpg"


def sync_cameras(session: Session, cameras: list[CameraConfig]) -> dict[str, Camera]:
    """Create or update a row per configured camera (rows of removed cameras stay for history)."""
    rows = {c.name: c for c in session.scalars(select(Camera))}
    for cfg in cameras:
        row = rows.get(cfg.name)
        if row is None:
            row = Camera(name=cfg.name, role=str(cfg.role), status=CameraStatus.OFFLINE)
            session.add(row)
            rows[cfg.name] = row
        row.role = str(cfg.role)
    session.flush()
    return {c.name: rows[c.name] for c in cameras}


def effective_status(
    stored: str, reported_at: datetime | None, now: datetime, stale_s: float, worker_alive: bool
) -> CameraStatus:
    """The status to show: offline without a worker, stale when reports stopped, else stored."""
    if not worker_alive or stored == CameraStatus.OFFLINE:
        return CameraStatus.OFFLINE
    if reported_at is None or now - reported_at > timedelta(seconds=stale_s):
        return CameraStatus.STALE
    return CameraStatus(stored)


def get_camera(session: Session, name: str) -> Camera | None:
    """The camera row called `name`."""
    return session.scalar(select(Camera).where(Camera.name == name))


def list_cameras(session: Session) -> list[Camera]:
    """All camera rows by name."""
    return list(session.scalars(select(Camera).order_by(Camera.name)))


def update_status(
    session: Session,
    name: str,
    status: str,
    *,
    last_frame_at: datetime | None,
    fps: float,
    error: str | None = None,
) -> Camera:
    """Store a camera's reported status (the caller commits)."""
    if status not in CAMERA_STATUSES:
        raise ValueError(f"camera status {status!r} is not one of {', '.join(CAMERA_STATUSES)}")
    camera = get_camera(session, name)
    if camera is None:
        raise LookupError(f"no camera called {name!r}")
    camera.status = status
    if last_frame_at is not None:
        camera.last_frame_at = last_frame_at
    camera.fps = float(fps)
    camera.error = error[:300] if error else None
    camera.updated_at = utcnow()
    session.flush()
    return camera


def latest_frame(session: Session, name: str) -> str | None:
    """Where the camera called `name` last had its live frame written (None if never)."""
    return session.scalar(select(Camera.latest_frame).where(Camera.name == name))


def set_latest_frame(session: Session, name: str, rel: str) -> None:
    """Record where a camera's live frame is written."""
    camera = get_camera(session, name)
    if camera is not None and camera.latest_frame != rel:
        camera.latest_frame = rel
        session.flush()
