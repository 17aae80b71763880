"""The watchlist (daftar perhatian): security's list of persons of concern, and the live alert
panel the guard's and security's pages show when one is sighted.

A photo is checked like a guest's (one usable face) by the checker the entry point installs as
`app.extensions[PHOTO_CHECK]` (the dashboard never imports vision).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core.vocab import WatchlistLevel
from storage import watchlist, watchlist_sightings
from storage.watchlist import EnrolFace, WatchlistError
from web import forms
from web.auth import acting_user, roles_required
from web.extensions import state
from web.reasons import refusal
from web.responses import reply_error, reply_ok
from web.work import unit_of_work

log = logging.getLogger(__name__)
bp = Blueprint("watchlist", __name__, url_prefix="/watchlist")
PHOTO_CHECK = "tamu.watchlist_photo_check"
PhotoCheck = Callable[[Path], EnrolFace]
ALERT_LIMIT = 20
HISTORY_LIMIT = 50


@bp.app_context_processor
def _alerts() -> dict[str, Any]:
    """`watchlist_alerts()` for the pages that include the alert panel (queried only there)."""
    return {"watchlist_alerts": open_alerts}


def open_alerts() -> list[Any]:
    """Sightings nobody acknowledged yet, newest first."""
    with state().sessions() as db:
        return watchlist_sightings.open_sightings(db, ALERT_LIMIT)


@bp.get("/")
@roles_required()
def index() -> str:
    """Every entry, the form to add one, and the latest sightings."""
    with state().sessions() as db:
        page = render_template(
            "watchlist/index.html",
            entries=watchlist.list_entries(db),
            counts=watchlist.counts(db),
            sightings=watchlist_sightings.recent_sightings(db, HISTORY_LIMIT),
            levels=list(WatchlistLevel),
        )
    return page


@bp.post("/")
@roles_required()
def add() -> Response:
    """Enrol a person of concern from one photo, with a level and a note (audited)."""
    back = url_for("watchlist.index")
    try:
        name = forms.text(request.form, "name") or ""
        level = (request.form.get("level") or "").strip()
        note = (request.form.get("note") or "").strip()[: watchlist.NOTE_MAX + 1] or None
        face = _checked_photo()
        with state().sessions() as db:
            user = acting_user(db)
        entry = watchlist.enrol(
            state().sessions, state().media, [face], name=name, level=level, note=note, user=user
        )
    except (forms.FormError, WatchlistError, PhotoRefused) as exc:
        return reply_error(_("Tidak disimpan: %(reason)s", reason=refusal(str(exc))), back)
    return reply_ok(_("%(name)s masuk daftar perhatian.", name=entry.name), back, id=entry.id)


class PhotoRefused(ValueError):
    """The uploaded photo cannot be enrolled; the message says why."""


def _checked_photo() -> EnrolFace:
    """The one face of the uploaded photo, checked like a guest's; PhotoRefused otherwise."""
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        raise PhotoRefused(_("pilih foto wajah"))
    check: PhotoCheck | None = current_app.extensions.get(PHOTO_CHECK)
    if check is None:
        raise PhotoRefused(_("pemeriksaan foto tidak tersedia di server ini"))
    with tempfile.TemporaryDirectory(prefix="tamu-watchlist-") as folder:
        path = Path(folder) / "upload"
        upload.save(path)
        try:
            return check(path)
        except ValueError as exc:
            raise PhotoRefused(str(exc)) from None


@bp.post("/<int:entry_id>/remove")
@roles_required()
def remove(entry_id: int) -> Response:
    """Erase an entry: photos, encodings, sightings and their snapshots (audited)."""
    back = url_for("watchlist.index")
    with state().sessions() as db:
        user = acting_user(db)
    erased = watchlist.remove(state().sessions, state().media, entry_id, user)
    if erased is None:
        return reply_error(_("Data daftar perhatian tidak ditemukan."), back, 404)
    return reply_ok(_("%(name)s dihapus dari daftar perhatian.", name=erased.name), back)


@bp.get("/alerts")
@roles_required()
def alerts_panel() -> str:
    """The alert panel: unacknowledged sightings with snapshot, level and note."""
    return render_template("watchlist/_alerts.html")


@bp.post("/sightings/<int:sighting_id>/ack")
@roles_required()
def acknowledge(sighting_id: int) -> Response:
    """The guard or security saw the alert and acts on it (audited)."""
    back = url_for("auth.index")
    with unit_of_work() as uow:
        user = acting_user(uow.session)
        row = uow.collect(watchlist_sightings.acknowledge(uow.session, sighting_id, user))
    if row is None:
        return reply_error(_("Peringatan tidak ditemukan."), back, 404)
    return reply_ok(_("Peringatan sudah ditangani."), back)
