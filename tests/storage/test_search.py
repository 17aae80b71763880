"""LIKE filters take `%`, `_` and `\\` literally."""

from __future__ import annotations

import pytest

from storage.db import transaction
from storage.guests import create_guest, search_guests
from storage.search import escape_like


@pytest.mark.parametrize(
    ("text", "escaped"),
    [("100%", "100\\%"), ("a_b", "a\\_b"), ("c:\\x", "c:\\\\x"), ("plain", "plain")],
)
def test_escape_like(text, escaped):
    assert escape_like(text) == escaped


def test_guest_search_matches_wildcards_literally(db_url):
    from storage.db import make_engine, make_session_factory

    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    with transaction(sessions) as db:
        create_guest(db, name="Budi Santoso", institution="Dinas Kominfo")
        create_guest(db, name="Rina 100% Jaya", institution="PT A_B")
        create_guest(db, name="Andi", institution="C:\\Arsip")
    with sessions() as db:
        names = lambda q: [g.name for g in search_guests(db, q)]  # noqa: E731
        assert names("%") == ["Rina 100% Jaya"]
        assert names("_") == ["Rina 100% Jaya"]
        assert names("B_di") == []
        assert names("0%") == ["Rina 100% Jaya"]
        assert names("\\") == ["Andi"]
        assert names("budi") == ["Budi Santoso"]
    engine.dispose()
