"""Bahasa Indonesia by default, English on request; Jakarta times; no assets from elsewhere."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po

from core.errors import LABELS, MESSAGES
from tests.support.web import TRANSLATIONS, add_arrival, csrf_token, login
from web.i18n import local_time

WEB = Path(__file__).resolve().parents[2] / "web"
_PLACEHOLDER = re.compile(r"%\(\w+\)s")


def switch_language(client, lang, next_path="/login"):
    token = csrf_token(client, next_path)
    return client.post("/language", data={"lang": lang, "next": next_path, "csrf_token": token})


def test_indonesian_is_the_default(env):
    html = env.client().get("/login").get_data(as_text=True)
    assert '<html lang="id">' in html
    assert "Nama pengguna" in html and "Kata sandi" in html


def test_english_is_selectable_and_survives_login(env):
    client = env.client()
    response = switch_language(client, "en")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Username" in html and "Password" in html and "Nama pengguna" not in html
    login(client, "bupati1")
    add_arrival(env, unknown=True)
    page = client.get("/bupati/").get_data(as_text=True)
    assert "Who is waiting now" in page
    assert "Unknown guest" in page and "Receive" in page and "Reschedule" in page
    switch_language(client, "id", "/bupati/")
    assert "Siapa yang menunggu sekarang" in client.get("/bupati/").get_data(as_text=True)


def test_messages_from_views_are_translated(env):
    client = env.client()
    switch_language(client, "en")
    token = csrf_token(client)
    response = client.post(
        "/login", data={"username": "guard1", "password": "wrong-one-here", "csrf_token": token}
    )
    assert "Wrong username or password." in response.get_data(as_text=True)


@pytest.mark.parametrize("bad_next", ["//evil.example/", "https://evil.example/", "/\t/evil"])
def test_language_switch_ignores_unknown_languages_and_foreign_targets(env, bad_next):
    client = env.client()
    token = csrf_token(client)
    response = client.post("/language", data={"lang": "xx", "next": bad_next, "csrf_token": token})
    if "\t" in bad_next:  # a control character: the whole request is refused (web.inputs)
        assert response.status_code == 400 and "Location" not in response.headers
    else:
        assert response.headers["Location"] == "/login"
    assert '<html lang="id">' in client.get("/login").get_data(as_text=True)


def test_language_switch_needs_csrf(env):
    response = env.client().post("/language", data={"lang": "en", "next": "/login"})
    assert response.status_code == 400


def test_english_catalogue_is_complete_and_keeps_placeholders():
    with (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale="en")
    checked = 0
    for message in catalog:
        if not message.id:
            continue
        assert message.string, f"untranslated: {message.id!r}"
        assert sorted(_PLACEHOLDER.findall(message.id)) == sorted(
            _PLACEHOLDER.findall(message.string)
        ), message.id
        checked += 1
    assert checked > 100


def test_every_template_string_is_in_the_catalogue():
    with (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        known = {m.id for m in read_po(po, locale="en") if m.id}
    used = set()
    pattern = re.compile(r"""_\(\s*(["'])(.+?)\1""")
    for template in (WEB / "templates").rglob("*.html"):
        used |= {m.group(2) for m in pattern.finditer(template.read_text(encoding="utf-8"))}
    assert used, "no translated strings found"
    assert sorted(used - known) == []


def test_local_time_is_jakarta():
    tz = ZoneInfo("Asia/Jakarta")
    at = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    assert local_time(at, tz) == "26-11-2026 06:30"
    assert local_time(at, tz, "%H:%M") == "06:30"
    assert local_time(None, tz) == "—"
    with pytest.raises(ValueError, match="naive"):
        local_time(datetime(2026, 1, 1), tz)


def test_no_asset_comes_from_another_host(env):
    offenders = []
    for template in (WEB / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        offenders += [f"{template.name}: {m}" for m in re.findall(r"""(?:src|href)=["']//""", text)]
        offenders += [f"{template.name}: {m}" for m in re.findall(r"https?://[^\s\"'<]+", text)]
    assert offenders == []
    client = env.client("guard")
    html = client.get("/guard/").get_data(as_text=True)
    for asset in re.findall(r"""(?:src|href)="(/static/[^"]+)\"""", html):
        assert client.get(asset).status_code == 200, asset
    vendored = (WEB / "static" / "vendor" / "socket.io.min.js").read_text(encoding="utf-8")
    assert vendored.startswith("/*!\n * Socket.IO v4.")


def test_every_workflow_message_and_label_is_in_the_catalogue():
    with (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        known = {m.id: m.string for m in read_po(po, locale="en") if m.id}
    wanted = set(MESSAGES.values()) | set(LABELS.values())
    assert sorted(wanted - set(known)) == []
    assert all(known[text] for text in wanted)


def test_workflow_refusals_follow_the_language(env):
    client = env.client("guard")
    token = csrf_token(client, "/guard/")
    headers = {"X-CSRFToken": token, "X-Requested-With": "fetch"}
    refused = client.post("/guard/escorts/4242", data={"status": "left"}, headers=headers)
    assert refused.get_json()["error"] == "Tugas antar #4242 tidak ditemukan."
    switch_language(client, "en", "/guard/")
    refused = client.post("/guard/escorts/4242", data={"status": "left"}, headers=headers)
    assert refused.get_json()["error"] == "Escort task #4242 not found."
