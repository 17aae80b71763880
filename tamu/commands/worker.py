"""`tamu worker`: the capture worker (one process per camera)."""

from __future__ import annotations

import functools
import logging
import signal
import threading
from typing import Any

import click

from core.events import Event
from tamu.context import AppContext, pass_ctx

log = logging.getLogger(__name__)


class LoggingSink:
    """Logs each event on one line (when no message queue is configured)."""

    def publish(self, event: Event) -> None:
        """Log the event as JSON."""
        log.info("event %s", event.to_json())


def ensure_schema(ctx: AppContext, *, auto_upgrade: bool) -> None:
    """Make sure the database is migrated: upgrade it, or fail telling how."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from storage.db import alembic_config, upgrade

    url = ctx.config.storage.database_url
    quiet = logging.getLogger("alembic.runtime.migration")
    level = quiet.level
    quiet.setLevel(logging.WARNING)  # only reading the revision: no "Context impl" chatter
    try:
        with ctx.engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    except Exception as exc:
        raise click.ClickException(f"cannot open the database: {exc}") from None
    finally:
        quiet.setLevel(level)
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    if current == head:
        return
    if not auto_upgrade:
        raise click.ClickException("the database is not migrated: run `tamu db upgrade` first")
    log.info("migrating the database from %s to %s", current or "empty", head)
    upgrade(url)


def stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM and SIGINT set `stop` (a second SIGINT is handled the same, not a traceback)."""

    def handler(signum: int, _frame: object) -> None:
        log.info("received %s; stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


@click.command()
@click.option("--threads", is_flag=True, help="Run cameras as threads of one process.")
@pass_ctx
def worker(ctx: AppContext, threads: bool) -> None:
    """Read the cameras, recognise faces and record arrivals until stopped."""
    from core.message_queue import redact
    from core.sinks import SocketIOSink
    from vision.worker import run_worker

    config = ctx.config
    ensure_schema(ctx, auto_upgrade=True)
    events = config.events
    sink_factory: Any
    if events.redis_url:
        sink_factory = functools.partial(
            SocketIOSink, events.redis_url, events.channel, events.buffer_size
        )
        where = f"the message queue on {redact(events.redis_url)}, channel {events.channel}"
    else:
        sink_factory = LoggingSink
        where = "the log"
    log.info("events go to %s", where)
    # This process notifies the worker's own events (arrivals, strangers, camera status), sent
    # by the camera processes to its inbox; the dashboard notifies its own (see notify.service).
    notifier = ctx.notifier()
    if notifier:
        sink_factory = notifier.worker_sink_factory(sink_factory)
        notifier.start()
    stop = threading.Event()
    stop_on_signals(stop)
    try:
        run_worker(config, sink_factory, stop, use_processes=not threads)
    finally:
        if notifier:
            notifier.stop()
