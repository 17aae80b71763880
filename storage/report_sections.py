"""The house's sections of the service report, built from the period's figures."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from storage.report_figures import (
    CATEGORIES,
    CATEGORY_LABELS,
    OUTCOME_LABELS,
    OUTCOMES,
    UNKNOWN_LABELS,
    GuestBookFigures,
    StrangerFace,
    Visit,
    wait_stats,
)
from storage.report_types import Cell, Label, ReportScope, Section

TOTAL = Label("Jumlah")
OUTCOME_COLUMNS = (
    "Kunjungan",
    *(str(OUTCOME_LABELS[o]) for o in OUTCOMES),
    "Di luar jam kunjungan",
)
WAIT_COLUMNS = (
    "Diputuskan",
    "Tunggu sampai keputusan: median",
    "p90",
    "terlama",
    "Diantar",
    "Keputusan sampai diantar: median",
    "p90",
    "terlama",
)
Row = tuple[Cell, ...]


def _outcome_cells(visits: Sequence[Visit]) -> Row:
    counts = [sum(v.outcome == outcome for v in visits) for outcome in OUTCOMES]
    return (len(visits), *counts, sum(v.outside_hours for v in visits))


def _wait_cells(visits: Sequence[Visit]) -> Row:
    decided = wait_stats(v.to_decision for v in visits)
    escorted = wait_stats(v.to_escort for v in visits)
    return (
        decided.count,
        decided.median,
        decided.p90,
        decided.longest,
        escorted.count,
        escorted.median,
        escorted.p90,
        escorted.longest,
    )


def _grouped(
    groups: Sequence[tuple[Cell, Sequence[Visit]]],
    everyone: Sequence[Visit],
    cells: Callable[[Sequence[Visit]], Row],
) -> tuple[Row, ...]:
    """One row per group, then the total over every visit."""
    return (
        *((name, *cells(members)) for name, members in groups),
        (TOTAL, *cells(everyone)),
    )


def _by_period(scope: ReportScope, visits: Sequence[Visit]) -> list[tuple[Cell, list[Visit]]]:
    members: dict[date, list[Visit]] = {bucket: [] for bucket in scope.buckets()}
    for visit in visits:
        members[scope.bucket(visit.day)].append(visit)
    return [(scope.period_cell(bucket), group) for bucket, group in members.items()]


def _by_category(visits: Sequence[Visit]) -> list[tuple[Cell, list[Visit]]]:
    return [
        (CATEGORY_LABELS[category], [v for v in visits if v.category == category])
        for category in CATEGORIES
    ]


def summary(
    visits: Sequence[Visit], strangers: Sequence[StrangerFace], book: GuestBookFigures
) -> Section:
    """The period at a glance: visits, outcomes, waits, out-of-hours, strangers, guest book."""
    outcomes = _outcome_cells(visits)
    waits = _wait_cells(visits)
    rows: list[Row] = [(Label("Kunjungan"), outcomes[0])]
    rows += [(OUTCOME_LABELS[o], n) for o, n in zip(OUTCOMES, outcomes[1:-1], strict=True)]
    rows += [
        (Label("Datang di luar jam kunjungan"), outcomes[-1]),
        (Label("Tunggu sampai keputusan: median"), waits[1]),
        (Label("Tunggu sampai keputusan: p90"), waits[2]),
        (Label("Tunggu sampai keputusan: terlama"), waits[3]),
        (Label("Keputusan sampai diantar: median"), waits[5]),
        (Label("Keputusan sampai diantar: p90"), waits[6]),
        (Label("Keputusan sampai diantar: terlama"), waits[7]),
        (Label("Wajah tidak dikenal"), len(strangers)),
        (Label("Entri buku tamu"), book.entries),
        (Label("Tamu tanpa rekaman kamera (walk-in)"), book.walk_ins),
        (Label("Jumlah pengikut"), book.companions),
    ]
    return Section("summary", "Ringkasan", ("Ukuran", "Nilai"), tuple(rows))


def outcomes_per_period(
    scope: ReportScope, visits: Sequence[Visit], strangers: Sequence[StrangerFace]
) -> Section:
    """Visits and how they ended, per period, with the strangers seen in each period."""
    faces: dict[date, int] = {bucket: 0 for bucket in scope.buckets()}
    for face in strangers:
        faces[scope.bucket(face.day)] += 1
    rows = [
        (*row, count)
        for row, count in zip(
            _grouped(_by_period(scope, visits), visits, _outcome_cells),
            [*faces.values(), len(strangers)],
            strict=True,
        )
    ]
    columns = (scope.period_heading(), *OUTCOME_COLUMNS, "Wajah tidak dikenal")
    return Section("periods", "Kunjungan dan hasilnya per periode", columns, tuple(rows))


def waits_per_period(scope: ReportScope, visits: Sequence[Visit]) -> Section:
    """How long guests waited for a decision and for the escort, per period."""
    rows = _grouped(_by_period(scope, visits), visits, _wait_cells)
    columns = (scope.period_heading(), *WAIT_COLUMNS)
    return Section("period_waits", "Waktu tunggu per periode", columns, rows)


def outcomes_per_category(visits: Sequence[Visit]) -> Section:
    """Visits and how they ended, per category of guest."""
    rows = _grouped(_by_category(visits), visits, _outcome_cells)
    columns = ("Kategori tamu", *OUTCOME_COLUMNS)
    return Section("categories", "Kunjungan dan hasilnya per kategori tamu", columns, rows)


def waits_per_category(visits: Sequence[Visit]) -> Section:
    """How long guests waited, per category of guest."""
    rows = _grouped(_by_category(visits), visits, _wait_cells)
    columns = ("Kategori tamu", *WAIT_COLUMNS)
    return Section("category_waits", "Waktu tunggu per kategori tamu", columns, rows)


def strangers_resolved(strangers: Sequence[StrangerFace]) -> Section:
    """Unknown faces by how they were settled, and how fast the guard answered."""
    rows: list[Row] = []
    for status, label in UNKNOWN_LABELS.items():
        faces = [f for f in strangers if f.status == status]
        stats = wait_stats(f.to_resolve for f in faces)
        rows.append((label, len(faces), stats.median, stats.longest))
    total = wait_stats(f.to_resolve for f in strangers)
    rows.append((TOTAL, len(strangers), total.median, total.longest))
    columns = ("Penyelesaian", "Jumlah", "Waktu sampai dijawab penjaga: median", "terlama")
    return Section("unknowns", "Wajah tidak dikenal dan penyelesaiannya", columns, tuple(rows))


def house_sections(
    scope: ReportScope,
    visits: Sequence[Visit],
    strangers: Sequence[StrangerFace],
    book: GuestBookFigures,
) -> list[Section]:
    """Every section of the house's own, in reading order."""
    return [
        summary(visits, strangers, book),
        outcomes_per_period(scope, visits, strangers),
        waits_per_period(scope, visits),
        outcomes_per_category(visits),
        waits_per_category(visits),
        strangers_resolved(strangers),
    ]
