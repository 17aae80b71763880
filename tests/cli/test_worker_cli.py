import signal
import subprocess
import sys

import pytest
from sqlalchemy import select

from storage.db import make_engine, make_session_factory
from storage.models import Camera
from tests.support.env import ROOT
from tests.support.waiting import wait_until


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_worker_migrates_logs_each_camera_and_stops_on_signal(write_config, tmp_path, sig):
    url = "rtsp://admin:s3cret@127.0.0.1:9/gate"
    config, path = write_config(
        {
            "cameras": [
                {"name": "gate", "role": "gate", "url": url},
                {"name": "lobby", "role": "waiting_room", "url": "rtsp://127.0.0.1:9/lobby"},
            ],
            "capture": {"open_timeout_s": 1, "backoff_initial_s": 0.2, "backoff_max_s": 1},
        }
    )
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tamu", "--config", str(path), "worker"],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until(lambda: log.read_text().count("is offline") >= 2, 60,
                       message=lambda: log.read_text())  # fmt: skip
            proc.send_signal(sig)
            code = proc.wait(timeout=15)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    text = log.read_text()
    assert code == 0, text
    assert "starting camera gate (gate) at rtsp://admin:***@127.0.0.1:9/gate" in text
    assert "starting camera lobby (waiting_room)" in text
    assert "s3cret" not in text
    assert "worker stopped" in text
    engine = make_engine(config.storage.database_url)
    with make_session_factory(engine)() as s:
        cameras = {c.name: c.status for c in s.scalars(select(Camera))}
    engine.dispose()
    assert cameras == {"gate": "offline", "lobby": "offline"}
