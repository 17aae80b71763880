"""Sinks that also hand events to the notifier, wrapped around a process's own sink.

Each process notifies only the events it originates (`Event.origin`): the dashboard its
decisions and guest-book changes, the capture worker its arrivals, strangers, camera status and
watchlist sightings. An event relayed to another process for the live pages is therefore never
notified twice, however the relay works.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Callable
from typing import Any

from core.events import Event
from core.sinks import EventSink

log = logging.getLogger(__name__)


class NotifyingSink:
    """Publishes to `inner`, then submits events of `origin` (None: any) to `submit`."""

    def __init__(
        self, inner: EventSink, submit: Callable[[Event], object], origin: str | None
    ) -> None:
        self.inner = inner
        self._submit = submit
        self._origin = origin

    def publish(self, event: Event) -> None:
        """Tell the inner sink, then the notifier; never raises, never blocks."""
        try:
            self.inner.publish(event)
        except Exception:
            log.exception("inner sink failed on %s", event.name)
        if self._origin is None or event.origin == self._origin:
            self._submit(event)


class InboxSink:
    """Publishes to `inner`, then puts the event on the notifier's inbox (another process)."""

    def __init__(self, inner: EventSink, inbox: Any) -> None:
        self.inner = inner
        self._inbox = inbox
        self.dropped = 0

    def publish(self, event: Event) -> None:
        """Tell the inner sink, then enqueue without blocking; a full inbox drops (counted)."""
        try:
            self.inner.publish(event)
        except Exception:
            log.exception("inner sink failed on %s", event.name)
        try:
            self._inbox.put_nowait(event)
        except (queue.Full, ValueError, OSError):
            self.dropped += 1
            log.warning("notification inbox full or closed; %s not notified", event.name)


def inbox_sink(inner_factory: Callable[[], EventSink], inbox: Any) -> InboxSink:
    """The sink a camera process builds (picklable as functools.partial for spawn)."""
    return InboxSink(inner_factory(), inbox)
