"""The audit log reads as words in both languages; the navigation bar follows the role."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from core.vocab import AuditAction
from storage import audit
from storage.db import transaction
from storage.models import User
from tests.support.web import TRANSLATIONS, csrf_token
from web.audit_view import ACTION_LABELS, detail_text, target_text


def english() -> dict[str, str]:
    with (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {m.id: m.string for m in read_po(po, locale="en") if m.id}


def test_every_audit_action_has_a_label_in_both_languages():
    catalogue = english()
    assert set(ACTION_LABELS) == set(AuditAction)
    for action in AuditAction:
        indonesian = ACTION_LABELS[action]._args[0]  # the lazy string's msgid
        assert indonesian and indonesian != action.value, action
        assert catalogue.get(indonesian), f"{action}: no English for {indonesian!r}"


def test_details_are_words_and_targets_are_named(env):
    with env.app.test_request_context():
        text = detail_text('{"ip": "10.0.0.5", "reason": "bad", "via": "cli", "on_behalf": true}')
        assert text == "alamat IP: 10.0.0.5; alasan: kata sandi salah; melalui: baris perintah; " \
            "atas nama Bupati: ya"  # fmt: skip
        assert detail_text('{"filters": {"camera": "gate"}, "rows": 2}') == (
            "filter: kamera: gate; baris: 2"
        )
        assert detail_text('{"role": "guard", "old_role": "security"}') == (
            "peran: Penjaga (Satpol PP); peran sebelumnya: Keamanan"
        )
        assert detail_text('{"kind": "receive"}').startswith("keputusan: ")
        assert detail_text('{"kind": "receive"}') != "keputusan: receive"
        assert detail_text("free text stays") == "free text stays"
        assert detail_text('{"new_key": 3}') == "new_key: 3"
        assert target_text("guest:4") == "Tamu #4" and target_text("satpam") == "satpam"


def _seed_log(env) -> None:
    with transaction(env.sessions) as db:
        security = db.get(User, env.users["security"])
        audit.record(db, security, AuditAction.VIEW_LIVE, "cameras", {"cameras": ["gate"]})
        audit.record(
            db, None, AuditAction.LOGIN_FAILED, "budi", {"ip": "10.0.0.9", "reason": "bad"}
        )
        audit.record(db, security, AuditAction.GUEST_REMOVE, "guest:7", {"photos": 2})


def test_audit_page_shows_words_not_codes_or_json(env):
    _seed_log(env)
    client = env.client("security")
    html = client.get("/review/audit").get_data(as_text=True)
    cells = re.findall(r'data-testid="audit-action-cell">([^<]+)', html)
    assert [c.strip() for c in cells[1:4]] == [
        "Tamu dihapus beserta data wajahnya", "Gagal masuk", "Melihat kamera langsung",
    ]  # fmt: skip
    details = re.findall(r'data-testid="audit-detail">([^<]*)<', html)
    assert "alamat IP: 10.0.0.9; alasan: kata sandi salah" in details
    assert "Tamu #7" in html
    assert not [d for d in details if "{" in d or '"' in d or "&#34;" in d], details
    assert not [c for c in cells if "_" in c], cells
    token = csrf_token(client, "/review/audit")
    client.post("/language", data={"lang": "en", "csrf_token": token, "next": "/review/audit"})
    english_html = client.get("/review/audit").get_data(as_text=True)
    assert "Failed login" in english_html and "IP address: 10.0.0.9" in english_html
    assert "Guest erased with their face data" in english_html


@pytest.mark.parametrize(
    ("role", "present", "absent"),
    [
        ("guard", ["nav-guard-index", "nav-enrol-arrival-index"], ["nav-admin-users-index"]),
        (
            "operator",
            ["nav-operator-index", "nav-enrol-arrival-index", "nav-appointments-index"],
            ["nav-guard-index", "nav-watchlist-index"],
        ),
        (
            "security",
            ["nav-review-index", "nav-review-audit-log", "nav-watchlist-index", "nav-report-index"],
            ["nav-operator-index", "nav-appointments-index"],
        ),
        ("bupati", ["nav-bupati-index"], ["nav-review-audit-log", "nav-admin-index"]),
        (
            "admin",
            [
                "nav-admin-users-index",
                "nav-calibration-index",
                "nav-guard-index",
                "nav-api-tokens-index",
                "nav-complaints-manage",
            ],
            [],
        ),
    ],
)
def test_navigation_shows_the_role_pages_and_marks_the_current_one(env, role, present, absent):
    client = env.client(role)
    response = client.get("/", follow_redirects=True)
    html = response.get_data(as_text=True)
    links = dict(re.findall(r'<a href="([^"]+)" data-testid="(nav-[^"]+)"', html))
    shown = set(links.values())
    assert set(present) <= shown and not set(absent) & shown, shown
    current = re.findall(r'data-testid="(nav-[^"]+)" aria-current="page"', html)
    assert len(current) == 1, current
    for href in links:
        assert client.get(href).status_code == 200, href  # never a link that answers 403
