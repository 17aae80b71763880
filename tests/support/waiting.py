"""Polling with a deadline: the tests' replacement for blind sleeps."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T],
    timeout: float,
    interval: float = 0.1,
    message: str | Callable[[], str] = "condition not met",
) -> T:
    """Call `predicate` every `interval` s until it returns something truthy, and return that.

    Raises AssertionError naming `message` (a string, or a callable giving one, for details
    gathered at the time of failure) when `timeout` seconds pass first. The predicate is always
    tried at least once, and once more right at the deadline.
    """
    ticker = threading.Event()  # never set: wait() is an interruptible pause
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        left = deadline - time.monotonic()
        if left <= 0:
            text = message() if callable(message) else message
            raise AssertionError(f"timed out after {timeout:g} s: {text}")
        ticker.wait(min(interval, left))


def stays_true(predicate: Callable[[], object], duration: float, interval: float = 0.2) -> bool:
    """True when `predicate` holds at every check during `duration` seconds (False at once
    when it fails), for 'nothing more happens while X lasts' checks."""
    ticker = threading.Event()
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline:
        if not predicate():
            return False
        ticker.wait(interval)
    return bool(predicate())
