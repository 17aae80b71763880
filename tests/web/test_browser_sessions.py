"""In headless Chromium: changing the password ends the account's other open dashboards."""

from __future__ import annotations

import pytest

from tests.support.web import PASSWORD
from tests.web.test_browser import STEP_MS, open_as, seed_stranger

pytestmark = pytest.mark.e2e
NEW_PASSWORD = "pintu-gerbang-berwarna-hijau"


def test_a_password_change_sends_the_other_dashboard_to_the_login_page(serve, chromium):
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    _served, base = serve(
        "web",
        [{"name": "gate", "role": "gate", "url": "rtsp://127.0.0.1:9/none"}],
        users=(("satpam", "guard"),),
        seed=seed_stranger,
    )
    problems: list[str] = []
    post = open_as(chromium, base, "satpam", problems)  # the guard post's screen
    phone = open_as(chromium, base, "satpam", problems)  # the same account on a phone
    for page in (post, phone):
        expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    phone.click("[data-testid=change-password]")
    phone.fill("[data-testid=current-password]", PASSWORD)
    phone.fill("[data-testid=new-password]", NEW_PASSWORD)
    phone.fill("[data-testid=new-password2]", NEW_PASSWORD)
    phone.click("[data-testid=password-submit]")
    expect(phone.locator("[data-testid=flash]")).to_contain_text("Kata sandi diganti")
    expect(phone.locator("#live-status")).to_have_attribute("data-state", "live")
    # the other screen's live connection is closed by the server; it reloads onto the login form
    expect(post.locator("[data-testid=login-form]")).to_be_visible()
    expect(post.locator("[data-testid=flash]")).to_contain_text("Sesi Anda telah berakhir")
    assert post.url.startswith(f"{base}/login")
    assert problems == [], problems
