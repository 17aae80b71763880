"""Both dashboard servers on loopback: heads and reads time out, connections are capped, the
`Server` header names no version, and X-Forwarded-* count only from trusted proxies.

`tamu web` (gunicorn + gevent) runs as a real process; the embedded server of `tamu run` and
`tamu web --dev` runs in this process. Speeds are measured by `python -m bench.load`.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import re
import resource
import socket
import time
import urllib.parse
import urllib.request

import click
import pytest

from tamu.serving import ensure_open_files
from tests.support.serving import InProcessServer, login_cookie
from tests.support.waiting import wait_until
from tests.web.conftest import PASSWORD
from web.proxies import TrustedProxies

LIMITS = {"header_timeout_s": 2, "read_timeout_s": 2, "max_connections": 10}
HALF_HEAD = b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
VERSION = re.compile(r"\d+\.\d+|werkzeug|python", re.IGNORECASE)


def half_open(base: str, payload: bytes = HALF_HEAD) -> socket.socket:
    """A connection that sent `payload` (part of a request) and then says nothing."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    sock.sendall(payload)
    return sock


def seconds_until_closed(sock: socket.socket, drip: bytes | None = None) -> float:
    """How long the server keeps `sock` open (dripping a byte every 0.5 s when `drip`)."""
    start = time.monotonic()
    sock.settimeout(0.5)
    with sock:
        while time.monotonic() - start < 30:
            try:
                data = sock.recv(4096)
            except TimeoutError:
                if drip:
                    with contextlib.suppress(OSError):
                        sock.sendall(drip)
                continue
            except ConnectionResetError:
                break
            if not data or data.startswith(b"HTTP/1.1 408") or data.startswith(b"HTTP/1.1 400"):
                break
    return time.monotonic() - start


def server_header(base: str) -> str | None:
    with urllib.request.urlopen(f"{base}/login", timeout=5) as response:
        return response.headers.get("Server")


@pytest.fixture
def gunicorn(serve):
    """`tamu web` with small limits."""
    _served, base = serve("web", [], web=LIMITS)
    return base


@pytest.fixture
def embedded(env):
    """The embedded server with small limits, in this process."""
    web = env.config.web.model_copy(update=LIMITS)
    with InProcessServer(env.app, web) as server:
        yield server


def test_gunicorn_names_no_version(gunicorn):
    assert not VERSION.search(server_header(gunicorn) or "")


def test_embedded_server_sends_no_server_header(embedded):
    assert server_header(embedded.base) is None


@pytest.mark.parametrize("drip", [None, b"X"])
def test_gunicorn_closes_a_request_head_that_never_ends(gunicorn, drip):
    waited = seconds_until_closed(half_open(gunicorn), drip)
    assert 1.5 <= waited < 10, waited


@pytest.mark.parametrize("drip", [None, b"X"])
def test_embedded_server_closes_a_request_head_that_never_ends(embedded, drip):
    waited = seconds_until_closed(half_open(embedded.base), drip)
    assert 1.5 <= waited < 10, waited
    assert embedded.server.heads.closed >= (1 if drip else 0)


SLOW_BODY = (
    b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded"
    b"\r\nContent-Length: 500\r\n\r\nusername=a"
)


def test_gunicorn_gives_up_on_a_body_that_stalls(gunicorn):
    waited = seconds_until_closed(half_open(gunicorn, SLOW_BODY))
    assert 1.5 <= waited < 10, waited


def test_embedded_server_gives_up_on_a_body_that_stalls(embedded):
    waited = seconds_until_closed(half_open(embedded.base, SLOW_BODY))
    assert 1.5 <= waited < 10, waited


def test_gunicorn_caps_connections_and_frees_them_at_the_head_deadline(gunicorn):
    slow = [half_open(gunicorn) for _ in range(LIMITS["max_connections"])]
    try:
        start = time.monotonic()
        login_cookie(gunicorn, "satpam", PASSWORD)  # waits for a slot, then is served
        waited = time.monotonic() - start
    finally:
        for sock in slow:
            sock.close()
    assert waited >= 1.0, "served past the cap"


