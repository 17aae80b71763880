"""The RTSP camera fixture itself: OpenCV reads it, and kill/restart/pause/resume act as faults."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import port_open
from tests.support.clips import EMPTY, ClipCache
from tests.support.rtsp import RtspServerError
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

OPEN_TIMEOUT_MS = 5000
READ_TIMEOUT_MS = 2000


@pytest.fixture
def clip(clips: ClipCache) -> Path:
    """A short clip of the empty scene."""
    return clips.get(EMPTY, seconds=4)


def open_capture(url: str, monkeypatch: pytest.MonkeyPatch, transport: str = "tcp"):
    """An OpenCV FFmpeg capture with bounded open and read timeouts."""
    monkeypatch.setenv("OPENCV_FFMPEG_CAPTURE_OPTIONS", f"rtsp_transport;{transport}")
    params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, OPEN_TIMEOUT_MS]
    params += [cv2.CAP_PROP_READ_TIMEOUT_MSEC, READ_TIMEOUT_MS]
    return cv2.VideoCapture(url, cv2.CAP_FFMPEG, params)


def read_frames(cap, count: int) -> list[np.ndarray]:
    """Read `count` frames, failing on the first read that returns nothing."""
    frames = []
    for _ in range(count):
        ok, frame = cap.read()
        assert ok, "read failed"
        frames.append(frame)
    return frames


def timed_read(cap) -> tuple[bool, float]:
    """(ok, seconds) of one read."""
    start = time.monotonic()
    ok, _frame = cap.read()
    return ok, time.monotonic() - start


def stalled_read(cap) -> tuple[bool, float] | None:
    """(ok, seconds) of one read when it failed or took over a second, else None."""
    ok, seconds = timed_read(cap)
    return (ok, seconds) if not ok or seconds > 1.0 else None


def udp_local_addresses(pid: int) -> set[str]:
    """Local IPv4 addresses of the UDP sockets process `pid` holds (from /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = str(fd.readlink()) if fd.is_symlink() else ""
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for line in Path("/proc/net/udp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[9] in inodes:
            raw = bytes.fromhex(fields[1].split(":")[0])[::-1]
            found.add(".".join(str(b) for b in raw))
    return found


def test_opencv_reads_frames_of_the_clip_size(rtsp_camera, clip, monkeypatch):
    camera = rtsp_camera(clip)
    assert camera.url == f"rtsp://127.0.0.1:{camera.port}/gate"
    cap = open_capture(camera.url, monkeypatch)
    try:
        assert cap.isOpened()
        frames = read_frames(cap, 10)
    finally:
        cap.release()
    assert {f.shape for f in frames} == {(360, 640, 3)}


def test_kill_stops_reads_and_restart_serves_again_on_the_same_port(rtsp_camera, clip, monkeypatch):
    camera = rtsp_camera(clip)
    port = camera.port
    cap = open_capture(camera.url, monkeypatch)
    try:
        read_frames(cap, 3)
        camera.kill()
        assert not camera.running
        wait_until(lambda: not cap.read()[0], 15, message="reads kept working after kill")
    finally:
        cap.release()
    assert not port_open("127.0.0.1", port)
    camera.restart()
    assert camera.port == port
    cap = open_capture(camera.url, monkeypatch)
    try:
        assert len(read_frames(cap, 3)) == 3
    finally:
        cap.release()


def test_paused_camera_makes_a_read_time_out_and_resume_brings_frames(
    rtsp_camera, clip, monkeypatch
):
    camera = rtsp_camera(clip)
    cap = open_capture(camera.url, monkeypatch)
    try:
        read_frames(cap, 3)
        camera.pause()
        # Buffered frames may still arrive quickly; then a read must stall and give up.
        slow = wait_until(
            lambda: stalled_read(cap),
            20,
            interval=0,
            message="reads never stalled while the camera was paused",
        )
        assert slow[1] < READ_TIMEOUT_MS / 1000 + 2.0, f"read blocked {slow[1]:.1f} s"
    finally:
        cap.release()
    camera.resume()
    cap = open_capture(camera.url, monkeypatch)
    try:
        assert len(read_frames(cap, 3)) == 3
    finally:
        cap.release()


def test_udp_transport_binds_loopback_only_and_tcp_only_refuses_it(rtsp_camera, clips, monkeypatch):
    clip = clips.get(EMPTY, seconds=4)
    camera = rtsp_camera(clip)
    cap = open_capture(camera.url, monkeypatch, transport="udp")
    try:
        read_frames(cap, 3)
        assert camera.proc is not None
        addresses = udp_local_addresses(camera.proc.pid)
    finally:
        cap.release()
    assert addresses == {"127.0.0.1"}
    tcp_camera = rtsp_camera(clip, "/waiting", tcp_only=True)
    assert tcp_camera.url.endswith("/waiting")
    cap = open_capture(tcp_camera.url, monkeypatch, transport="udp")
    try:
        assert not cap.isOpened() or not cap.read()[0]
    finally:
        cap.release()
    # The refused SETUP tears the shared media down; a client arriving meanwhile gets 503,
    # so retry like the worker's reconnect loop does.
    assert wait_until(
        lambda: tcp_reads(tcp_camera.url, monkeypatch, 3),
        timeout=20,
        message="TCP reader never got frames from the TCP-only camera",
    )


def tcp_reads(url: str, monkeypatch: pytest.MonkeyPatch, count: int) -> bool:
    """True when a fresh TCP capture of `url` reads `count` frames."""
    cap = open_capture(url, monkeypatch, transport="tcp")
    try:
        return cap.isOpened() and all(cap.read()[0] for _ in range(count))
    finally:
        cap.release()


def test_a_missing_clip_is_a_clear_start_error(rtsp_camera, tmp_path):
    with pytest.raises(RtspServerError, match=r"exited with code 2: (.|\n)*no such file"):
        rtsp_camera(tmp_path / "absent.ts")
