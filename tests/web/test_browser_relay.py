"""In headless Chromium: every decision reaches the guard and the operator live; /review/ is live.

The Bupati takes each of the five decisions on five waiting guests through the page's own
forms; the guard's open page (a phone) shows each outcome in words without a reload, the guard
marks one "Sudah disampaikan", and the operator's open guest book shows the outcomes and when
the guest was told. A second test has a new arrival announced the way a separate capture worker
announces it (the Redis message queue) and the security review page counts it without a reload.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from storage.db import transaction
from storage.guests import create_guest
from storage.models import Arrival, Camera, GuestBookEntry
from storage.types import utcnow
from tests.web.test_browser import open_as

pytestmark = pytest.mark.e2e
STEP_MS = 8000
JAKARTA = ZoneInfo("Asia/Jakarta")
GUESTS = ["Andi Prasetyo", "Budi Hartono", "Citra Lestari", "Dedi Kurniawan", "Euis Rahayu"]
USERS = (("satpam", "guard"), ("bupati", "bupati"), ("operator", "operator"))
NOT_RELOADED = "window.__notReloaded = true"


def seed_waiting(sessions, media) -> None:
    """Five registered guests waiting, each written in the guest book, and a live frame."""
    media.write_fixed("live/gate.jpg", np.full((90, 160, 3), 60, np.uint8))
    with transaction(sessions) as db:
        cam = Camera(name="gate", role="gate", latest_frame="live/gate.jpg")
        db.add(cam)
        db.flush()
        for n, name in enumerate(GUESTS):
            guest = create_guest(db, name=name, category="masyarakat", institution="Desa Sukamaju")
            seen = utcnow() - timedelta(minutes=20 - n)
            arrival = Arrival(camera_id=cam.id, guest_id=guest.id, first_seen=seen, last_seen=seen)
            db.add(arrival)
            db.flush()
            db.add(
                GuestBookEntry(
                    arrival_id=arrival.id, guest_id=guest.id, name=name,
                    category="masyarakat", purpose="Audiensi", checked_in_at=seen,
                )
            )  # fmt: skip


def decide(bupati, name: str, kind: str, fields: dict[str, str]) -> None:
    """Take one decision on `name`'s waiting row through the Bupati's own form."""
    from playwright.sync_api import expect

    row = bupati.locator("[data-testid=waiting-row]").filter(has_text=name)
    if kind != "receive":
        row.locator(f"[data-testid=decision-{kind}-open]").click()
    for testid, value in fields.items():
        row.locator(f"[data-testid={testid}]").fill(value)
    row.locator(f"[data-testid=decision-{kind}]").click()
    expect(bupati.locator("[data-testid=toast]")).to_contain_text("Keputusan tersimpan")


def test_every_decision_reaches_the_guard_and_the_operator_live(serve, chromium, artifacts):
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    served, base = serve("web", [{"name": "gate", "role": "gate", "url": "rtsp://127.0.0.1:9/x"}],
                         users=USERS, seed=seed_waiting)  # fmt: skip
    problems: list[str] = []
    pages = {user: open_as(chromium, base, user, problems) for user, _role in USERS}
    guard, bupati, operator = pages["satpam"], pages["bupati"], pages["operator"]
    for page in pages.values():
        expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
        page.evaluate(NOT_RELOADED)
    board = guard.locator("[data-testid=relay-item]")
    expect(board).to_have_count(5)
    expect(board.locator("[data-testid=relay-state]")).to_have_text(["Menunggu keputusan"] * 5)

    day = (datetime.now(JAKARTA) + timedelta(days=1)).date()
    decisions = [
        ("receive", {}, "Diterima", "tugas antar"),
        ("wait", {"wait-minutes": "20"}, "Diminta menunggu", "20 menit"),
        ("reschedule", {"reschedule-date": day.isoformat(), "reschedule-time": "10:30"},
         "Dijadwalkan ulang", day.strftime("%d-%m-%Y") + " 10:30"),
        ("decline", {"decline-reason": "Bupati sedang rapat"}, "Ditolak", "Bupati sedang rapat"),
        ("delegate", {"delegate-to": "Sekretaris Daerah"}, "Didelegasikan", "Sekretaris Daerah"),
    ]  # fmt: skip
    for name, (kind, fields, words, detail) in zip(GUESTS, decisions, strict=True):
        decide(bupati, name, kind, fields)
        item = board.filter(has_text=name)
        expect(item.locator("[data-testid=relay-state]")).to_have_text(words)
        expect(item.locator("[data-testid=relay-detail]")).to_contain_text(detail)
        entry = operator.locator("[data-testid=guestbook-row]").filter(has_text=name)
        expect(entry.locator("[data-testid=entry-outcome]")).to_contain_text(words)
    guard.screenshot(path=str(artifacts / "relay-guard.png"), full_page=True)

    declined = board.filter(has_text=GUESTS[3])
    declined.locator("[data-testid=relay-told]").click()
    expect(guard.locator("[data-testid=toast]")).to_contain_text("sudah disampaikan")
    expect(board).to_have_count(4)
    done = guard.locator("[data-testid=relay-done-item]").filter(has_text=GUESTS[3])
    expect(done.locator("[data-testid=relay-told-at]")).to_contain_text("satpam")
    entry = operator.locator("[data-testid=guestbook-row]").filter(has_text=GUESTS[3])
    expect(entry.locator("[data-testid=entry-told]")).to_contain_text("satpam")
    others = operator.locator("[data-testid=guestbook-row]").filter(has_not_text=GUESTS[3])
    expect(others.locator("[data-testid=entry-told]")).to_have_text(["—"] * 4)
    for page in pages.values():
        assert page.evaluate("window.__notReloaded === true"), f"{page.url} was reloaded"
    assert problems == []
    assert served.stop() == 0


@pytest.mark.redis
def test_review_page_counts_a_new_arrival_without_a_reload(serve, chromium, redis_server, tmp_path):
    from playwright.sync_api import expect

    from core.events import GuestArrived
    from core.sinks import SocketIOSink
    from storage.db import make_engine, make_session_factory

    expect.set_options(timeout=STEP_MS)
    queue = redis_server()
    _served, base = serve(
        "web",
        [{"name": "gate", "role": "gate", "url": "rtsp://127.0.0.1:9/x"}],
        users=(("keamanan", "security"),),
        seed=lambda sessions, _media: _add_camera(sessions),
        events={"redis_url": queue.url(), "channel": "tamu-review"},
    )
    problems: list[str] = []
    review = open_as(chromium, base, "keamanan", problems)
    expect(review.locator("#live-status")).to_have_attribute("data-state", "live")
    expect(review.locator("[data-testid=review-total]")).to_have_text("0")
    review.evaluate(NOT_RELOADED)
    # A capture worker in another process records an arrival and announces it.
    engine = make_engine(f"sqlite:///{tmp_path / 'tamu.db'}")
    with transaction(make_session_factory(engine)) as db:
        cam = db.query(Camera).filter_by(name="gate").one()
        now = utcnow()
        arrival = Arrival(camera_id=cam.id, first_seen=now, last_seen=now)
        db.add(arrival)
        db.flush()
        event = GuestArrived(arrival.id, "gate", None, None, now, None, None)
    engine.dispose()
    SocketIOSink(queue.url(), "tamu-review").publish(event)
    expect(review.locator("[data-testid=review-total]")).to_have_text("1")
    expect(review.locator("[data-testid=review-row]")).to_have_count(1)
    assert review.evaluate("window.__notReloaded === true"), "the review page was reloaded"
    assert problems == []


def _add_camera(sessions) -> None:
    with transaction(sessions) as db:
        db.add(Camera(name="gate", role="gate"))
