"""Prometheus metrics at /metrics, built from storage at each scrape.

The capture workers run as processes of their own, possibly on other hosts, so their numbers
reach the dashboard through the database: camera state, fps and newest frame in the camera rows
(refreshed every few seconds), counters and the recognition-latency histogram in
`metric_counters` (each camera process adds its increments). One scrape of any dashboard
process therefore sees every camera. Open without a login from `metrics.allow`.
"""

from __future__ import annotations

import ipaddress
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

from flask import Blueprint, Response, abort, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from core.metrics import LATENCY_BUCKETS, Count, bucket_label
from core.vocab import CameraStatus
from storage.cameras import list_cameras
from storage.metrics import counter_totals, failed_notifications
from storage.types import utcnow
from web.extensions import SessionFactory, state

bp = Blueprint("metrics", __name__)

COUNTERS = {
    Count.FRAMES_ANALYSED: "Frames analysed (detection run)",
    Count.ENCODINGS: "Face encodings computed",
    Count.RECONNECTS: "Times the camera stream was opened again",
    Count.READ_FAULTS: "Failed or stalled frame reads",
    Count.ARRIVALS: "Arrivals recorded (guests and strangers)",
    Count.UNKNOWN_FACES: "Unknown faces recorded",
}
LATENCY = "recognition_latency_seconds"
# This dashboard process's own measurement (each web process is scraped on its own).
EVENT_LAG = Histogram(
    "tamu_event_delivery_lag_seconds",
    "Published (worker or web) to received from the message queue by this dashboard",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0),
    registry=None,
)
LAG_MAX_S = 86_400.0  # a stamp further off is a broken clock or a forged message


def observe_delivery(sent_at: object) -> None:
    """Note how late a message from the queue arrived (ignores a missing or absurd stamp)."""
    if isinstance(sent_at, bool) or not isinstance(sent_at, int | float):
        return
    lag = time.time() - float(sent_at)
    if -1.0 <= lag <= LAG_MAX_S:  # a little clock skew between hosts reads as 0
        EVENT_LAG.observe(max(0.0, lag))


def from_allowed_network() -> bool:
    """Whether the caller's address is in `metrics.allow` (after the trusted proxies)."""
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in net for net in state().config.metrics.networks())


class StorageCollector(Collector):
    """Reads the camera rows, the counter totals and the failed notifications at each scrape."""

    def __init__(self, sessions: SessionFactory, cameras: list[str]) -> None:
        self.sessions = sessions
        self.cameras = cameras  # the configured ones: their series exist from the start

    def collect(self) -> Iterator[Metric]:
        """Every metric family, from one read of the database."""
        with self.sessions() as db:
            cameras = [(c.name, c.status, c.fps, c.last_frame_at) for c in list_cameras(db)]
            totals = [(t.camera, t.name, t.le, t.value) for t in counter_totals(db)]
            failed = failed_notifications(db)
        yield from _camera_families(cameras, utcnow())
        yield from _counter_families(totals, self.cameras)
        notes = CounterMetricFamily(
            "tamu_notification_failures", "Notification deliveries that failed", labels=["channel"]
        )
        for channel, count in sorted(failed.items()):
            notes.add_metric([channel], count)
        yield notes


def _camera_families(
    cameras: list[tuple[str, str, float, datetime | None]], now: datetime
) -> Iterator[Metric]:
    fps = GaugeMetricFamily("tamu_camera_fps", "Frames per second read", labels=["camera"])
    age = GaugeMetricFamily(
        "tamu_camera_frame_age_seconds", "Age of the newest frame read", labels=["camera"]
    )
    up = GaugeMetricFamily("tamu_camera_online", "1 when the camera is online", labels=["camera"])
    for name, status, rate, last in cameras:
        fps.add_metric([name], float(rate or 0.0))
        up.add_metric([name], 1.0 if status == CameraStatus.ONLINE else 0.0)
        if last is not None:
            age.add_metric([name], max(0.0, (now - last).total_seconds()))
    yield from (fps, age, up)


def _counter_families(
    totals: list[tuple[str, str, str, float]], configured: list[str]
) -> Iterator[Metric]:
    values: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(configured, 0.0))
    buckets: dict[str, dict[str, float]] = {
        camera: {bucket_label(b): 0.0 for b in LATENCY_BUCKETS} for camera in configured
    }
    for camera, name, le, value in totals:
        if name == Count.LATENCY_BUCKET:
            buckets.setdefault(camera, {})[le] = value
        else:
            values[name][camera] = value
    for count, help_text in COUNTERS.items():
        family = CounterMetricFamily(f"tamu_{count.value}", help_text, labels=["camera"])
        for camera, value in sorted(values[count.value].items()):
            family.add_metric([camera], value)
        yield family
    latency = HistogramMetricFamily(
        f"tamu_{LATENCY}", "Face first seen to arrival stored", labels=["camera"]
    )
    for camera, found in sorted(buckets.items()):
        ordered = sorted(found.items(), key=lambda item: float(item[0]))
        total = values[Count.LATENCY_SUM.value].get(camera, 0.0)
        latency.add_metric([camera], ordered, total)
    yield latency


@bp.get("/metrics")
def metrics() -> Response:
    """The Prometheus text exposition of every metric."""
    if not state().config.metrics.enabled:
        abort(404)
    registry = CollectorRegistry(auto_describe=False)
    cameras = [camera.name for camera in state().config.cameras]
    registry.register(StorageCollector(state().sessions, cameras))
    registry.register(EVENT_LAG)
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
