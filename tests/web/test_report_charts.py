"""The service report's charts: what they draw follows the figures (bars named by SVG id)."""

from __future__ import annotations

import base64
from datetime import date

from core.config import VisitingHoursConfig
from core.visiting import WEEKDAYS
from web import charts

TEXT = {"minutes": "menit", "visits": "kunjungan", "hour": "jam", "open": "buka",
        "inside": "dalam", "outside": "luar"}  # fmt: skip


def svg(figure) -> str:
    uri = charts.svg_data_uri(figure)
    assert uri.startswith("data:image/svg+xml;base64,")
    return base64.b64decode(uri.split(",", 1)[1]).decode()


def test_open_windows_merge_every_weekday():
    hours = VisitingHoursConfig()
    windows = [w for day in WEEKDAYS for w in hours.windows(day)]
    assert charts.open_windows(windows) == [(8.0, 12.0), (13.0, 16.0), (19.0, 21.0)]
    assert charts.open_windows([]) == []


def test_wait_bins_edges():
    assert charts._bin_counts([0, 4.9, 5, 59.9, 60, 300]) == [2, 1, 0, 0, 0, 0, 1, 2]


def test_outcome_bars_only_where_there_were_visits():
    days = [(date(2026, 11, 2), {"receive": 2, "decline": 0}), (date(2026, 11, 3), {"decline": 1})]
    drawn = svg(charts.visits_by_outcome(days, {"receive": "Diterima", "decline": "Ditolak"}, TEXT))
    assert 'id="day-2026-11-02-receive"' in drawn and 'id="day-2026-11-03-decline"' in drawn
    assert 'id="day-2026-11-02-decline"' not in drawn and 'id="day-2026-11-03-receive"' not in drawn


def test_charts_of_the_report_are_one_size():
    hourly = [(0, 0)] * 24
    sizes = {
        svg(figure).split("<svg", 1)[1].split(">", 1)[0].split('viewBox="')[1].split('"')[0]
        for figure in (
            charts.arrivals_by_hour(hourly, [(8.0, 12.0)], TEXT),
            charts.wait_distribution([("a", [1.0]), ("b", [])], TEXT),
            charts.visits_by_outcome([(date(2026, 11, 2), {})], {"none": "Tanpa"}, TEXT),
        )
    }
    assert len(sizes) == 1
