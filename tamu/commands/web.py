"""`tamu web` (the dashboard alone) and `tamu run` (dashboard and capture worker together)."""

from __future__ import annotations

import contextlib
import functools
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Any

import click

from core.config import Config, config_path
from tamu.context import AppContext, pass_ctx, setup_logging
from tamu.serving import banner

log = logging.getLogger(__name__)
EVENT_QUEUE_SIZE = 1000
WORKER_STOP_S = 15.0

host_option = click.option("--host", default=None, help="Listen address (default: web.host).")
port_option = click.option("--port", type=int, default=None, help="Port (default: web.port).")


@click.command()
@host_option
@port_option
@click.option("--dev", is_flag=True, help="Use the embedded (threaded) server instead of gunicorn.")
@pass_ctx
def web(ctx: AppContext, host: str | None, port: int | None, dev: bool) -> None:
    """Start the dashboard alone (gunicorn + gevent); worker events come over Redis."""
    if not ctx.config.events.redis_url:
        log.info("events.redis_url is not set: live worker events need `tamu run` or Redis")
    if dev:
        notifier = ctx.notifier()
        app = _prepare(ctx, sink=notifier.web_sink() if notifier else None)
        if notifier:
            notifier.start()
        try:
            with _sigterm_as_interrupt():
                _serve(app, ctx.config, host, port)
        finally:
            if notifier:
                notifier.stop()
        return
    _migrate_and_hint(ctx)
    args = ["--config", str(config_path(ctx.config_file).resolve())]
    args += ["--host", host or ctx.config.web.host]
    args += ["--port", str(ctx.config.web.port if port is None else port)]
    if logging.getLogger().isEnabledFor(logging.DEBUG):
        args.append("--verbose")
    sys.stdout.flush()
    sys.stderr.flush()
    # A fresh interpreter: gevent must patch the standard library before the database
    # drivers are imported, and this process has imported them to migrate.
    os.execv(sys.executable, [sys.executable, "-m", "tamu.server", *args])


@click.command()
@host_option
@port_option
@pass_ctx
def run(ctx: AppContext, host: str | None, port: int | None) -> None:
    """Start the dashboard and the capture worker (its own process) together."""
    from core.sinks import QueueSink
    from web.realtime import start_queue_relay

    # One notifier for the whole of `tamu run`, in this process: the dashboard's events reach it
    # through the app's sink, the camera processes' events through its inbox queue.
    notifier = ctx.notifier()
    app = _prepare(ctx, sink=notifier.web_sink() if notifier else None)
    spawn = multiprocessing.get_context("spawn")
    events = spawn.Queue(maxsize=EVENT_QUEUE_SIZE)
    stop_worker = spawn.Event()
    verbose = logging.getLogger().isEnabledFor(logging.DEBUG)
    sink_factory: Any = functools.partial(QueueSink, events)
    if notifier:
        sink_factory = notifier.worker_sink_factory(sink_factory)
        notifier.start()
    worker = spawn.Process(
        target=worker_main,
        args=(ctx.config, sink_factory, stop_worker, verbose),
        name="tamu-worker",
        daemon=False,  # it starts its own camera processes, which daemons may not
    )
    relay_stop = threading.Event()
    start_queue_relay(app, events, relay_stop)
    worker.start()
    log.info("capture worker started (pid %s)", worker.pid)
    threading.Thread(target=_watch_worker, args=(worker, relay_stop), daemon=True).start()
    try:
        with _sigterm_as_interrupt():
            _serve(app, ctx.config, host, port)
    finally:
        relay_stop.set()  # first: the watcher must not report this stop as a crash
        _stop_worker(worker, stop_worker)
        events.cancel_join_thread()
        if notifier:
            notifier.stop()


def worker_main(config: Config, sink_factory: Any, stop: Any, verbose: bool) -> None:
    """The capture worker process: Ctrl-C is the parent's to handle; it sets `stop`."""
    from vision.worker import run_worker

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    setup_logging(verbose)
    run_worker(config, sink_factory, stop)


def _watch_worker(worker: Any, stopping: threading.Event) -> None:
    """Say so at once when the worker dies on its own (the dashboard keeps serving)."""
    # Wait on the sentinel, not join(): only the main thread reaps the process.
    multiprocessing.connection.wait([worker.sentinel])
    if not stopping.is_set():
        log.error(
            "capture worker exited (code %s): no new arrivals until `tamu run` is restarted",
            worker.exitcode,
        )


def _stop_worker(worker: Any, stop: Any) -> None:
    stop.set()
    worker.join(WORKER_STOP_S)
    if worker.is_alive():
        log.warning("capture worker did not stop within %.0f s; terminating it", WORKER_STOP_S)
        worker.terminate()
        worker.join(5)
    log.info("capture worker stopped (exit code %s)", worker.exitcode)


def _migrate_and_hint(ctx: AppContext) -> None:
    """Migrate the database and say how to add the first user when there is none."""
    from storage.db import upgrade
    from storage.users import count_users
    from tamu.commands.users import ADD_USER_HINT

    upgrade(ctx.config.storage.database_url)
    with ctx.sessions() as db:
        if count_users(db) == 0:
            click.echo(f"No dashboard user yet. Create one in another terminal:\n  {ADD_USER_HINT}")
    ctx.engine.dispose()


def _prepare(ctx: AppContext, sink: Any = None):
    """Migrate the database, hint at the first user, build the app (publishing also to `sink`)."""
    from tamu import photo_check
    from tamu.enrolment import PhotoEnroller
    from web import create_app

    _migrate_and_hint(ctx)
    app = create_app(ctx.config, sink=sink, enroller=PhotoEnroller(ctx.config))
    return photo_check.install(app, ctx.config)


def _serve(app: Any, config: Config, host: str | None, port: int | None) -> None:
    """Serve on the guarded embedded server until Ctrl-C (or SIGTERM)."""
    from tamu.embedded import GuardedServer

    host = host or config.web.host
    port = config.web.port if port is None else port
    server = GuardedServer(host, port, app, config.web)
    click.echo(banner(host, server.port))
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    click.echo("Tamu dashboard stopped.")


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C so the server returns and the worker is stopped cleanly."""

    def interrupt(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
