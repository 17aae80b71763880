"""/metrics after real work: the worker reads a clip over RTSP and records an arrival; the
dashboard's scrape (parsed by prometheus_client) shows the counts moving."""

from __future__ import annotations

import pytest

from tests.support import clips as scenes
from tests.support.metrics import scrape, value
from tests.support.waiting import wait_until
from web import create_app

pytestmark = pytest.mark.integration

# Worker start-up + RTSP open + walk + votes, then the next flush (every 10 s) of the counters.
DEADLINE_S = 90
STOP_DEADLINE_S = 15


def test_a_recorded_arrival_moves_the_metrics(rtsp_camera, clips, worker_site):
    gate = rtsp_camera(clips.get(scenes.WALK_IN))
    site = worker_site({"gate": ("gate", gate.url)})
    site.tamu("db", "upgrade")
    app = create_app(site.config, testing=True)
    before = scrape(app.test_client())
    assert value(before, "tamu_arrivals_total", camera="gate") == 0
    assert value(before, "tamu_frames_analysed_total", camera="gate") == 0
    site.worker.start()

    def counted():
        samples = scrape(app.test_client())
        return samples if value(samples, "tamu_arrivals_total", camera="gate") else None

    failure = site.failure("no arrival counted")
    during = wait_until(counted, DEADLINE_S, interval=1.0, message=failure)
    assert value(during, "tamu_arrivals_total", camera="gate") == len(site.db.arrivals())
    assert value(during, "tamu_frames_analysed_total", camera="gate") > 0
    assert value(during, "tamu_encodings_total", camera="gate") > 0
    assert value(during, "tamu_camera_fps", camera="gate") > 0
    assert value(during, "tamu_camera_frame_age_seconds", camera="gate") < 30
    latency_count = value(during, "tamu_recognition_latency_seconds_count", camera="gate")
    assert latency_count == value(during, "tamu_arrivals_total", camera="gate")
    assert value(during, "tamu_recognition_latency_seconds_sum", camera="gate") > 0

    assert site.worker.terminate(STOP_DEADLINE_S) == 0, site.worker.log_tail()
    after = scrape(app.test_client())  # the last increments are stored on the way out
    frames = "tamu_frames_analysed_total"
    assert value(after, frames, camera="gate") >= value(during, frames, camera="gate")
    app.extensions["tamu"].engine.dispose()
