"""What both dashboard servers share: limits from `web.*`, open-file room, WebSocket sockets."""

from __future__ import annotations

import logging
import resource
from typing import Any

import click

log = logging.getLogger(__name__)
# Besides client connections: database, Redis, log and library files.
SPARE_FILES = 256


def ensure_open_files(max_connections: int) -> None:
    """Raise the soft open-files limit so `max_connections` sockets fit, or stop saying why."""
    needed = max_connections + SPARE_FILES
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            raise click.ClickException(
                f"web.max_connections: {max_connections} connections need {needed} open files, "
                f"but this process may open at most {hard} (ulimit -Hn)"
            )
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
        log.info("open-files limit raised from %d to %d", soft, needed)


class UntimedWebSockets:
    """WSGI middleware: a WebSocket's socket waits without the read timeout.

    The servers time out every read so a silent client cannot hold a connection; once a
    request becomes a WebSocket, Engine.IO's own ping/pong (every 25 s) decides when it is dead.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        """Clear the socket timeout of WebSocket upgrades, then serve."""
        if environ.get("HTTP_UPGRADE", "").lower() == "websocket":
            sock = environ.get("werkzeug.socket") or environ.get("gunicorn.socket")
            if sock is not None:
                sock.settimeout(None)
        return self.app(environ, start_response)


def banner(host: str, port: int) -> str:
    """The line telling where to open the dashboard."""
    shown = "127.0.0.1" if host in ("", "0.0.0.0") else "[::1]" if host == "::" else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"Tamu dashboard: open http://{shown}:{port}/login"
