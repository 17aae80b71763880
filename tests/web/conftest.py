"""Dashboard fixtures: a real app on a migrated database, one user per role, seeded visits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy.orm import sessionmaker

import web.i18n
from core.sinks import CollectingSink
from storage.db import make_engine, make_session_factory, transaction, upgrade
from storage.media import FileMediaStore
from storage.models import ROLES, Camera
from storage.users import create_user
from tests.support.serving import START_S, Served, answers, free_port
from tests.support.waiting import wait_until

# The helpers live in tests/support/web.py; these names stay importable from here.
from tests.support.web import (  # noqa: F401
    CAMERAS,
    FAST_SCRYPT,
    PASSWORD,
    TRANSLATIONS,
    WebEnv,
    add_arrival,
    csrf_token,
    login,
    post_json,
)
from web import create_app


@pytest.fixture(scope="session", autouse=True)
def compiled_translations(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """web/translations compiled fresh into a temporary folder the in-process apps read.

    Nothing is written into the source tree; servers started as processes read the catalogues
    `make translations` compiled (`make test` runs it first).
    """
    out = tmp_path_factory.mktemp("translations")
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        lang = po_path.parts[-3]
        mo_path = out / lang / "LC_MESSAGES" / "messages.mo"
        mo_path.parent.mkdir(parents=True)
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=lang)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(web.i18n, "TRANSLATIONS", out)
        yield out


@pytest.fixture
def make_env(write_config, tmp_path):
    """Build WebEnvs (optionally on another database URL); disposes their engines afterwards."""
    engines = []

    def build(database_url: str | None = None, **overrides: Any) -> WebEnv:
        data: dict[str, Any] = {"cameras": CAMERAS, **overrides}
        if database_url:
            data["storage"] = {"database_url": database_url}
        config, _path = write_config(data)
        upgrade(config.storage.database_url)
        engine = make_engine(config.storage.database_url)
        engines.append(engine)
        sessions = make_session_factory(engine)
        users = {}
        with transaction(sessions) as db:
            for role in ROLES:
                user = create_user(db, f"{role}1", role, PASSWORD, hash_method=FAST_SCRYPT)
                users[role] = user.id
            db.add_all([Camera(name=c["name"], role=c["role"]) for c in CAMERAS])
        sink = CollectingSink()
        app = create_app(config, sink=sink, testing=True)
        engines.append(app.extensions["tamu"].engine)
        return WebEnv(app, config, sessions, app.extensions["tamu"].media, sink, users)

    yield build
    for engine in engines:
        engine.dispose()


@pytest.fixture
def env(make_env) -> WebEnv:
    """A WebEnv on SQLite in tmp_path."""
    return make_env()


@pytest.fixture
def serve(write_config):
    """Start `tamu <command>` on a free loopback port (users and data seeded first); stops it."""
    started: list[Served] = []

    def start(
        command: str,
        cameras: list[dict],
        users: tuple[tuple[str, str], ...] = (("satpam", "guard"),),
        seed: Callable[[sessionmaker, FileMediaStore], None] | None = None,
        **config_data: Any,
    ) -> tuple[Served, str]:
        port = free_port()
        web = {"port": port, **config_data.pop("web", {})}
        config, path = write_config({"cameras": cameras, "web": web, **config_data})
        upgrade(config.storage.database_url)
        engine = make_engine(config.storage.database_url)
        factory = make_session_factory(engine)
        with transaction(factory) as db:
            for username, role in users:
                create_user(db, username, role, PASSWORD, hash_method=FAST_SCRYPT)
        if seed is not None:
            seed(factory, FileMediaStore(config.storage.media_dir))
        engine.dispose()
        served = Served([command], path)
        started.append(served)
        base = f"http://127.0.0.1:{port}"
        wait_until(
            lambda: f"open {base}/login" in served.output and answers(base),
            START_S,
            message=lambda: f"server did not come up:\n{served.output}",
        )
        return served, base

    yield start
    for served in started:
        served.stop()
