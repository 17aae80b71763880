"""Running `tamu web` / `tamu run` as real processes on loopback, and talking to them."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import simple_websocket

from tests.support.env import ROOT

START_S = 60.0  # `tamu run` spawns a worker that imports dlib: generous on 2 shared cores
STOP_S = 30.0


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """A `tamu` server process with its output collected by a reader thread."""

    def __init__(self, args: list[str], config: Path) -> None:
        """Start `python -m tamu --config CONFIG ARGS...` in the repository."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("TAMU_SECRET_KEY", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tamu", "--config", str(config), *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        """Everything printed so far."""
        return "\n".join(self.lines)

    def stop(self) -> int:
        """SIGTERM, then the exit code (killed if it hangs)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(STOP_S)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(5)
            self.reader.join(5)


def answers(base: str) -> bool:
    """True when the server at `base` serves the login page."""
    try:
        with urllib.request.urlopen(f"{base}/login", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def login_cookie(base: str, username: str, password: str) -> str:
    """Log in through the real form; the session cookie header value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(f"{base}/login", timeout=5).read().decode()
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, html
    token = match.group(1)
    form = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token})
    with opener.open(f"{base}/login", data=form.encode(), timeout=5) as response:
        assert "/login" not in response.url, f"{username} could not log in"
    return "; ".join(f"{c.name}={c.value}" for c in jar)


class _WebSocket(simple_websocket.Client):
    """simple-websocket's client, not losing frames that arrive with the handshake reply."""

    def handshake(self) -> None:
        """Handshake, then take in any frame that came in the same read (before the reader
        thread starts): a fast server's Engine.IO open packet often does, and simple-websocket
        would leave it unseen until the next bytes arrive."""
        super().handshake()
        self._handle_events()


class SocketIOClient:
    """Just enough Engine.IO 4 / Socket.IO 5 over a WebSocket to hear the server's events."""

    def __init__(self, base: str, cookie: str | None, origin: str | None = None) -> None:
        url = base.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        headers = {"Cookie": cookie} if cookie else {}
        if origin:
            headers["Origin"] = origin
        self.ws = _WebSocket.connect(url, headers=headers)
        opening = self.ws.receive(timeout=5)
        assert opening.startswith("0"), opening
        self.ws.send("40")
        self.connect_reply = self._next_socketio(5)

    def _next_socketio(self, timeout: float) -> str | None:
        while True:
            packet = self.ws.receive(timeout=timeout)
            if packet is None:
                return None
            if packet == "2":
                self.ws.send("3")
                continue
            return packet

    def next_event(self, timeout: float) -> tuple[str, dict] | None:
        """The next server event (name, payload), or None after `timeout` seconds."""
        packet = self._next_socketio(timeout)
        if packet is None or not packet.startswith("42"):
            return None
        name, payload = json.loads(packet[2:])[:2]
        return name, payload

    def close(self) -> None:
        """Close the WebSocket."""
        self.ws.close()

    def collect(self) -> list[tuple[str, dict]]:
        """Keep every event from now on in the returned list (filled by a reader thread)."""
        events: list[tuple[str, dict]] = []

        def read() -> None:
            while True:
                try:
                    packet = self._next_socketio(None)
                except Exception:
                    return
                if packet is None:
                    return
                if packet.startswith("42"):
                    events.append(tuple(json.loads(packet[2:])[:2]))

        threading.Thread(target=read, daemon=True).start()
        return events


class InProcessServer:
    """An app on the guarded embedded server in a thread of the test process (stops on exit)."""

    def __init__(self, app, web_config) -> None:
        from tamu.embedded import GuardedServer

        self.server = GuardedServer("127.0.0.1", 0, app, web_config)
        self.base = f"http://127.0.0.1:{self.server.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> InProcessServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(10)
