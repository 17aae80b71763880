"""The whole SOP in real headless Chromium, from a real RTSP camera to the guard's escort.

A stranger walks past the gate camera (a looping clip built from the shared faces, served over
RTSP on loopback); `tamu run` records the face; the guard registers the stranger as a new guest
with a purpose; the Bupati, whose page was open all along, sees the named guest waiting and
receives them; the guard gets the escort task, escorts the guest and marks them gone. Every
screen updates live (Socket.IO), never by reloading. Screenshots land in the `artifacts` folder
($TAMU_TEST_ARTIFACTS, else a temporary folder).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Site
from tests.support.clips import STRANGER
from tests.support.web import PASSWORD

pytestmark = pytest.mark.e2e
STEP_MS = 15_000  # a click's result on another screen (2 shared cores, Socket.IO round trip)
FACE_MS = 90_000  # `tamu run` start + dlib import + camera connect + enough votes on the face
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
GUEST = {
    "name": "Rangga Wicaksono",
    "category": "pemerintah",
    "institution": "Dinas Pekerjaan Umum",
    "phone": "0812-3456-7890",
    "purpose": "Audiensi rencana perbaikan jalan desa",
}


class Screens:
    """Browser contexts of one run; collects script errors and the screenshots taken."""

    def __init__(self, browser: Any, base: str, artifacts: Path) -> None:
        self.browser = browser
        self.base = base
        self.artifacts = artifacts
        self.problems: list[str] = []
        self.shots: list[Path] = []

    def open(self, username: str, *, shot_login: bool = False) -> Any:
        """A fresh context logged in as `username` through the login form."""
        context = self.browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="id-ID", timezone_id="Asia/Jakarta"
        )
        page = context.new_page()
        page.on("pageerror", lambda exc: self.problems.append(f"{username}: {exc}"))
        page.on("console", lambda msg: self._console(username, msg))
        page.goto(f"{self.base}/login")
        if shot_login:
            self.shot(page, "login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("[data-testid=login-submit]")
        page.wait_for_url(re.compile(r"^(?!.*/login).*$"))
        page.evaluate("window.__e2eNotReloaded = true")
        return page

    def _console(self, username: str, msg: Any) -> None:
        # A live frame not written yet is an expected 404 (the page shows "no picture yet").
        if msg.type == "error" and "Failed to load resource" not in msg.text:
            self.problems.append(f"{username}: {msg.text}")

    def shot(self, page: Any, name: str) -> None:
        """Save a full-page screenshot as e2e-<name>.png in the artifacts folder."""
        path = self.artifacts / f"e2e-{name}.png"
        path.unlink(missing_ok=True)
        page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)


def assert_not_reloaded(page: Any) -> None:
    """The page is still the one loaded at login: every change came in live."""
    assert page.evaluate("window.__e2eNotReloaded === true"), f"{page.url} was reloaded"


def wait_for_live_frame(page: Any, after_src: str = "") -> str:
    """Wait until the gate's live image has loaded a frame other than `after_src`; its src."""
    loaded = page.wait_for_function(
        """prev => {
            const img = document.querySelector('[data-testid=camera-live][data-camera=gate]');
            return img && img.complete && img.naturalWidth > 0 && img.src !== prev && img.src;
        }""",
        arg=after_src,
        timeout=FACE_MS,
    )
    return loaded.json_value()


