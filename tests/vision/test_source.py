import threading
import time

import numpy as np
import pytest

from core.config import CaptureConfig
from core.metrics import CameraCounts, Count
from tests.support.waiting import wait_until
from vision.source import (
    OFFLINE,
    ONLINE,
    RECONNECTING,
    FeedSource,
    RtspSource,
    SourceStatus,
    open_capture,
    redact_url,
    retry_wait,
)

FAST = CaptureConfig(
    open_timeout_s=1, read_timeout_s=0.2, backoff_initial_s=0.05, backoff_max_s=0.2
)


class FakeCapture:
    """A camera: `frames` good reads, then a failure (or a stall) — paced by an Event."""

    def __init__(self, frames: int, *, opened: bool = True, stall_s: float = 0.0) -> None:
        self.frames, self.opened, self.stall_s = frames, opened, stall_s
        self.grabs = 0
        self.retrieves = 0
        self.released = threading.Event()
        self._pace = threading.Event()

    def isOpened(self) -> bool:
        return self.opened

    def grab(self) -> bool:
        self._pace.wait(0.002)
        self.grabs += 1
        if self.grabs > self.frames:
            if self.stall_s:
                self._pace.wait(self.stall_s)  # a hung camera: read() still says True
                return True
            return False
        return True

    def retrieve(self):
        self.retrieves += 1
        return True, np.full((4, 4, 3), self.grabs % 256, np.uint8)

    def release(self) -> None:
        self.released.set()


class Opener:
    """Hands out prepared captures and remembers when each open happened."""

    def __init__(self, captures: list[FakeCapture], then: FakeCapture | None = None) -> None:
        self.captures = captures
        self.then = then or FakeCapture(0, opened=False)
        self.opened_at: list[float] = []

    def __call__(self, url: str, cfg: CaptureConfig) -> FakeCapture:
        self.opened_at.append(time.monotonic())
        return self.captures.pop(0) if self.captures else self.then


@pytest.fixture
def statuses():
    seen: list[SourceStatus] = []
    return seen


def start(opener: Opener, statuses: list, **kw) -> RtspSource:
    source = RtspSource("gate", "rtsp://x", FAST, on_status=statuses.append, opener=opener, **kw)
    source.start()
    return source


def states(statuses: list[SourceStatus]) -> list[str]:
    return [s.state for s in statuses]


def test_keeps_only_the_newest_frame(statuses):
    camera = FakeCapture(10_000)
    source = start(Opener([camera]), statuses)
    try:
        first = wait_until(lambda: source.next_frame(0, 0.1), 5)
        wait_until(lambda: camera.grabs > first.seq + 50, 5)
        newest = source.next_frame(first.seq, 1)
        assert newest is not None and newest.seq > first.seq + 50  # skipped, not queued
        assert source.status().state == ONLINE
        assert source.status().fps > 0
    finally:
        source.stop()


def test_max_fps_skips_colour_conversion_of_unneeded_frames(statuses):
    camera = FakeCapture(10_000)
    source = start(Opener([camera]), statuses, max_fps=5)
    try:
        wait_until(lambda: camera.grabs > 200, 10)
        assert camera.retrieves < camera.grabs / 5
    finally:
        source.stop()


def test_a_failed_read_reconnects_and_comes_back_online(statuses):
    opener = Opener([FakeCapture(5), FakeCapture(10_000)])
    source = start(opener, statuses)
    try:
        wait_until(lambda: states(statuses)[-3:] == [ONLINE, RECONNECTING, ONLINE], 5)
        assert len(opener.opened_at) == 2
        assert statuses[1].error == "read failed"
    finally:
        source.stop()


def test_read_faults_and_reconnects_are_counted_for_the_metrics(statuses):
    counts = CameraCounts()
    opener = Opener([FakeCapture(5), FakeCapture(3), FakeCapture(10_000)])
    source = start(opener, statuses, counts=counts)
    try:
        wait_until(lambda: len(opener.opened_at) == 3 and states(statuses)[-1] == ONLINE, 5)
    finally:
        source.stop()
    taken = counts.take()
    assert taken[(Count.READ_FAULTS, "")] == 2
    assert taken[(Count.RECONNECTS, "")] == 2


