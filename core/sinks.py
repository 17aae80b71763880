"""Event sinks: where stored events are told. Publishing never raises into the pipeline."""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, Protocol

from core.events import Event

log = logging.getLogger(__name__)
REDIS_CHANNEL = "tamu:events"


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


class RedisSink:
    """Publishes events as JSON on a Redis channel (processes on other hosts)."""

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def publish(self, event: Event) -> None:
        """Publish; Redis being down is logged, not raised."""
        try:
            self._redis.publish(REDIS_CHANNEL, event.to_json())
        except Exception as exc:
            log.warning("redis publish of %s failed: %s", event.name, exc)


def decode_event(raw: str | bytes) -> dict[str, Any]:
    """A Redis message back into the dict form that `Event.to_dict` made."""
    decoded: dict[str, Any] = json.loads(raw)
    return decoded
