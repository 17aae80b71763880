"""The monthly service report as a PDF in Bahasa Indonesia, for the Ombudsman or the regent.

fpdf2 lays out the text and tables in DejaVu Sans (the TrueType fonts matplotlib ships, so any
name prints); the charts are the page's charts as PNG. Everything is Indonesian whatever the
reader's language on the dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace

from storage.report import ServiceReport
from web import charts
from web.report_format import CHART_TITLES, keep, report_charts, shown

FONT = "DejaVu"
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip
TITLE = "Laporan Layanan Tamu"
SUBTITLE = "Rumah Jabatan Bupati"
HEAD_FILL = (227, 243, 236)
NOTES = (
    "Kunjungan: setiap kedatangan yang tercatat kamera pada bulan ini (waktu Asia/Jakarta), "
    "kecuali wajah yang oleh penjaga dinyatakan bukan tamu.",
    "Tunggu sampai keputusan: dari kedatangan pertama di kamera sampai keputusan terakhir "
    "Bupati atau ajudan atas kunjungan itu. Keputusan sampai diantar: dari keputusan "
    "menerima sampai penjaga mengantar tamu.",
    "p90: sembilan dari sepuluh kunjungan menunggu paling lama selama ini. "
    "Waktu ditulis jam:menit:detik.",
    "Di luar jam kunjungan: menurut jam kunjungan yang berlaku di konfigurasi.",
)


@dataclass(frozen=True)
class PdfMeta:
    """Who made the PDF and when (local time), printed under the title."""

    made_at: datetime
    made_by: str


def month_name(year: int, month: int) -> str:
    """The month in Indonesian, e.g. "November 2026"."""
    return f"{MONTHS[month - 1]} {year}"


class _ReportPdf(FPDF):
    """A4 portrait with the report's name and page numbers in the footer."""

    footer_text = ""

    def footer(self) -> None:
        """The report's name and "Halaman n dari N" at the bottom of every page."""
        self.set_y(-12)
        self.set_font(FONT, size=7)
        self.set_text_color(95, 107, 122)
        self.cell(0, 5, self.footer_text, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Halaman {self.page_no()} dari {{nb}}", align="R")


def monthly_pdf(report: ServiceReport, meta: PdfMeta) -> bytes:
    """The report of one month as PDF bytes: title, summary, charts, every section, notes."""
    scope = report.scope
    period = month_name(scope.start.year, scope.start.month)
    pdf = _ReportPdf(format="A4")
    pdf.footer_text = f"{TITLE} · {period}"
    pdf.set_title(f"{TITLE} {period}")
    pdf.set_lang("id")
    pdf.set_creator("Tamu")
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    _heading(pdf, report, period, meta)
    sections = [shown(section, keep) for section in report.sections]
    _table(pdf, sections[0].title, sections[0].columns, sections[0].rows, (3, 1), width=110)
    _charts(pdf, report)
    for section in sections[1:]:
        _table(pdf, section.title, section.columns, section.rows)
        if section.note:
            _paragraph(pdf, section.note, 8)
    _notes(pdf)
    return bytes(pdf.output())


def _heading(pdf: FPDF, report: ServiceReport, period: str, meta: PdfMeta) -> None:
    scope = report.scope
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 9, TITLE, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 11)
    pdf.cell(0, 6, SUBTITLE, new_x="LMARGIN", new_y="NEXT")
    first, last = scope.start.strftime("%d-%m-%Y"), scope.end.strftime("%d-%m-%Y")
    pdf.cell(0, 6, f"Periode: {period} ({first} s.d. {last})", new_x="LMARGIN", new_y="NEXT")
    made = meta.made_at.strftime("%d-%m-%Y %H:%M %Z")
    pdf.set_font(FONT, "", 8)
    pdf.cell(0, 5, f"Dibuat {made} oleh {meta.made_by}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _title(pdf: FPDF, text: str) -> None:
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")


def _paragraph(pdf: FPDF, text: str, size: float) -> None:
    pdf.set_font(FONT, "", size)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")


def _table(
    pdf: FPDF,
    title: str,
    columns: tuple[str, ...],
    rows: tuple[tuple[tuple[str, bool], ...], ...],
    widths: tuple[float, ...] | None = None,
    width: float | None = None,
) -> None:
    """A titled table; headings repeat on a new page, numbers are right-aligned."""
    if pdf.will_page_break(30):
        pdf.add_page()
    _title(pdf, title)
    size = 8 if len(columns) <= 4 else 6.5
    pdf.set_font(FONT, "", size)
    col_widths = widths or _natural_widths(columns, rows)
    heading = FontFace(emphasis="BOLD", fill_color=HEAD_FILL)
    with pdf.table(
        col_widths=col_widths,
        width=width or pdf.epw,
        align="LEFT",
        text_align="LEFT",
        headings_style=heading,
        line_height=size * 0.55,
        padding=0.8,
    ) as table:
        table.row(list(columns))
        for cells in rows:
            line = table.row()
            for text, number in cells:
                line.cell(text, align="RIGHT" if number else "LEFT")
    pdf.ln(4)


def _natural_widths(
    columns: tuple[str, ...], rows: tuple[tuple[tuple[str, bool], ...], ...]
) -> tuple[float, ...]:
    """Each column as wide as its longest cell or its heading's longest (bold) word."""
    widths = []
    for n, column in enumerate(columns):
        longest_word = max(len(word) for word in column.split()) * 1.15
        cells = [len(row[n][0]) for row in rows if n < len(row)]
        widths.append(max([longest_word, 4, *cells]) + 1)
    return tuple(widths)


def _charts(pdf: FPDF, report: ServiceReport) -> None:
    """The three charts, two to a row, each under its title."""
    figures = report_charts(report, keep)
    width = (pdf.epw - 6) / 2
    if pdf.will_page_break(70):
        pdf.add_page()
    top = pdf.get_y()
    for n, (key, figure) in enumerate(figures.items()):
        x = pdf.l_margin + (n % 2) * (width + 6)
        if n == 2:
            top = pdf.get_y() + 4
            if pdf.will_page_break(75):
                pdf.add_page()
                top = pdf.get_y()
        pdf.set_xy(x, top)
        pdf.set_font(FONT, "B", 9)
        pdf.cell(width, 5, CHART_TITLES[key])
        info = pdf.image(charts.png_bytes(figure), x=x, y=top + 6, w=width)
        if n % 2 == 1 or n == len(figures) - 1:
            pdf.set_y(top + 6 + info.rendered_height)
    pdf.ln(5)


def _notes(pdf: FPDF) -> None:
    if pdf.will_page_break(40):
        pdf.add_page()
    _title(pdf, "Catatan")
    for note in NOTES:
        _paragraph(pdf, f"• {note}", 8)
