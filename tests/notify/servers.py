"""Real local servers for the notification tests: Mosquitto, an HTTP recorder, an SMTP server."""

from __future__ import annotations

import email.parser
import email.policy
import json
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.conftest import port_open
from tests.support.serving import free_port
from tests.support.waiting import wait_until

MOSQUITTO = shutil.which("mosquitto") or (
    "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None
)


class Mosquitto:
    """A Mosquitto broker on a free loopback port, with its own config file."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        assert MOSQUITTO, "mosquitto is not installed"
        self.port = port or free_port()
        self.conf = workdir / f"mosquitto-{self.port}.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n",
            encoding="utf-8",
        )
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """mqtt://127.0.0.1:PORT."""
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> Mosquitto:
        """Start the broker and wait until it accepts connections."""
        self.proc = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        wait_until(
            lambda: port_open("127.0.0.1", self.port) or self.proc.poll() is not None,
            10,
            message="mosquitto did not start",
        )
        assert self.proc.poll() is None, self.proc.stderr.read().decode()  # type: ignore[union-attr]
        return self

    def stop(self) -> None:
        """Stop the broker."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@dataclass
class Request:
    """One request the HTTP recorder received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)

    def form(self) -> dict[str, Any]:
        """A multipart/form-data body as {field: text, or (filename, content type, bytes)}."""
        head = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode()
        parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + self.body)
        assert parsed.is_multipart(), self.headers["content-type"]
        out: dict[str, Any] = {}
        for part in parsed.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            filename = part.get_filename()
            out[name] = (
                (filename, part.get_content_type(), payload) if filename else payload.decode()
            )
        return out


@dataclass
class HttpRecorder:
    """An HTTP server on loopback that records requests and answers from a script.

    `answers` maps a path suffix to a list of (status, JSON body) used in turn (the last one
    repeats); anything else gets 200 {"ok": true}. `check` may refuse a request (returns an
    error text → 401).
    """

    answers: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    check: Any = None

    def start(self) -> HttpRecorder:
        """Serve on a free port in a thread."""
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                request = Request(
                    "POST",
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                status, body = recorder._answer(request)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        return self

    @property
    def base(self) -> str:
        """http://127.0.0.1:PORT."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def _answer(self, request: Request) -> tuple[int, Any]:
        refusal = self.check(request) if self.check else None
        self.requests.append(request)
        if refusal:
            return 401, {"ok": False, "description": refusal}
        for suffix, script in self.answers.items():
            if request.path.endswith(suffix):
                return script.pop(0) if len(script) > 1 else script[0]
        return 200, {"ok": True, "id": "media-1"}

    def to(self, suffix: str) -> list[Request]:
        """Requests whose path ends with `suffix`."""
        return [r for r in self.requests if r.path.endswith(suffix)]

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


class SmtpServer:
    """aiosmtpd on a free loopback port, keeping every message; may refuse the first ones."""

    def __init__(self, refuse: list[str] | None = None, refuse_rcpt: list[str] | None = None):
        from aiosmtpd.controller import Controller

        self.messages: list[Any] = []
        self.refuse = list(refuse or [])  # SMTP replies for the first DATA commands, in turn
        self.refuse_rcpt = list(refuse_rcpt or [])  # ... and for the first RCPT commands
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(
        self, _server: Any, _session: Any, envelope: Any, address: str, _options: Any
    ) -> str:
        """Accept the recipient, or refuse it while refusals are scripted."""
        if self.refuse_rcpt:
            return self.refuse_rcpt.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        """Keep the message, or refuse it while refusals are scripted."""
        if self.refuse:
            return self.refuse.pop(0)
        parsed = email.parser.BytesParser(policy=email.policy.default).parsebytes(envelope.content)
        self.messages.append(parsed)
        return "250 OK"

    def start(self) -> SmtpServer:
        """Start serving."""
        self.controller.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.controller.stop()
