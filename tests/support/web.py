"""Dashboard test helpers: the app under test, logging in with CSRF, seeded rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from core.config import Config
from core.sinks import CollectingSink
from storage.db import transaction
from storage.guests import create_guest, encode_vector
from storage.media import MediaStore
from storage.models import Arrival, Camera, Guest, UnknownFace
from storage.types import utcnow

PASSWORD = "kata-sandi-yang-panjang"
# Real scrypt with small parameters keeps ~6 accounts per test fast (production: werkzeug's).
FAST_SCRYPT = "scrypt:1024:8:1"
TRANSLATIONS = Path(__file__).resolve().parents[2] / "web" / "translations"
CAMERAS = [
    {"name": "gate", "label": "Gerbang depan", "role": "gate", "url": "rtsp://127.0.0.1:1/gate"},
    {"name": "waiting", "role": "waiting_room", "url": "rtsp://127.0.0.1:1/waiting"},
]
_CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')


@dataclass
class WebEnv:
    """An app under test with direct access to its database and media."""

    app: Flask
    config: Config
    sessions: sessionmaker[Session]
    media: MediaStore
    sink: CollectingSink
    users: dict[str, int] = field(default_factory=dict)

    def client(self, role: str | None = None) -> FlaskClient:
        """A test client, logged in as the `<role>1` user when a role is given."""
        client = self.app.test_client()
        if role is not None:
            login(client, f"{role}1")
        return client


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token from a page's <meta name="csrf-token">."""
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = _CSRF_META.search(html)
    assert match, f"no csrf-token meta on {path}"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> None:
    """Log in through the real form (with its CSRF token)."""
    token = csrf_token(client)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def post_json(client: FlaskClient, path: str, data: dict[str, Any], page: str = "/") -> Any:
    """POST a form as the page's script does (fetch + X-CSRFToken), returning the response."""
    token = csrf_token(client, page)
    return client.post(
        path,
        data=data,
        headers={"X-CSRFToken": token, "X-Requested-With": "fetch", "Accept": "application/json"},
    )


def fake_encoding(seed: int) -> np.ndarray:
    """A deterministic 128-d unit vector standing in for a face encoding."""
    vec = np.random.default_rng(seed).normal(size=128).astype(np.float32)
    return vec / np.linalg.norm(vec)


def jpeg(media: MediaStore, kind: str = "arrivals", shade: int = 120) -> str:
    """Store a small grey JPEG and return its relative path."""
    return media.save_jpeg(np.full((48, 64, 3), shade, dtype=np.uint8), kind)


def add_guest(env: WebEnv, name: str = "Budi Santoso", **fields: Any) -> int:
    """A registered guest; returns its id."""
    with transaction(env.sessions) as db:
        fields.setdefault("institution", "Dinas Kominfo")
        return create_guest(db, name=name, **fields).id


def add_arrival(
    env: WebEnv,
    *,
    guest_id: int | None = None,
    camera: str = "gate",
    minutes_ago: float = 5,
    unknown: bool = False,
    outside_hours: bool = False,
    status: str = "waiting",
) -> tuple[int, int | None]:
    """An arrival (and a pending unknown face when `unknown`); returns (arrival id, unknown id)."""
    seen = utcnow() - timedelta(minutes=minutes_ago)
    snapshot = jpeg(env.media)
    with transaction(env.sessions) as db:
        cam = db.query(Camera).filter_by(name=camera).one()
        arrival = Arrival(
            camera_id=cam.id,
            guest_id=guest_id,
            first_seen=seen,
            last_seen=seen,
            snapshot=snapshot,
            outside_hours=outside_hours,
            status=status,
        )
        db.add(arrival)
        db.flush()
        unknown_id = None
        if unknown:
            face = UnknownFace(
                arrival_id=arrival.id,
                camera_id=cam.id,
                first_seen=seen,
                last_seen=seen,
                snapshot=jpeg(env.media, "unknown"),
                encoding=encode_vector(fake_encoding(arrival.id)),
            )
            db.add(face)
            db.flush()
            unknown_id = face.id
        return arrival.id, unknown_id


def count(env: WebEnv, model: type, **where: Any) -> int:
    """Rows of `model` matching `where`."""
    with env.sessions() as db:
        return db.query(model).filter_by(**where).count()


def get_row(env: WebEnv, model: type, row_id: int) -> Any:
    """One row by id (detached)."""
    with env.sessions() as db:
        return db.get(model, row_id)


def guest_names(env: WebEnv) -> list[str]:
    """Names of all guests."""
    with env.sessions() as db:
        return sorted(g.name for g in db.query(Guest))
