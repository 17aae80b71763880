"""The dashboard: a Flask app factory with Socket.IO, logins, roles and translations."""

from __future__ import annotations

import importlib
import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l

from core import vocab
from core.config import Config
from core.enrolment import Enroller
from core.sinks import EventSink, NullSink
from storage.db import make_engine, make_session_factory
from storage.media import open_media_store
from storage.timeline import Step
from web import api, auth, i18n, inputs, nav, sessions
from web.extensions import TamuState, csrf, limiter, login_manager, socketio
from web.media import listed_url
from web.proxies import TrustedProxies
from web.responses import register_error_handlers

log = logging.getLogger(__name__)

# Modules whose `bp` Blueprint is registered, in order. Add a module here to add its pages.
BLUEPRINTS = [
    "web.auth",
    "web.account",
    "web.i18n",
    "web.media",
    "web.bupati",
    "web.guard",
    "web.operator",
    "web.review",
    "web.feedback",
    "web.calibration",
    "web.public",
    "web.survey",
    "web.complaints",
    "web.appointments",
    "web.report",
    "web.admin",
    "web.admin.users",
    "web.admin.guests",
    "web.admin.cameras",
    "web.enrol_arrival",
    "web.metrics",
    "web.api.tokens_page",
    "web.watchlist",
]
SECRET_ENV = "TAMU_SECRET_KEY"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def create_app(
    config: Config,
    *,
    sink: EventSink | None = None,
    testing: bool = False,
    async_mode: str = "threading",
    enroller: Enroller | None = None,
) -> Flask:
    """Build the dashboard for `config`; `sink` also receives every event the web publishes.

    `enroller` enrols guests from uploaded photos (the entry point builds it: web never loads
    the face models); without one the admin's upload form says enrolment is unavailable.

    `async_mode` is the server's: "threading" (the embedded server) or "gevent" (gunicorn).
    """
    app = Flask(__name__)
    app.testing = testing
    app.config.update(
        SECRET_KEY=load_secret_key(Path(config.web.secret_key_file)),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.web.session_cookie_secure,
        # The idle lifetime: the signed cookie is refreshed on each request and refused by the
        # server once older than this (web.sessions adds the absolute lifetime).
        PERMANENT_SESSION_LIFETIME=timedelta(hours=config.web.session_idle_hours),
        # The dashboards stay open all evening; the token lives as long as the session.
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=1024 * 1024,
        **_limiter_settings(config),
    )
    engine = make_engine(config.storage.database_url)
    app.extensions["tamu"] = TamuState(
        config=config,
        engine=engine,
        sessions=make_session_factory(engine),
        media=open_media_store(config.storage, engine),
        sink=sink or NullSink(),
        enroller=enroller,
    )
    inputs.init_app(app)  # first: the id converter before any route, input checks first
    sessions.init_app(app)
    _init_extensions(app, config, async_mode)
    for module in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(module).bp)
    api.init_app(app)
    auth.check_declared_roles(app)
    app.before_request(auth.enforce_policy)
    app.after_request(_security_headers)
    app.after_request(_no_store)
    register_error_handlers(app, catch_all=not testing)
    app.context_processor(_template_globals)
    # Outermost: X-Forwarded-* count only from web.trusted_proxies, for every layer below.
    app.wsgi_app = TrustedProxies(  # type: ignore[method-assign]  # Flask's documented idiom
        app.wsgi_app, config.web.proxy_networks()
    )
    return app


def _init_extensions(app: Flask, config: Config, async_mode: str) -> None:
    from web.realtime import queue_manager  # also registers the Socket.IO handlers

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Silakan masuk terlebih dahulu.")
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app, config.timezone)
    manager = queue_manager(config.events)
    # Both keys every time: the module-level SocketIO keeps options between apps (tests).
    socketio.init_app(
        app,
        async_mode=async_mode,
        message_queue=config.events.redis_url,
        client_manager=manager,
        logger=False,
        engineio_logger=False,
    )


def _limiter_settings(config: Config) -> dict[str, object]:
    """Login throttling counters: in Redis when there is one (shared by every web process)."""
    if not config.events.redis_url:
        return {"RATELIMIT_STORAGE_URI": "memory://"}
    return {
        "RATELIMIT_STORAGE_URI": config.events.redis_url,
        "RATELIMIT_KEY_PREFIX": "tamu",
        # Redis down: count in this process meanwhile rather than refuse every login.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    }


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    hsts = current_app.extensions["tamu"].config.web.hsts_max_age_s
    if hsts:
        response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts}")
    return response


def _no_store(response):
    """Nothing but the static files is kept in a browser's cache (pages, data, face images)."""
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    return response


def _template_globals() -> dict[str, object]:
    return {
        "languages": i18n.LANGUAGES,
        "current_language": i18n.select_locale(),
        "current_role": auth.current_role(),
        "labels": i18n.labels(),
        "camera_labels": {k: str(v) for k, v in i18n.CAMERA_STATUS_LABELS.items()},
        "camera_label": current_app.extensions["tamu"].config.camera_label,
        "vocab": vocab,
        "Step": Step,
        "nav_links": nav.links_for(auth.current_role()),
        "listed_media_url": listed_url,
    }


def load_secret_key(path: Path) -> str:
    """$TAMU_SECRET_KEY, else the key in `path`, created (mode 0600) with a random key if absent."""
    from_env = os.environ.get(SECRET_ENV, "").strip()
    if from_env:
        return from_env
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)  # another process created it first
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_hex(32) + "\n")
    log.info("generated a new session secret in %s", path)
    return _read_key(path)


def _read_key(path: Path) -> str:
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise RuntimeError(f"{path}: session secret is too short; delete it to generate a new one")
    return key
