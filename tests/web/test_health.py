"""Camera and worker health on the pages and live over Socket.IO (no browser: see test_browser)."""

from __future__ import annotations

import re

from tests.support.health import beat, report, stop_beating
from tests.support.waiting import wait_until
from web.extensions import socketio

DEADLINE_S = 8.0  # the web checks every 2 s


def tile(html: str, camera: str) -> str:
    """The guard page's tile of `camera`."""
    match = re.search(rf'<figure class="camera"[^>]*data-camera="{camera}".*?</figure>', html, re.S)
    assert match, f"no tile for {camera}"
    return match.group(0)


def test_without_a_worker_every_camera_is_offline_and_the_banner_shows(env):
    report(env.sessions, "gate", "online")  # what a worker said before it died
    html = env.client("guard").get("/guard/").get_data(as_text=True)
    banner = re.search(r'<p class="banner danger" id="worker-banner"[^>]*>', html).group(0)
    assert "hidden" not in banner
    assert "Worker tidak berjalan" in html
    gate = tile(html, "gate")
    assert 'data-status="offline"' in gate
    assert " src=" not in gate  # no frame is requested for an offline camera
    assert re.search(r'data-testid="camera-placeholder"[^>]*>', gate).group(0).count("hidden") == 0
    assert "Gerbang depan" in gate  # the label from the config


def test_a_running_worker_shows_online_and_stale_cameras(env):
    beat(env.sessions)
    report(env.sessions, "gate", "online")
    report(env.sessions, "waiting", "online", age_s=env.config.web.camera_stale_s + 5)
    html = env.client("guard").get("/guard/").get_data(as_text=True)
    assert re.search(r'id="worker-banner"[^>]*hidden', html)
    gate, waiting = tile(html, "gate"), tile(html, "waiting")
    assert 'src="/guard/cameras/gate/live.jpg"' in gate.replace("data-src", "")
    assert 'data-status="stale"' in waiting and "Tidak ada kabar" in waiting
    assert " src=" not in waiting
    bupati = env.client("bupati").get("/bupati/").get_data(as_text=True)
    assert "Gerbang depan" in bupati and re.search(r'id="worker-banner"[^>]*hidden', bupati)


def heard(client, name: str, **fields) -> bool:
    """Whether `client` has received a `name` event with these field values (consumes all)."""
    packets = [p for p in client.get_received() if p["name"] == name]
    return any(all(p["args"][0][k] == v for k, v in fields.items()) for p in packets)


def test_the_worker_stopping_and_coming_back_is_pushed_live(env):
    beat(env.sessions)
    report(env.sessions, "gate", "online")
    guard = socketio.test_client(env.app, flask_test_client=env.client("guard"))
    try:
        ack = guard.emit("camera_states", callback=True)
        assert ack["worker"]["alive"] is True
        assert {c["camera"]: c["status"] for c in ack["cameras"]}["gate"] == "online"
        stop_beating(env.sessions)
        wait_until(lambda: heard(guard, "worker_status", alive=False), DEADLINE_S)
        ack = guard.emit("camera_states", callback=True)
        assert {c["camera"]: c["status"] for c in ack["cameras"]} == {
            "gate": "offline",
            "waiting": "offline",
        }
        beat(env.sessions)
        report(env.sessions, "gate", "online")
        wait_until(lambda: heard(guard, "camera_status", camera="gate", status="online"), 8)
    finally:
        guard.disconnect()
