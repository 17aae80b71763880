"""A demo camera for a first look: the shipped config's two RTSP URLs, streaming faces.

    make demo-camera        # in one terminal (needs ../shared/faces and `make system-deps`)
    make run                # in another: arrivals come in on the dashboard

Serves rtsp://127.0.0.1:8554/gate (Obama walking in, then a stranger) and
rtsp://127.0.0.1:8554/waiting (Obama in the waiting room), looping, from clips built out of
../shared/faces. With --enrol it first registers Obama (from another photo) as a guest, so one
face is recognised and the other stays "tamu tidak dikenal".
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from tests.support.clips import KIT, OBAMA, Actor, ClipCache, Scene
from tests.support.env import FACES_ENV, ROOT, find_faces_dir

SERVER = Path(__file__).with_name("rtsp_server.py")
GATE = Scene(
    "demo_gate",
    (
        Actor(OBAMA, enter_at=1.0, walk_s=3.0, leave_at=9.0),
        Actor(KIT, enter_at=11.0, walk_s=3.0, leave_at=19.0),
    ),
    21.0,
)
WAITING = Scene("demo_waiting", (Actor(OBAMA, enter_at=4.0, walk_s=2.0, leave_at=14.0),), 16.0)


def main(argv: list[str] | None = None) -> int:
    """Build the demo clips, optionally enrol Obama, then serve both cameras until Ctrl-C."""
    parser = argparse.ArgumentParser(description="Tamu demo RTSP camera on 127.0.0.1")
    parser.add_argument("--port", type=int, default=8554)
    parser.add_argument("--enrol", action="store_true", help="register Obama as a guest first")
    parser.add_argument("--config", default=os.environ.get("TAMU_CONFIG", "config.yaml"))
    args = parser.parse_args(argv)
    faces = find_faces_dir()
    if faces is None:
        sys.exit(f"demo camera: no test faces found; set {FACES_ENV} or put shared/faces beside")
    cache = ClipCache(ROOT / "data" / "demo", faces)
    gate, waiting = cache.get(GATE), cache.get(WAITING)
    if args.enrol:
        enrol(args.config, faces)
    print(f"demo camera: rtsp://127.0.0.1:{args.port}/gate and /waiting (Ctrl-C stops)")
    command = ["/usr/bin/python3", str(SERVER), "--port", str(args.port)]
    command += ["--path", f"/gate={gate}", "--path", f"/waiting={waiting}"]
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:
        return 0


def enrol(config: str, faces: Path) -> None:
    """Register Obama from a photo the clips do not use (skipped when already enrolled)."""
    tamu = [sys.executable, "-m", "tamu", "--config", config, "guests"]
    listed = subprocess.run([*tamu, "list"], capture_output=True, text=True, check=True).stdout
    if "Barack Obama" in listed:
        return
    photo = faces / "obama" / "obama1.jpg"
    add = [*tamu, "add", "--name", "Barack Obama", "--category", "pemerintah", "--photo", photo]
    subprocess.run([str(part) for part in add], check=True)


if __name__ == "__main__":
    sys.exit(main())
