"""`python -m bench`: build the 720p clips, run both methods, print one table."""

from __future__ import annotations

import os
import shutil
import sys
import time
import warnings
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.load import main as load_bench
from bench.report import Row, build_rows
from bench.scenes import GUESTS, SCENES, SECONDS, build_clips

OUT = Path(__file__).resolve().parent / "out"


def known_faces(faces_dir: Path) -> tuple[list, list[str]]:
    """Encodings and names of the enrolled guests (one photo each, not the clips' photos)."""
    import face_recognition

    known, names = [], []
    for name, photo in GUESTS:
        image = face_recognition.load_image_file(faces_dir / photo)
        known.append(face_recognition.face_encodings(image)[0])
        names.append(name)
    return known, names


def render(rows: list[Row], console: Console, seconds: float, load: str) -> None:
    """Print the table."""
    clips = ", ".join(s.name for s in SCENES)
    table = Table(
        title=f"Tamu bench: 1280x720 30 fps clips ({clips}; {SECONDS:g} s each)",
        caption=f"measured in one run of {seconds:.0f} s on this machine; load average {load}",
    )
    for column in ("Metric", "Target", "Naive loop (face_recognition example)", "Tamu pipeline"):
        table.add_column(column)
    table.add_column("Result", justify="center")
    for row in rows:
        table.add_row(row.metric, row.target, row.naive, row.pipeline, row.verdict)
    console.print(table)


def render_footage(outcomes, cpus: dict[str, float], console: Console) -> None:
    """Print the real-footage table."""
    from bench.footage import RUN_S, RUNS, median

    table = Table(
        title=(
            f"Real footage: obama_speech.mp4 over RTSP at real-time pace, {RUNS} runs of "
            f"{RUN_S:g} s per scenario; Obama, Biden, Kit Harington, Rose Leslie enrolled "
            "from one photo each"
        ),
        caption=(
            f"CPU-s per second of this video: pipeline {cpus['pipeline']:.3f}, face_recognition "
            f"every-frame loop {cpus['naive']:.3f} ({cpus['naive'] / cpus['pipeline']:.1f}x less)"
        ),
    )
    for column in ("Scenario", "Named Obama", "Wrong names", "Unknown faces per run",
                   "Time to name, median", "max"):  # fmt: skip
        table.add_column(column)
    for out in outcomes:
        table.add_row(
            out.scenario.name,
            out.recall,
            str(out.wrong_names),
            ", ".join(str(n) for n in out.unknown_faces),
            median(out.time_to_name),
            f"{max(out.time_to_name):.2f} s" if out.time_to_name else "–",
        )
    console.print(table)


def main() -> int:
    """Run the whole benchmark; 0 also when skipped for missing faces or ffmpeg."""
    from tests.conftest import find_faces_dir

    console = Console(width=150)
    load_bench()
    faces_dir = find_faces_dir()
    if faces_dir is None:
        console.print("bench skipped: test faces not found (set TAMU_FACES_DIR or ../shared/faces)")
        return 0
    if shutil.which("ffmpeg") is None:
        console.print("bench skipped: ffmpeg is not installed")
        return 0
    from bench.live import run_live
    from bench.matching import match_times
    from bench.naive import run_naive

    warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    console.print("building clips ...", style="dim")
    clips = build_clips(OUT, faces_dir)
    known, names = known_faces(faces_dir)
    console.print("1:N matching ...", style="dim")
    match = match_times()
    console.print("pipeline: two cameras at real-time pace ...", style="dim")
    live = run_live(clips, OUT, known, names)
    console.print("naive loop: every frame at full size ...", style="dim")
    naive = run_naive(clips, faces_dir, known, names)
    load = f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after"
    rows = build_rows(clips, naive, live, match)
    render(rows, console, time.perf_counter() - started, load)
    footage(console, faces_dir)
    return 0


def footage(console: Console, faces_dir: Path) -> None:
    """The real-footage section (skipped, with the reason, without the video or RTSP)."""
    from tests.support.env import find_video_dir

    videos = find_video_dir()
    if videos is None:
        console.print("real-footage bench skipped: ../shared/video not found (TAMU_VIDEO_DIR)")
        return
    from bench.footage import run_footage
    from bench.offsets import measure
    from bench.offsets import render as render_offsets

    console.print("real footage from each start frame ...", style="dim")
    render_offsets(measure(videos / "obama_speech.mp4", faces_dir), console)
    console.print("real footage over RTSP ...", style="dim")
    try:
        outcomes, cpus = run_footage(videos / "obama_speech.mp4", faces_dir)
    except RuntimeError as exc:
        console.print(f"real-footage bench skipped: {exc}")
        return
    render_footage(outcomes, cpus, console)


if __name__ == "__main__":
    sys.exit(main())
