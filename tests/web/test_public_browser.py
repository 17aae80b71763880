"""The public pages in headless Chromium: a slip's QR to the survey, the live waiting room."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from storage.db import transaction
from storage.guestbook import check_in
from storage.models import Arrival, Camera, User
from storage.types import utcnow
from tests.support.web import PASSWORD

pytestmark = pytest.mark.e2e
STEP_MS = 8000
CAMERA = [{"name": "gate", "role": "gate", "url": "rtsp://127.0.0.1:9/none"}]


def _arrive(db: Any) -> Arrival:
    gate = db.query(Camera).filter_by(name="gate").one()
    now = utcnow()
    arrival = Arrival(camera_id=gate.id, first_seen=now, last_seen=now)
    db.add(arrival)
    db.flush()
    return arrival


class Visit:
    """Seeds one checked-in visit and keeps the database for arrivals during the test."""

    factory: Any = None
    entry_id = 0

    def __call__(self, factory, _media) -> None:
        self.factory = factory
        with transaction(factory) as db:
            db.add(Camera(name="gate", role="gate"))
            db.flush()
            arrival = _arrive(db)
            operator = db.query(User).filter_by(username="operator").one()
            entry, _ = check_in(
                db, operator, arrival_id=arrival.id, name="Rina Wulandari", category="masyarakat",
                purpose="Konsultasi",
            )  # fmt: skip
            self.entry_id = entry.id

    def arrive(self) -> None:
        with transaction(self.factory) as db:
            _arrive(db)


def _decode_qr(png: bytes) -> str:
    cv2 = pytest.importorskip("cv2")
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    text, _points, _raw = cv2.QRCodeDetector().detectAndDecode(image)
    assert text, "the slip's QR code did not decode"
    return text


def test_survey_from_a_slips_qr_and_the_live_waiting_room(serve, chromium, artifacts):
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    visit = Visit()
    served, base = serve(
        "web",
        CAMERA,
        users=(("operator", "operator"),),
        seed=visit,
        public={"display_refresh_s": 2},
    )
    problems: list[str] = []

    def page_of(context):
        page = context.new_page()
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        return page

    tv = page_of(chromium.new_context(viewport={"width": 1280, "height": 720}))
    tv.goto(f"{base}/ruang-tunggu")
    expect(tv.locator("[data-testid=queue-item]")).to_have_count(1)
    expect(tv.locator("[data-testid=queue-number]")).to_have_text("A-01")
    expect(tv.locator("[data-testid=queue-initials]")).to_have_text("R.W.")

    operator = page_of(chromium.new_context())
    operator.goto(f"{base}/login")
    operator.fill("input[name=username]", "operator")
    operator.fill("input[name=password]", PASSWORD)
    operator.click("[data-testid=login-submit]")
    operator.goto(f"{base}/operator/slip/{visit.entry_id}")
    qr = operator.locator("[data-testid=survey-qr]")
    url = _decode_qr(qr.screenshot())
    assert url == qr.get_attribute("data-survey-url") and url.startswith(f"{base}/survei/")

    phone = page_of(chromium.new_context(viewport={"width": 390, "height": 844}))
    phone.goto(url)
    for n in range(1, 10):
        phone.check(f"[data-testid=score-u{n}-{4 if n != 3 else 3}]")
    phone.fill("[data-testid=survey-comment]", "Petugas ramah.")
    phone.click("[data-testid=survey-submit]")
    expect(phone.locator("[data-testid=survey-thanks]")).to_be_visible()
    assert problems == []
    phone.goto(url)
    expect(phone.locator("[data-testid=error-message]")).to_contain_text("sudah diisi")
    assert [p for p in problems if "409" not in p] == []  # Chromium logs the page's 409
    problems.clear()
    phone.goto(f"{base}/layanan")
    # (8 × 4 + 3) / 9 × 25 = 97.22: mutu A
    expect(phone.locator("[data-testid=ikm-score]")).to_have_attribute("data-ikm", "97.22")

    visit.arrive()  # a guest arrives: the display shows it without a reload
    expect(tv.locator("[data-testid=queue-item]")).to_have_count(2)
    expect(tv.locator("[data-testid=queue-number]").nth(1)).to_have_text("A-02")
    assert tv.locator("[data-testid=queue-status]").get_attribute("data-state") == "loaded"
    tv.screenshot(path=str(artifacts / "public-waiting-room.png"))
    assert problems == []
    assert served.stop() == 0
