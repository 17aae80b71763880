"""`python -m bench.load`: the dashboard server under load, on loopback, bounded in time.

For `tamu web` (gunicorn + gevent) and the embedded server (`tamu run`, `tamu web --dev`):

1. a normal login (GET /login, then the form POST) on a quiet server, 10 times;
2. the same, spread over 15 s, while 2,000 connections hold half-sent request heads (the server
   drops them at its head deadline; each is reopened at once, so 2,000 stay open throughout);
3. 200 logged-in dashboards (Socket.IO over WebSocket) while the 2,000 slow connections stay,
   and 20 `guest_arrived` events emitted by a worker-like process through Redis: how long each
   dashboard waited for each event, and whether any event was missed.

Everything runs on 127.0.0.1 with its own SQLite database and its own redis-server; every loop
is bounded in count and time.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import selectors
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

SLOW_CONNECTIONS = 2000
DASHBOARDS = 200
EVENTS = 20
EVENT_GAP_S = 0.1
LOGINS = 10
ATTACK_LOGIN_EVERY_S = 1.5
LOGIN_DELAY_TARGET_S = 1.0
EVENT_P95_TARGET_S = 1.0
DELIVERY_DEADLINE_S = 30.0
USERS = {"bupati": "bupati", "ajudan": "adjutant", "satpam": "guard", "keamanan": "security"}
PASSWORD = "kata-sandi-bench-yang-panjang"
HALF_HEAD = b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow\r\n"
_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def login_once(base: str, username: str) -> tuple[float, str]:
    """GET /login and POST the form; (seconds, session cookie)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    start = time.perf_counter()
    html = opener.open(f"{base}/login", timeout=30).read().decode()
    token = _CSRF.search(html).group(1)
    form = {"username": username, "password": PASSWORD, "csrf_token": token}
    with opener.open(f"{base}/login", data=urllib.parse.urlencode(form).encode(), timeout=30):
        pass
    return time.perf_counter() - start, "; ".join(f"{c.name}={c.value}" for c in jar)


def login_times(base: str, count: int = LOGINS, every_s: float = 0.0) -> list[float]:
    """`count` logins, one every `every_s` seconds (each user in turn)."""
    names = list(USERS)
    times, tick = [], threading.Event()
    for i in range(count):
        started = time.perf_counter()
        times.append(login_once(base, names[i % len(names)])[0])
        tick.wait(max(0.0, every_s - (time.perf_counter() - started)))
    return times


class SlowClients:
    """Keeps `count` connections open, each having sent half a request head (a slowloris)."""

    def __init__(self, port: int, count: int) -> None:
        self.port, self.count = port, count
        self.reopened = 0
        self.failed = 0
        self.holding = 0  # connections that sent their half head and wait
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> SlowClients:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def _open(self, sel: selectors.BaseSelector) -> None:
        sock = socket.socket()
        sock.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            sock.connect(("127.0.0.1", self.port))
        sel.register(sock, selectors.EVENT_WRITE)

    def _run(self) -> None:
        sel = selectors.DefaultSelector()
        for _ in range(self.count):
            self._open(sel)
        while not self._stop.is_set():
            for key, events in sel.select(0.2):
                sock = key.fileobj
                if events & selectors.EVENT_WRITE:
                    try:
                        sock.send(HALF_HEAD)
                        sel.modify(sock, selectors.EVENT_READ)
                        self.holding += 1
                    except OSError:
                        self._replace(sel, sock, failed=True)
                    continue
                try:
                    data = sock.recv(4096)
                except OSError:
                    data = b""
                if not data:  # closed by the server (the head deadline)
                    self.holding -= 1
                    self._replace(sel, sock)
        for key in list(sel.get_map().values()):
            key.fileobj.close()
        sel.close()

    def _replace(self, sel: selectors.BaseSelector, sock: socket.socket, failed=False) -> None:
        sel.unregister(sock)
        sock.close()
        self.failed += failed
        self.reopened += 1
        self._open(sel)


