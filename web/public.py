"""Pages open without login: the published service standard and the waiting-room display.

Nothing here shows a face, a full name or a row id. The display is a TV in the waiting room: it
asks `/ruang-tunggu/antrian` for the sanitised queue every `public.display_refresh_s` seconds
rather than opening a Socket.IO connection, so anonymous sockets stay refused outright and no
staff room is ever one bug away from a public screen (and every web process answers the same).
"""

from __future__ import annotations

import base64
import io
from datetime import datetime, time, timedelta
from typing import Any

import qrcode
import qrcode.image.svg
from flask import Blueprint, jsonify, render_template, url_for
from flask_babel import lazy_gettext as _l

from core.ikm import ELEMENTS
from core.visiting import WEEKDAYS, is_open, next_opening
from storage.survey import ikm_summary
from storage.types import utcnow
from storage.waiting_queue import waiting_queue
from web.extensions import limiter, state

bp = Blueprint("public", __name__)

LATEST_IKM_DAYS = 90
QUEUE_LIMIT = "120 per minute"  # a TV polls every few seconds; far more is not a display
DAY_NAMES = {
    "mon": _l("Senin"),
    "tue": _l("Selasa"),
    "wed": _l("Rabu"),
    "thu": _l("Kamis"),
    "fri": _l("Jumat"),
    "sat": _l("Sabtu"),
    "sun": _l("Minggu"),
}


def qr_data_uri(url: str) -> str:
    """A QR code of `url` as an SVG data: URI (allowed by the page's CSP, no extra request)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    out = io.BytesIO()
    image.save(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def visiting_state(now: datetime) -> dict[str, Any]:
    """Today's visiting state: open / closed / holiday, today's windows, the next opening."""
    config = state().config
    hours, tz = config.visiting_hours, config.tz
    local = now.astimezone(tz)
    holiday = local.date() in hours.holidays
    status = "open" if is_open(hours, now, tz) else "holiday" if holiday else "closed"
    today = [] if holiday else hours.windows(WEEKDAYS[local.weekday()])
    return {
        "status": status,
        "today": [f"{start:%H:%M}–{_end_label(end)}" for start, end in today],
        "next_opening": None if status == "open" else next_opening(hours, now, tz),
        "weekly": [(DAY_NAMES[day], hours.weekly.get(day, [])) for day in WEEKDAYS],
        "holidays": [d for d in hours.holidays if d >= local.date()][:5],
        "closed_message": hours.closed_message,
    }


def _end_label(end: time) -> str:
    return "24:00" if end == time(23, 59, 59) else f"{end:%H:%M}"


@bp.get("/layanan")
def service():
    """The published service standard: hours, today's state, SOP, appointments, IKM."""
    now = utcnow()
    with state().sessions() as db:
        summary = ikm_summary(db, now - timedelta(days=LATEST_IKM_DAYS), now)
    return render_template(
        "public/service.html",
        visiting=visiting_state(now),
        summary=summary,
        ikm_days=LATEST_IKM_DAYS,
        elements=ELEMENTS,
        appointment=state().config.public.appointment_contact,
        response_days=state().config.complaints.response_days,
    )


@bp.get("/ruang-tunggu")
def waiting_room():
    """The waiting-room TV: the queue (numbers and initials) and a QR to /layanan."""
    config = state().config
    return render_template(
        "public/waiting_room.html",
        queue=_queue(),
        refresh_ms=config.public.display_refresh_s * 1000,
        visiting=visiting_state(utcnow()),
        service_qr=qr_data_uri(url_for("public.service", _external=True)),
    )


@bp.get("/ruang-tunggu/antrian")
@limiter.limit(QUEUE_LIMIT)
def queue():
    """The sanitised queue as JSON: number, initials and state of each line only."""
    return jsonify(queue=[item.to_dict() for item in _queue()], updated=utcnow().isoformat())


def _queue() -> list[Any]:
    tz = state().config.tz
    start = datetime.combine(utcnow().astimezone(tz).date(), time(0), tzinfo=tz)
    with state().sessions() as db:
        return waiting_queue(db, start, start + timedelta(days=1))
