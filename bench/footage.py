"""Real footage: ../shared/video/obama_speech.mp4 served by a real RTSP camera on 127.0.0.1 at
real-time pace and read by the worker's own camera loop, with Obama, Biden, Kit Harington and
Rose Leslie enrolled from one shared photo each. Also the same recording made harder (smaller,
blurred, darker) and with Obama not enrolled. Each scenario runs several times on a fresh
database; every number in the README's recognition table comes from here.
"""

from __future__ import annotations

import logging
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from core.config import Config, parse_config
from core.sinks import CollectingSink
from storage.arrivals import list_arrivals
from storage.db import make_engine, make_session_factory, transaction, upgrade
from storage.guests import add_sample, create_guest
from storage.models import UnknownFace
from tests.support.clips import transcode
from tests.support.rtsp import RtspCamera, rtsp_unavailable_reason
from vision.encode import FaceEncoder
from vision.photos import StillFaceFinder
from vision.worker import run_camera, sync_camera_rows

log = logging.getLogger(__name__)
OBAMA = "Barack Obama"
FOUR = (
    (OBAMA, "obama/obama1.jpg"),
    ("Joe Biden", "biden/biden1.jpg"),
    ("Kit Harington", "kit_harington/kit1.jpg"),
    ("Rose Leslie", "rose_leslie/rose1.jpg"),
)
RUN_S = 12.0  # three passes of the 4 s recording
RUNS = 3


@dataclass(frozen=True)
class Scenario:
    """One way of showing the recording: an ffmpeg filter, and who is enrolled."""

    name: str
    vf: str | None = None
    enrolled: bool = True


SCENARIOS = (
    Scenario("as recorded (844x614, face ~170 px)"),
    Scenario("half size (face ~85 px)", "scale=422:308"),
    Scenario("third size (face ~57 px)", "scale=282:206"),
    Scenario("blurred (gaussian sigma 2)", "gblur=sigma=2"),
    Scenario("darker (brightness -0.25)", "eq=brightness=-0.25"),
    Scenario("as recorded, Obama NOT enrolled", enrolled=False),
)


@dataclass
class Outcome:
    """What the runs of one scenario gave."""

    scenario: Scenario
    runs: int = 0
    named: int = 0
    wrong_names: int = 0
    unknown_faces: list[int] = field(default_factory=list)
    time_to_name: list[float] = field(default_factory=list)
    cpu_s: float = 0.0
    video_s: float = 0.0

    @property
    def recall(self) -> str:
        """Runs that named him, when he is enrolled."""
        return f"{self.named}/{self.runs}" if self.scenario.enrolled else "–"


def enrol(config: Config, faces_dir: Path, finder: StillFaceFinder, guests) -> None:
    """The gallery, enrolled in-process from the shared photos."""
    sessions = make_session_factory(make_engine(config.storage.database_url))
    with transaction(sessions) as session:
        for name, photo in guests:
            face = finder.single_face(faces_dir / photo)
            add_sample(session, create_guest(session, name=name), face.encoding, None)


def one_run(clip: Path, folder: Path, faces_dir: Path, finder, scenario: Scenario, out: Outcome):
    """Serve the clip, run the worker's camera loop for RUN_S, count what it stored."""
    config = parse_config(
        {
            "cameras": [{"name": "gate", "role": "gate", "url": "rtsp://127.0.0.1:1/gate"}],
            "storage": {
                "database_url": f"sqlite:///{folder / 'tamu.db'}",
                "media_dir": str(folder / "media"),
            },
        }
    )
    upgrade(config.storage.database_url)
    guests = FOUR if scenario.enrolled else tuple(g for g in FOUR if g[0] != OBAMA)
    enrol(config, faces_dir, finder, guests)
    camera = RtspCamera({"/gate": clip}, log_dir=folder).start()
    try:
        config = config.model_copy(
            update={"cameras": [config.cameras[0].model_copy(update={"url": camera.url})]}
        )
        sync_camera_rows(config)
        stop = threading.Event()
        sink = CollectingSink()
        worker = threading.Thread(target=run_camera, args=(config, "gate", sink, stop))
        t0 = time.monotonic()
        worker.start()
        stop.wait(RUN_S)
        stop.set()
        worker.join(30)
        out.video_s += time.monotonic() - t0
    finally:
        camera.stop()
    _count(config, out)


def _count(config: Config, out: Outcome) -> None:
    sessions = make_session_factory(make_engine(config.storage.database_url))
    with sessions() as session:
        arrivals = list_arrivals(session)
        names = [a.guest.name if a.guest else None for a in arrivals]
        out.unknown_faces.append(len(session.query(UnknownFace).all()))
        for arrival in arrivals:
            his = arrival.guest is not None and arrival.guest.name == OBAMA
            if his and arrival.recorded_at is not None:
                seconds = (arrival.recorded_at - arrival.first_seen).total_seconds()
                out.time_to_name.append(seconds)
    out.runs += 1
    out.named += OBAMA in names
    out.wrong_names += sum(1 for n in names if n is not None and n != OBAMA)


def cpu_of_worker(clip: Path, folder: Path, faces_dir: Path, finder) -> tuple[float, float]:
    """CPU-seconds per second of video of the worker's process (decoding included)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF)
    out = Outcome(SCENARIOS[0])
    one_run(clip, folder, faces_dir, finder, SCENARIOS[0], out)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, out.video_s


def naive_cpu(video: Path, known) -> tuple[float, float]:
    """face_recognition's own loop over every frame at full size: CPU-s per second of video."""
    import face_recognition

    capture = cv2.VideoCapture(str(video))
    fps = capture.get(cv2.CAP_PROP_FPS) or 15.0
    frames = 0
    cpu0 = time.process_time()
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        for encoding in face_recognition.face_encodings(rgb, face_recognition.face_locations(rgb)):
            face_recognition.compare_faces(known, encoding, 0.6)
        frames += 1
    return time.process_time() - cpu0, frames / fps


def run_footage(video: Path, faces_dir: Path) -> tuple[list[Outcome], dict[str, float]]:
    """Every scenario RUNS times, and the CPU comparison on the recording as it is."""
    reason = rtsp_unavailable_reason()
    if reason:
        raise RuntimeError(f"real-footage bench needs the RTSP test server: {reason}")
    finder = StillFaceFinder(FaceEncoder())
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="tamu-footage-") as tmp:
        root = Path(tmp)
        for index, scenario in enumerate(SCENARIOS):
            clip = transcode(video, root / f"clip{index}.ts", vf=scenario.vf)
            out = Outcome(scenario)
            for run in range(RUNS):
                one_run(clip, _fresh(root, index, run), faces_dir, finder, scenario, out)
            outcomes.append(out)
        cpu, seconds = cpu_of_worker(root / "clip0.ts", _fresh(root, 99, 0), faces_dir, finder)
    known = [finder.single_face(faces_dir / p).encoding.astype("float64") for _, p in FOUR]
    naive, naive_s = naive_cpu(video, known)
    cpus = {"pipeline": cpu / seconds, "naive": naive / naive_s}
    return outcomes, cpus


def _fresh(root: Path, index: int, run: int) -> Path:
    folder = root / f"s{index}-r{run}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def median(values: list[float]) -> str:
    """A median in seconds, or a dash."""
    return f"{statistics.median(values):.2f} s" if values else "–"
