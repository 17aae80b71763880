"""The admin pages and the navigation bar in headless Chromium against a real `tamu web`."""

from __future__ import annotations

import pytest

from tests.support.web import PASSWORD
from tests.web.test_browser import open_as

pytestmark = pytest.mark.e2e
STEP_MS = 5000
ENROL_MS = 60000  # the first upload loads dlib's models in the server process
NEW_PASSWORD = "bunga-melati-di-taman"


def test_admin_manages_users_and_guests_in_a_browser(serve, chromium, artifacts, faces_dir):
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    served, base = serve(
        "web",
        [{"name": "gate", "role": "gate", "url": "rtsp://127.0.0.1:9/none"}],
        users=(("kepala", "admin"),),
    )
    problems: list[str] = []
    admin = open_as(chromium, base, "kepala", problems)
    nav = admin.locator("[data-testid=nav]")
    expect(nav.locator("[data-testid=nav-admin-users-index]")).to_be_visible()
    admin.click("[data-testid=nav-admin-users-index]")
    expect(nav.locator("[aria-current=page]")).to_have_attribute(
        "data-testid", "nav-admin-users-index"
    )

    admin.fill("[data-testid=new-username]", "satpam2")
    admin.select_option("[data-testid=new-role]", "guard")
    admin.fill("[data-testid=new-password]", PASSWORD)
    admin.fill("[data-testid=new-password2]", PASSWORD)
    admin.click("[data-testid=add-user-submit]")
    expect(admin.locator("[data-testid=flash]")).to_contain_text("Pengguna satpam2 ditambahkan.")
    row = admin.locator("[data-testid=user-row][data-username=satpam2]")
    expect(row.locator("[data-testid=user-role]")).to_have_text("Penjaga (Satpol PP)")

    row.locator("[data-testid=reset-password]").fill(NEW_PASSWORD)
    row.locator("[data-testid=reset-password2]").fill(NEW_PASSWORD)
    row.locator("[data-testid=reset-submit]").click()
    expect(admin.locator("[data-testid=flash]")).to_contain_text("Kata sandi satpam2 diganti")
    guard = chromium.new_context().new_page()
    guard.goto(f"{base}/login")
    guard.fill("input[name=username]", "satpam2")
    guard.fill("input[name=password]", NEW_PASSWORD)
    guard.click("[data-testid=login-submit]")
    expect(guard.locator("[data-testid=nav-guard-index]")).to_have_attribute("aria-current", "page")
    expect(guard.locator("[data-testid=nav-admin-users-index]")).to_have_count(0)

    admin.click("[data-testid=nav-admin-guests-index]")
    expect(admin.locator("[data-testid=guests-empty]")).to_be_visible()
    admin.fill("[data-testid=enrol-name]", "Barack Obama")
    admin.set_input_files("[data-testid=enrol-photos]", [str(faces_dir / "obama/obama1.jpg")])
    admin.click("[data-testid=enrol-submit]")
    expect(admin.locator("[data-testid=flash]").first).to_contain_text(
        "Terdaftar: Barack Obama (id 1), 1 foto", timeout=ENROL_MS
    )
    photo = admin.locator("[data-testid=guest-row] [data-testid=guest-photo]")
    expect(photo).to_have_count(1)
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(admin.locator("[data-testid=sample-quality]")).to_contain_text("kualitas")
    admin.screenshot(path=str(artifacts / "admin-guests.png"), full_page=True)

    admin.click("[data-testid=remove-guest]")
    expect(admin.locator("[data-testid=confirm-remove]")).to_contain_text("Hapus Barack Obama?")
    admin.click("[data-testid=confirm-remove-submit]")
    expect(admin.locator("[data-testid=flash]")).to_contain_text("Tamu #1 dihapus: 1 foto")
    expect(admin.locator("[data-testid=guest-row]")).to_have_count(0)
    assert problems == []
    assert served.stop() == 0
