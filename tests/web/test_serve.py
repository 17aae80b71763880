"""`tamu web` and `tamu run` as real processes on loopback: serve, push live, stop cleanly."""

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

import pytest
import simple_websocket

from storage.db import make_engine, make_session_factory, transaction, upgrade
from storage.users import create_user
from tests.support.waiting import wait_until
from tests.web.conftest import FAST_SCRYPT, PASSWORD

ROOT = Path(__file__).resolve().parents[2]
START_S = 60.0  # `tamu run` spawns a worker that imports dlib: generous on 2 shared cores
STOP_S = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """A `tamu` server process with its output collected by a reader thread."""

    def __init__(self, args: list[str], config: Path) -> None:
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
        return "\n".join(self.lines)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(STOP_S)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(5)
            self.reader.join(5)


@pytest.fixture
def serve(write_config):
    """Start `tamu <command>` on a free loopback port; stops it afterwards."""
    started: list[Served] = []

    def start(command: str, cameras: list[dict], with_user: bool = True) -> tuple[Served, str]:
        port = free_port()
        config, path = write_config({"cameras": cameras, "web": {"port": port}})
        if with_user:
            upgrade(config.storage.database_url)
            engine = make_engine(config.storage.database_url)
            with transaction(make_session_factory(engine)) as db:
                create_user(db, "satpam", "guard", PASSWORD, hash_method=FAST_SCRYPT)
            engine.dispose()
        served = Served([command], path)
        started.append(served)
        base = f"http://127.0.0.1:{port}"
        wait_until(
            lambda: f"open {base}/login" in served.output and _answers(base),
            START_S,
            message=lambda: f"server did not come up:\n{served.output}",
        )
        return served, base

    yield start
    for served in started:
        served.stop()


def _answers(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/login", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def login_cookie(base: str, username: str) -> str:
    """Log in through the real form; the session cookie header value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(f"{base}/login", timeout=5).read().decode()
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, html
    token = match.group(1)
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": token})
    with opener.open(f"{base}/login", data=form.encode(), timeout=5) as response:
        assert response.url.endswith("/guard/"), response.url
    return "; ".join(f"{c.name}={c.value}" for c in jar)


class SocketIOClient:
    """Just enough Engine.IO 4 / Socket.IO 5 over a WebSocket to hear the server's events."""

    def __init__(self, base: str, cookie: str | None) -> None:
        url = base.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        headers = {"Cookie": cookie} if cookie else {}
        self.ws = simple_websocket.Client.connect(url, headers=headers)
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
        packet = self._next_socketio(timeout)
        if packet is None or not packet.startswith("42"):
            return None
        name, payload = json.loads(packet[2:])[:2]
        return name, payload

    def close(self) -> None:
        self.ws.close()


def test_tamu_web_serves_refuses_anonymous_sockets_and_stops_on_sigterm(serve):
    served, base = serve("web", [], with_user=False)
    assert "No dashboard user yet" in served.output
    assert "tamu users add" in served.output
    anonymous = SocketIOClient(base, None)
    assert anonymous.connect_reply.startswith("44"), anonymous.connect_reply  # refused
    anonymous.close()
    assert served.stop() == 0
    assert "Tamu dashboard stopped." in served.output


def test_tamu_run_relays_worker_events_live_and_stops_the_worker(serve):
    cameras = [{"name": "gate", "role": "gate", "url": "rtsp://127.0.0.1:9/nothing-here"}]
    served, base = serve("run", cameras)
    assert "No dashboard user yet" not in served.output
    guard = SocketIOClient(base, login_cookie(base, "satpam"))
    assert guard.connect_reply.startswith("40"), guard.connect_reply
    seen: list[tuple[str, dict]] = []

    def camera_event():
        event = guard.next_event(timeout=1)
        if event:
            seen.append(event)
        return any(name == "camera_status" for name, _ in seen)

    wait_until(camera_event, START_S, message=lambda: f"no camera_status:\n{served.output}")
    payload = next(p for n, p in seen if n == "camera_status")
    assert payload["camera"] == "gate"
    assert payload["status"] in ("offline", "reconnecting")
    guard.close()
    assert served.stop() == 0
    assert re.search(r"capture worker stopped \(exit code 0\)", served.output), served.output
