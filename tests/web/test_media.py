"""Snapshots and live frames: served to allowed roles only, audited, no path traversal."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select, update

from storage.db import transaction
from storage.models import AuditLog, Camera
from tests.support.web import jpeg

SECRET = b"TOP-SECRET-NOT-A-SNAPSHOT"


@pytest.fixture
def secret_files(env, tmp_path):
    """Files outside the media store that a traversal would reach."""
    (tmp_path / "secret.jpg").write_bytes(SECRET)
    (tmp_path / "media" / "secret.jpg").parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / "media" / "secret.jpg").write_bytes(SECRET)  # in the root, but of no kind
    return tmp_path


def test_snapshot_is_served_and_audited(env):
    rel = jpeg(env.media)
    response = env.client("bupati").get(f"/media/{rel}")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.data[:2] == b"\xff\xd8"
    assert response.headers["Cache-Control"] == "no-store"  # biometric: never kept in a cache
    with env.sessions() as db:
        rows = db.scalars(select(AuditLog).where(AuditLog.action == "view_snapshot")).all()
    assert [(r.username, r.target) for r in rows] == [("bupati1", rel)]


@pytest.mark.parametrize(
    "path",
    [
        "/media/../secret.jpg",
        "/media/arrivals/../../secret.jpg",
        "/media/arrivals/%2e%2e/%2e%2e/secret.jpg",
        "/media/arrivals%2f..%2f..%2fsecret.jpg",
        "/media/%2e%2e%2fsecret.jpg",
        "/media//etc/passwd",
        "/media/%2fetc%2fpasswd",
        "/media/secret.jpg",
        "/media/arrivals/..%5c..%5csecret.jpg",
        "/media/arrivals/missing.jpg",
        "/media/arrivals/x%00.jpg",
    ],
)
def test_traversal_and_bad_paths_are_refused(env, secret_files, path):
    response = env.client("admin").get(path)
    assert response.status_code in (400, 403, 404, 308), (path, response.status_code)
    assert SECRET not in response.data
    if response.status_code == 308:  # Werkzeug merging slashes: the target is refused too
        again = env.client("admin").get(response.headers["Location"])
        assert again.status_code in (400, 403, 404)
        assert SECRET not in again.data
    with env.sessions() as db:
        assert db.scalars(select(AuditLog).where(AuditLog.action == "view_snapshot")).all() == []


def test_live_frame_from_the_camera_row(env):
    rel = env.media.write_fixed("live/gate.jpg", np.full((20, 30, 3), 200, np.uint8))
    with transaction(env.sessions) as db:
        db.execute(update(Camera).where(Camera.name == "gate").values(latest_frame=rel))
    for role in ("guard", "admin", "bupati", "adjutant"):
        response = env.client(role).get("/guard/cameras/gate/live.jpg")
        assert response.status_code == 200, role
        assert response.data[:2] == b"\xff\xd8"
        assert "no-store" in response.headers["Cache-Control"]
    for role in ("operator", "security"):
        assert env.client(role).get("/guard/cameras/gate/live.jpg").status_code == 403


def test_live_frame_refuses_unknown_cameras_and_missing_frames(env):
    guard = env.client("guard")
    assert guard.get("/guard/cameras/waiting/live.jpg").status_code == 404  # no frame yet
    assert guard.get("/guard/cameras/nope/live.jpg").status_code == 404
    assert guard.get("/guard/cameras/..%2f..%2fsecret/live.jpg").status_code == 404


def test_a_camera_row_pointing_outside_the_store_is_refused(env, secret_files):
    with transaction(env.sessions) as db:
        db.execute(update(Camera).where(Camera.name == "gate").values(latest_frame="../secret.jpg"))
    response = env.client("guard").get("/guard/cameras/gate/live.jpg")
    assert response.status_code == 404
    assert SECRET not in response.data
