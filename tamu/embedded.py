"""The embedded server (`tamu run`, `tamu web --dev`): Werkzeug's threads, guarded like gunicorn.

Werkzeug alone gives every half-sent request a thread forever and names itself and Python in
the `Server` header. Here a request's head must arrive within `web.header_timeout_s`, any read
may stall at most `web.read_timeout_s`, at most `web.max_connections` connections are served at
once (the next ones get 503 and are closed), and no `Server` header is sent.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from typing import Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from core.config import WebConfig
from tamu.serving import UntimedWebSockets, ensure_open_files

log = logging.getLogger(__name__)
REAP_EVERY_S = 0.5
BUSY = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class GuardedRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler with read timeouts, a deadline for the request head, no `Server`."""

    server: GuardedServer

    def setup(self) -> None:
        """Time out every read (StreamRequestHandler applies `timeout` to the socket)."""
        self.timeout = self.server.read_timeout  # type: ignore[misc]  # per connection, on purpose
        super().setup()
        self.reader = EndAwareReader(self.rfile)
        self.rfile = self.reader  # type: ignore[assignment]  # a wrapper with the same reads

    def handle_one_request(self) -> None:
        """Read and serve one request; its head must arrive before the deadline."""
        self.server.heads.watch(self.connection)
        try:
            super().handle_one_request()
        finally:
            self.server.heads.forget(self.connection)

    def parse_request(self) -> bool:
        """Parse the head; from here on only the read timeout applies."""
        try:
            parsed = super().parse_request()
        finally:
            self.server.heads.forget(self.connection)
        if parsed and self.reader.ended:
            # http.server takes a head cut short by the client closing for a whole one; a
            # slowloris that hangs up would otherwise have every half-sent request served.
            self.close_connection = True
            return False
        return parsed

    def send_header(self, keyword: str, value: str) -> None:
        """Send a header, except `Server` (it would name Werkzeug and Python versions)."""
        if keyword.lower() != "server":
            super().send_header(keyword, value)


class EndAwareReader:
    """A request's input stream that remembers whether a line read met the end of it."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.ended = False

    def readline(self, limit: int = -1) -> bytes:
        """One line; `ended` tells whether the stream was over."""
        line = self.stream.readline(limit)
        self.ended = not line
        return line

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


class HeadDeadlines:
    """Connections still sending a request head, and one thread closing the late ones."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._due: dict[socket.socket, float] = {}
        self._lock = threading.Lock()
        self.closed = 0

    def watch(self, conn: socket.socket) -> None:
        """Start the deadline for the head `conn` is about to send."""
        with self._lock:
            self._due[conn] = time.monotonic() + self.seconds

    def forget(self, conn: socket.socket) -> None:
        """The head arrived (or the connection ended)."""
        with self._lock:
            self._due.pop(conn, None)

    def reap_forever(self, stop: threading.Event) -> None:
        """Shut down every connection past its deadline, twice a second."""
        while not stop.wait(REAP_EVERY_S):
            now = time.monotonic()
            with self._lock:
                late = [conn for conn, due in self._due.items() if due <= now]
                for conn in late:
                    del self._due[conn]
            for conn in late:
                self.closed += 1
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)  # the blocked read returns at once


class GuardedServer(ThreadedWSGIServer):
    """Werkzeug's threaded WSGI server with a connection cap and head/read timeouts."""

    request_queue_size = 1024

    def __init__(self, host: str, port: int, app: Any, web: WebConfig) -> None:
        ensure_open_files(web.max_connections)
        self.read_timeout = web.read_timeout_s
        self.max_connections = web.max_connections
        self.heads = HeadDeadlines(web.header_timeout_s)
        self._slots = threading.BoundedSemaphore(web.max_connections)
        self._stop = threading.Event()
        super().__init__(host, port, UntimedWebSockets(app), handler=GuardedRequestHandler)
        threading.Thread(
            target=self.heads.reap_forever, args=(self._stop,), name="head-deadlines", daemon=True
        ).start()

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve in a thread while a slot is free; otherwise answer 503 and close."""
        if not self._slots.acquire(blocking=False):
            with contextlib.suppress(OSError):
                request.setblocking(False)
                request.send(BUSY)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except Exception:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        """Serve one connection, then free its slot."""
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def server_close(self) -> None:
        """Stop the deadline thread and close the listening socket."""
        self._stop.set()
        super().server_close()
