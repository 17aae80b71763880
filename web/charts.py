"""Charts drawn on the server (matplotlib, Agg) as PNG or SVG: no script or CDN in the browser."""

from __future__ import annotations

import base64
import io
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, time
from typing import Any

# A bare Figure renders with Agg into memory: no pyplot state, no display, thread-safe enough.
from matplotlib.figure import Figure

GENUINE = "#2e7d32"
IMPOSTOR = "#c62828"
LIMIT = "#1f3b73"


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def calibration_histogram(report: dict[str, Any], labels: dict[str, str] | None = None) -> bytes:
    """Both distance distributions of a calibration report, with tolerance and margin marked."""
    text = {
        "genuine": "wajah yang sama (genuine)",
        "impostor": "orang berbeda (impostor)",
        "tolerance": "toleransi",
        "x": "jarak wajah (dlib)",
        "y": "jumlah",
        **(labels or {}),
    }
    hist = report["histogram"]
    bins = hist["bins"]
    centres = [(a + b) / 2 for a, b in itertools.pairwise(bins)]
    width = bins[1] - bins[0]
    figure = Figure(figsize=(7, 3.2))
    axes = figure.subplots()
    axes.bar(centres, hist["impostor"], width=width, color=IMPOSTOR, alpha=0.6,
             label=text["impostor"])  # fmt: skip
    axes.bar(centres, hist["genuine"], width=width, color=GENUINE, alpha=0.6,
             label=text["genuine"])  # fmt: skip
    tolerance = report["config"]["tolerance"]
    axes.axvline(
        tolerance, color=LIMIT, linestyle="--", label=f"{text['tolerance']} {tolerance:.2f}"
    )
    axes.set_xlabel(text["x"])
    axes.set_ylabel(text["y"])
    axes.set_xlim(0, 1.2)
    axes.legend(loc="upper right", fontsize="small")
    return _png(figure)


# The service report's charts: all the same size, drawn at phone width (4.2 in = 403 CSS px,
# 10 pt text) so a phone shows them near their own size and a desktop scales them up.
REPORT_SIZE = (4.2, 3.5)
REPORT_FONT = 10
OUTCOME_COLOURS = {
    "receive": "#2e7d32",
    "wait": "#f9a825",
    "reschedule": "#1565c0",
    "decline": "#c62828",
    "delegate": "#6a1b9a",
    "none": "#9e9e9e",
}
INSIDE, OUTSIDE, OPEN_HOURS = "#2e7d32", "#e65100", "#e3f3ec"
# Minutes: the wait histogram's bins (the last one is open-ended).
WAIT_BINS = (0, 5, 10, 15, 20, 30, 45, 60)


def svg_data_uri(figure: Figure) -> str:
    """The figure as an SVG `data:` URI for an <img> (CSP: img-src data:; no inline styles)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def png_bytes(figure: Figure, dpi: int = 200) -> bytes:
    """The figure as PNG at `dpi` (for the PDF)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _report_axes() -> tuple[Figure, Any]:
    figure = Figure(figsize=REPORT_SIZE, layout="constrained")
    axes = figure.subplots()
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=REPORT_FONT - 1)
    return figure, axes


def _legend_below(figure: Figure, ncols: int) -> None:
    figure.legend(loc="outside lower center", ncols=ncols, fontsize=REPORT_FONT - 1,
                  frameon=False)  # fmt: skip


def _bin_counts(minutes: Sequence[float]) -> list[int]:
    edges = [*WAIT_BINS[1:], math.inf]
    counts = [0] * len(edges)
    for value in minutes:
        counts[next(i for i, edge in enumerate(edges) if value < edge)] += 1
    return counts


