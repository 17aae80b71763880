"""Shared fixtures: the real faces, configs, migrated databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.config import Config, load_config
from storage.db import make_engine, make_session_factory, upgrade
from storage.media import FileMediaStore

# Helpers live in tests/support; these names stay importable from here for older imports.
from tests.support.env import (  # noqa: F401
    FACES_ENV,
    PG_ADMIN_URL,
    REDIS_URL,
    ROOT,
    SPEECH,
    VIDEO_ENV,
    find_faces_dir,
    find_video_dir,
    port_open,
)

pytest_plugins = ["tests.support.rtsp", "tests.support.browser", "tests.support.redis_server"]


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    """Folder of real face photos; skips the test when it is absent."""
    found = find_faces_dir()
    if found is None:
        pytest.skip(f"test faces not found: set {FACES_ENV} or put shared/faces beside the repo")
    return found


@pytest.fixture(scope="session")
def speech_video() -> Path:
    """The real recording of an enrolled person (Obama); skips the test when it is absent."""
    found = find_video_dir()
    if found is None:
        pytest.skip(f"real footage not found: set {VIDEO_ENV} or put shared/video beside the repo")
    return found / SPEECH


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., tuple[Config, Path]]:
    """Write a config.yaml in tmp_path from a dict (SQLite and media in tmp_path by default)."""

    def write(data: dict[str, Any] | None = None, name: str = "config.yaml") -> tuple[Config, Path]:
        body: dict[str, Any] = {
            "storage": {
                "database_url": f"sqlite:///{tmp_path / 'tamu.db'}",
                "media_dir": str(tmp_path / "media"),
            },
            "web": {"secret_key_file": str(tmp_path / "secret_key")},
        }
        for key, value in (data or {}).items():
            if isinstance(value, dict) and isinstance(body.get(key), dict):
                body[key] = {**body[key], **value}
            else:
                body[key] = value
        path = tmp_path / name
        path.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
        return load_config(path), path

    return write


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite database in tmp_path."""
    url = f"sqlite:///{tmp_path / 'tamu.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The admin URL of the local PostgreSQL; skips when the server is truly absent."""
    if not port_open("127.0.0.1", 5432):
        pytest.skip("PostgreSQL is not listening on 127.0.0.1:5432")
    return PG_ADMIN_URL


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test, dropped afterwards."""
    from sqlalchemy import text

    name = f"tamu_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(pg_server).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg_server.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """A migrated database of each supported kind."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def sessions(sqlite_url: str):
    """A session factory on a migrated SQLite database."""
    engine = make_engine(sqlite_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def media(tmp_path: Path) -> FileMediaStore:
    """A snapshot store in tmp_path."""
    return FileMediaStore(tmp_path / "media")
