"""Real storage faults for tests: a tiny tmpfs that fills up, or one mounted read-only.

Mounting needs root (CI and this machine run as root); elsewhere the fixtures skip and say why,
and the tests that use them also run with a patched writer that raises the same OSError.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _mount(target: Path, options: str) -> str | None:
    """Mount a tmpfs at `target`; the reason it could not be, or None."""
    if os.geteuid() != 0:
        return "mounting a tmpfs needs root"
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)],
        capture_output=True,
        text=True,
        timeout=10,
    )
    return None if done.returncode == 0 else f"cannot mount a tmpfs: {done.stderr.strip()}"


@contextlib.contextmanager
def tmpfs(target: Path, options: str) -> Iterator[Path]:
    """A tmpfs mounted at `target` for the duration (skips the test when it cannot be)."""
    target.mkdir(parents=True, exist_ok=True)
    reason = _mount(target, options)
    if reason:
        pytest.skip(reason)
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], capture_output=True, timeout=10)


def fill(folder: Path) -> None:
    """Write into `folder` until the disk is full."""
    chunk = b"\0" * 4096
    with contextlib.suppress(OSError), open(folder / "filler.bin", "wb") as out:
        while True:
            out.write(chunk)
            out.flush()
