"""Charts rendered on the server as PNG (matplotlib, Agg): no script or CDN in the browser."""

from __future__ import annotations

import io
import itertools
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
