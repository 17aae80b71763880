"""The Flask extensions, created once and bound to an app with `init_app` in `create_app`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_socketio import SocketIO
from flask_wtf.csrf import CSRFProtect

from core.config import Config
from core.enrolment import Enroller
from core.sinks import EventSink
from storage.db import Engine, SessionFactory
from storage.media import MediaStore

login_manager = LoginManager()
csrf = CSRFProtect()
# Counters in memory, or in Redis with `events.redis_url` (create_app sets the storage).
limiter = Limiter(get_remote_address, headers_enabled=True)
babel = Babel()
# Threading mode with simple-websocket: no eventlet/gevent monkey-patching (issue 3).
socketio = SocketIO(async_mode="threading")


@dataclass
class TamuState:
    """What the views need, kept in `app.extensions["tamu"]` (attribute or item access)."""

    config: Config
    engine: Engine
    sessions: SessionFactory
    media: MediaStore
    sink: EventSink
    # Enrols a guest from uploaded photos (built by the entry point); None: uploads refused.
    enroller: Enroller | None = None

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)


def state() -> TamuState:
    """The current app's TamuState."""
    found: TamuState = current_app.extensions["tamu"]
    return found
