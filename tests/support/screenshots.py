"""Screenshots of the guard's "Tamu menunggu" board for the README, run by hand.

    .venv/bin/python -m tests.support.screenshots docs/screenshots

Starts a real `tamu web` on loopback with a throw-away database in a temporary folder, seeds
six waiting guests (one per outcome, one told), logs in as the guard in Debian's headless
Chromium and saves guard-waiting-phone.png (390×844) and guard-waiting-desktop.png (1366×900).
Guest photos come from ../shared/faces when present (never copied into the repository).
"""

from __future__ import annotations

import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import cv2
import numpy as np
import yaml

from storage import decisions, relay
from storage.db import make_engine, make_session_factory, transaction, upgrade
from storage.guests import create_guest
from storage.media import FileMediaStore
from storage.models import Arrival, Camera, GuestBookEntry
from storage.types import utcnow
from storage.users import create_user
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.env import find_faces_dir
from tests.support.serving import START_S, Served, answers, free_port
from tests.support.waiting import wait_until
from tests.support.web import FAST_SCRYPT, PASSWORD

VIEWPORTS = {"phone": (390, 844), "desktop": (1366, 900)}
PHOTOS = (
    "obama/obama1.jpg", "biden/biden1.jpg", "kit_harington/kit1.jpg",
    "rose_leslie/rose1.jpg", "obama/obama2.jpg", "biden/biden2.jpg",
)  # fmt: skip
TOMORROW = utcnow() + timedelta(days=1, hours=2)
# name, purpose, the decision (kind and its fields) or None while undecided, told already
VISITS: list[tuple[str, str, tuple[str, dict[str, object]] | None, bool]] = [
    ("Rangga Wicaksono", "Audiensi perbaikan jalan desa", ("receive", {}), False),
    ("Hj. Ratna Dewi", "Undangan peresmian posyandu", ("wait", {"wait_minutes": 20}), False),
    (
        "Andi Prasetyo",
        "Proposal festival budaya",
        ("reschedule", {"reschedule_at": TOMORROW}),
        False,
    ),
    ("Budi Hartono", "Keluhan sengketa lahan", ("decline", {"note": "Bupati sedang rapat"}), False),
    (
        "Citra Lestari",
        "Laporan dana BOS",
        ("delegate", {"delegate_to": "Sekretaris Daerah"}),
        False,
    ),
    ("Dedi Kurniawan", "Silaturahmi tokoh masyarakat", None, False),
    ("Euis Rahayu", "Audiensi koperasi", ("delegate", {"delegate_to": "Kadis Koperasi"}), True),
]


def photo(media: FileMediaStore, index: int) -> str | None:
    """A guest snapshot from the shared faces (a grey square without them)."""
    faces = find_faces_dir()
    image = cv2.imread(str(faces / PHOTOS[index % len(PHOTOS)])) if faces else None
    if image is None:
        image = np.full((120, 120, 3), 150, np.uint8)
    scale = 160 / image.shape[1]
    return media.save_jpeg(cv2.resize(image, None, fx=scale, fy=scale), "arrivals")


def seed(url: str, media: FileMediaStore) -> None:
    """The guard and the adjutant, a gate camera and the VISITS."""
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as db:
        guard = create_user(db, "satpam", "guard", PASSWORD, hash_method=FAST_SCRYPT)
        adjutant = create_user(db, "ajudan", "adjutant", PASSWORD, hash_method=FAST_SCRYPT)
        cam = Camera(name="gate", role="gate")
        db.add(cam)
        db.flush()
        for n, (name, purpose, decision, told) in enumerate(VISITS):
            guest = create_guest(db, name=name, category="masyarakat")
            seen = utcnow() - timedelta(minutes=40 - 5 * n)
            arrival = Arrival(
                camera_id=cam.id, guest_id=guest.id, first_seen=seen, last_seen=seen,
                snapshot=photo(media, n),
            )  # fmt: skip
            db.add(arrival)
            db.flush()
            db.add(
                GuestBookEntry(
                    arrival_id=arrival.id, guest_id=guest.id, name=name, category="masyarakat",
                    purpose=purpose, checked_in_at=seen,
                )
            )  # fmt: skip
            if decision is not None:
                kind, fields = decision
                made, _events = decisions.decide(db, arrival.id, kind, adjutant, **fields)  # type: ignore[arg-type]
                if told:
                    relay.tell(db, arrival.id, made.id, guard)
    engine.dispose()


def shoot(base: str, outdir: Path) -> list[Path]:
    """Log in as the guard at each viewport and save the board."""
    from playwright.sync_api import sync_playwright

    saved = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for name, (width, height) in VIEWPORTS.items():
            context = browser.new_context(
                viewport={"width": width, "height": height},
                locale="id-ID",
                timezone_id="Asia/Jakarta",
            )
            page = context.new_page()
            page.goto(f"{base}/login")
            page.fill("input[name=username]", "satpam")
            page.fill("input[name=password]", PASSWORD)
            page.click("[data-testid=login-submit]")
            page.wait_for_selector("#live-status[data-state=live]")
            page.wait_for_selector("[data-testid=relay-item]")
            page.evaluate("document.getElementById('relay-panel').scrollIntoView()")
            path = outdir / f"guard-waiting-{name}.png"
            page.screenshot(path=str(path))
            saved.append(path)
            context.close()
        browser.close()
    return saved


def main(outdir: Path) -> None:
    """Seed, serve, shoot, stop."""
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tamu-shots-") as tmp:
        port = free_port()
        url = f"sqlite:///{tmp}/tamu.db"
        config = {
            "cameras": [{"name": "gate", "role": "gate", "url": "rtsp://127.0.0.1:9/none"}],
            "storage": {"database_url": url, "media_dir": f"{tmp}/media"},
            "web": {"port": port, "secret_key_file": f"{tmp}/secret_key"},
        }
        path = Path(tmp) / "config.yaml"
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        upgrade(url)
        seed(url, FileMediaStore(Path(tmp) / "media"))
        served = Served(["web"], path)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until(lambda: answers(base), START_S, message=lambda: served.output)
            for shot in shoot(base, outdir):
                print(shot)
        finally:
            served.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
