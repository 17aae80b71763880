"""`tamu web`'s production server: gunicorn with one gevent worker, as Flask-SocketIO documents.

One process per dashboard instance (Flask-SocketIO needs sticky sessions, which gunicorn's own
balancing cannot give): run several on other ports or hosts behind nginx with `ip_hash`, all on
one Redis (`events.redis_url`). Limits come from `web.*`:

- `header_timeout_s`: a request head (and an idle keep-alive connection) gets that long;
- `read_timeout_s`: every socket read or write mid-request may stall that long;
- `max_connections`: greenlets serving connections at once (more wait in the listen backlog);
- `trusted_proxies`: the only peers whose X-Forwarded-* headers count.

Run as `python -m tamu.server --config FILE` (what `tamu web` executes): the Flask app and the
database drivers are imported only in the worker, after gevent has patched the standard
library, so that psycopg and redis-py wait cooperatively.
"""

from __future__ import annotations

import functools
import logging
import math
import sys
from typing import Any

import click
from gunicorn.app.base import BaseApplication
from gunicorn.workers.base_async import AsyncWorker
from gunicorn.workers.ggevent import GeventWorker

from core.config import Config, ConfigError, load_config
from tamu.context import setup_logging
from tamu.serving import UntimedWebSockets, banner, ensure_open_files

log = logging.getLogger(__name__)
HEARTBEAT_S = 30  # a worker whose event loop is stuck this long is replaced
GRACEFUL_S = 5  # open WebSockets get this long to close on SIGTERM


class TamuGeventWorker(GeventWorker):
    """gunicorn's gevent worker, plus a read timeout on every connection's socket."""

    read_timeout: float | None = None  # set by the post_worker_init hook

    def handle(self, listener: Any, client: Any, addr: Any) -> None:
        """Serve one connection; reads and writes time out (the head has its own deadline)."""
        client.settimeout(self.read_timeout)
        AsyncWorker.handle(self, listener, client, addr)


def _limit_reads(worker: Any, seconds: float) -> None:
    worker.read_timeout = seconds


def gunicorn_settings(config: Config, host: str, port: int) -> dict[str, Any]:
    """gunicorn's settings for `config`'s web section, listening on host:port."""
    web = config.web
    trusted = ",".join(web.trusted_proxies)
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return {
        "bind": [bind],
        "workers": 1,
        "worker_class": "tamu.server.TamuGeventWorker",
        "worker_connections": web.max_connections,
        # gunicorn's gevent worker reads every request head under a `keepalive` timeout.
        "keepalive": math.ceil(web.header_timeout_s),
        "timeout": HEARTBEAT_S,
        "graceful_timeout": GRACEFUL_S,
        "forwarded_allow_ips": trusted,
        "proxy_allow_ips": trusted,
        "control_socket_disable": True,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        "when_ready": lambda _arbiter: click.echo(banner(host, port)),
        "post_worker_init": functools.partial(_limit_reads, seconds=web.read_timeout_s),
        "on_exit": lambda _arbiter: click.echo("Tamu dashboard stopped."),
    }


class TamuServer(BaseApplication):
    """gunicorn running the dashboard built from `config` (the app is built in the worker)."""

    def __init__(self, config: Config, host: str, port: int) -> None:
        self.tamu_config = config
        self.host, self.port = host, port
        super().__init__()

    def load_config(self) -> None:
        """Apply gunicorn_settings."""
        for key, value in gunicorn_settings(self.tamu_config, self.host, self.port).items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """Build the Flask app (in the worker, after gevent's monkey-patching); the dashboard's
        own events are notified from here when notifications are on."""
        from tamu import photo_check
        from tamu.enrolment import PhotoEnroller
        from web import create_app

        notifier = _start_notifier(self.tamu_config)
        sink = notifier.web_sink() if notifier is not None else None
        app = create_app(
            self.tamu_config,
            async_mode="gevent",
            sink=sink,
            enroller=PhotoEnroller(self.tamu_config),
        )
        photo_check.install(app, self.tamu_config)
        app.wsgi_app = UntimedWebSockets(app.wsgi_app)  # type: ignore[method-assign]
        return app


def _start_notifier(config: Config) -> Any:
    """A started Notifier for this worker process (stopped at exit), or None when off."""
    if not config.notifications.enabled:
        return None
    import atexit

    from notify import Notifier
    from storage.db import make_engine, make_session_factory

    notifier = Notifier(config, make_session_factory(make_engine(config.storage.database_url)))
    notifier.start()
    atexit.register(notifier.stop)
    return notifier


def serve(config: Config, host: str, port: int) -> None:
    """Run gunicorn until SIGTERM or Ctrl-C."""
    ensure_open_files(config.web.max_connections)
    TamuServer(config, host, port).run()


@click.command()
@click.option("--config", "config_file", default=None, help="Config file.")
@click.option("--host", default=None, help="Listen address (default: web.host).")
@click.option("--port", type=int, default=None, help="Port (default: web.port).")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
def main(config_file: str | None, host: str | None, port: int | None, verbose: bool) -> None:
    """Serve the dashboard with gunicorn (started by `tamu web`)."""
    setup_logging(verbose)
    try:
        config = load_config(config_file)
    except ConfigError as exc:
        raise click.ClickException(f"config error: {exc}") from None
    serve(config, host or config.web.host, config.web.port if port is None else port)


if __name__ == "__main__":
    sys.exit(main())
