"""Where the tests find the repository, the shared faces and the loopback services."""

from __future__ import annotations

import os
import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FACES_ENV = "TAMU_FACES_DIR"
VIDEO_ENV = "TAMU_VIDEO_DIR"
SPEECH = "obama_speech.mp4"
PG_ADMIN_URL = os.environ.get("TAMU_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TAMU_TEST_REDIS", "redis://127.0.0.1:6379/15")


def find_faces_dir() -> Path | None:
    """The shared test faces: $TAMU_FACES_DIR, else ../shared/faces beside the project."""
    candidates = [os.environ.get(FACES_ENV), ROOT.parent / "shared" / "faces"]
    for cand in candidates:
        if cand and (Path(cand) / "obama" / "obama1.jpg").is_file():
            return Path(cand)
    return None


def find_video_dir() -> Path | None:
    """The shared real footage: $TAMU_VIDEO_DIR, else ../shared/video beside the project."""
    candidates = [os.environ.get(VIDEO_ENV), ROOT.parent / "shared" / "video"]
    for cand in candidates:
        if cand and (Path(cand) / SPEECH).is_file():
            return Path(cand)
    return None


def port_open(host: str, port: int) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False