def wait_distribution(
    series: Sequence[tuple[str, Sequence[float]]], text: Mapping[str, str]
) -> Figure:
    """How long guests waited: waits per bin of minutes, one bar colour per (name, minutes)."""
    figure, axes = _report_axes()
    names = [f"{a}–{b}" for a, b in itertools.pairwise(WAIT_BINS)] + [f"≥{WAIT_BINS[-1]}"]
    width = 0.8 / max(1, len(series))
    for n, ((label, minutes), colour) in enumerate(zip(series, (LIMIT, OUTSIDE), strict=False)):
        xs = [i + (n - (len(series) - 1) / 2) * width for i in range(len(names))]
        bars = axes.bar(xs, _bin_counts(minutes), width=width, color=colour, label=label)
        for i, bar in enumerate(bars):
            bar.set_gid(f"wait-{n}-{i}")
    axes.set_xticks(range(len(names)), names)
    axes.set_xlabel(text["minutes"], fontsize=REPORT_FONT)
    axes.set_ylabel(text["visits"], fontsize=REPORT_FONT)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.legend(fontsize=REPORT_FONT - 1, frameon=False)
    return figure


def visits_by_outcome(
    days: Sequence[tuple[date, Mapping[str, int]]], outcome_labels: Mapping[str, str],
    text: Mapping[str, str],
) -> Figure:  # fmt: skip
    """Visits per day as bars stacked by outcome, with the legend under the chart."""
    figure, axes = _report_axes()
    bottoms = [0] * len(days)
    for outcome, label in outcome_labels.items():
        heights = [counts.get(outcome, 0) for _day, counts in days]
        bars = axes.bar(range(len(days)), heights, bottom=bottoms, width=0.8,
                        color=OUTCOME_COLOURS.get(outcome, LIMIT), label=label)  # fmt: skip
        for (day, _counts), bar, height in zip(days, bars, heights, strict=True):
            if height:
                bar.set_gid(f"day-{day.isoformat()}-{outcome}")
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    step = max(1, math.ceil(len(days) / 8))
    ticks = list(range(0, len(days), step))
    axes.set_xticks(ticks, [days[i][0].strftime("%d-%m") for i in ticks])
    axes.set_ylabel(text["visits"], fontsize=REPORT_FONT)
    axes.yaxis.get_major_locator().set_params(integer=True)
    _legend_below(figure, ncols=2)
    return figure


def arrivals_by_hour(
    hourly: Sequence[tuple[int, int]], windows: Sequence[tuple[float, float]],
    text: Mapping[str, str],
) -> Figure:  # fmt: skip
    """Arrivals per hour of the day, inside and outside visiting hours, on the open windows."""
    figure, axes = _report_axes()
    for n, (start, end) in enumerate(windows):
        axes.axvspan(start - 0.5, end - 0.5, color=OPEN_HOURS, zorder=0,
                     label=text["open"] if n == 0 else None)  # fmt: skip
    inside = [a for a, _b in hourly]
    outside = [b for _a, b in hourly]
    for name, heights, bottom, colour in (
        ("in", inside, [0] * 24, INSIDE),
        ("out", outside, inside, OUTSIDE),
    ):
        label = text["inside"] if name == "in" else text["outside"]
        bars = axes.bar(range(24), heights, bottom=bottom, width=0.8, color=colour, label=label)
        for hour, bar in enumerate(bars):
            if heights[hour]:
                bar.set_gid(f"hour-{hour:02d}-{name}")
    axes.set_xticks(range(0, 24, 3), [f"{h:02d}" for h in range(0, 24, 3)])
    axes.set_xlim(-0.6, 23.6)
    axes.set_xlabel(text["hour"], fontsize=REPORT_FONT)
    axes.set_ylabel(text["visits"], fontsize=REPORT_FONT)
    axes.yaxis.get_major_locator().set_params(integer=True)
    _legend_below(figure, ncols=2)
    return figure


def open_windows(windows: Iterable[tuple[time, time]]) -> list[tuple[float, float]]:
    """The union of visiting windows (of every weekday) as hours of the day, merged."""
    spans = sorted((t.hour + t.minute / 60, u.hour + u.minute / 60) for t, u in windows)
    merged: list[tuple[float, float]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
