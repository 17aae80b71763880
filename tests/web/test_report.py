"""The service report over HTTP: roles, figures on the page, CSV, the monthly PDF read back with
poppler (pdftoppm, pdftotext), and bad parameters refused with a clear message."""

from __future__ import annotations

import base64
import csv
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageStat
from sqlalchemy import func, select

from storage.models import Arrival, AuditLog, Decision, GuestBookEntry
from storage.report import Section, register_section, unregister_section
from tests.support.report import seed_known_month
from tests.support.web import csrf_token

NOVEMBER = "from=2026-11-01&to=2026-11-30"
ALLOWED = ("bupati", "adjutant", "security", "admin")
REFUSED = ("guard", "operator")
URLS = ("/laporan/", f"/laporan/laporan.csv?{NOVEMBER}", "/laporan/bulanan.pdf?month=2026-11")


@pytest.fixture
def known(env):
    seed_known_month(env.sessions)
    return env


def poppler(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        pytest.skip(f"{tool} is not installed (poppler-utils: make system-deps)")
    return found


@pytest.mark.parametrize("url", URLS)
def test_roles(env, url):
    for role in ALLOWED:
        assert env.client(role).get(url).status_code == 200, (role, url)
    for role in REFUSED:
        assert env.client(role).get(url).status_code == 403, (role, url)
    anonymous = env.client().get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_only_readers_of_the_report_see_its_link(env):
    assert 'data-testid="nav-report-index"' in env.client("security").get("/review/").get_data(True)
    assert 'data-testid="nav-report-index"' not in env.client("guard").get("/guard/").get_data(True)


def test_the_page_shows_the_months_figures_and_charts(known):
    response = known.client("bupati").get(f"/laporan/?{NOVEMBER}&by=week")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="nav-report-index"' in html  # in the navigation bar
    figures = html.split('data-testid="report-summary"')[1].split("</section>")[0]
    assert '<span class="figure-value">6</span> <span class="figure-label">Kunjungan' in figures
    assert '<span class="figure-value">0:08:00</span>' in figures  # median wait
    assert '<span class="figure-value">0:16:00</span>' in figures  # p90
    assert "Minggu mulai" in html and "01-11-2026" in html and "02-11-2026" in html
    svgs = [part.split('"')[0] for part in html.split('src="data:image/svg+xml;base64,')[1:]]
    assert len(svgs) == 3
    hours = base64.b64decode(svgs[2]).decode()
    assert hours.startswith("<?xml") and "<svg" in hours
    assert 'id="hour-22-out"' in hours and 'id="hour-09-in"' in hours  # bars where visits are
    assert 'id="hour-05-in"' not in hours
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert " style=" not in html  # the strict CSP would drop inline styles
    with known.sessions() as db:
        actions = db.scalars(select(AuditLog.action).where(AuditLog.username == "bupati1"))
        assert "view_report" in list(actions)


def test_an_empty_period_shows_zeros(env):
    html = env.client("security").get("/laporan/?from=2027-02-01&to=2027-02-28").get_data(True)
    assert '<span class="figure-value">0</span>' in html
    assert '<span class="figure-value">—</span>' in html
    assert html.count('data-testid="section-') == 9
    for key in ("appointments", "survey_ikm", "complaints"):
        assert f'data-testid="section-{key}"' in html


def test_english_headings(known):
    client = known.client("adjutant")
    client.post("/language", data={"lang": "en", "csrf_token": _token(client)})
    html = client.get(f"/laporan/?{NOVEMBER}").get_data(as_text=True)
    assert "Service report" in html and "Visits and their outcomes per period" in html
    assert "Declined" in html and "Government" in html


def _token(client) -> str:
    return csrf_token(client, "/laporan/")


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_holds_every_section_and_neutralises_formulas(known):
    def hostile(db, scope):
        return Section("x", "Pengaduan", ("Isi", "Jumlah"), (('=HYPERLINK("http://x")', 2),))

    register_section(hostile)
    try:
        response = known.client("security").get(f"/laporan/laporan.csv?{NOVEMBER}&by=month")
    finally:
        unregister_section(hostile)
    lines = read_csv(response)
    assert '"=' not in response.get_data(as_text=True)
    assert ["Kunjungan", "6"] in lines
    assert ["Tunggu sampai keputusan: median", "0:08:00"] in lines
    assert ["Keputusan sampai diantar: p90", "0:05:36"] in lines
    assert ["11-2026", "6", "2", "0", "1", "1", "1", "1", "2", "2"] in lines
    assert lines[lines.index(["Pengaduan"]) + 2] == ['\'=HYPERLINK("http://x")', "2"]
    assert "attachment" in response.headers["Content-Disposition"]


def test_monthly_pdf_rendered_and_read_back(known, tmp_path: Path):
    pdftoppm, pdftotext = poppler("pdftoppm"), poppler("pdftotext")
    response = known.client("bupati").get("/laporan/bulanan.pdf?month=2026-11")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert 'filename="laporan-layanan-2026-11.pdf"' in response.headers["Content-Disposition"]
    pdf = tmp_path / "laporan.pdf"
    pdf.write_bytes(response.get_data())
    subprocess.run([pdftoppm, "-png", "-r", "50", "-f", "1", "-l", "1", pdf, tmp_path / "p"],
                   check=True, timeout=60)  # fmt: skip
    page = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    assert page.width > 300 and ImageStat.Stat(page).stddev[0] > 10  # not blank
    text = subprocess.run([pdftotext, "-layout", pdf, "-"], check=True, timeout=60,
                          capture_output=True, text=True).stdout  # fmt: skip
    assert "Laporan Layanan Tamu" in text
    assert "Periode: November 2026 (01-11-2026 s.d. 30-11-2026)" in text
    assert "oleh bupati1" in text
    words = text.split()
    assert "0:08:00" in words and "0:16:00" in words and "0:20:00" in words
    assert "Kunjungan dan hasilnya per periode" in text and "Sebaran waktu tunggu" in text
    assert "Halaman 1 dari" in text


def test_monthly_pdf_is_indonesian_for_an_english_reader(known, tmp_path: Path):
    pdftotext = poppler("pdftotext")
    client = known.client("admin")
    client.post("/language", data={"lang": "en", "csrf_token": _token(client)})
    pdf = tmp_path / "laporan.pdf"
    pdf.write_bytes(client.get("/laporan/bulanan.pdf?month=2026-12").get_data())
    text = subprocess.run([pdftotext, pdf, "-"], check=True, capture_output=True, text=True,
                          timeout=60).stdout  # fmt: skip
    assert "Desember 2026" in text and "Ringkasan" in text and "Summary" not in text


def _rows(env) -> tuple[int, int, int]:
    with env.sessions() as db:
        return tuple(
            db.scalar(select(func.count()).select_from(model)) or 0
            for model in (Arrival, Decision, GuestBookEntry)
        )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/laporan/bulanan.pdf?month=2026-13", "Bulan tidak valid"),
        ("/laporan/bulanan.pdf?month=0001-01", "antara tahun 2000 dan 2100"),
        ("/laporan/bulanan.pdf?month=2026-11'%20OR%201=1--", "Bulan tidak valid"),
        ("/laporan/bulanan.pdf?month=2026-1", "Bulan tidak valid"),
        ("/laporan/bulanan.pdf?month=%EF%BC%92026-11", "Bulan tidak valid"),  # a wide digit
        ("/laporan/?from=2026-13-01", "Tanggal awal tidak valid"),
        ("/laporan/?from=2026-11-30&to=2026-11-01", "sebelum atau sama dengan"),
        ("/laporan/?from=2025-01-01&to=2026-06-30", "paling lama 366 hari"),
        ("/laporan/?by=year", "Pengelompokan tidak dikenal"),
        ("/laporan/?to=2026-11-30;DROP%20TABLE%20arrivals", "Tanggal akhir tidak valid"),
        ("/laporan/laporan.csv?from=0001-01-01", "antara tahun 2000 dan 2100"),
    ],
)
def test_bad_parameters_are_refused_clearly_and_lose_nothing(known, url, message):
    before = _rows(known)
    response = known.client("admin").get(url)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _rows(known) == before


def test_every_report_text_is_in_the_english_catalogue(known):
    from babel.messages.pofile import read_po

    from core.config import VisitingHoursConfig
    from core.vocab import ReportGrouping
    from storage.report import Label, build_report, month_scope
    from tests.support.report import JAKARTA
    from tests.support.web import TRANSLATIONS
    from web.report import GROUPING_LABELS
    from web.report_format import CHART_ALTS, CHART_TEXT, CHART_TITLES

    with (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        english = {m.id: m.string for m in read_po(po, locale="en") if m.id}
    texts = {*CHART_TEXT.values(), *CHART_TITLES.values(), *CHART_ALTS.values()}
    texts |= set(GROUPING_LABELS.values())
    for grouping in ReportGrouping:
        scope = month_scope(2026, 11, JAKARTA, VisitingHoursConfig(), grouping)
        with known.sessions() as db:
            for section in build_report(db, scope).sections:
                texts |= {section.title, *section.columns}
                texts |= {str(c) for row in section.rows for c in row if isinstance(c, Label)}
    missing = sorted(t for t in texts if not english.get(t))
    assert missing == []
