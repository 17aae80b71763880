"""End-to-end fixtures: a real `tamu run` watching a real RTSP camera, and headless Chromium."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from storage.db import make_engine, make_session_factory, transaction, upgrade
from storage.users import create_user
from tests.integration.conftest import WORKER_SETTINGS
from tests.support.serving import START_S, Served, answers, free_port
from tests.support.waiting import wait_until
from tests.support.web import FAST_SCRYPT, PASSWORD

# Everyone who uses the dashboard in the flow: username -> role.
USERS = {"satpam": "guard", "bupati": "bupati", "operator": "operator", "keamanan": "security"}


@dataclass
class Site:
    """A running `tamu run` and where to reach it."""

    served: Served
    base: str
    camera_url: str


def _descendants(pid: int) -> set[tuple[int, str]]:
    """(pid, start time) of every live descendant of `pid`, read from /proc."""
    children: dict[int, list[tuple[int, str]]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append((int(entry.name), fields[19]))
    found: set[tuple[int, str]] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child[0])
    return found


def _kill_leftovers(procs: set[tuple[int, str]]) -> None:
    """SIGKILL processes of `procs` still alive (same pid and start time: not a reused pid)."""
    for pid, started in procs:
        with contextlib.suppress(OSError, IndexError):
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            if stat[19] == started:
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def tamu_run(write_config) -> Iterator[Callable[[str], Site]]:
    """Factory: `tamu_run(rtsp_url)` starts `tamu run` (dashboard and worker) on a free port
    with a gate camera at `rtsp_url` and the USERS created; everything is stopped afterwards."""
    started: list[Served] = []

    def start(rtsp_url: str) -> Site:
        port = free_port()
        cameras = [{"name": "gate", "role": "gate", "url": rtsp_url}]
        config, path = write_config({"cameras": cameras, "web": {"port": port}, **WORKER_SETTINGS})
        upgrade(config.storage.database_url)
        engine = make_engine(config.storage.database_url)
        with transaction(make_session_factory(engine)) as db:
            for username, role in USERS.items():
                create_user(db, username, role, PASSWORD, hash_method=FAST_SCRYPT)
        engine.dispose()
        served = Served(["run"], path)
        started.append(served)
        base = f"http://127.0.0.1:{port}"
        wait_until(
            lambda: f"open {base}/login" in served.output and answers(base),
            START_S,
            message=lambda: f"`tamu run` did not come up:\n{served.output}",
        )
        return Site(served, base, rtsp_url)

    try:
        yield start
    finally:
        for served in started:
            family = _descendants(served.proc.pid)  # the worker and its camera processes
            with contextlib.suppress(Exception):
                served.stop()
            _kill_leftovers(family)
