"""The service report as people read it: cells as text, translated headings, the three charts.

One place decides how a figure looks, for the page, the CSV and the PDF alike: durations as
H:MM:SS (a spreadsheet reads them as times), days as DD-MM-YYYY, nothing as "—" (empty in CSV).
Indonesian msgids go through `translate` (gettext on the page, unchanged in the PDF).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from matplotlib.figure import Figure

from core.visiting import WEEKDAYS
from storage.report import Cell, Label, Section, ServiceReport
from storage.report_figures import OUTCOME_LABELS, OUTCOMES
from web import charts

Translate = Callable[[str], str]
NOTHING = "—"
# Chart texts (Indonesian msgids).
CHART_TEXT = {
    "minutes": "menit",
    "visits": "kunjungan",
    "hour": "jam kedatangan",
    "open": "jam kunjungan",
    "inside": "dalam jam kunjungan",
    "outside": "di luar jam kunjungan",
    "to_decision": "sampai keputusan",
    "to_escort": "keputusan sampai diantar",
}
CHART_TITLES = {
    "waits": "Sebaran waktu tunggu",
    "outcomes": "Kunjungan per hari menurut hasil",
    "hours": "Kedatangan per jam dan jam kunjungan",
}
CHART_ALTS = {
    "waits": "Diagram batang: berapa kunjungan menunggu berapa menit",
    "outcomes": "Diagram batang bertumpuk: kunjungan per hari menurut hasil",
    "hours": "Diagram batang: kedatangan per jam, dalam dan di luar jam kunjungan",
}


def keep(text: str) -> str:
    """The Indonesian text as it is (the PDF's `translate`)."""
    return text


def duration_text(value: timedelta) -> str:
    """H:MM:SS, whole seconds."""
    seconds = round(value.total_seconds())
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def cell_text(value: Cell, translate: Translate, nothing: str = NOTHING) -> str:
    """A cell as text; a `Label` is translated, a guest's name is not."""
    if value is None:
        return nothing
    if isinstance(value, Label):
        return translate(str(value))
    if isinstance(value, timedelta):
        return duration_text(value)
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


@dataclass(frozen=True)
class ShownSection:
    """A section ready for a template or the PDF: texts, and which cells are numbers."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[tuple[str, bool], ...], ...]
    note: str | None


def shown(section: Section, translate: Translate) -> ShownSection:
    """`section` with every heading translated and every cell as text."""
    rows = tuple(
        tuple(
            (cell_text(cell, translate), cell is None or isinstance(cell, int | float | timedelta))
            for cell in row
        )
        for row in section.rows
    )
    return ShownSection(
        section.key,
        translate(section.title),
        tuple(translate(column) for column in section.columns),
        rows,
        translate(section.note) if section.note else None,
    )


def csv_lines(report: ServiceReport, translate: Translate) -> list[list[str]]:
    """Every section as a block: its title, its headings, its rows, an empty line."""
    lines: list[list[str]] = []
    for section in report.sections:
        lines.append([translate(section.title)])
        lines.append([translate(column) for column in section.columns])
        lines += [[cell_text(cell, translate, "") for cell in row] for row in section.rows]
        lines.append([])
    return lines


def key_figures(report: ServiceReport) -> dict[str, Cell]:
    """The figures shown large at the top of the page, from the summary section."""
    summary = {str(row[0]): row[1] for row in report.section("summary").rows}
    return {
        key: summary[key]
        for key in (
            "Kunjungan",
            "Tunggu sampai keputusan: median",
            "Tunggu sampai keputusan: p90",
            "Datang di luar jam kunjungan",
            "Wajah tidak dikenal",
        )
    }


def _minutes(waits: Sequence[timedelta]) -> list[float]:
    return [w.total_seconds() / 60 for w in waits]


def report_charts(report: ServiceReport, translate: Translate) -> dict[str, Figure]:
    """The report's three charts (wait distribution, outcomes per day, arrivals per hour)."""
    text = {key: translate(value) for key, value in CHART_TEXT.items()}
    windows = [w for day in WEEKDAYS for w in report.scope.hours.windows(day)]
    outcome_labels = {o: translate(str(OUTCOME_LABELS[o])) for o in OUTCOMES}
    return {
        "waits": charts.wait_distribution(
            [
                (text["to_decision"], _minutes(report.decision_waits())),
                (text["to_escort"], _minutes(report.escort_waits())),
            ],
            text,
        ),
        "outcomes": charts.visits_by_outcome(report.daily_outcomes(), outcome_labels, text),
        "hours": charts.arrivals_by_hour(report.hourly(), charts.open_windows(windows), text),
    }
