"""Screenshots of the public pages for the README, taken by hand.

    .venv/bin/python -m tests.support.public_screenshots [OUT_DIR]

Starts `tamu web` on a throwaway database in a temporary folder (a few survey answers and two
guests waiting), opens it in Debian's headless Chromium and writes `layanan.png` and
`ruang-tunggu.png` to OUT_DIR (default docs/screenshots).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import yaml

from core.config import load_config
from core.visiting import WEEKDAYS
from storage import survey
from storage.db import make_engine, make_session_factory, transaction, upgrade
from storage.guestbook import check_in
from storage.models import Arrival, Camera
from storage.types import utcnow
from storage.users import create_user
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.env import ROOT
from tests.support.serving import START_S, Served, answers, free_port
from tests.support.waiting import wait_until

ANSWERS = ["4444444443", "3434443434", "4443344444", "3333434443"]


def _seed(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with transaction(factory) as db:
        operator = create_user(db, "operator", "operator", "screenshot-password-123")
        gate = Camera(name="gate", role="gate")
        db.add(gate)
        db.flush()
        for name in ("Rina Wulandari", "Ahmad Fauzi"):
            now = utcnow()
            arrival = Arrival(camera_id=gate.id, first_seen=now, last_seen=now)
            db.add(arrival)
            db.flush()
            entry, _ = check_in(
                db, operator, arrival_id=arrival.id, name=name, category="masyarakat",
                purpose="Konsultasi",
            )  # fmt: skip
        for digits in ANSWERS:
            issued, _ = survey.issue_slip_token(db, entry.id, operator, valid_days=1)
            scores = {f"u{n}": digits[n - 1] for n in range(1, 10)}
            if issued.token:
                survey.submit_response(db, issued.token, scores)
            db.query(survey.SurveyToken).delete()  # a fresh slip for the next answer
    engine.dispose()


def take(out_dir: Path) -> list[Path]:
    """Serve a seeded Tamu and save the screenshots; the files written."""
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        data = {
            "storage": {"database_url": f"sqlite:///{tmp}/tamu.db", "media_dir": f"{tmp}/media"},
            "web": {"port": port, "secret_key_file": f"{tmp}/secret"},
            "visiting_hours": {"weekly": {d: ["08:00-16:00"] for d in WEEKDAYS[:5]}},
        }
        path = Path(tmp) / "config.yaml"
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        _seed(load_config(path).storage.database_url)
        served = Served(["web", "--dev"], path)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until(lambda: answers(base), START_S, message=lambda: served.output)
            return _shoot(sync_playwright, base, out_dir)
        finally:
            served.stop()


def _shoot(sync_playwright, base: str, out_dir: Path) -> list[Path]:
    written = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for path, name, size in [
            ("/layanan", "layanan.png", {"width": 900, "height": 900}),
            ("/ruang-tunggu", "ruang-tunggu.png", {"width": 1280, "height": 720}),
        ]:
            page = browser.new_page(viewport=size)
            page.goto(base + path)
            page.screenshot(path=str(out_dir / name), full_page=path == "/layanan")
            written.append(out_dir / name)
        browser.close()
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    for file in take(target):
        print(file)