def test_embedded_server_refuses_connections_past_the_cap(embedded):
    slow = [half_open(embedded.base) for _ in range(LIMITS["max_connections"])]
    try:
        wait_until(lambda: embedded.server._slots._value == 0, 5, message="slots not taken")
        extra = half_open(embedded.base, b"")
        extra.settimeout(5)
        assert extra.recv(100).startswith(b"HTTP/1.1 503")
        extra.close()
    finally:
        for sock in slow:
            sock.close()
    # the slots come back: a normal login works again
    wait_until(lambda: embedded.server._slots._value == LIMITS["max_connections"], 10)
    assert login_cookie(embedded.base, "guard1", PASSWORD)


def test_many_half_open_connections_do_not_starve_a_login(serve):
    _served, base = serve("web", [], web={"header_timeout_s": 30})
    slow = [half_open(base) for _ in range(300)]
    try:
        assert "session=" in login_cookie(base, "satpam", PASSWORD)
    finally:
        for sock in slow:
            sock.close()


def fake_app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    seen = (environ["REMOTE_ADDR"], environ["wsgi.url_scheme"], environ.get("HTTP_X_FORWARDED_FOR"))
    return [repr(seen).encode()]


def call(app, remote: str) -> str:
    environ = {
        "REMOTE_ADDR": remote,
        "wsgi.url_scheme": "http",
        "HTTP_X_FORWARDED_FOR": "203.0.113.9",
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_HOST": "tamu.lan",
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
    }
    return b"".join(app(environ, lambda *_args: None)).decode()


def test_forwarded_headers_count_only_from_trusted_proxies():
    import ipaddress

    app = TrustedProxies(fake_app, [ipaddress.ip_network("10.0.0.0/24")])
    assert call(app, "10.0.0.7") == repr(("203.0.113.9", "https", "203.0.113.9"))
    assert call(app, "192.0.2.1") == repr(("192.0.2.1", "http", None))
    assert call(TrustedProxies(fake_app, []), "10.0.0.7") == repr(("10.0.0.7", "http", None))


def test_a_connection_cap_beyond_the_open_files_limit_is_refused():
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        pytest.skip("no hard open-files limit here")
    with pytest.raises(click.ClickException, match=rf"web\.max_connections: {hard} connections"):
        ensure_open_files(hard)


def login_ips(tmp_path) -> list[str]:
    """The client addresses the audit log recorded for logins."""
    from storage.db import make_engine, make_session_factory
    from storage.models import AuditLog

    engine = make_engine(f"sqlite:///{tmp_path / 'tamu.db'}")
    with make_session_factory(engine)() as db:
        rows = db.query(AuditLog).filter_by(action="login").order_by(AuditLog.id).all()
        ips = [json.loads(row.detail)["ip"] for row in rows]
    engine.dispose()
    return ips


def login_via_proxy(base: str) -> None:
    """Log in with the headers a proxy would add."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    # as a browser on https://host/ sends it (Flask-WTF checks the referrer over HTTPS)
    referer = base.replace("http://", "https://") + "/login"
    opener.addheaders = [
        ("X-Forwarded-For", "203.0.113.9"),
        ("X-Forwarded-Proto", "https"),
        ("Referer", referer),
    ]
    html = opener.open(f"{base}/login", timeout=5).read().decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    form = urllib.parse.urlencode({"username": "satpam", "password": PASSWORD, "csrf_token": token})
    opener.open(f"{base}/login", data=form.encode(), timeout=5).close()


@pytest.mark.parametrize(("trusted", "seen"), [([], "127.0.0.1"), (["127.0.0.0/8"], "203.0.113.9")])
def test_gunicorn_believes_forwarded_headers_only_from_trusted_proxies(
    serve, tmp_path, trusted, seen
):
    _served, base = serve("web", [], web={"trusted_proxies": trusted})
    login_via_proxy(base)
    assert login_ips(tmp_path) == [seen]


def test_gunicorn_settings_follow_the_web_config(write_config):
    from tamu.server import gunicorn_settings

    config, _path = write_config(
        {"web": {"header_timeout_s": 2.5, "max_connections": 50, "trusted_proxies": ["10.0.0.1"]}}
    )
    settings = gunicorn_settings(config, "::1", 8443)
    assert settings["bind"] == ["[::1]:8443"]
    assert settings["workers"] == 1  # Flask-SocketIO: one process per instance
    assert settings["worker_class"] == "tamu.server.TamuGeventWorker"
    assert settings["keepalive"] == 3 and settings["worker_connections"] == 50
    assert settings["forwarded_allow_ips"] == "10.0.0.1"
    assert settings["control_socket_disable"] is True
