"""Offline camera tiles in headless Chromium: a placeholder and no frame requests until online."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from storage.db import transaction
from storage.models import Camera
from storage.types import utcnow
from tests.support.health import beat, report, stop_beating
from tests.support.waiting import stays_true, wait_until
from tests.web.test_browser import open_as

pytestmark = pytest.mark.e2e
STEP_MS = 8000  # the web checks health every 2 s
CAMERAS = [
    {"name": "gate", "label": "Gerbang depan", "role": "gate", "url": "rtsp://127.0.0.1:9/x"}
]


def seed_offline_camera(sessions, media) -> None:
    """A camera whose worker is gone, with an old live frame still on disk."""
    with transaction(sessions) as db:
        db.add(Camera(name="gate", role="gate", status="online", latest_frame="live/gate.jpg"))
    media.write_fixed("live/gate.jpg", np.full((90, 160, 3), 60, np.uint8))


def test_offline_tile_requests_no_frames_until_the_camera_is_back(serve, chromium, tmp_path):
    from playwright.sync_api import expect

    from storage.db import make_engine, make_session_factory

    expect.set_options(timeout=STEP_MS)
    _served, base = serve("web", CAMERAS, users=(("satpam", "guard"),), seed=seed_offline_camera)
    engine = make_engine(f"sqlite:///{tmp_path / 'tamu.db'}")
    sessions = make_session_factory(engine)
    problems: list[str] = []
    guard = open_as(chromium, base, "satpam", problems)

    def frames() -> int:
        """How many frames the page has requested (the browser's resource timing)."""
        script = "() => performance.getEntriesByType('resource')"
        script += ".filter(e => new URL(e.name).pathname === '/guard/cameras/gate/live.jpg').length"
        return guard.evaluate(script)

    try:
        tile = guard.locator("[data-testid=camera-card][data-camera=gate]")
        expect(guard.locator("#live-status")).to_have_attribute("data-state", "live")
        expect(guard.locator("[data-testid=worker-banner]")).to_be_visible()
        expect(tile.locator("[data-testid=camera-placeholder]")).to_be_visible()
        expect(tile.locator("[data-testid=camera-placeholder]")).to_contain_text("Mati")
        expect(tile.locator("[data-testid=camera-live]")).to_be_hidden()
        expect(tile.locator("[data-testid=camera-label]")).to_contain_text("Gerbang depan")
        assert stays_true(lambda: frames() == 0, 3.0), "frames were requested while offline"

        # The worker comes back (its heartbeat lasts the test) and the camera reports online.
        beat(sessions, utcnow() + timedelta(minutes=2))
        report(sessions, "gate", "online", age_s=-120)
        expect(tile.locator("[data-testid=camera-status]")).to_have_attribute(
            "data-status", "online"
        )
        expect(guard.locator("[data-testid=worker-banner]")).to_be_hidden()
        wait_until(lambda: frames() >= 2, STEP_MS / 1000, message="frames did not resume")
        expect(tile.locator("[data-testid=camera-live]")).to_be_visible()
        expect(tile.locator("[data-testid=camera-placeholder]")).to_be_hidden()

        # It goes down again: the tile falls back to its placeholder and the requests stop.
        stop_beating(sessions)
        expect(tile.locator("[data-testid=camera-placeholder]")).to_be_visible()
        expect(guard.locator("[data-testid=worker-banner]")).to_be_visible()
        settled = frames()
        assert stays_true(lambda: frames() <= settled + 1, 3.0), "frames still requested"
        assert problems == []
    finally:
        guard.context.close()
        engine.dispose()
