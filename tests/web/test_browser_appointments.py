"""Janji temu in headless Chromium: the operator makes one, the guard's open page shows it live."""

from __future__ import annotations

import numpy as np
import pytest

from storage.db import transaction
from storage.models import Camera
from tests.web.test_browser import STEP_MS, open_as

pytestmark = pytest.mark.e2e


def seed_camera(sessions, media) -> None:
    """The gate camera with a live frame (the guard's page shows it)."""
    with transaction(sessions) as db:
        db.add(Camera(name="gate", role="gate", latest_frame="live/gate.jpg"))
    media.write_fixed("live/gate.jpg", np.full((90, 160, 3), 60, np.uint8))


def test_operator_makes_an_appointment_and_the_guard_sees_it_without_reload(
    serve, chromium, artifacts
):
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    served, base = serve(
        "web",
        [{"name": "gate", "role": "gate", "url": "rtsp://127.0.0.1:9/none"}],
        users=(("satpam", "guard"), ("operator", "operator")),
        seed=seed_camera,
    )
    problems: list[str] = []
    guard = open_as(chromium, base, "satpam", problems)
    expect(guard.locator("#live-status")).to_have_attribute("data-state", "live")
    expect(guard.locator("[data-testid=expected-empty]")).to_be_visible()
    expect(guard.locator("[data-testid=expected-new]")).to_have_count(0)
    loaded = guard.evaluate("performance.timeOrigin")

    operator = open_as(chromium, base, "operator", problems)
    operator.click("[data-testid=expected-new]")
    operator.fill("[data-testid=appointment-name]", "Bu Sri Wahyuni")
    operator.fill("[data-testid=appointment-time]", "23:30")
    operator.fill("[data-testid=appointment-until]", "23:00")
    operator.click("[data-testid=appointment-submit]")
    expect(operator.locator("[data-testid=error-until]")).to_contain_text("sesudah waktu mulai")
    expect(guard.locator("[data-testid=expected-row]")).to_have_count(0)
    refused = "operator: Failed to load resource: the server responded with a status of 400"
    assert [p for p in problems if not p.startswith(refused)] == []  # the refused form's 400
    problems.clear()

    operator.fill("[data-testid=appointment-until]", "23:55")
    operator.fill("[data-testid=appointment-host]", "Bupati")
    operator.click("[data-testid=appointment-submit]")
    expect(operator.locator("[data-testid=flash]")).to_contain_text("Bu Sri Wahyuni tersimpan")
    row = guard.locator("[data-testid=expected-row]")
    expect(row).to_have_count(1)  # pushed over Socket.IO, no reload
    expect(row.locator("[data-testid=expected-name]")).to_have_text("Bu Sri Wahyuni")
    expect(row.locator("[data-testid=expected-status]")).to_have_text("Dijadwalkan")
    assert guard.evaluate("performance.timeOrigin") == loaded
    guard.screenshot(path=str(artifacts / "web-guard-appointments.png"), full_page=True)
    assert problems == []
    assert served.stop() == 0
