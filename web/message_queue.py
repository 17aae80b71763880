"""The dashboard's end of Flask-SocketIO's Redis message queue: check, route, resync.

Every emit, from this process or from the queue (a worker, another web process), passes
`_handle_emit`: the payload must be a valid event of its type (core.events.parse_event), and it
goes to the rooms security_policy names for that type, whatever room the message asked for. A
forged or malformed message is logged and dropped, never relayed. When the subscription to
Redis comes back after an outage, every page is told to reload its panels (`resync`).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

import socketio

from core.events import Event, EventError, ResyncNeeded, parse_event
from core.message_queue import SENT_AT, BufferedRedisManager
from web import security_policy as policy
from web.metrics import observe_delivery

log = logging.getLogger(__name__)
MAX_MESSAGE_BYTES = 64 * 1024
LISTEN_BACKOFF_INITIAL_S = 0.5
LISTEN_BACKOFF_MAX_S = 10.0


class CheckedQueueManager(BufferedRedisManager):
    """The web processes' message-queue client manager (one per process)."""

    def __init__(self, url: str, *, channel: str, buffer_size: int) -> None:
        super().__init__(url, channel=channel, write_only=False, buffer_size=buffer_size)
        self.subscriptions = 0
        self._closed = threading.Event()

    def _redis_connect(self) -> None:
        super()._redis_connect()
        # Subscribe confirmations tell when the subscription is (again) in place.
        self.pubsub.ignore_subscribe_messages = False

    def _listen(self) -> Any:
        """Messages on the channel (python-socketio's hook), noting each (re)subscription."""
        channel = self.channel.encode("utf-8")
        for message in self._subscription():
            if message.get("channel") != channel:
                continue
            if message.get("type") == "subscribe":
                self._subscribed()
            elif message.get("type") == "message":
                data = message.get("data") or b""
                if len(data) > MAX_MESSAGE_BYTES:
                    log.warning("dropped a %d-byte message on the queue (too big)", len(data))
                    continue
                yield data
        self._closed.wait()  # closed on purpose: park quietly instead of "exited unexpectedly"

    def _subscription(self) -> Any:
        """Everything Redis sends to our subscription, subscribing again after any failure."""
        backoff = LISTEN_BACKOFF_INITIAL_S
        while not self._closed.is_set():
            try:
                self._redis_connect()
                self.pubsub.subscribe(self.channel)
                backoff = LISTEN_BACKOFF_INITIAL_S
                yield from self.pubsub.listen()
            except Exception as exc:
                if self._closed.is_set():
                    return
                with contextlib.suppress(Exception):
                    self.pubsub.close()  # its connection failed: do not leak it
                log.warning(
                    "cannot receive events from Redis %s (%s: %s); retrying in %.0f s",
                    self.where,
                    type(exc).__name__,
                    exc,
                    backoff,
                )
                self._closed.wait(backoff)
                backoff = min(backoff * 2, LISTEN_BACKOFF_MAX_S)

    def close(self) -> None:
        """Stop listening and retrying (a process shutting down, the end of a test)."""
        self._closed.set()
        if self.pubsub is not None:
            with contextlib.suppress(Exception):
                self.pubsub.close()

    def _subscribed(self) -> None:
        self.subscriptions += 1
        if self.subscriptions == 1:
            log.info("listening for events on Redis %s, channel %s", self.where, self.channel)
            return
        log.info("subscribed again to Redis %s: pages reload their panels", self.where)
        deliver_locally(self, ResyncNeeded("message queue reconnected"))

    def _handle_emit(self, message: dict[str, Any]) -> None:
        event = checked_event(message)
        if event is not None:
            observe_delivery(message.get(SENT_AT))
            deliver_locally(self, event)

    def _handle_close_room(self, message: dict[str, Any]) -> None:
        # Tamu's rooms are fixed by role; a message closing one can only be forged.
        log.warning("dropped a close_room message for %r", str(message.get("room"))[:40])


def checked_event(message: dict[str, Any]) -> Event | None:
    """The event an `emit` message carries, or None (logged) when it is not a valid one."""
    data = message.get("data")
    name = message.get("event")
    try:
        if message.get("binary") or message.get("callback"):
            raise EventError("binary payloads and callbacks are not used")
        if not (isinstance(data, list) and len(data) == 1):
            raise EventError("an event carries exactly one payload")
        event = parse_event(data[0])
        if event.name != name:
            raise EventError(f"emitted as {str(name)[:40]!r} but the payload is {event.name!r}")
    except EventError as exc:
        log.warning("dropped a message from the queue: %s", exc)
        return None
    return event


def deliver_locally(manager: socketio.Manager, event: Event) -> None:
    """Send `event` to this process's clients in the rooms allowed to see it."""
    rooms = sorted(policy.rooms_for_event(event.name))
    if rooms:
        socketio.Manager.emit(manager, event.name, event.to_dict(), namespace="/", room=rooms)
