"""By hand: screenshots of the service report for the README (desktop, phone, the PDF's page 1).

    .venv/bin/python -m tests.support.report_screenshots [--out docs/screenshots]

Seeds a busy month into a temporary database, serves the dashboard on loopback, photographs
/laporan/ in Debian's Chromium at desktop and phone width and renders the monthly PDF's first
page with pdftoppm. The browser test (tests/web/test_report_browser.py) runs the same capture
into its artifacts folder and asserts on what it measured.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.env import ROOT
from tests.support.web import PASSWORD

YEAR, MONTH = 2026, 11
QUERY = f"from={YEAR}-{MONTH:02d}-01&to={YEAR}-{MONTH:02d}-30&by=week"
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}
USER = "bupati1"
# Every chart <img> loaded and drawn (a CSP refusal or a broken data: URI leaves width 0).
CHARTS_DRAWN = "() => [...document.querySelectorAll('.chart img')].every(i => i.complete && i.naturalWidth > 0)"  # noqa: E501
MEASURE = """() => ({
  scrollWidth: document.documentElement.scrollWidth,
  charts: [...document.querySelectorAll('.chart img')].map(i => ({
    shown: i.getBoundingClientRect().width, natural: i.naturalWidth})),
  sections: document.querySelectorAll('[data-testid^=section-]').length,
})"""


@dataclass
class Shot:
    """What one viewport showed: the measurements, the screenshot and any browser errors."""

    path: Path
    measured: dict[str, Any]
    problems: list[str] = field(default_factory=list)


def capture_page(browser: Any, base: str, name: str, out: Path) -> Shot:
    """Log in, open the report at viewport `name`, wait for the charts, measure, screenshot."""
    width, height = VIEWPORTS[name]
    context = browser.new_context(viewport={"width": width, "height": height})
    problems: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/login")
    page.fill("input[name=username]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{base}/bupati/**")
    page.goto(f"{base}/laporan/?{QUERY}")
    page.wait_for_function(CHARTS_DRAWN, timeout=10_000)
    shot = Shot(out / f"report-{name}.png", page.evaluate(MEASURE), problems)
    page.screenshot(path=str(shot.path), full_page=True)
    if name == "desktop":
        pdf = context.request.get(f"{base}/laporan/bulanan.pdf?month={YEAR}-{MONTH:02d}")
        assert pdf.ok, pdf.status
        pdf_first_page(pdf.body(), out / "report-pdf-page1.png")
    context.close()
    return shot


def pdf_first_page(pdf: bytes, png: Path) -> Path:
    """The PDF's first page as PNG (pdftoppm, 80 dpi)."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "report.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", source,
             png.with_suffix("")],
            check=True, timeout=60,
        )  # fmt: skip
    return png


def serve_busy_month(folder: Path) -> Any:
    """A dashboard on a free loopback port over a seeded month (an InProcessServer)."""
    from core.config import load_config
    from storage.db import make_engine, make_session_factory, transaction, upgrade
    from storage.users import create_user
    from tests.support.report import seed_busy_month
    from tests.support.serving import InProcessServer
    from tests.support.web import FAST_SCRYPT
    from web import create_app

    path = folder / "config.yaml"
    data = {
        "cameras": [{"name": "gate", "role": "gate", "url": "rtsp://127.0.0.1:1/gate"}],
        "storage": {"database_url": f"sqlite:///{folder / 'tamu.db'}", "media_dir": str(folder)},
        "web": {"secret_key_file": str(folder / "secret_key")},
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    config = load_config(path)
    upgrade(config.storage.database_url)
    factory = make_session_factory(make_engine(config.storage.database_url))
    with transaction(factory) as db:
        create_user(db, USER, "bupati", PASSWORD, hash_method=FAST_SCRYPT)
    seed_busy_month(factory, YEAR, MONTH)
    return InProcessServer(create_app(config), config.web)


def main() -> None:
    """Write report-desktop.png, report-phone.png and report-pdf-page1.png into --out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    if not CHROMIUM.exists() or shutil.which("pdftoppm") is None:
        raise SystemExit("needs /usr/bin/chromium and pdftoppm: make system-deps")
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory() as tmp,
        serve_busy_month(Path(tmp)) as server,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for name in VIEWPORTS:
            shot = capture_page(browser, server.base, name, out)
            print(shot.path, shot.measured, shot.problems or "")
        browser.close()


if __name__ == "__main__":
    main()
