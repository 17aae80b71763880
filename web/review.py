"""Security review: recorded arrivals with filters, a visit's timeline, CSV export, audit log."""

from __future__ import annotations

import csv
import io
import logging
import re
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
from storage.db import transaction
from storage.review import NO_DECISION, ArrivalFilter, ArrivalRow
from web.auth import audit, roles_required
from web.extensions import state
from web.messages import workflow_message
from web.responses import error_page

log = logging.getLogger(__name__)
bp = Blueprint("review", __name__, url_prefix="/review")
PER_PAGE = 50
AUDIT_PER_PAGE = 100
TEXT_MAX = 120
CSV_COLUMNS = (
    "arrival_id",
    "first_seen",
    "last_seen",
    "waiting_room_at",
    "camera",
    "guest_id",
    "name",
    "category",
    "institution",
    "status",
    "outside_hours",
    "unknown_face",
    "decision",
    "decision_by",
    "on_behalf",
    "decision_at",
    "purpose",
    "companions",
    "checked_in_at",
    "checked_out_at",
    "snapshot",
)
# Spreadsheet programs run cells starting with these as formulas (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ParsedFilters:
    """Filters read from the query string, the raw values to re-show, and any errors."""

    flt: ArrivalFilter = field(default_factory=ArrivalFilter)
    raw: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    page: int = 1


def _parse_date(raw: str, label: str, errors: list[str]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(_("%(label)s tidak valid (format: TTTT-BB-HH).", label=label))
        return None


def _day_start(day: date | None, tz: ZoneInfo, days: int = 0) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=days), time(0), tzinfo=tz)


def _date_range(raw: dict[str, str], errors: list[str]) -> tuple[datetime | None, ...]:
    """[from 00:00, the day after `to` 00:00) in the configured timezone."""
    tz = state().config.tz
    first = _parse_date(raw["from"], _("Tanggal awal"), errors)
    last = _parse_date(raw["to"], _("Tanggal akhir"), errors)
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
        cameras = review.camera_names(db)
        parsed = parse_filters(cameras)
        rows: list[ArrivalRow] = []
        total = 0
        if not parsed.errors:
            rows, total = review.search_arrivals(
                db, parsed.flt, page=parsed.page, per_page=PER_PAGE
            )
        page = render_template(
            "review/index.html",
            rows=rows,
            total=total,
            page=parsed.page,
            pages=max(1, -(-total // PER_PAGE)),
            filters=parsed.raw,
            errors=parsed.errors,
            cameras=cameras,
            decision_kinds=list(DecisionKind),
            no_decision=NO_DECISION,
            query=_query_without_page(parsed.raw),
        )
    return page, 400 if parsed.errors else 200


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
def export_csv():
    """The filtered arrivals as CSV (UTF-8 with BOM, times with their offset, paths only)."""
    with transaction(state().sessions) as db:
        parsed = parse_filters(review.camera_names(db))
        if parsed.errors:
            return error_page(" ".join(parsed.errors), 400)
        rows = review.export_arrivals(db, parsed.flt)
        body = arrivals_csv(rows, state().config.tz)
        detail = {"filters": _filter_detail(parsed.flt), "rows": len(rows)}
        audit(AuditAction.EXPORT_CSV, "arrivals", detail, db=db)
    stamp = datetime.now(state().config.tz).strftime("%Y%m%d-%H%M")
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="tamu-kedatangan-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )


def arrivals_csv(rows: list[ArrivalRow], tz: ZoneInfo) -> bytes:
    """CSV bytes with a BOM so spreadsheet programs read UTF-8; one line per arrival."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([_cell(value) for value in _csv_values(row, tz)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _iso(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).isoformat(timespec="seconds") if value else ""


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv_values(row: ArrivalRow, tz: ZoneInfo) -> list[Any]:
    a, d, e, u = row.arrival, row.decision, row.entry, row.unknown
    guest = a.guest
    return [
        a.id,
        _iso(a.first_seen, tz),
        _iso(a.last_seen, tz),
        _iso(a.waiting_room_at, tz),
        a.camera.name,
        a.guest_id or "",
        row.name or "",
        guest.category if guest else (e.category if e else ""),
        (guest.institution if guest else (e.institution if e else None)) or "",
        a.status,
        "yes" if a.outside_hours else "no",
        u.status if u else "",
        d.kind if d else "",
        d.by_user.username if d else "",
        ("yes" if d.on_behalf else "no") if d else "",
        _iso(d.created_at, tz) if d else "",
        e.purpose if e else "",
        e.companions if e else "",
        _iso(e.checked_in_at, tz) if e else "",
        _iso(e.checked_out_at, tz) if e else "",
        a.snapshot or "",
    ]


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
        has_next=len(entries) > AUDIT_PER_PAGE,
        page=page,
        filters=raw,
        errors=errors,
        actions=audit_store.ACTIONS,
        query=_query_without_page(raw),
        back=url_for("review.index"),
    )
    return page_html, 400 if errors else 200
