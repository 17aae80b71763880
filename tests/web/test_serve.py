"""`tamu web` and `tamu run` as real processes on loopback: serve, push live, stop cleanly."""

from __future__ import annotations

import re

import pytest
import simple_websocket

from tests.support.serving import START_S, SocketIOClient, login_cookie
from tests.support.waiting import wait_until
from tests.support.web import PASSWORD


def test_tamu_web_serves_refuses_anonymous_sockets_and_stops_on_sigterm(serve):
    served, base = serve("web", [], users=())
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
    guard = SocketIOClient(base, login_cookie(base, "satpam", PASSWORD))
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
    # a page on another site cannot ride the guard's cookie (cross-site WebSocket hijacking)
    with pytest.raises(simple_websocket.ConnectionError):
        SocketIOClient(base, login_cookie(base, "satpam", PASSWORD), origin="http://evil.example")
    assert served.stop() == 0
    assert re.search(r"capture worker stopped \(exit code 0\)", served.output), served.output
