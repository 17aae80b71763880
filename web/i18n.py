"""Language (Bahasa Indonesia by default, English selectable) and local times."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.vocab import (
    AWAITING_DECISION,
    AppointmentStatus,
    ArrivalStatus,
    CameraStatus,
    DecisionKind,
    EscortStatus,
    GuestCategory,
    Role,
    WatchlistLevel,
)
from web.extensions import babel
from web.responses import local_path

log = logging.getLogger(__name__)
bp = Blueprint("i18n", __name__)

DEFAULT_LANGUAGE = "id"
LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}
TRANSLATIONS = Path(__file__).parent / "translations"
DATETIME_FORMAT = "%d-%m-%Y %H:%M"


def select_locale() -> str:
    """The language chosen in this session, else Bahasa Indonesia."""
    lang = session.get("lang")
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def local_time(value: datetime | None, tz: ZoneInfo, fmt: str = DATETIME_FORMAT) -> str:
    """An aware datetime in `tz` formatted with `fmt`; '—' for None."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the jakarta filter")
    return value.astimezone(tz).strftime(fmt)


def init_app(app: Flask, timezone: str) -> None:
    """Bind Flask-Babel and register the `jakarta` filter for `timezone`."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config["BABEL_DEFAULT_TIMEZONE"] = timezone
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    babel.init_app(app, locale_selector=select_locale)
    tz = ZoneInfo(timezone)

    @app.template_filter("jakarta")
    def jakarta(value: datetime | None, fmt: str = DATETIME_FORMAT) -> str:
        """A stored (UTC) datetime shown in the configured timezone."""
        return local_time(value, tz, fmt)

    missing = [lang for lang in LANGUAGES if lang != DEFAULT_LANGUAGE and not _compiled(lang)]
    if missing:
        log.warning("no compiled translations for %s: run `make translations`", ", ".join(missing))


def _compiled(lang: str) -> bool:
    return (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo").is_file()


@bp.post("/language")
def set_language():
    """Remember the chosen language in the session and go back."""
    lang = request.form.get("lang", "")
    if lang in LANGUAGES:
        session["lang"] = lang
    target = local_path(request.form.get("next"))
    if target is None:
        target = url_for("auth.index") if current_user.is_authenticated else url_for("auth.login")
    return redirect(target)


# Labels of stored codes, translated when shown (lazy: evaluated in the request's language).
DECISION_LABELS: dict[str, Any] = {
    DecisionKind.RECEIVE: _l("Terima"),
    DecisionKind.WAIT: _l("Minta menunggu"),
    DecisionKind.RESCHEDULE: _l("Jadwalkan ulang"),
    DecisionKind.DECLINE: _l("Tolak"),
    DecisionKind.DELEGATE: _l("Delegasikan"),
}
# What the guard tells the guest, in these exact words (a contract outside the test suite).
RELAY_LABELS: dict[str, Any] = {
    AWAITING_DECISION: _l("Menunggu keputusan"),
    DecisionKind.RECEIVE: _l("Diterima"),
    DecisionKind.WAIT: _l("Diminta menunggu"),
    DecisionKind.RESCHEDULE: _l("Dijadwalkan ulang"),
    DecisionKind.DECLINE: _l("Ditolak"),
    DecisionKind.DELEGATE: _l("Didelegasikan"),
}
CATEGORY_LABELS: dict[str, Any] = {
    GuestCategory.PEMERINTAH: _l("Pemerintah"),
    GuestCategory.SWASTA: _l("Swasta"),
    GuestCategory.MASYARAKAT: _l("Masyarakat"),
}
ARRIVAL_STATUS_LABELS: dict[str, Any] = {
    ArrivalStatus.WAITING: _l("Menunggu"),
    ArrivalStatus.RECEIVED: _l("Diterima"),
    ArrivalStatus.RESCHEDULED: _l("Dijadwalkan ulang"),
    ArrivalStatus.DECLINED: _l("Ditolak"),
    ArrivalStatus.DELEGATED: _l("Didelegasikan"),
    ArrivalStatus.LEFT: _l("Sudah pulang"),
    ArrivalStatus.DISMISSED: _l("Diabaikan"),
}
CAMERA_STATUS_LABELS: dict[str, Any] = {
    CameraStatus.ONLINE: _l("Aktif"),
    CameraStatus.OFFLINE: _l("Mati"),
    CameraStatus.RECONNECTING: _l("Menyambung ulang"),
    CameraStatus.STALE: _l("Tidak ada kabar"),
}
APPOINTMENT_STATUS_LABELS: dict[str, Any] = {
    AppointmentStatus.EXPECTED: _l("Dijadwalkan"),
    AppointmentStatus.ARRIVED: _l("Sudah tiba"),
    AppointmentStatus.NO_SHOW: _l("Tidak datang"),
    AppointmentStatus.CANCELLED: _l("Dibatalkan"),
}
ESCORT_STATUS_LABELS: dict[str, Any] = {
    EscortStatus.PENDING: _l("Perlu diantar"),
    EscortStatus.ESCORTED: _l("Sudah diantar"),
    EscortStatus.LEFT: _l("Sudah pulang"),
}
ROLE_LABELS: dict[str, Any] = {
    Role.BUPATI: _l("Bupati"),
    Role.ADJUTANT: _l("Ajudan"),
    Role.GUARD: _l("Penjaga (Satpol PP)"),
    Role.OPERATOR: _l("Operator buku tamu"),
    Role.SECURITY: _l("Keamanan"),
    Role.ADMIN: _l("Admin"),
}


WATCHLIST_LEVEL_LABELS: dict[str, Any] = {
    WatchlistLevel.RENDAH: _l("Rendah"),
    WatchlistLevel.SEDANG: _l("Sedang"),
    WatchlistLevel.TINGGI: _l("Tinggi"),
}


def labels() -> dict[str, dict[str, Any]]:
    """Every label table, for templates."""
    return {
        "decision": DECISION_LABELS,
        "relay": RELAY_LABELS,
        "category": CATEGORY_LABELS,
        "arrival_status": ARRIVAL_STATUS_LABELS,
        "camera_status": CAMERA_STATUS_LABELS,
        "escort_status": ESCORT_STATUS_LABELS,
        "role": ROLE_LABELS,
        "appointment_status": APPOINTMENT_STATUS_LABELS,
        "watchlist_level": WATCHLIST_LEVEL_LABELS,
    }
