"""The REST API's read endpoints: arrivals, visits with timelines, guests, report figures."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import url_for
from flask_smorest import Blueprint
from marshmallow import RAISE
from werkzeug.exceptions import HTTPException

from core.errors import WorkflowError
from storage.guests import get_guest, list_guests, search_guests
from storage.models import Arrival, Guest
from storage.review import ArrivalFilter, export_arrivals, search_arrivals
from storage.timeline import arrival_detail
from web import security_policy as policy
from web.api import schemas
from web.api.auth import caller, require_token
from web.api.errors import api_error, fail
from web.extensions import state

bp = Blueprint("api", __name__, url_prefix="/api/v1", description="Tamu REST API")
bp.before_request(require_token)
bp.register_error_handler(HTTPException, api_error)

# Bad or unknown query parameters: 400 with the fields (webargs would answer 422 and ignore
# unknown ones).
QUERY = {"error_status_code": 400, "unknown": RAISE}
ERRORS = {
    400: "bad query parameters",
    401: "no valid API token",
    403: "the token's role may not use this endpoint",
    404: "no such record",
}


def errors(*codes: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Document the error answers of a view (every API error has the Error schema)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        for code in codes:
            view = bp.alt_response(code, schema=schemas.ApiError, description=ERRORS[code])(view)
        return view

    return decorate


def _local_days(first: date, days: int = 1) -> tuple[datetime, datetime]:
    """The UTC bounds of `days` calendar days from `first` in the configured time zone."""
    start = datetime.combine(first, time.min, tzinfo=state().config.tz)
    try:
        since = start.astimezone(UTC)
    except OverflowError:  # the first day of year 1
        since = datetime.min.replace(tzinfo=UTC)
    try:
        until = (start + timedelta(days=days)).astimezone(UTC)
    except OverflowError:  # past the last day of year 9999
        until = datetime.max.replace(tzinfo=UTC)
    return since, until


def _media_url(rel: str | None) -> str | None:
    """The URL of a stored file, when the caller's role may see its kind."""
    if not rel or not policy.may_view_media(caller().role, rel):
        return None
    return url_for("media.snapshot", rel=rel)


def _arrival(arrival: Arrival) -> dict[str, Any]:
    return {
        "id": arrival.id,
        "camera": arrival.camera.name,
        "guest_id": arrival.guest_id,
        "guest_name": arrival.guest.name if arrival.guest is not None else None,
        "first_seen": arrival.first_seen,
        "last_seen": arrival.last_seen,
        "waiting_room_at": arrival.waiting_room_at,
        "status": arrival.status,
        "sightings": arrival.sightings,
        "best_distance": arrival.best_distance,
        "outside_hours": bool(arrival.outside_hours),
        "snapshot_url": _media_url(arrival.snapshot),
    }


def _guest(guest: Guest) -> dict[str, Any]:
    photos = [s.photo for s in guest.samples if s.photo]
    return {
        "id": guest.id,
        "name": guest.name,
        "category": guest.category,
        "institution": guest.institution,
        "is_staff": bool(guest.is_staff),
        "created_at": guest.created_at,
        "photo_urls": [url for url in map(_media_url, photos) if url],
    }


@bp.get("/arrivals")
@bp.arguments(schemas.ArrivalQuery, location="query", **QUERY)
@bp.response(200, schemas.ArrivalList)
@errors(401, 403)
def list_arrivals(args: dict[str, Any]) -> dict[str, Any]:
    """Arrivals, newest first; filter by day (local calendar day) and camera."""
    since, until = _local_days(args["date"]) if "date" in args else (None, None)
    flt = ArrivalFilter(since=since, until=until, camera=args.get("camera"))
    limit, offset = args["limit"], args["offset"]
    with state().sessions() as db:
        # search_arrivals pages by `per_page`; the API's offset need not be a page boundary.
        rows, total = search_arrivals(db, flt, page=1, per_page=limit + offset)
        items = [_arrival(row.arrival) for row in rows[offset:]]
    return {"total": total, "items": items}


@bp.get("/arrivals/<int:arrival_id>")
@bp.response(200, schemas.Arrival)
@errors(401, 403, 404)
def get_arrival(arrival_id: int) -> dict[str, Any]:
    """One arrival."""
    with state().sessions() as db:
        arrival = db.get(Arrival, arrival_id)
        if arrival is None:
            fail(404, f"no arrival {arrival_id}")
        return _arrival(arrival)


@bp.get("/visits/<int:arrival_id>")
@bp.response(200, schemas.Visit)
@errors(401, 403, 404)
def get_visit(arrival_id: int) -> dict[str, Any]:
    """A visit: its arrival and every step from the gate to leaving, in time order."""
    with state().sessions() as db:
        try:
            detail = arrival_detail(db, arrival_id)
        except WorkflowError:
            fail(404, f"no visit {arrival_id}")
        steps = [
            {"at": s.at, "kind": str(s.kind), "by": s.by, "on_behalf": s.on_behalf,
             "detail": s.detail}
            for s in detail.steps
        ]  # fmt: skip
        unknown = detail.unknown.status if detail.unknown is not None else None
        return {"arrival": _arrival(detail.arrival), "unknown_face_status": unknown,
                "timeline": steps}  # fmt: skip


@bp.get("/guests")
@bp.arguments(schemas.GuestQuery, location="query", **QUERY)
@bp.response(200, schemas.GuestList)
@errors(401, 403)
def list_guests_(args: dict[str, Any]) -> dict[str, Any]:
    """Enrolled guests by name (no face encodings; photo URLs only for roles that see faces)."""
    with state().sessions() as db:
        text = args.get("q")
        found = search_guests(db, text, args["limit"]) if text else list_guests(db)
        return {"items": [_guest(g) for g in found[: args["limit"]]]}


@bp.get("/guests/<int:guest_id>")
@bp.response(200, schemas.Guest)
@errors(401, 403, 404)
def get_guest_(guest_id: int) -> dict[str, Any]:
    """One enrolled guest."""
    with state().sessions() as db:
        guest = get_guest(db, guest_id)
        if guest is None:
            fail(404, f"no guest {guest_id}")
        return _guest(guest)


@bp.get("/report")
@bp.arguments(schemas.ReportQuery, location="query", **QUERY)
@bp.response(200, schemas.Report)
@errors(401, 403)
def report(args: dict[str, Any]) -> dict[str, Any]:
    """Figures of `days` calendar days from `since`: arrivals, recognised, strangers, by camera."""
    since, until = _local_days(args["since"], args["days"])
    flt = ArrivalFilter(since=since, until=until)
    with state().sessions() as db:
        arrivals = [row.arrival for row in export_arrivals(db, flt)]
        cameras = Counter(a.camera.name for a in arrivals)
    recognised = sum(1 for a in arrivals if a.guest_id is not None)
    return {
        "since": args["since"],
        "days": args["days"],
        "arrivals": len(arrivals),
        "recognised": recognised,
        "strangers": len(arrivals) - recognised,
        "outside_hours": sum(1 for a in arrivals if a.outside_hours),
        "by_camera": dict(cameras),
        "by_status": dict(Counter(a.status for a in arrivals)),
    }
