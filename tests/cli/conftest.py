"""Run the real `tamu` CLI in-process against a config in tmp_path."""

from __future__ import annotations

import cv2
import pytest
from PIL import Image

from tests.support.cli import Tamu


@pytest.fixture
def tamu(write_config) -> Tamu:
    config, path = write_config({"cameras": [{"name": "gate", "role": "gate", "url": "x"}]})
    return Tamu(path, config)


@pytest.fixture
def bad_photos(tmp_path, faces_dir):
    """Photos `guests add` and `watchlist add` refuse, with the reason each gets."""
    text = tmp_path / "notes.jpg"
    text.write_text("this is not a photo")
    big = cv2.imread(str(faces_dir / "obama" / "obama1.jpg"))
    tiny = tmp_path / "tiny.jpg"
    cv2.imwrite(str(tiny), cv2.resize(big, None, fx=1 / 8, fy=1 / 8, interpolation=cv2.INTER_AREA))
    blank = tmp_path / "wall.png"
    Image.new("RGB", (400, 300), (200, 190, 180)).save(blank)
    return {
        "no face": (blank, "no face found"),
        "two people": (faces_dir / "edge" / "two_people.jpg", "several faces (2 found)"),
        "text file": (text, "unreadable / not an image"),
        "missing": (tmp_path / "missing.jpg", "file not found"),
        "tiny face": (tiny, "face too small"),
    }
