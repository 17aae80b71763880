"""The admin's calibration page shows the newest report and its histogram image."""

import re

import numpy as np
from PIL import Image

from core.config import RecognitionConfig
from storage.calibration import CalibrationInputs, EnrolledFace, save_report
from storage.db import transaction
from tests.support.web import csrf_token
from vision.calibration import analyse


def unit(seed):
    v = np.random.default_rng(seed).normal(size=128)
    return (v / np.linalg.norm(v)).astype(np.float32)


def stored_report(env):
    base = unit(1) * 0.5
    faces = [
        EnrolledFace(1, base, "photo", None),
        EnrolledFace(2, base + 0.3 * unit(2), "photo", None),  # Ani's look-alike sister
        EnrolledFace(3, base + 0.9 * unit(3), "photo", None),
    ]
    names = {1: "Ani", 2: "Adik Ani", 3: "Budi"}
    inputs = CalibrationInputs(names, faces, [base + 0.7 * unit(4)], [])
    report = analyse(inputs, RecognitionConfig())
    with transaction(env.sessions) as db:
        save_report(db, report)


def test_the_admin_sees_the_report_with_look_alikes_and_a_histogram(env, tmp_path):
    client = env.client("admin")
    empty = client.get("/admin/kalibrasi/").get_data(as_text=True)
    assert 'data-testid="calibration-empty"' in empty
    assert client.get("/admin/kalibrasi/histogram.png").status_code == 404
    stored_report(env)
    page = client.get("/admin/kalibrasi/").get_data(as_text=True)
    assert "Ani ↔ Adik Ani" in page and 'data-testid="lookalike"' in page
    assert 'data-testid="calibration-histogram"' in page and 'data-testid="replay"' in page
    png = client.get("/admin/kalibrasi/histogram.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.headers["Cache-Control"] == "no-store"
    path = tmp_path / "h.png"
    path.write_bytes(png.data)
    with Image.open(path) as image:
        assert image.size[0] > 300


def test_others_may_not_see_calibration(env):
    stored_report(env)
    for role in ("bupati", "guard", "security"):
        assert env.client(role).get("/admin/kalibrasi/").status_code == 403


def test_the_advice_says_why_in_the_users_language(env):
    stored_report(env)
    client = env.client("admin")
    page = client.get("/admin/kalibrasi/").get_data(as_text=True)
    basis = re.search(r'data-testid="calibration-basis">([^<]*)<', page).group(1)
    assert basis == "sebaran tumpang tindih: dipilih agar orang asing tidak diberi nama"
    token = csrf_token(client, "/admin/kalibrasi/")
    client.post("/language", data={"lang": "en", "next": "/", "csrf_token": token})
    page = client.get("/admin/kalibrasi/").get_data(as_text=True)
    basis = re.search(r'data-testid="calibration-basis">([^<]*)<', page).group(1)
    assert basis == "distributions overlap: chosen so strangers are not named"


def test_a_report_from_before_the_codes_shows_its_own_reason(env):
    report = analyse(CalibrationInputs({}, [], [], []), RecognitionConfig())
    del report["recommendation"]["basis_code"]
    with transaction(env.sessions) as db:
        save_report(db, report)
    page = env.client("admin").get("/admin/kalibrasi/").get_data(as_text=True)
    assert 'data-testid="calibration-basis">not enough data yet<' in page
