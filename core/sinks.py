"""Event sinks: where stored events are told. Publishing never raises into the pipeline."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, Protocol

from core.events import Event

log = logging.getLogger(__name__)


class EventSink(Protocol):
    """Something that is told about events after they are committed."""

    def publish(self, event: Event) -> None:
        """Tell about one event; must not raise."""


class NullSink:
    """Tells nobody."""

    def publish(self, event: Event) -> None:
        """Drop the event."""


class CollectingSink:
    """Keeps events in memory and lets a caller wait for one (tests, the CLI)."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._cond = threading.Condition()

    def publish(self, event: Event) -> None:
        """Remember the event and wake waiters."""
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[Event], bool], timeout: float) -> Event | None:
        """The first event matching `predicate`, waiting up to `timeout` seconds."""
        with self._cond:
            found: list[Event] = []

            def ready() -> bool:
                found[:] = [e for e in self.events if predicate(e)]
                return bool(found)

            self._cond.wait_for(ready, timeout)
            return found[0] if found else None


class QueueSink:
    """Puts events on a multiprocessing queue (worker process → dashboard process)."""

    def __init__(self, q: Any) -> None:
        self._queue = q

    def publish(self, event: Event) -> None:
        """Enqueue without blocking; a full queue drops (the event is already stored)."""
        try:
            self._queue.put_nowait(event)
        except (queue.Full, ValueError, OSError):
            log.warning("event queue full or closed; %s not relayed", event.name)


class SocketIOSink:
    """Emits events through Flask-SocketIO's message queue, as an external process does.

    The capture worker (another process, maybe another host) uses
    `SocketIO(message_queue=...)` as Flask-SocketIO documents; every web process listening on
    the same Redis channel checks each event and passes it to its Socket.IO rooms.
    """

    def __init__(self, url: str, channel: str, buffer_size: int = 10_000) -> None:
        from flask_socketio import SocketIO

        from core.message_queue import BufferedRedisManager

        self.manager = BufferedRedisManager(
            url, channel=channel, write_only=True, buffer_size=buffer_size
        )
        # threading: this process is not a gevent server, whatever is installed.
        self._socketio = SocketIO(
            message_queue=url, client_manager=self.manager, async_mode="threading"
        )

    def publish(self, event: Event) -> None:
        """Queue the event for Redis (kept and retried while Redis is away); never raises."""
        try:
            self._socketio.emit(event.name, event.to_dict())
        except Exception:
            log.exception("could not queue %s for the message queue", event.name)
