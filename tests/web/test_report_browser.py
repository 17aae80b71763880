"""The service report in headless Chromium at desktop and phone width: charts drawn under the
strict CSP, nothing wider than a phone, and the monthly PDF's first page rendered by pdftoppm."""

from __future__ import annotations

import shutil

import pytest
from PIL import Image, ImageStat

from tests.support.report_screenshots import capture_page, serve_busy_month

pytestmark = pytest.mark.e2e


def test_report_on_desktop_and_phone(chromium, artifacts, tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed (poppler-utils: make system-deps)")
    with serve_busy_month(tmp_path) as server:
        desktop = capture_page(chromium, server.base, "desktop", artifacts)
        phone = capture_page(chromium, server.base, "phone", artifacts)
    assert desktop.problems == [] and phone.problems == []  # no CSP refusal, no script error
    for shot in (desktop, phone):
        assert shot.measured["sections"] == 9
        assert len(shot.measured["charts"]) == 3
    assert phone.measured["scrollWidth"] <= 390  # wide tables scroll inside their panel
    for chart in phone.measured["charts"]:
        # Drawn at about phone width: shown at no less than 80 % of its own size.
        assert 300 <= chart["shown"] <= 390 and chart["shown"] >= 0.8 * chart["natural"], chart
    for chart in desktop.measured["charts"]:
        assert chart["shown"] >= chart["natural"], chart  # never shrunk on a desktop
    page = Image.open(artifacts / "report-pdf-page1.png").convert("L")
    assert page.height > page.width > 500  # A4 portrait
    assert ImageStat.Stat(page).stddev[0] > 10  # not blank
    assert Image.open(phone.path).width == 390
