"""The service report (Laporan layanan): figures, charts, CSV and the monthly PDF."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _

from core.vocab import AuditAction, ReportGrouping
from storage.db import transaction
from storage.report import MAX_DAYS, ReportScope, ServiceReport, build_report, month_scope
from web import charts, export, forms
from web.auth import acting_user, audit, roles_required
from web.extensions import state
from web.report_format import (
    CHART_ALTS,
    CHART_TITLES,
    cell_text,
    csv_lines,
    key_figures,
    report_charts,
    shown,
)
from web.report_pdf import PdfMeta, monthly_pdf
from web.responses import error_page

bp = Blueprint("report", __name__, url_prefix="/laporan")
_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
GROUPING_LABELS = {
    ReportGrouping.DAY: "hari",
    ReportGrouping.WEEK: "minggu",
    ReportGrouping.MONTH: "bulan",
}


@dataclass
class ParsedQuery:
    """The report's days and grouping from the query string, the raw values, and any errors."""

    scope: ReportScope | None
    raw: dict[str, str]
    errors: list[str] = field(default_factory=list)


def _today() -> date:
    return datetime.now(state().config.tz).date()


def parse_query() -> ParsedQuery:
    """from / to (YYYY-MM-DD, default this month so far) and by (day, week, month)."""
    raw = {key: (request.args.get(key) or "").strip()[:40] for key in ("from", "to", "by")}
    errors: list[str] = []
    today = _today()
    start = forms.noted_date(raw["from"], _("Tanggal awal"), errors) or today.replace(day=1)
    end = forms.noted_date(raw["to"], _("Tanggal akhir"), errors) or max(today, start)
    if raw["by"] and raw["by"] not in tuple(ReportGrouping):
        errors.append(_("Pengelompokan tidak dikenal (hari, minggu atau bulan)."))
    if start > end:
        errors.append(_("Tanggal awal harus sebelum atau sama dengan tanggal akhir."))
    elif (end - start).days >= MAX_DAYS:
        errors.append(_("Laporan mencakup paling lama %(days)s hari.", days=MAX_DAYS))
    if errors:
        return ParsedQuery(None, raw, errors)
    raw["from"], raw["to"] = start.isoformat(), end.isoformat()
    grouping = ReportGrouping(raw["by"] or ReportGrouping.DAY)
    config = state().config
    return ParsedQuery(ReportScope(start, end, grouping, config.tz, config.visiting_hours), raw)


def parse_month(raw: str) -> tuple[int, int]:
    """A YYYY-MM month (default: this month); forms.FormError with a message otherwise."""
    raw = raw.strip()
    if not raw:
        today = _today()
        return today.year, today.month
    if not _MONTH.fullmatch(raw) or not 1 <= int(raw[5:]) <= 12:
        raise forms.FormError(_("Bulan tidak valid (format: TTTT-BB)."))
    year = int(raw[:4])
    if not forms.YEAR_MIN <= year <= forms.YEAR_MAX:
        raise forms.FormError(
            _(
                "%(label)s harus antara tahun %(min)s dan %(max)s.",
                label=_("Bulan"),
                min=forms.YEAR_MIN,
                max=forms.YEAR_MAX,
            )
        )
    return year, int(raw[5:])


def _detail(scope: ReportScope) -> dict[str, str]:
    return {"from": scope.start.isoformat(), "to": scope.end.isoformat(), "by": scope.grouping}


@bp.get("/")
@roles_required()
def index() -> tuple[str, int]:
    """The report on screen: key figures, three charts, every section as a table."""
    parsed = parse_query()
    context: dict[str, Any] = {
        "query": parsed.raw,
        "errors": parsed.errors,
        "csv_query": {key: value for key, value in parsed.raw.items() if value},
    }
    if parsed.scope is not None:
        with transaction(state().sessions) as db:
            report = build_report(db, parsed.scope)
            audit(AuditAction.VIEW_REPORT, "report", _detail(parsed.scope), db=db)
        context.update(_page_context(report))
    page = render_template(
        "report/index.html",
        groupings=list(ReportGrouping),
        grouping_labels=GROUPING_LABELS,
        month=_today().strftime("%Y-%m"),
        **context,
    )
    return page, 400 if parsed.errors else 200


def _page_context(report: ServiceReport) -> dict[str, Any]:
    figures = report_charts(report, _)
    return {
        "report": report,
        "figures": {_(label): cell_text(value, _) for label, value in key_figures(report).items()},
        "charts": [
            (key, _(CHART_TITLES[key]), _(CHART_ALTS[key]), charts.svg_data_uri(figure))
            for key, figure in figures.items()
        ],
        "sections": [shown(section, _) for section in report.sections],
    }


@bp.get("/laporan.csv")
@roles_required()
def export_csv() -> Response | tuple[Any, int]:
    """Every section's figures as CSV (UTF-8 with BOM, every field quoted, no live formulas)."""
    parsed = parse_query()
    if parsed.scope is None:
        return error_page(" ".join(parsed.errors), 400)
    with transaction(state().sessions) as db:
        report = build_report(db, parsed.scope)
        audit(AuditAction.EXPORT_REPORT_CSV, "report", _detail(parsed.scope), db=db)
    body = export.csv_bytes(csv_lines(report, _))
    name = f"laporan-layanan-{parsed.scope.start.isoformat()}-{parsed.scope.end.isoformat()}.csv"
    return _download(body, "text/csv", name)


@bp.get("/bulanan.pdf")
@roles_required()
def monthly() -> Response | tuple[Any, int]:
    """One month's report as a PDF in Bahasa Indonesia, per week, with the charts."""
    try:
        year, month = parse_month(request.args.get("month") or "")
    except forms.FormError as exc:
        return error_page(str(exc), 400)
    config = state().config
    scope = month_scope(year, month, config.tz, config.visiting_hours, ReportGrouping.WEEK)
    with transaction(state().sessions) as db:
        report = build_report(db, scope)
        made_by = acting_user(db).username
        audit(AuditAction.EXPORT_REPORT_PDF, "report", _detail(scope), db=db)
    body = monthly_pdf(report, PdfMeta(datetime.now(config.tz), made_by))
    return _download(body, "application/pdf", f"laporan-layanan-{year}-{month:02d}.pdf")


def _download(body: bytes, mimetype: str, name: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
