"""A private redis-server on a free loopback port, for tests that stop, restart or lock it down.

The shared Redis on 127.0.0.1:6379 serves everyone's tests; outages and ACLs need one of our own.

    server = RedisServer(tmp_path, users=["worker on >pw &tamu-* +publish"]).start()
    server.url("worker", "pw")   # redis://worker:pw@127.0.0.1:PORT/0
    server.admin().acl_setuser(...); server.kill(); server.start()   # same port again
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.waiting import wait_until

REDIS_SERVER = shutil.which("redis-server")
ADMIN, ADMIN_PASSWORD = "admin", "admin-secret"
START_S = 10.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """One redis-server process (no persistence); `users` are ACL rules after `user`."""

    def __init__(
        self,
        folder: Path,
        users: tuple[str, ...] = (),
        extra: tuple[str, ...] = (),
        tls: bool = False,
    ) -> None:
        self.folder = folder
        self.port = _free_port()
        self.users = list(users)
        self.extra = list(extra)
        self.tls = tls
        if tls:
            self.extra += self._make_certificate()
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def write_conf(self) -> Path:
        """The config file for the next start (users as they are now)."""
        listen = ["port 0", f"tls-port {self.port}"] if self.tls else [f"port {self.port}"]
        lines = [
            *listen,
            "bind 127.0.0.1",
            'save ""',
            "appendonly no",
            f"dir {self.folder}",
            "user default off",
            f"user {ADMIN} on >{ADMIN_PASSWORD} ~* &* +@all",
            *(f"user {rule}" for rule in self.users),
            *self.extra,
        ]
        path = self.folder / "redis.conf"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def start(self) -> RedisServer:
        """Start (again, on the same port) and wait until it answers."""
        assert REDIS_SERVER, "redis-server is not installed"
        conf = self.write_conf()
        self.starts += 1
        log = (self.folder / f"redis-{self.starts}.log").open("wb")
        with log:
            self.proc = subprocess.Popen([REDIS_SERVER, str(conf)], stdout=log, stderr=log)
        wait_until(self._answers, START_S, message=self.log_tail)
        return self

    def _answers(self) -> bool:
        import redis

        try:
            return bool(self.admin().ping())
        except redis.RedisError:
            return False

    def url(self, user: str = ADMIN, password: str = ADMIN_PASSWORD, db: int = 0) -> str:
        """A redis:// URL for `user` (rediss://, trusting our certificate, with TLS)."""
        if self.tls:
            ca = self.folder / "cert.pem"
            return f"rediss://{user}:{password}@127.0.0.1:{self.port}/{db}?ssl_ca_certs={ca}"
        return f"redis://{user}:{password}@127.0.0.1:{self.port}/{db}"

    def _make_certificate(self) -> list[str]:
        """A self-signed certificate for 127.0.0.1 (openssl); the TLS config lines."""
        cert, key = self.folder / "cert.pem", self.folder / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        return [
            f"tls-cert-file {cert}",
            f"tls-key-file {key}",
            f"tls-ca-cert-file {cert}",
            "tls-auth-clients no",
        ]

    def admin(self):
        """A client with every permission."""
        import redis

        return redis.Redis.from_url(self.url(), socket_timeout=2, socket_connect_timeout=2)

    def kill(self) -> None:
        """SIGKILL (an outage): connections drop at once."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def log_tail(self) -> str:
        """The end of the latest log."""
        path = self.folder / f"redis-{self.starts}.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else "(no log)"


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[Callable[..., RedisServer]]:
    """Factory `redis_server(users=(...), tls=False)` -> a started RedisServer; all are killed
    afterwards."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    started: list[RedisServer] = []

    def start(
        users: tuple[str, ...] = (), extra: tuple[str, ...] = (), tls: bool = False
    ) -> RedisServer:
        if tls and shutil.which("openssl") is None:
            pytest.skip("openssl is not installed (needed for a TLS certificate)")
        folder = tmp_path / f"redis{len(started)}"
        folder.mkdir()
        server = RedisServer(folder, users, extra, tls).start()
        started.append(server)
        return server

    yield start
    for server in started:
        with contextlib.suppress(Exception):
            server.kill()
