"""Pytest plugin: real RTSP cameras on 127.0.0.1 (GStreamer, one process per camera) and clips.

Fixtures:
- `clips` (session): a `ClipCache` building deterministic clips from `faces_dir`.
- `rtsp_camera` (function): a factory `rtsp_camera(clip, path="/gate", tcp_only=False)` that
  starts a server process and returns a started `RtspCamera` (`.url`, `.port`, `.kill()`,
  `.restart()`, `.pause()`, `.resume()`, `.stop()`); every camera is stopped after the test,
  whatever happened.
Both skip with a clear reason when GStreamer's RTSP server (system python3-gi) or ffmpeg is absent.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path

import pytest

from tests.support.clips import ClipCache

# The interpreter with python3-gi (Debian package); override for other layouts.
SYSTEM_PYTHON = os.environ.get("TAMU_RTSP_PYTHON", "/usr/bin/python3")
SERVER_SCRIPT = Path(__file__).with_name("rtsp_server.py")
HOST = "127.0.0.1"
READY_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 5.0
# Elements the copy-mode pipeline needs (plugins-good and plugins-bad).
ELEMENTS = ("multifilesrc", "tsdemux", "h264parse", "rtph264pay")
_PROBE = f"""
import gi
gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import Gst, GstRtspServer
Gst.init(None)
missing = [e for e in {ELEMENTS!r} if Gst.ElementFactory.find(e) is None]
print(" ".join(missing))
"""


class RtspServerError(RuntimeError):
    """The test RTSP server did not come up."""


@lru_cache(maxsize=1)
def rtsp_unavailable_reason() -> str | None:
    """Why the RTSP test server cannot run here, or None when it can."""
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return f"{SYSTEM_PYTHON} not found (the RTSP server needs Debian's python3-gi)"
    try:
        probe = subprocess.run(
            [SYSTEM_PYTHON, "-c", _PROBE], capture_output=True, text=True, timeout=30
        )
    except subprocess.TimeoutExpired:
        return "probing GStreamer timed out"
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["?"])[-1]
        return (
            f"{SYSTEM_PYTHON} cannot import gi GstRtspServer ({last}); "
            "install python3-gi gir1.2-gst-rtsp-server-1.0 (sudo make system-deps)"
        )
    if probe.stdout.strip():
        return (
            f"GStreamer elements missing: {probe.stdout.strip()} (install gstreamer1.0-plugins-*)"
        )
    if shutil.which("ffmpeg") is None:
        return "ffmpeg is not installed (needed to build the test clips)"
    return None


def require_rtsp() -> None:
    """Skip the calling test when the RTSP server or ffmpeg is missing."""
    reason = rtsp_unavailable_reason()
    if reason:
        pytest.skip(reason)


class RtspCamera:
    """One RTSP server process serving clips on 127.0.0.1; fault injection by signals."""

    def __init__(
        self, mounts: dict[str, Path], *, log_dir: Path, port: int = 0, tcp_only: bool = False
    ) -> None:
        if not mounts:
            raise ValueError("an RTSP camera needs at least one /path=clip mount")
        self.mounts = {path: Path(clip) for path, clip in mounts.items()}
        self.port = port
        self.tcp_only = tcp_only
        self.log_dir = log_dir
        self.proc: subprocess.Popen[str] | None = None
        self.paused = False
        self.starts = 0

    @property
    def url(self) -> str:
        """The URL of the first (usually only) mount."""
        return self.url_for(next(iter(self.mounts)))

    def url_for(self, path: str) -> str:
        """The URL of mount `path` (e.g. '/gate')."""
        if self.port == 0:
            raise RtspServerError("the camera has not been started yet")
        return f"rtsp://{HOST}:{self.port}{path}"

    @property
    def running(self) -> bool:
        """True while the server process is alive (even when paused)."""
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> RtspCamera:
        """Start the server and wait (bounded) for its READY line; learn the bound port."""
        if self.running:
            raise RtspServerError("already running")
        args = [SYSTEM_PYTHON, str(SERVER_SCRIPT), "--port", str(self.port), "--exit-with-stdin"]
        for path, clip in self.mounts.items():
            args += ["--path", f"{path}={clip}"]
        if self.tcp_only:
            args.append("--tcp-only")
        self.starts += 1
        log = self.log_path.open("w", encoding="utf-8")
        try:
            self.proc = subprocess.Popen(
                args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True
            )
        finally:
            log.close()
        self.paused = False
        self.port = self._await_ready()
        return self

    @property
    def log_path(self) -> Path:
        """This start's stderr log (GStreamer warnings land here)."""
        return self.log_dir / f"rtsp-{id(self):x}-{self.starts}.log"

    def _await_ready(self) -> int:
        assert self.proc is not None and self.proc.stdout is not None
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=_pump, args=(self.proc.stdout, lines), daemon=True).start()
        deadline = time.monotonic() + READY_TIMEOUT_S
        line: str | None = ""
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break  # the process closed stdout: it died
            if line.startswith("READY "):
                return int(line.split()[1])
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(0.5 if line is None else 0)  # closed stdout: it is exiting
        code = self.proc.poll()
        self.kill()
        tail = self.log_path.read_text(encoding="utf-8", errors="replace")[-1500:].strip()
        if code is not None:
            raise RtspServerError(f"RTSP server exited with code {code}: {tail}")
        raise RtspServerError(f"RTSP server did not print READY in {READY_TIMEOUT_S:g} s: {tail}")

    def kill(self) -> None:
        """SIGKILL the server (a camera losing power); no-op when not running."""
        if self.proc is None:
            return
        if self.running:
            self.resume()
            self.proc.kill()
        self._reap()

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), falling back to SIGKILL; always reaps the process."""
        if self.proc is None:
            return
        if self.running:
            self.resume()
            self.proc.terminate()
            try:
                self.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._reap()

    def _reap(self) -> None:
        assert self.proc is not None
        self.proc.wait(STOP_TIMEOUT_S)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        self.paused = False

    def restart(self, mounts: dict[str, Path] | None = None) -> RtspCamera:
        """Kill (if running) and start again on the same port, optionally with other clips."""
        self.kill()
        if mounts is not None:
            self.mounts = {path: Path(clip) for path, clip in mounts.items()}
        return self.start()

    def pause(self) -> None:
        """SIGSTOP: a hung camera whose TCP connections stay open."""
        if not self.running:
            raise RtspServerError("cannot pause a camera that is not running")
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        """SIGCONT after pause(); no-op when not paused."""
        if self.paused and self.running:
            assert self.proc is not None
            os.kill(self.proc.pid, signal.SIGCONT)
        self.paused = False


def _pump(stream, lines: queue.Queue[str | None]) -> None:
    """Copy a pipe's lines into a queue (None at EOF) so readers can wait with a deadline."""
    with contextlib.suppress(ValueError, OSError):
        for line in stream:
            lines.put(line.strip())
    lines.put(None)


@pytest.fixture(scope="session")
def clips(faces_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> ClipCache:
    """Clips built from the shared faces, each (scene, size, seconds, fps) once per session."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed (needed to build the test clips)")
    return ClipCache(tmp_path_factory.mktemp("clips"), faces_dir)


@pytest.fixture
def rtsp_camera(tmp_path: Path) -> Iterator[Callable[..., RtspCamera]]:
    """Factory starting RTSP cameras for this test; all are resumed and stopped afterwards."""
    require_rtsp()
    started: list[RtspCamera] = []

    def start(clip: Path, path: str = "/gate", *, tcp_only: bool = False) -> RtspCamera:
        camera = RtspCamera({path: clip}, log_dir=tmp_path, tcp_only=tcp_only)
        started.append(camera)
        return camera.start()

    try:
        yield start
    finally:
        for camera in started:
            camera.stop()
