"""Security review: recorded arrivals with filters, a visit's timeline, exports, audit log."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _

from core.errors import WorkflowError
from core.vocab import AuditAction, DecisionKind
from storage import audit as audit_store
from storage import review, timeline
from storage.db import Session, transaction
from storage.review import NO_DECISION, ArrivalFilter, ArrivalRow
from web import audit_view, export, forms
from web.auth import audit, roles_required
from web.extensions import state
from web.messages import workflow_message
from web.responses import error_page

log = logging.getLogger(__name__)
bp = Blueprint("review", __name__, url_prefix="/review")
PER_PAGE = 50
AUDIT_PER_PAGE = 100
TEXT_MAX = 120
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class ParsedFilters:
    """Filters read from the query string, the raw values to re-show, and any errors."""

    flt: ArrivalFilter = field(default_factory=ArrivalFilter)
    raw: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    page: int = 1


def _day_start(day: date | None, tz: ZoneInfo, days: int = 0) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=days), time(0), tzinfo=tz)


def _date_range(raw: dict[str, str], errors: list[str]) -> tuple[datetime | None, ...]:
    """[from 00:00, the day after `to` 00:00) in the configured timezone."""
    tz = state().config.tz
    first = forms.noted_date(raw["from"], _("Tanggal awal"), errors)
    last = forms.noted_date(raw["to"], _("Tanggal akhir"), errors)
    if first and last and first > last:
        errors.append(_("Tanggal awal harus sebelum atau sama dengan tanggal akhir."))
    return _day_start(first, tz), _day_start(last, tz, days=1)


def _page(raw: str, errors: list[str]) -> int:
    if not raw:
        return 1
    if not re.fullmatch(r"[0-9]{1,6}", raw) or not 1 <= int(raw) <= 100_000:
        errors.append(_("Nomor halaman tidak valid."))
        return 1
    return int(raw)


def _raw_args(keys: tuple[str, ...]) -> dict[str, str]:
    return {key: (request.args.get(key) or "").strip() for key in keys}


def parse_filters(cameras: list[str]) -> ParsedFilters:
    """Read the review filters; bad values become messages, never exceptions."""
    raw = _raw_args(("from", "to", "camera", "guest", "unknown", "outside", "decision", "page"))
    errors: list[str] = []
    since, until = _date_range(raw, errors)
    if raw["camera"] and raw["camera"] not in cameras:
        errors.append(_("Kamera tidak dikenal: %(name)s.", name=raw["camera"][:TEXT_MAX]))
    if len(raw["guest"]) > TEXT_MAX:
        errors.append(_("Nama tamu terlalu panjang (maksimal 120 karakter)."))
    if raw["decision"] and raw["decision"] not in (*DecisionKind, NO_DECISION):
        errors.append(_("Jenis keputusan tidak dikenal."))
    page = _page(raw["page"], errors)
    flt = ArrivalFilter(
        since=since,
        until=until,
        camera=raw["camera"] or None,
        guest=raw["guest"] or None,
        unknown_only=raw["unknown"] in ("1", "on", "true"),
        outside_hours=raw["outside"] in ("1", "on", "true"),
        decision=raw["decision"] or None,
    )
    return ParsedFilters(flt=flt, raw=raw, errors=errors, page=page)


def _filter_detail(flt: ArrivalFilter) -> dict[str, Any]:
    """The filters for an audit row (datetimes as ISO text, empty ones left out)."""
    return {k: v for k, v in asdict(flt).items() if v not in (None, False, "")}


@bp.get("/")
@roles_required()
def index():
    """Recorded arrivals, filtered, newest first, with thumbnails and pagination."""
    with state().sessions() as db:
        context = rows_context(db)
        page = render_template(
            "review/index.html",
            **context,
            cameras=review.camera_names(db),
            decision_kinds=list(DecisionKind),
            no_decision=NO_DECISION,
        )
    detail = _filter_detail(context["flt"]) if context["rows"] else None
    audit(AuditAction.VIEW_LIST, "review", detail)
    return page, 400 if context["errors"] else 200


@bp.get("/rows")
@roles_required()
def rows_panel():
    """The filtered arrivals alone (the page refreshes them on live events)."""
    with state().sessions() as db:
        context = rows_context(db)
        if context["errors"]:
            return error_page(" ".join(context["errors"]), 400)
        return render_template("review/_rows.html", **context)


def rows_context(db: Session) -> dict[str, Any]:
    """The query string's filters and the page of arrivals they select."""
    parsed = parse_filters(review.camera_names(db))
    rows: list[ArrivalRow] = []
    total = 0
    if not parsed.errors:
        rows, total = review.search_arrivals(db, parsed.flt, page=parsed.page, per_page=PER_PAGE)
    return {
        "rows": rows,
        "total": total,
        "page": parsed.page,
        "pages": max(1, -(-total // PER_PAGE)),
        "filters": parsed.raw,
        "errors": parsed.errors,
        "query": _query_without_page(parsed.raw),
        "flt": parsed.flt,
    }


def _query_without_page(raw: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in raw.items() if v and k != "page"}


@bp.get("/arrivals/<int:arrival_id>")
@roles_required()
def arrival(arrival_id: int):
    """One visit's timeline: gate, waiting room, guest book, decisions, escort, departure."""
    try:
        with transaction(state().sessions) as db:
            detail = timeline.arrival_detail(db, arrival_id)
            page = render_template("review/arrival.html", detail=detail, arrival=detail.arrival)
            audit(AuditAction.VIEW_ARRIVAL, f"arrival:{arrival_id}", db=db)
    except WorkflowError as exc:
        return error_page(workflow_message(exc), 404)
    return page


@bp.get("/export.csv")
@roles_required()
def export_csv() -> Response | tuple[Any, int]:
    """The filtered arrivals as CSV (UTF-8 with BOM, every field quoted, no live formulas)."""
    return _export("csv", "text/csv", export.arrivals_csv, AuditAction.EXPORT_CSV)


@bp.get("/export.xlsx")
@roles_required()
def export_xlsx() -> Response | tuple[Any, int]:
    """The filtered arrivals as an XLSX workbook whose every cell is text."""
    return _export("xlsx", XLSX_MIME, export.arrivals_xlsx, AuditAction.EXPORT_XLSX)


def _export(
    suffix: str,
    mimetype: str,
    build: Callable[[list[ArrivalRow], ZoneInfo, Callable[[str], str]], bytes],
    action: AuditAction,
) -> Response | tuple[Any, int]:
    """The filtered arrivals as a download (times with their offset, snapshot paths only)."""
    with transaction(state().sessions) as db:
        parsed = parse_filters(review.camera_names(db))
        if parsed.errors:
            return error_page(" ".join(parsed.errors), 400)
        rows = review.export_arrivals(db, parsed.flt)
        body = build(rows, state().config.tz, state().config.camera_label)
        detail = {"filters": _filter_detail(parsed.flt), "rows": len(rows)}
        audit(action, "arrivals", detail, db=db)
    stamp = datetime.now(state().config.tz).strftime("%Y%m%d-%H%M")
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="tamu-kedatangan-{stamp}.{suffix}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/audit")
@roles_required()
def audit_log():
    """The audit log: who viewed, decided, exported or changed what, and when."""
    raw = _raw_args(("from", "to", "user", "action", "page"))
    errors: list[str] = []
    since, until = _date_range(raw, errors)
    if len(raw["user"]) > 60:
        errors.append(_("Nama pengguna terlalu panjang."))
    if raw["action"] and raw["action"] not in audit_store.ACTIONS:
        errors.append(_("Tindakan tidak dikenal."))
    page = _page(raw["page"], errors)
    entries = []
    if not errors:
        with state().sessions() as db:
            entries = audit_store.list_audit(
                db,
                since=since,
                until=until,
                user=raw["user"] or None,
                action=raw["action"] or None,
                limit=AUDIT_PER_PAGE + 1,
                offset=(page - 1) * AUDIT_PER_PAGE,
            )
    page_html = render_template(
        "review/audit.html",
        entries=entries[:AUDIT_PER_PAGE],
        lines=audit_view.lines(entries[:AUDIT_PER_PAGE]),
        action_label=audit_view.action_label,
        has_next=len(entries) > AUDIT_PER_PAGE,
        page=page,
        filters=raw,
        errors=errors,
        actions=audit_store.ACTIONS,
        query=_query_without_page(raw),
        back=url_for("review.index"),
    )
    return page_html, 400 if errors else 200
