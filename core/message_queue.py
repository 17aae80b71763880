"""Flask-SocketIO's Redis message queue, made to keep what it cannot publish yet.

python-socketio's `RedisManager` gives up on a message after two failed attempts. Here every
message goes into a bounded buffer first and one sender thread publishes the buffer in order,
retrying with back-off while Redis is away, so a Redis outage delays events instead of losing
them (and a slow Redis never blocks the caller: the camera pipeline or a web request).
"""

from __future__ import annotations

import atexit
import collections
import logging
import socket
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import socketio

log = logging.getLogger(__name__)
# The key of the publishing time in every message (seconds since the epoch).
SENT_AT = "sent_at"
BACKOFF_INITIAL_S = 0.5
BACKOFF_MAX_S = 10.0
EXIT_FLUSH_S = 2.0
# Detect a dead Redis host (no RST) within ~30 s instead of the kernel's two hours.
KEEPALIVE = {
    socket.TCP_KEEPIDLE: 10,
    socket.TCP_KEEPINTVL: 5,
    socket.TCP_KEEPCNT: 3,
}
CONNECT_OPTIONS: dict[str, Any] = {
    "socket_connect_timeout": 3,
    "socket_keepalive": True,
    "socket_keepalive_options": KEEPALIVE,
}


def redact(url: str) -> str:
    """`url` without its password, for log lines."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = f"{parts.username}:" if parts.username else ":"
    host = parts.netloc.rsplit("@", 1)[1]
    return parts._replace(netloc=f"{user}***@{host}").geturl()


class BufferedRedisManager(socketio.RedisManager):  # type: ignore[misc]  # untyped library
    """A `socketio.RedisManager` whose publishing is buffered (bounded), ordered and retried."""

    def __init__(self, url: str, *, channel: str, write_only: bool, buffer_size: int) -> None:
        super().__init__(
            url, channel=channel, write_only=write_only, redis_options=dict(CONNECT_OPTIONS)
        )
        self.where = redact(url)
        self._pending: collections.deque[Any] = collections.deque()
        self._limit = max(buffer_size, 1)
        self._wake = threading.Condition()
        self._sender: threading.Thread | None = None
        self._publisher: Any = None
        self.dropped = 0
        atexit.register(self.flush, EXIT_FLUSH_S)

    @property
    def pending(self) -> int:
        """Messages waiting to be published."""
        return len(self._pending)

    def _publish(self, data: Any) -> None:
        """Queue `data` for the sender thread; the oldest message goes when the buffer is full.

        Each message is stamped with its wall-clock time (`sent_at`): the receiving dashboard
        measures how late events arrive (time in this buffer included).
        """
        if isinstance(data, dict):
            data = {**data, SENT_AT: time.time()}
        try:
            message = self.json.dumps(data)
        except (TypeError, ValueError) as exc:
            log.error("dropped a message that is not JSON (%s)", exc)
            return
        with self._wake:
            if len(self._pending) >= self._limit:
                self._pending.popleft()
                self.dropped += 1
                if self.dropped == 1 or self.dropped % 1000 == 0:
                    log.error(
                        "message queue buffer full (%d): %d oldest events dropped so far",
                        self._limit,
                        self.dropped,
                    )
            self._pending.append(message)
            if self._sender is None:
                self._sender = threading.Thread(
                    target=self._send_forever, name="socketio-publisher", daemon=True
                )
                self._sender.start()
            self._wake.notify()

    def flush(self, timeout: float) -> bool:
        """Wait up to `timeout` s until everything queued is published; True when it was."""
        deadline = time.monotonic() + timeout
        with self._wake:
            while self._pending and self._sender is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._wake.wait(min(left, 0.1))
        return not self._pending

    def _send_forever(self) -> None:
        backoff = BACKOFF_INITIAL_S
        down_since: float | None = None
        while True:
            with self._wake:
                self._wake.wait_for(lambda: bool(self._pending))
            try:
                self._send_pending()
            except Exception as exc:
                self._publisher = None
                if down_since is None:
                    down_since = time.monotonic()
                    log.warning(
                        "Redis %s unreachable (%s: %s): %d events kept, retrying",
                        self.where,
                        type(exc).__name__,
                        exc,
                        len(self._pending),
                    )
                time.sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX_S)
                continue
            if down_since is not None:
                log.info(
                    "Redis %s reachable again after %.0f s; buffered events delivered",
                    self.where,
                    time.monotonic() - down_since,
                )
                down_since = None
            backoff = BACKOFF_INITIAL_S

    def _send_pending(self) -> None:
        """Publish the buffer oldest first; a message leaves it only once Redis took it."""
        if self._publisher is None:
            module = self._get_redis_module()
            self._publisher = module.Redis.from_url(
                self.redis_url, socket_timeout=5, **CONNECT_OPTIONS
            )
        while True:
            with self._wake:
                if not self._pending:
                    self._wake.notify_all()
                    return
                message = self._pending[0]
            self._publisher.publish(self.channel, message)
            with self._wake:
                if self._pending and self._pending[0] is message:
                    self._pending.popleft()
