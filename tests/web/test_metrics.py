"""/metrics: who may scrape, and the stored camera counters as Prometheus families."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from core.metrics import CameraCounts, Count
from storage.db import make_engine, make_session_factory, transaction
from storage.metrics import add_counts
from storage.models import Camera
from storage.types import utcnow
from tests.support.metrics import scrape, value

ELSEWHERE = {"REMOTE_ADDR": "10.9.8.7"}


def test_loopback_scrapes_without_login_and_others_need_an_admin(env):
    samples = scrape(env.app.test_client())
    # The configured cameras' series exist before any work was counted.
    assert value(samples, "tamu_arrivals_total", camera="gate") == 0
    assert value(samples, "tamu_recognition_latency_seconds_count", camera="gate") == 0
    anonymous = env.app.test_client().get("/metrics", environ_base=ELSEWHERE)
    assert anonymous.status_code in (302, 401)
    guard = env.client("guard").get("/metrics", environ_base=ELSEWHERE)
    assert guard.status_code == 403
    assert scrape(env.client("admin"), **ELSEWHERE)


def test_metrics_can_be_turned_off(make_env):
    env = make_env(metrics={"enabled": False})
    assert env.app.test_client().get("/metrics").status_code == 404


def test_a_bad_allow_entry_stops_the_config_naming_the_key(write_config):
    from core.config import ConfigError

    with pytest.raises(ConfigError, match=r"metrics\.allow"):
        write_config({"metrics": {"allow": ["not-a-network"]}})


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_worker_counts_add_up_across_flushes_and_export(make_env, request, backend):
    url = None if backend == "sqlite" else request.getfixturevalue("pg_url")
    env = make_env(url)
    counts = CameraCounts()
    for seconds in (0.3, 2.5, 40.0):
        counts.observe_latency(seconds)
    counts.add(Count.ARRIVALS, 3)
    counts.add(Count.FRAMES_ANALYSED, 10)
    with transaction(env.sessions) as db:
        add_counts(db, "gate", counts.take())
    counts.add(Count.FRAMES_ANALYSED, 5)
    counts.add(Count.READ_FAULTS)
    with transaction(env.sessions) as db:
        add_counts(db, "gate", counts.take())
        db.execute(
            update(Camera)
            .where(Camera.name == "gate")
            .values(status="online", fps=4.5, last_frame_at=utcnow() - timedelta(seconds=3))
        )
    samples = scrape(env.app.test_client())
    assert value(samples, "tamu_frames_analysed_total", camera="gate") == 15
    assert value(samples, "tamu_read_faults_total", camera="gate") == 1
    assert value(samples, "tamu_arrivals_total", camera="gate") == 3
    assert value(samples, "tamu_camera_fps", camera="gate") == 4.5
    assert value(samples, "tamu_camera_online", camera="gate") == 1
    assert 3 <= value(samples, "tamu_camera_frame_age_seconds", camera="gate") < 60
    bucket = lambda le: value(samples, "tamu_recognition_latency_seconds_bucket",  # noqa: E731
                              camera="gate", le=le)  # fmt: skip
    assert (bucket("0.5"), bucket("3.0"), bucket("30.0"), bucket("+Inf")) == (1, 2, 2, 3)
    assert value(samples, "tamu_recognition_latency_seconds_sum", camera="gate") == 42.8
    assert value(samples, "tamu_recognition_latency_seconds_count", camera="gate") == 3


def test_a_failed_flush_keeps_the_increments(env, tmp_path):
    from core.sinks import NullSink
    from vision.status import CameraStatusReporter

    broken = make_session_factory(make_engine(f"sqlite:///{tmp_path / 'missing' / 'x.db'}"))
    reporter = CameraStatusReporter(broken, NullSink(), "gate")
    reporter.counts.add(Count.ENCODINGS, 4)
    reporter.flush_counts()
    reporter.sessions = env.sessions
    reporter.flush_counts()
    assert value(scrape(env.app.test_client()), "tamu_encodings_total", camera="gate") == 4