@dataclass
class Dashboard:
    """One logged-in page's Socket.IO connection, timing every event it receives."""

    base: str
    cookie: str
    received: dict[int, float] = field(default_factory=dict)

    def start(self) -> None:
        """Connect over WebSocket and read in a thread."""
        from tests.support.serving import SocketIOClient

        self.client = SocketIOClient(self.base, self.cookie)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        ws = self.client.ws
        while True:
            try:
                packet = ws.receive()
            except Exception:
                return
            if packet == "2":
                ws.send("3")
            elif packet and packet.startswith("42"):
                name, payload = json.loads(packet[2:])[:2]
                if name == "guest_arrived":
                    self.received[payload["arrival_id"]] = time.perf_counter()


def dashboard_latencies(base: str, cookies: list[str], redis_url: str, channel: str) -> dict:
    """Connect DASHBOARDS pages, emit EVENTS through Redis; latencies and misses."""
    from core.events import GuestArrived
    from core.sinks import SocketIOSink
    from storage.types import utcnow
    from tests.support.waiting import wait_until

    pages = [Dashboard(base, cookies[i % len(cookies)]) for i in range(DASHBOARDS)]
    for page in pages:
        page.start()
    sink = SocketIOSink(redis_url, channel)
    sent: dict[int, float] = {}
    tick = threading.Event()
    for n in range(1, EVENTS + 1):
        sent[n] = time.perf_counter()
        sink.publish(GuestArrived(n, "gate", 1, "Budi", utcnow(), 0.3, None))
        tick.wait(EVENT_GAP_S)
    with contextlib.suppress(AssertionError):
        wait_until(lambda: all(len(p.received) == EVENTS for p in pages), DELIVERY_DEADLINE_S)
    waits = sorted(t - sent[n] for p in pages for n, t in p.received.items())
    for page in pages:
        page.client.close()
    return {"waits": waits, "missed": DASHBOARDS * EVENTS - len(waits)}


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of sorted `values`."""
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def server_memory_mb(pid: int) -> float:
    """Resident memory of `pid` and its children, in MB."""
    total = 0
    for proc in [pid, *_children(pid)]:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{proc}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


def _children(pid: int) -> list[int]:
    with contextlib.suppress(OSError):
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return []


def prepare_site(folder: Path, redis_url: str, channel: str, port: int) -> Path:
    """A config, a migrated SQLite database and the USERS; the config's path."""
    from storage.db import make_engine, make_session_factory, transaction, upgrade
    from storage.users import create_user

    config = {
        "storage": {
            "database_url": f"sqlite:///{folder / 'tamu.db'}",
            "media_dir": str(folder / "media"),
        },
        "web": {"port": port, "secret_key_file": str(folder / "secret_key")},
        "events": {"redis_url": redis_url, "channel": channel},
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    upgrade(config["storage"]["database_url"])
    engine = make_engine(config["storage"]["database_url"])
    with transaction(make_session_factory(engine)) as db:
        for username, role in USERS.items():
            create_user(db, username, role, PASSWORD)
    engine.dispose()
    return path


def measure(server_args: list[str], folder: Path, redis_url: str) -> dict:
    """Start one server kind and run the three phases against it."""
    from tests.support.serving import Served, answers, free_port
    from tests.support.waiting import wait_until

    port = free_port()
    channel = f"bench-{port}"
    config = prepare_site(folder, redis_url, channel, port)
    base = f"http://127.0.0.1:{port}"
    served = Served(server_args, config)
    try:
        wait_until(lambda: answers(base), 60, message=lambda: served.output)
        login_once(base, "bupati")  # warm-up
        quiet = login_times(base)
        with SlowClients(port, SLOW_CONNECTIONS) as slow:
            wait_until(lambda: slow.holding >= SLOW_CONNECTIONS * 0.95, 30)
            # Spread over more than the head deadline (10 s): the logins also meet the moment
            # the server drops the 2,000 and they all connect again.
            attacked = login_times(base, every_s=ATTACK_LOGIN_EVERY_S)
            memory = server_memory_mb(served.proc.pid)
            cookies = [login_once(base, name)[1] for name in USERS]
            events = dashboard_latencies(base, cookies, redis_url, channel)
            reopened, failed = slow.reopened, slow.failed
    finally:
        served.stop()
    return {
        "quiet": quiet,
        "attacked": attacked,
        "memory": memory,
        "reopened": reopened,
        "failed": failed,
        **events,
    }


def verdict(ok: bool) -> str:
    """pass / FAIL."""
    return "pass" if ok else "[red]FAIL[/red]"


def render(results: dict[str, dict], console: Console, load: str) -> None:
    """Print the table."""
    table = Table(
        title=f"Tamu load bench: {SLOW_CONNECTIONS:,} slow connections, {DASHBOARDS} dashboards, "
        f"{EVENTS} events over Redis (loopback)",
        caption=f"load average {load}",
    )
    table.add_column("Metric")
    table.add_column("Target")
    for name in results:
        table.add_column(name)
    rows = [
        (
            "login, quiet (median / max)",
            "–",
            lambda r: f"{_ms(r['quiet'], 0.5)} / {_ms(r['quiet'], 1)}",
        ),
        (
            f"login with {SLOW_CONNECTIONS:,} slow connections (median / max)",
            f"max ≤ quiet median + {LOGIN_DELAY_TARGET_S:g} s",
            lambda r: (
                f"{_ms(r['attacked'], 0.5)} / {_ms(r['attacked'], 1)} "
                + verdict(
                    max(r["attacked"]) <= statistics.median(r["quiet"]) + LOGIN_DELAY_TARGET_S
                )
            ),
        ),
        (
            "slow connections closed by the server",
            "> 0 (head deadline)",
            lambda r: f"{r['reopened']:,} ({r['failed']} refused)",
        ),
        ("server memory under attack", "–", lambda r: f"{r['memory']:.0f} MB"),
        (
            f"event wait per dashboard (p50 / p95, {DASHBOARDS}×{EVENTS})",
            f"p95 ≤ {EVENT_P95_TARGET_S:g} s",
            lambda r: (
                f"{_ms(r['waits'], 0.5)} / {_ms(r['waits'], 0.95)} "
                + verdict(percentile(r["waits"], 0.95) <= EVENT_P95_TARGET_S)
            ),
        ),
        ("events missed", "0", lambda r: f"{r['missed']} " + verdict(r["missed"] == 0)),
    ]
    for metric, target, cell in rows:
        table.add_row(metric, target, *(cell(r) for r in results.values()))
    console.print(table)


def _ms(values: list[float], q: float) -> str:
    return f"{percentile(sorted(values), q) * 1000:.0f} ms" if values else "–"


def main() -> int:
    """Run the load bench against both servers and print one table."""
    from tamu.serving import ensure_open_files
    from tests.support.redis_server import REDIS_SERVER, RedisServer

    console = Console(width=150)
    if REDIS_SERVER is None:
        console.print("load bench skipped: redis-server is not installed")
        return 0
    ensure_open_files(SLOW_CONNECTIONS + DASHBOARDS * 2)
    load_before = os.getloadavg()[0]
    results = {}
    with tempfile.TemporaryDirectory(prefix="tamu-load-") as tmp:
        redis = RedisServer(Path(tmp)).start()
        try:
            for name, args in (
                ("tamu web (gunicorn+gevent)", ["web"]),
                ("embedded (tamu run)", ["web", "--dev"]),
            ):
                console.print(f"load: {name} ...", style="dim")
                folder = Path(tmp) / args[-1].strip("-")
                folder.mkdir()
                results[name] = measure(args, folder, redis.url())
        finally:
            redis.kill()
    render(results, console, f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
