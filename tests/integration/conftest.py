"""The real worker as a subprocess (`python -m tamu worker`), guests enrolled with the real CLI,
and read-only views of what it stored."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, sessionmaker

from core.config import Config
from storage.db import make_engine, make_session_factory
from storage.models import Arrival, Camera, Guest, UnknownFace
from tests.conftest import ROOT

TAMU = [sys.executable, "-m", "tamu"]
CLI_TIMEOUT_S = 120
# Enrolled in every worker test: (name, photo relative to faces_dir). The clips use *other*
# photos of the same people (tests.support.clips.OBAMA, BIDEN), as a real camera would.
GUESTS = (("Barack Obama", "obama/obama1.jpg"), ("Joe Biden", "biden/biden1.jpg"))
# The real-footage gallery the issue names: four people, each from one of their shared photos.
FOUR = (
    ("Barack Obama", "obama/obama1.jpg"),
    ("Joe Biden", "biden/biden1.jpg"),
    ("Kit Harington", "kit_harington/kit1.jpg"),
    ("Rose Leslie", "rose_leslie/rose1.jpg"),
)
# Small, quick-to-react settings; deadlines in the tests stay generous on 2 shared cores.
WORKER_SETTINGS: dict[str, Any] = {
    "capture": {
        "open_timeout_s": 5,
        "read_timeout_s": 2,
        "backoff_initial_s": 0.5,
        "backoff_max_s": 2,
    },
    "detection": {"fps": 4, "scale_width": 640, "upsample": 1, "min_face_px": 40},
    "tracking": {"track_lost_s": 2},
    "recognition": {"reload_interval_s": 1},
}


def run_tamu(config_path: Path, *args: str, timeout: float = CLI_TIMEOUT_S) -> str:
    """Run a `tamu` command on `config_path`; its stdout, or a failure showing stderr."""
    proc = subprocess.run(
        [*TAMU, "--config", str(config_path), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    if proc.returncode != 0:
        pytest.fail(f"tamu {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return proc.stdout


def enrol(config_path: Path, faces_dir: Path, name: str, photo: str) -> int:
    """Enrol one guest through `tamu guests add --json`; the new guest's id."""
    out = run_tamu(
        config_path, "guests", "add", "--json", "--name", name, "--photo", str(faces_dir / photo)
    )
    return int(json.loads(out)["id"])


@pytest.fixture(scope="session")
def enrolled_templates(
    tmp_path_factory: pytest.TempPathFactory, faces_dir: Path
) -> Callable[[tuple[tuple[str, str], ...]], Path]:
    """Folders holding tamu.db and media/ with a set of guests enrolled by the real CLI, each
    set built once per session."""
    built: dict[tuple[tuple[str, str], ...], Path] = {}

    def template(guests: tuple[tuple[str, str], ...]) -> Path:
        if guests not in built:
            folder = tmp_path_factory.mktemp("enrolled")
            config = folder / "config.yaml"
            config.write_text(
                f"storage:\n  database_url: sqlite:///{folder / 'tamu.db'}\n"
                f"  media_dir: {folder / 'media'}\n",
                encoding="utf-8",
            )
            run_tamu(config, "db", "upgrade")
            for name, photo in guests:
                enrol(config, faces_dir, name, photo)
            built[guests] = folder
        return built[guests]

    return template


