"""The pages' own script in headless Chromium: live panels without reload, forms, live frames.

A fast check of web/static/js/tamu.js against a real `tamu web` (no camera: the stranger is
seeded). The full camera-to-browser flow is the end-to-end suite's job.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from storage.db import transaction
from storage.guests import encode_vector
from storage.models import Arrival, Camera, UnknownFace
from storage.types import utcnow
from tests.support.health import beat, report
from tests.support.waiting import stays_true, wait_until
from tests.support.web import PASSWORD

pytestmark = pytest.mark.e2e
STEP_MS = 5000


def seed_stranger(sessions, media) -> None:
    """One camera with a live frame and one stranger waiting in it."""
    with transaction(sessions) as db:
        cam = Camera(name="gate", role="gate", latest_frame="live/gate.jpg")
        db.add(cam)
        db.flush()
        now = utcnow()
        arrival = Arrival(
            camera_id=cam.id, first_seen=now, last_seen=now, outside_hours=True,
            snapshot=media.save_jpeg(np.full((60, 80, 3), 90, np.uint8), "arrivals"),
        )  # fmt: skip
        db.add(arrival)
        db.flush()
        db.add(
            UnknownFace(
                arrival_id=arrival.id, camera_id=cam.id, first_seen=now, last_seen=now,
                snapshot=media.save_jpeg(np.full((60, 80, 3), 150, np.uint8), "unknown"),
                encoding=encode_vector(np.full(128, 0.088, np.float32)),
            )
        )  # fmt: skip
    media.write_fixed("live/gate.jpg", np.full((90, 160, 3), 60, np.uint8))
    # A running worker (its heartbeat lasts the test) reporting the camera online.
    beat(sessions, utcnow() + timedelta(minutes=5))
    report(sessions, "gate", "online", age_s=-300)


def open_as(browser, base, username, problems):
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    page.on("pageerror", lambda exc: problems.append(f"{username}: {exc}"))
    page.on(
        "console",
        lambda msg: problems.append(f"{username}: {msg.text}") if msg.type == "error" else None,
    )
    page.goto(f"{base}/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-submit]")
    return page


def test_guard_and_bupati_pages_work_live_in_a_browser(serve, chromium, artifacts):
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    served, base = serve(
        "web",
        [{"name": "gate", "role": "gate", "url": "rtsp://127.0.0.1:9/none"}],
        users=(("satpam", "guard"), ("bupati", "bupati")),
        seed=seed_stranger,
        visiting_hours={"weekly": {}},
    )
    problems: list[str] = []
    guard = open_as(chromium, base, "satpam", problems)
    expect(guard.locator("#live-status")).to_have_attribute("data-state", "live")
    expect(guard.locator("[data-testid=unknown-card]")).to_have_count(1)
    expect(guard.locator("[data-testid=visiting-state]")).to_have_attribute("data-open", "0")
    frames: list[str] = []
    guard.on("request", lambda req: frames.append(req.url) if "live.jpg" in req.url else None)
    bupati = open_as(chromium, base, "bupati", problems)
    expect(bupati.locator("#live-status")).to_have_attribute("data-state", "live")
    expect(bupati.locator("[data-testid=waiting-name]")).to_have_text("Tamu tidak dikenal")

    guard.click("[data-testid=register-open]")
    guard.fill("[data-testid=register-name]", "Dewi Lestari")
    guard.fill("[data-testid=register-purpose]", "Audiensi")
    guard.click("[data-testid=register-submit]")
    expect(guard.locator("[data-testid=toast]")).to_contain_text("Tamu baru terdaftar")
    expect(guard.locator("[data-testid=unknown-card]")).to_have_count(0)
    expect(bupati.locator("[data-testid=waiting-name]")).to_have_text("Dewi Lestari")  # no reload
    expect(bupati.locator("[data-testid=waiting-purpose]")).to_contain_text("Audiensi")

    bupati.click("[data-testid=decision-receive]")
    expect(bupati.locator("[data-testid=waiting-row]")).to_have_count(0)
    expect(guard.locator("[data-testid=escort-task]")).to_have_count(1)
    guard.click("[data-testid=escort-escorted]")
    expect(guard.locator("[data-testid=escort-status]")).to_have_text("Sudah diantar")
    bupati.click("[data-testid=receiving-toggle]")
    expect(guard.locator("[data-testid=receiving-state]")).to_have_attribute("data-receiving", "0")
    # The live frame keeps refreshing (about once a second): wait for a second request rather
    # than count at a moment a fast run can reach within the first second.
    while len(frames) < 2:
        guard.wait_for_event("request", lambda req: "live.jpg" in req.url, timeout=3 * STEP_MS)
    assert len(frames) >= 2, frames
    guard.screenshot(path=str(artifacts / "web-guard.png"), full_page=True)
    bupati.screenshot(path=str(artifacts / "web-bupati.png"), full_page=True)
    bupati.click("[data-testid=lang-en]")
    expect(bupati.locator("h1").first).to_contain_text("Who is waiting now")
    assert problems == []
    assert served.stop() == 0


def seed_camera(sessions, _media) -> None:
    with transaction(sessions) as db:
        db.add(Camera(name="gate", role="gate"))


@pytest.mark.redis
def test_pages_reload_their_panels_when_the_server_says_events_were_missed(
    serve, chromium, redis_server, tmp_path
):
    """After a message-queue outage the web emits `resync`; the page refetches its panels."""
    from playwright.sync_api import expect

    from core.events import ResyncNeeded
    from core.sinks import SocketIOSink
    from storage.db import make_engine, make_session_factory

    expect.set_options(timeout=STEP_MS)
    queue = redis_server()
    _served, base = serve(
        "web",
        [{"name": "gate", "role": "gate", "url": "rtsp://127.0.0.1:9/none"}],
        users=(("bupati", "bupati"),),
        seed=seed_camera,
        events={"redis_url": queue.url(), "channel": "tamu-browser"},
    )
    problems: list[str] = []
    bupati = open_as(chromium, base, "bupati", problems)
    expect(bupati.locator("#live-status")).to_have_attribute("data-state", "live")
    waiting = bupati.locator("#waiting-panel").get_attribute("data-src")

    def loads() -> int:
        """How often the page fetched its waiting panel (the browser's resource timing)."""
        script = "src => performance.getEntriesByType('resource')"
        script += ".filter(e => new URL(e.name).pathname === src).length"
        return bupati.evaluate(script, waiting)

    wait_until(loads, STEP_MS / 1000, message="the panels were not loaded on connect")
    before = loads()
    expect(bupati.locator("[data-testid=waiting-row]")).to_have_count(0)
    # An arrival whose event never reached this page (it was published while Redis was away).
    engine = make_engine(f"sqlite:///{tmp_path / 'tamu.db'}")
    with transaction(make_session_factory(engine)) as db:
        cam = db.query(Camera).filter_by(name="gate").one()
        now = utcnow()
        db.add(Arrival(camera_id=cam.id, first_seen=now, last_seen=now, outside_hours=True))
    engine.dispose()
    assert stays_true(lambda: loads() == before, 1.0), "the panel reloaded by itself"
    SocketIOSink(queue.url(), "tamu-browser").publish(ResyncNeeded("message queue reconnected"))
    expect(bupati.locator("[data-testid=waiting-row]")).to_have_count(1)
    assert loads() == before + 1
    assert problems == []
