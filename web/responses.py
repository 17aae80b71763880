"""Answers in the form the caller wants: JSON for fetch(), a flash and a redirect for forms."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, flash, g, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Response

from storage.db import UNAVAILABLE

log = logging.getLogger(__name__)
RETRY_AFTER_S = 30


def local_path(target: str | None) -> str | None:
    """`target` when it is a path on this site (no scheme, host, backslash or control chars)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    return target


def wants_json() -> bool:
    """True when the request came from script code that expects JSON back."""
    if request.is_json or request.headers.get("X-Requested-With") == "fetch":
        return True
    if request.path.startswith("/api/"):
        return True  # other systems' calls: always JSON errors
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > 0


def reply_ok(message: str, back: str, **data: Any) -> Response:
    """Success: JSON {"ok": true, ...} or a flash message and a redirect to `back`."""
    if wants_json():
        return jsonify(ok=True, message=message, **data)
    flash(message, "success")
    return redirect(back)


def reply_error(message: str, back: str, status: int = 400) -> Response:
    """Failure: JSON {"ok": false, "error": ...} with `status`, or a flash and a redirect."""
    if wants_json():
        response = jsonify(ok=False, error=message)
        response.status_code = status
        return response
    flash(message, "error")
    return redirect(back)


def error_page(message: str, status: int) -> tuple[Any, int]:
    """An error as JSON or as the error page, with `status` (the API's form under /api/)."""
    if request.path.startswith("/api/"):
        body = {"code": status, "status": HTTP_STATUS_CODES.get(status, ""), "message": message}
        return jsonify(body), status
    if wants_json():
        return jsonify(ok=False, error=message), status
    return render_template("error.html", message=message, status=status), status


def _messages() -> dict[int, str]:
    return {
        400: _("Permintaan tidak valid."),
        403: _("Anda tidak berwenang membuka halaman ini."),
        404: _("Halaman atau data tidak ditemukan."),
        405: _("Metode tidak diizinkan."),
        429: _("Terlalu banyak permintaan. Coba lagi sebentar lagi."),
        500: _("Terjadi kesalahan pada server."),
        503: _("Basis data sedang tidak dapat dihubungi. Coba lagi dalam beberapa saat."),
    }


def register_error_handlers(app: Flask, *, catch_all: bool = True) -> None:
    """Error pages and JSON errors in the user's language (tests let other errors propagate)."""

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        log.warning("CSRF refused on %s %s: %s", request.method, request.path, exc.description)
        return error_page(
            _("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."), 400
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        return error_page(_messages().get(status, exc.name), status)

    def database_unavailable(exc: Exception):
        # One line, no traceback: the cause is outside the app (server down, database gone).
        log.error("database unavailable on %s %s: %s", request.method, request.path, _cause(exc))
        # The page is drawn as for an anonymous visitor: loading the user needs the database.
        g._login_user = AnonymousUserMixin()
        body, status = error_page(_messages()[503], 503)
        return body, status, {"Retry-After": str(RETRY_AFTER_S)}

    for unavailable in UNAVAILABLE:
        app.register_error_handler(unavailable, database_unavailable)

    if not catch_all:
        return

    @app.errorhandler(Exception)
    def server_error(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_page(_messages()[500], 500)


def _cause(exc: Exception) -> str:
    """The driver's first line of an SQLAlchemy error (without the SQL and the link)."""
    cause = getattr(exc, "orig", None) or exc
    return str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
