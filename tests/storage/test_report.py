"""The service report's figures from seeded visits with known times, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.config import VisitingHoursConfig
from core.vocab import ReportGrouping
from storage.report import (
    Label,
    ReportScope,
    Section,
    build_report,
    month_scope,
    register_section,
    unregister_section,
)
from storage.report_figures import wait_stats
from tests.support.report import JAKARTA, KNOWN, seed_known_month

HOURS = VisitingHoursConfig()


def november(grouping: ReportGrouping = ReportGrouping.DAY) -> ReportScope:
    return month_scope(2026, 11, JAKARTA, HOURS, grouping)


def rows_by_label(section: Section) -> dict[str, tuple]:
    return {str(row[0]): row[1:] for row in section.rows}


@pytest.fixture
def known(factory):
    seed_known_month(factory)
    with factory() as db:
        return build_report(db, november())


def test_visits_outcomes_and_hours_of_the_month(known):
    assert len(known.visits) == KNOWN["visits"]
    summary = rows_by_label(known.section("summary"))
    assert summary["Kunjungan"] == (KNOWN["visits"],)
    outcomes = KNOWN["outcomes"]
    assert summary["Diterima"] == (outcomes["receive"],)
    assert summary["Diminta menunggu"] == (outcomes["wait"],)
    assert summary["Dijadwalkan ulang"] == (outcomes["reschedule"],)
    assert summary["Ditolak"] == (outcomes["decline"],)
    assert summary["Didelegasikan"] == (outcomes["delegate"],)
    assert summary["Tanpa keputusan"] == (outcomes["none"],)
    assert summary["Datang di luar jam kunjungan"] == (KNOWN["outside_hours"],)
    assert summary["Wajah tidak dikenal"] == (KNOWN["strangers"],)
    assert summary["Entri buku tamu"] == (KNOWN["guest_book"][0],)
    assert summary["Tamu tanpa rekaman kamera (walk-in)"] == (KNOWN["guest_book"][1],)
    assert summary["Jumlah pengikut"] == (KNOWN["guest_book"][2],)


def test_wait_times_median_p90_and_longest(known):
    summary = rows_by_label(known.section("summary"))
    median, p90, longest = KNOWN["decision"]
    assert summary["Tunggu sampai keputusan: median"] == (median,)
    assert summary["Tunggu sampai keputusan: p90"] == (p90,)
    assert summary["Tunggu sampai keputusan: terlama"] == (longest,)
    median, p90, longest = KNOWN["escort"]
    assert summary["Keputusan sampai diantar: median"] == (median,)
    assert summary["Keputusan sampai diantar: p90"] == (p90,)
    assert summary["Keputusan sampai diantar: terlama"] == (longest,)
    waits = sorted(w // timedelta(minutes=1) for w in known.decision_waits())
    assert waits == sorted(KNOWN["decision_waits_min"])


def test_per_category_rows_and_total(known):
    section = known.section("categories")
    assert section.columns[:3] == ("Kategori tamu", "Kunjungan", "Diterima")
    rows = rows_by_label(section)
    assert {k: v[0] for k, v in rows.items()} == {
        "Pemerintah": KNOWN["categories"]["pemerintah"],
        "Swasta": KNOWN["categories"]["swasta"],
        "Masyarakat": KNOWN["categories"]["masyarakat"],
        "Tidak diketahui": KNOWN["categories"]["unknown"],
        "Jumlah": KNOWN["visits"],
    }
    assert all(isinstance(row[0], Label) for row in section.rows)
    waits = rows_by_label(known.section("category_waits"))
    assert waits["Pemerintah"][:4] == (1, timedelta(minutes=10), timedelta(minutes=10),
                                       timedelta(minutes=10))  # fmt: skip
    assert waits["Masyarakat"] == (0, None, None, None, 0, None, None, None)


def test_jakarta_days_decide_the_period(known):
    rows = {row[0]: row[1:] for row in known.section("periods").rows}
    assert len(rows) == 30 + 1  # every day of November, then the total
    assert rows[date(2026, 11, 1)][0] == 1  # 00:30 in Jakarta, 31 October in UTC
    assert rows[date(2026, 11, 2)][0] == 2
    assert rows[date(2026, 11, 3)][0] == 2
    assert rows[date(2026, 11, 30)][0] == 0
    assert rows[date(2026, 11, 9)][-1] == 1  # the dismissed stranger: a face, not a visit
    assert rows[Label("Jumlah")][0] == KNOWN["visits"]
    hourly = known.hourly()
    assert hourly[0] == (0, 1) and hourly[22] == (0, 1)
    assert hourly[9] == (1, 0) and hourly[10] == (2, 0) and hourly[13] == (1, 0)
    daily = dict(known.daily_outcomes())
    assert daily[date(2026, 11, 3)]["receive"] == 1
    assert daily[date(2026, 11, 3)]["reschedule"] == 1


@pytest.mark.parametrize(
    ("grouping", "first", "count"),
    [
        (ReportGrouping.WEEK, date(2026, 11, 1), 6),  # a Sunday: its week is cut at the 1st
        (ReportGrouping.MONTH, "11-2026", 1),
    ],
)
def test_weeks_and_months(factory, grouping, first, count):
    seed_known_month(factory)
    with factory() as db:
        report = build_report(db, november(grouping))
    rows = report.section("period_waits").rows
    assert len(rows) == count + 1
    assert rows[0][0] == first
    assert rows[-1][1] == len(KNOWN["decision_waits_min"])
    visits = sum(row[1] for row in report.section("periods").rows[:-1])
    assert visits == KNOWN["visits"]


def test_unknown_faces_by_resolution(known):
    rows = rows_by_label(known.section("unknowns"))
    assert rows["Belum diselesaikan penjaga"] == (1, None, None)
    assert rows["Bukan tamu"] == (1, timedelta(minutes=2), timedelta(minutes=2))
    assert rows["Jumlah"][0] == KNOWN["strangers"]


def test_an_empty_period_has_every_section_with_zeros(factory, world):
    with factory() as db:
        report = build_report(db, month_scope(2026, 12, JAKARTA, HOURS, ReportGrouping.DAY))
    assert report.visits == ()
    keys = [s.key for s in report.sections]
    assert keys == ["summary", "periods", "period_waits", "categories", "category_waits",
                    "unknowns", "appointments", "survey_ikm", "complaints"]  # fmt: skip
    summary = rows_by_label(report.section("summary"))
    assert summary["Kunjungan"] == (0,)
    assert summary["Tunggu sampai keputusan: median"] == (None,)
    assert len(report.section("periods").rows) == 31 + 1
    assert report.hourly() == [(0, 0)] * 24


def test_registered_sections_follow_the_house_ones(factory, world):
    def ikm(db, scope):
        return Section("ikm", "Indeks kepuasan", ("Periode", "Skor"), ((scope.start, 3.5),))

    def switched_off(db, scope):
        return None

    register_section(ikm)
    register_section(switched_off)
    register_section(ikm)  # once only
    try:
        with factory() as db:
            report = build_report(db, november())
    finally:
        unregister_section(ikm)
        unregister_section(switched_off)
    assert [s.key for s in report.sections][-2:] == ["complaints", "ikm"]
    assert report.section("ikm").rows == ((date(2026, 11, 1), 3.5),)
    with factory() as db:
        assert "ikm" not in [s.key for s in build_report(db, november()).sections]


def test_wait_stats_table():
    minutes = [timedelta(minutes=m) for m in range(1, 11)]
    stats = wait_stats(minutes)
    assert (stats.count, stats.median, stats.p90, stats.longest) == (
        10, timedelta(seconds=330), timedelta(seconds=546), timedelta(minutes=10),
    )  # fmt: skip
    assert wait_stats([timedelta(seconds=7)]).p90 == timedelta(seconds=7)
    assert wait_stats([None]) == wait_stats([])


@pytest.mark.parametrize(
    ("start", "end"), [(date(2026, 11, 2), date(2026, 11, 1)), (date(2025, 1, 1), date(2026, 1, 2))]
)
def test_a_scope_refuses_backwards_or_over_a_year(start, end):
    with pytest.raises(ValueError):
        ReportScope(start, end, ReportGrouping.DAY, JAKARTA, HOURS)
