"""Turns the measurements into the one benchmark table."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass

import numpy as np

from bench.live import LiveResult
from bench.naive import NaiveResult
from bench.scenes import SECONDS, Clip

CPU_RATIO_TARGET = 5.0
P95_TARGET_S = 1.0
MATCH_100K_TARGET_MS = 5.0


@dataclass(frozen=True)
class Row:
    """One line of the table."""

    metric: str
    target: str
    naive: str
    pipeline: str
    verdict: str = ""


def verdict(ok: bool) -> str:
    """PASS or FAIL."""
    return "PASS" if ok else "FAIL"


def latencies(live: LiveResult, clips: dict[str, Clip]) -> list[float]:
    """Seconds from each face's first wholly visible frame to its stored arrival's publication."""
    found = []
    for run in live.runs:
        for visit in clips[run.clip].visits:
            face_at = run.t0 + visit.first_frame / 30
            times = [t for t, name in run.arrived if name == visit.true_name and t >= face_at]
            if times:
                found.append(min(times) - face_at)
    return found


def pipeline_recall(live: LiveResult, naive: NaiveResult, clips: dict[str, Clip]):
    """(right visits, reference visits, false names) of the pipeline against the reference."""
    right = total = false = 0
    for (_round, _camera), (clip_name, stored) in live.stored.items():
        left = Counter(stored)
        visits = clips[clip_name].visits
        for visit in visits:
            if (clip_name, visit.photo) not in naive.names:
                continue
            total += 1
            reference = naive.names[(clip_name, visit.photo)]
            if left[reference] > 0:
                right += 1
                left[reference] -= 1
        truly = Counter(v.true_name for v in visits)
        false += sum(max(0, n - truly[name]) for name, n in stored.items() if name is not None)
    return right, total, false


def naive_false_names(naive: NaiveResult, clips: dict[str, Clip]) -> int:
    """Visits whose majority name in the naive loop is a guest they are not."""
    truth = {(c.name, v.photo): v.true_name for c in clips.values() for v in c.visits}
    return sum(1 for k, name in naive.names.items() if name is not None and name != truth[k])


def build_rows(
    clips: list[Clip], naive: NaiveResult, live: LiveResult, match: dict[int, tuple[float, float]]
) -> list[Row]:
    """Every row of the table, with targets and verdicts."""
    by_name = {c.name: c for c in clips}
    frames = sum(r.frames for r in live.runs)
    wall = sum(r.wall_s for r in live.runs)
    pipe_cpu = sum(r.cpu_s for r in live.runs) / (len(live.runs) * SECONDS)
    naive_cpu = naive.cpu_s / naive.video_s
    ratio = naive_cpu / pipe_cpu
    right, total, false = pipeline_recall(live, naive, by_name)
    recall = right / total if total else 0.0
    naive_false = naive_false_names(naive, by_name)
    lat = latencies(live, by_name)
    expected = sum(len(by_name[r.clip].visits) for r in live.runs)
    median = statistics.median(lat) if lat else float("nan")
    p95 = float(np.percentile(lat, 95)) if lat else float("nan")
    ours_100k, naive_100k = match[100_000]
    ours_1k, naive_1k = match[1_000]
    return [
        Row(
            "Analysed frames/s (per camera)",
            "-",
            f"{naive.frames / naive.wall_s:.1f} (offline, flat out)",
            f"{frames / wall:.1f} (of 30 fed)",
        ),
        Row(
            "CPU-s per s of 720p video",
            f"naive/pipeline >= {CPU_RATIO_TARGET:g}x",
            f"{naive_cpu:.2f}",
            f"{pipe_cpu:.3f}  ({ratio:.1f}x less)",
            verdict(ratio >= CPU_RATIO_TARGET and recall >= 1.0 and false <= naive_false),
        ),
        Row(
            "Identity recall vs full-res reference",
            ">= naive",
            f"1.00 (is the reference, {len(naive.names)} visits)",
            f"{recall:.2f} ({right}/{total} visits)",
            verdict(recall >= 1.0),
        ),
        Row("False names", "0", str(naive_false), str(false), verdict(false == 0)),
        Row(
            "Latency first frame -> stored arrival, median",
            "-",
            "-",
            f"{median:.2f} s ({len(lat)}/{expected} visits)",
        ),
        Row(
            "Latency p95, 720p, 2 cameras at 30 fps",
            f"<= {P95_TARGET_S:g} s",
            "-",
            f"{p95:.2f} s",
            verdict(p95 <= P95_TARGET_S and len(lat) == expected),
        ),
        Row("1:N match, 1,000 encodings", "-", f"{naive_1k:.2f} ms", f"{ours_1k:.3f} ms"),
        Row(
            "1:N match, 100,000 encodings",
            f"<= {MATCH_100K_TARGET_MS:g} ms",
            f"{naive_100k:.1f} ms",
            f"{ours_100k:.2f} ms",
            verdict(ours_100k <= MATCH_100K_TARGET_MS),
        ),
    ]