def test_a_slow_read_is_a_fault_even_when_it_returns_true(statuses):
    stalled = FakeCapture(5, stall_s=0.3)  # longer than read_timeout_s=0.2
    opener = Opener([stalled, FakeCapture(10_000)])
    source = start(opener, statuses)
    try:
        wait_until(lambda: RECONNECTING in states(statuses), 5)
        reconnecting = statuses[states(statuses).index(RECONNECTING)]
        assert reconnecting.error is not None and reconnecting.error.startswith("read took")
        assert stalled.released.is_set()
        wait_until(lambda: states(statuses)[-1] == ONLINE and len(opener.opened_at) == 2, 5)
    finally:
        source.stop()


def test_unreachable_camera_is_offline_and_retried_with_growing_backoff(statuses):
    opener = Opener([])
    source = start(opener, statuses)
    try:
        wait_until(lambda: len(opener.opened_at) >= 6, 5)
        assert states(statuses) == [OFFLINE]
        assert statuses[0].error == "cannot open stream"
        gaps = np.diff(opener.opened_at)
        assert gaps[0] < gaps[2]  # 0.05 → 0.1 → 0.2 …
        assert max(gaps) < 0.2 + 0.15  # … capped at backoff_max_s
    finally:
        source.stop()


@pytest.mark.parametrize(
    ("backoff", "attempt_s", "got_frames", "expected"),
    [
        (3.0, 0.1, False, 2.9),  # a refused connect: the back-off, less the attempt
        (3.0, 5.0, False, 0.0),  # an open that timed out already waited: try again at once
        (3.0, 5.0, True, 3.0),  # a session that read frames and broke: the full back-off
    ],
)
def test_retry_wait_counts_a_failed_attempt_as_waiting(backoff, attempt_s, got_frames, expected):
    assert retry_wait(backoff, attempt_s, got_frames) == pytest.approx(expected)


class SlowOpener(Opener):
    """Every open fails after `open_s` (a camera host that does not answer)."""

    def __init__(self, open_s: float) -> None:
        super().__init__([])
        self.open_s = open_s

    def __call__(self, url: str, cfg: CaptureConfig) -> FakeCapture:
        capture = super().__call__(url, cfg)
        time.sleep(self.open_s)
        return capture


def test_slow_failing_opens_are_retried_without_a_back_off_on_top(statuses):
    opener = SlowOpener(0.3)  # longer than FAST's backoff_max_s (0.2)
    source = start(opener, statuses)
    try:
        wait_until(lambda: len(opener.opened_at) >= 5, 5)
        gaps = np.diff(opener.opened_at)
        assert max(gaps[2:]) < 0.3 + 0.1, gaps  # not 0.3 + 0.2 of back-off
    finally:
        source.stop()


def test_stop_returns_promptly_and_releases_the_camera(statuses):
    camera = FakeCapture(10_000_000)
    source = start(Opener([camera]), statuses)
    wait_until(lambda: camera.grabs > 5, 5)
    started = time.monotonic()
    source.stop()
    assert time.monotonic() - started < 1.0
    assert camera.released.is_set()


def test_open_capture_of_a_closed_loopback_port_fails_fast():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connection refused
        started = time.monotonic()
        cap = open_capture(f"rtsp://127.0.0.1:{port}/gate", FAST)
        assert not cap.isOpened()
        cap.release()
    assert time.monotonic() - started < 3


def test_redact_url_hides_the_password_only():
    assert redact_url("rtsp://admin:s3cret@10.0.0.5:554/ch1") == "rtsp://admin:***@10.0.0.5:554/ch1"
    assert redact_url("rtsp://127.0.0.1:8554/gate") == "rtsp://127.0.0.1:8554/gate"


def test_feed_source_hands_out_the_newest_fed_frame():
    source = FeedSource("gate")
    assert source.next_frame(0, 0.01) is None
    source.feed(np.zeros((2, 2, 3), np.uint8), at=1.0)
    second = source.feed(np.ones((2, 2, 3), np.uint8), at=2.0)
    assert source.next_frame(0, 0.01) == second
    assert source.status().state == ONLINE
