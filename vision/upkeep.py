"""The capture worker's own chores: a heartbeat every few seconds, retention when it is due."""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from core.config import Config
from storage import heartbeats
from storage.db import transaction
from storage.media import open_media_store
from storage.retention import run_scheduled
from storage.types import utcnow

log = logging.getLogger(__name__)
HEARTBEAT_S = 5.0
# How often the worker asks whether retention is due (one cheap UPDATE); the lease decides.
RETENTION_CHECK_S = 60.0
# Rows of workers silent this long are removed (a killed worker never removes its own).
FORGET_AFTER = timedelta(days=1)


def worker_id() -> str:
    """This worker's id: host and process, unique across the hosts sharing a database."""
    return f"{socket.gethostname()}:{os.getpid()}"


class WorkerUpkeep:
    """Writes the worker's heartbeat and applies retention on schedule, each on its thread."""

    def __init__(
        self,
        config: Config,
        sessions: sessionmaker[Session],
        cameras: list[str],
        *,
        heartbeat_s: float = HEARTBEAT_S,
        retention_check_s: float = RETENTION_CHECK_S,
    ) -> None:
        self.config = config
        self.sessions = sessions
        self.cameras = cameras
        self.heartbeat_s = heartbeat_s
        self.retention_check_s = retention_check_s
        self.worker = worker_id()
        self.threads: list[threading.Thread] = []

    def start(self, stop: Any) -> None:
        """Start the heartbeat and retention threads; they end when `stop` is set."""
        for name, target in (("heartbeat", self._beat_loop), ("retention", self._retain_loop)):
            thread = threading.Thread(target=target, args=(stop,), name=name, daemon=True)
            thread.start()
            self.threads.append(thread)

    def join(self, timeout: float) -> None:
        """Wait for the threads (the heartbeat's last act removes this worker's row)."""
        for thread in self.threads:
            thread.join(timeout)

    def beat(self) -> None:
        """Write one heartbeat; a database error is logged, and the next beat tries again."""
        try:
            with transaction(self.sessions) as session:
                now = utcnow()
                heartbeats.beat(session, self.worker, socket.gethostname(), os.getpid(),
                                self.cameras, now)  # fmt: skip
                heartbeats.prune(session, FORGET_AFTER, now)
        except Exception as exc:
            log.warning("could not write the worker heartbeat: %s", exc)

    def retain(self) -> None:
        """Apply retention if due and no other process is at it; errors are logged."""
        try:
            report = run_scheduled(
                self.sessions,
                open_media_store(self.config.storage, self.sessions.kw.get("bind")),
                self.config.privacy,
                self.config.retention,
                self.worker,
            )
        except Exception:
            log.exception("scheduled retention failed; retried after the interval")
            return
        if report is not None:
            log.info("scheduled retention done: %s", report.counts())

    def _beat_loop(self, stop: Any) -> None:
        while True:
            self.beat()
            if stop.wait(self.heartbeat_s):
                break
        try:
            with transaction(self.sessions) as session:
                heartbeats.forget(session, self.worker)
        except Exception as exc:
            log.warning("could not remove the worker heartbeat: %s", exc)

    def _retain_loop(self, stop: Any) -> None:
        while not stop.is_set():
            self.retain()
            if stop.wait(self.retention_check_s):
                break
