"""`tamu watchlist add / list / remove` with real photos, bad input and erasure."""

import pytest
from sqlalchemy import select

from storage.db import make_engine, make_session_factory
from storage.models import AuditLog


def photo(faces_dir, rel: str) -> str:
    return str(faces_dir / rel)


def test_add_says_what_it_did_and_list_shows_it(tamu, faces_dir):
    out = tamu.ok(
        "watchlist", "add", "--name", "Orang X", "--photo", photo(faces_dir, "obama/obama1.jpg"),
        "--level", "tinggi", "--note", "Pernah membuat keributan",
    ).output  # fmt: skip
    assert out.strip() == "Daftar perhatian: Orang X (id 1, tingkat tinggi), 1 foto"
    rows = tamu.json("watchlist", "list", "--json")
    assert [(r["id"], r["name"], r["level"], r["note"], r["encodings"]) for r in rows] == [
        (1, "Orang X", "tinggi", "Pernah membuat keributan", 1)
    ]
    assert len(tamu.media_files("watchlist")) == 1
    assert tamu.media_files("faces") == []  # not a guest
    assert "Orang X [tinggi] (1 foto, 0 terlihat)" in tamu.ok("watchlist", "list").output
    assert tamu.json("guests", "list", "--json") == []


@pytest.mark.parametrize("case", ["no face", "two people", "text file"])
def test_a_bad_photo_is_refused_like_for_guests_and_writes_nothing(
    tamu, faces_dir, bad_photos, case
):
    bad, reason = bad_photos[case]
    result = tamu(
        "watchlist", "add", "--name", "Orang X", "--level", "sedang",
        "--photo", photo(faces_dir, "obama/obama1.jpg"), "--photo", str(bad),
    )  # fmt: skip
    assert result.exit_code != 0
    assert f"nothing enrolled:\n  {bad}: {reason}" in result.stderr
    assert tamu.json("watchlist", "list", "--json") == []
    assert tamu.media_files("watchlist") == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--level", "darurat"], "Invalid value for '--level'"),
        (["--level", "rendah", "--name", " "], "nothing enrolled: name must not be empty"),
        (["--level", "rendah", "--note", "a\x00b"], "note must not contain control characters"),
    ],
)
def test_bad_fields_write_nothing(tamu, faces_dir, args, message):
    base = [
        "watchlist",
        "add",
        "--name",
        "Orang X",
        "--photo",
        photo(faces_dir, "kit_harington/kit1.jpg"),
    ]
    result = tamu(*base, *args)
    assert result.exit_code != 0
    assert message in result.stderr
    assert tamu.json("watchlist", "list", "--json") == []
    assert tamu.media_files("watchlist") == []


def test_remove_erases_photos_and_encodings_and_is_audited(tamu, faces_dir):
    tamu.ok(
        "watchlist", "add", "--name", "Orang X", "--level", "rendah",
        "--photo", photo(faces_dir, "biden/biden1.jpg"),
        "--photo", photo(faces_dir, "biden/biden2.jpg"),
    )  # fmt: skip
    assert len(tamu.media_files("watchlist")) == 2
    out = tamu.ok("watchlist", "remove", "1").output
    assert out.strip() == "removed watchlist entry 1 (Orang X): 2 encodings, 0 sightings, 2 files"
    assert tamu.json("watchlist", "list", "--json") == []
    assert tamu.media_files("watchlist") == []
    missing = tamu("watchlist", "remove", "1")
    assert missing.exit_code != 0 and "no watchlist entry with id 1" in missing.stderr
    sessions = make_session_factory(make_engine(tamu.config.storage.database_url))
    with sessions() as s:
        actions = [a.action for a in s.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert actions == ["watchlist_add", "watchlist_remove"]
