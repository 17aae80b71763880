"""`tamu calibrate` names a look-alike pair in a gallery built to have one."""

import json

from PIL import Image


def enrol(tamu, faces_dir, name, rel):
    return tamu.json("guests", "add", "--json", "--name", name, "--photo", str(faces_dir / rel))


def test_calibrate_names_the_look_alikes_and_recommends(tamu, faces_dir, tmp_path):
    enrol(tamu, faces_dir, "Barack Obama", "obama/obama1.jpg")
    enrol(tamu, faces_dir, "Kembaran Obama", "obama/obama2.jpg")  # the same man: a look-alike
    enrol(tamu, faces_dir, "Joe Biden", "biden/biden1.jpg")
    enrol(tamu, faces_dir, "Kit Harington", "kit_harington/kit1.jpg")
    picture = tmp_path / "histogram.png"
    out = tamu.ok("calibrate", "--histogram", str(picture)).stdout
    assert "look-alikes" in out
    lookalike_lines = out.split("look-alikes")[1].split("each guest")[0]
    assert "Barack Obama  ↔  Kembaran Obama" in lookalike_lines
    assert "Joe Biden" not in lookalike_lines
    assert "recommended: tolerance" in out
    with Image.open(picture) as image:
        assert image.format == "PNG" and image.width > 300
    report = json.loads(tamu.ok("calibrate", "--json").stdout)
    assert [(p["a_name"], p["b_name"]) for p in report["lookalikes"]] == [
        ("Barack Obama", "Kembaran Obama")
    ]
    assert report["between_guests"][0]["distance"] < 0.4


def test_calibrate_on_an_empty_site_says_there_is_nothing_yet(tamu):
    out = tamu.ok("calibrate").stdout
    assert "gallery: 0 guests" in out and "not enough data yet" in out