class WorkerProcess:
    """`tamu worker` in its own process group; its log is kept for failure messages."""

    def __init__(self, config_path: Path, log_path: Path) -> None:
        self.config_path = config_path
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        """Start the worker (returns at once; poll the database for what it does)."""
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [*TAMU, "--config", str(self.config_path), "worker"],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                start_new_session=True,  # its camera processes share the group: cleanup kills all
            )
        return self

    def alive(self) -> bool:
        """True while the worker's main process runs."""
        return self.proc is not None and self.proc.poll() is None

    def terminate(self, timeout: float) -> int:
        """SIGTERM and wait; the exit code (fails the test when it does not exit in time)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"worker still running {timeout:g} s after SIGTERM\n{self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the worker's log."""
        if not self.log_path.exists():
            return "(no worker log)"
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]

    def cleanup(self) -> None:
        """Kill the whole process group if anything is left (after a failed test)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(10)
        with contextlib.suppress(ProcessLookupError):  # the group is gone: nothing left over
            os.killpg(self.proc.pid, signal.SIGKILL)
        if self.proc.poll() is None:
            self.proc.wait(5)


class Recorded:
    """Read-only queries on the worker's database (fresh session per call)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def arrivals(self) -> list[Arrival]:
        """Every arrival with its camera and guest, oldest first."""
        with self.sessions() as session:
            query = (
                select(Arrival)
                .options(joinedload(Arrival.camera), joinedload(Arrival.guest))
                .order_by(Arrival.id)
            )
            return list(session.scalars(query).unique())

    def arrivals_of(self, guest_name: str) -> list[Arrival]:
        """Arrivals recognised as `guest_name`."""
        return [a for a in self.arrivals() if a.guest is not None and a.guest.name == guest_name]

    def unknowns(self, status: str | None = None) -> list[UnknownFace]:
        """Unknown faces (optionally of one status), oldest first."""
        with self.sessions() as session:
            query = select(UnknownFace).order_by(UnknownFace.id)
            if status is not None:
                query = query.where(UnknownFace.status == status)
            return list(session.scalars(query))

    def camera(self, name: str) -> Camera | None:
        """The camera row called `name`."""
        with self.sessions() as session:
            return session.scalar(select(Camera).where(Camera.name == name))

    def camera_status(self, name: str) -> str | None:
        """The stored status of camera `name` (None before the worker created the row)."""
        row = self.camera(name)
        return row.status if row is not None else None

    def guest_id(self, name: str) -> int:
        """The id of the enrolled guest called `name`."""
        with self.sessions() as session:
            guest = session.scalar(select(Guest).where(Guest.name == name))
            assert guest is not None, f"guest {name!r} is not enrolled"
            return guest.id

    def summary(self) -> str:
        """What is stored, for failure messages."""
        arrivals = [
            (a.camera.name, a.guest.name if a.guest else None, a.status) for a in self.arrivals()
        ]
        with self.sessions() as session:
            cameras = [(c.name, c.status, c.error) for c in session.scalars(select(Camera))]
        unknowns = [(u.id, u.status) for u in self.unknowns()]
        return f"arrivals={arrivals} unknowns={unknowns} cameras={cameras}"


class WorkerSite:
    """One test's Tamu install: config, enrolled database, worker process, stored results."""

    def __init__(self, config: Config, config_path: Path, tmp_path: Path) -> None:
        self.config = config
        self.config_path = config_path
        self.media_dir = Path(config.storage.media_dir)
        self.engine = make_engine(config.storage.database_url)
        self.db = Recorded(make_session_factory(self.engine))
        self.worker = WorkerProcess(config_path, tmp_path / "worker.log")

    def tamu(self, *args: str) -> str:
        """Run another `tamu` command on this site's config."""
        return run_tamu(self.config_path, *args)

    def events_json(self) -> list[dict[str, Any]]:
        """`tamu events list --json`, parsed."""
        return json.loads(self.tamu("events", "list", "--json"))

    def failure(self, what: str) -> Callable[[], str]:
        """A wait_until message naming `what`, the stored state and the worker's log."""
        return lambda: f"{what}\n{self.db.summary()}\n--- worker log ---\n{self.worker.log_tail()}"

    def close(self) -> None:
        """Stop everything this site started."""
        self.worker.cleanup()
        self.engine.dispose()


@pytest.fixture
def worker_site(
    tmp_path: Path, write_config, enrolled_templates
) -> Iterator[Callable[..., WorkerSite]]:
    """Factory: `worker_site({"gate": ("gate", url), ...})` -> a WorkerSite with GUESTS enrolled
    (or `guests=` another set of (name, photo)).

    Cameras map name -> (role, url); extra config sections may be passed as keyword dicts.
    The worker is not started; call `site.worker.start()`.
    """
    sites: list[WorkerSite] = []

    def make(
        cameras: dict[str, tuple[str, str]],
        guests: tuple[tuple[str, str], ...] = GUESTS,
        **sections: dict[str, Any],
    ) -> WorkerSite:
        template = enrolled_templates(guests)
        for db_file in template.glob("tamu.db*"):  # with any -wal/-shm beside it
            shutil.copy2(db_file, tmp_path / db_file.name)
        shutil.copytree(template / "media", tmp_path / "media", dirs_exist_ok=True)
        cams = [{"name": n, "role": role, "url": url} for n, (role, url) in cameras.items()]
        settings = {**WORKER_SETTINGS, **sections}
        config, path = write_config({"cameras": cams, **settings})
        site = WorkerSite(config, path, tmp_path)
        sites.append(site)
        return site

    try:
        yield make
    finally:
        for site in sites:
            site.close()
