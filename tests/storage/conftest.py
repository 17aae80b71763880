"""Storage fixtures: a migrated database of each kind, and the seeded world of users."""

from __future__ import annotations

from typing import Any

import pytest

from storage.db import make_engine, make_session_factory
from tests.support.storage import seed_world


@pytest.fixture
def factory(db_url):
    """A session factory on a migrated SQLite and PostgreSQL database."""
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def world(factory) -> dict[str, Any]:
    """Users of every role, two cameras and a registered guest."""
    return seed_world(factory)