def test_stranger_at_the_gate_is_registered_received_and_escorted(
    clips, rtsp_camera, tamu_run, chromium, artifacts
):
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    camera = rtsp_camera(clips.get(STRANGER))
    camera.pause()  # a hung camera until both screens are open: the face must come in live
    site: Site = tamu_run(camera.url)
    screens = Screens(chromium, site.base, artifacts)

    guard = screens.open("satpam", shot_login=True)
    expect(guard).to_have_url(re.compile(r"/guard/$"))
    expect(guard.locator("#live-status")).to_have_attribute("data-state", "live")
    bupati = screens.open("bupati")  # open before the guest has a name
    expect(bupati).to_have_url(re.compile(r"/bupati/$"))
    expect(bupati.locator("#live-status")).to_have_attribute("data-state", "live")
    gate = guard.locator("[data-testid=camera-card][data-camera=gate]")
    badge = gate.locator("[data-testid=camera-status]")
    expect(badge).not_to_have_attribute("data-status", "online")
    expect(guard.locator("[data-testid=unknown-card]")).to_have_count(0)
    expect(bupati.locator("[data-testid=waiting-row]")).to_have_count(0)

    # The camera comes back: it shows online and its picture keeps refreshing.
    camera.resume()
    expect(badge).to_have_attribute("data-status", "online", timeout=FACE_MS)
    first = wait_for_live_frame(guard)
    assert wait_for_live_frame(guard, first) != first

    # The stranger's face appears in the guard's queue, live.
    card = guard.locator("[data-testid=unknown-card]").first
    expect(card).to_be_visible(timeout=FACE_MS)
    expect(card.locator("[data-testid=unknown-camera]")).to_contain_text("gate")
    expect(card.locator("[data-testid=unknown-snapshot]")).to_be_visible()
    arrival_id = card.get_attribute("data-arrival-id")
    unknown_id = card.get_attribute("data-unknown-id")
    row = bupati.locator(f"[data-testid=waiting-row][data-arrival-id='{arrival_id}']")
    expect(row.locator("[data-testid=waiting-name]")).to_have_text("Tamu tidak dikenal")
    screens.shot(guard, "guard-unknown")

    # The guard registers the stranger as a new guest, with the purpose of the visit.
    card.locator("[data-testid=register-open]").click()
    form = card.locator("[data-testid=register-form]")
    form.locator("[data-testid=register-name]").fill(GUEST["name"])
    form.locator("[data-testid=register-category]").select_option(GUEST["category"])
    form.locator("[data-testid=register-institution]").fill(GUEST["institution"])
    form.locator("[data-testid=register-phone]").fill(GUEST["phone"])
    form.locator("[data-testid=register-purpose]").fill(GUEST["purpose"])
    form.locator("[data-testid=register-submit]").click()
    expect(guard.locator("[data-testid=toast]")).to_contain_text("Tamu baru terdaftar")
    expect(guard.locator(f"[data-unknown-id='{unknown_id}']")).to_have_count(0)

    # The Bupati's open page shows the named guest and the purpose, without a reload.
    expect(row.locator("[data-testid=waiting-name]")).to_have_text(GUEST["name"])
    expect(row.locator("[data-testid=waiting-purpose]")).to_contain_text(GUEST["purpose"])
    expect(row.locator("[data-testid=waiting-category]")).to_contain_text(GUEST["institution"])
    screens.shot(bupati, "bupati")

    # The Bupati receives the guest; the guard's screen shows the escort task, live.
    row.locator("[data-testid=decision-receive]").click()
    expect(row).to_have_count(0)
    task = guard.locator(f"[data-testid=escort-task][data-arrival-id='{arrival_id}']")
    expect(task).to_have_count(1)
    expect(task.locator("[data-testid=escort-name]")).to_have_text(GUEST["name"])
    screens.shot(guard, "guard-escort")
    task.locator("[data-testid=escort-escorted]").click()
    expect(task).to_have_attribute("data-status", "escorted")
    task.locator("[data-testid=escort-left]").click()
    expect(task).to_have_count(0)
    expect(row).to_have_count(0)
    assert_not_reloaded(guard)
    assert_not_reloaded(bupati)

    # The operator's guest book and security's review both hold the visit.
    operator = screens.open("operator")
    expect(operator).to_have_url(re.compile(r"/operator/$"))
    entry = operator.locator("[data-testid=guestbook-row]").filter(has_text=GUEST["name"])
    expect(entry.locator("[data-testid=entry-purpose]")).to_have_text(GUEST["purpose"])
    screens.shot(operator, "operator")
    review = screens.open("keamanan")
    expect(review).to_have_url(re.compile(r"/review/$"))
    reviewed = review.locator(f"[data-testid=review-row][data-arrival-id='{arrival_id}']")
    expect(reviewed.locator("[data-testid=review-name]")).to_contain_text(GUEST["name"])
    expect(reviewed.locator("[data-testid=review-camera]")).to_have_text("gate")
    expect(reviewed.locator("[data-testid=review-decision]")).to_contain_text("Terima")
    screens.shot(review, "review")

    for path in screens.shots:
        data = path.read_bytes()
        assert len(data) > 1000 and data.startswith(PNG_MAGIC), path
    assert {p.stem for p in screens.shots} >= {
        "e2e-login", "e2e-guard-unknown", "e2e-guard-escort", "e2e-bupati",
        "e2e-operator", "e2e-review",
    }  # fmt: skip
    assert screens.problems == []
    assert site.served.stop() == 0, site.served.output
