"""`Notifier`: what a `tamu` command starts when `notifications.enabled` is true.

Which process dispatches what: every process that publishes events owns one Notifier and
notifies only what it originates (see `notify.sinks`). `tamu run` has one Notifier in the
dashboard process: the dashboard's events reach it directly, the camera processes' events through
an inbox queue. `tamu worker` and `tamu web` run separately each have one, for their own events.
The waiting-guest check runs in each; the delivery log's unique claim sends each reminder once.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import queue
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from core.config import Config
from core.events import Event
from core.sinks import EventSink, NullSink
from notify.dispatcher import Dispatcher
from notify.plan import Channels
from notify.sinks import NotifyingSink, inbox_sink
from storage.media import open_media_store

log = logging.getLogger(__name__)
INBOX_POLL_S = 0.5


class Notifier:
    """A dispatcher, the sink wrappers that feed it, and the inbox from camera processes."""

    def __init__(
        self,
        config: Config,
        sessions: sessionmaker[Session],
        channels: Channels | None = None,
    ) -> None:
        channels = channels or Channels.from_config(config.notifications)
        media = open_media_store(config.storage, sessions.kw.get("bind"))
        self.dispatcher = Dispatcher(config, sessions, channels, media)
        self._queue_size = config.notifications.queue_size
        self._inbox: Any = None
        self._stop = threading.Event()
        self._drainer: threading.Thread | None = None

    @classmethod
    def from_config(cls, config: Config, sessions: sessionmaker[Session]) -> Notifier | None:
        """A Notifier, or None when notifications are off."""
        if not config.notifications.enabled:
            return None
        return cls(config, sessions)

    def web_sink(self, inner: EventSink | None = None) -> EventSink:
        """The dashboard's sink: `inner`, plus the dashboard's own events to the dispatcher."""
        return NotifyingSink(inner or NullSink(), self.dispatcher.submit, origin="web")

    def local_sink(self, inner: EventSink) -> EventSink:
        """A sink for this process's threads: `inner`, plus every event to the dispatcher."""
        return NotifyingSink(inner, self.dispatcher.submit, origin=None)

    def worker_sink_factory(
        self, inner_factory: Callable[[], EventSink]
    ) -> Callable[[], EventSink]:
        """A picklable factory for camera processes: `inner` plus this Notifier's inbox."""
        if self._inbox is None:
            ctx = multiprocessing.get_context("spawn")
            self._inbox = ctx.Queue(maxsize=self._queue_size)
        return functools.partial(inbox_sink, inner_factory, self._inbox)

    def start(self) -> None:
        """Start the dispatcher, and the inbox reader if camera processes will write to it."""
        self.dispatcher.start()
        if self._inbox is not None:
            self._drainer = threading.Thread(target=self._drain, name="notify-inbox", daemon=True)
            self._drainer.start()
        log.info("notifications on: %s", ", ".join(c.name for c in self.dispatcher.channels.all()))

    def stop(self) -> None:
        """Stop reading the inbox and the dispatcher."""
        self._stop.set()
        if self._drainer is not None:
            self._drainer.join(INBOX_POLL_S * 4)
        if self._inbox is not None:
            self._inbox.cancel_join_thread()
        self.dispatcher.stop()

    def _drain(self) -> None:
        while not self._stop.is_set():
            try:
                item = self._inbox.get(timeout=INBOX_POLL_S)
            except queue.Empty:
                continue
            except (EOFError, OSError, ValueError):
                log.warning("notification inbox closed")
                return
            if isinstance(item, Event):
                self.dispatcher.submit(item)
