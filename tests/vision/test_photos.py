import shutil

import cv2
import numpy as np
import pytest
from PIL import Image

from vision.photos import PhotoError, load_photo


@pytest.fixture
def obama_rgb(faces_dir) -> Image.Image:
    return Image.open(faces_dir / "obama" / "obama2.jpg").convert("RGB")


def face_count(finder, path) -> int:
    return len(finder.faces(load_photo(path)))


def test_rgba_png_works(faces_dir, finder):
    image = load_photo(faces_dir / "edge" / "32bit.png")
    assert image.shape[2] == 3 and image.dtype == np.uint8
    assert len(finder.faces(image)) == 1


@pytest.mark.parametrize("mode", ["L", "P", "I;16", "LA"])
def test_other_image_modes_work(tmp_path, finder, obama_rgb, mode):
    if mode == "I;16":
        grey = np.asarray(obama_rgb.convert("L"), dtype=np.uint16) * 257
        image = Image.fromarray(grey)
        assert image.mode.startswith("I;16")
        path = tmp_path / "face16.png"
    else:
        image = obama_rgb.convert(mode)
        path = tmp_path / f"face_{mode}.png"
    image.save(path)
    loaded = load_photo(path)
    assert loaded.ndim == 3 and loaded.dtype == np.uint8
    if mode == "I;16":
        assert loaded.max() > 200  # scaled down from 16 bits, not clipped to white
        assert loaded.mean() < 250
    assert len(finder.faces(loaded)) == 1


def test_exif_orientation_is_honoured(tmp_path, finder, obama_rgb):
    rotated = obama_rgb.rotate(90, expand=True)  # stored turned 90° anticlockwise …
    exif = Image.Exif()
    exif[0x0112] = 6  # … and tagged "turn 90° clockwise to view"
    path = tmp_path / "sideways.jpg"
    rotated.save(path, exif=exif)
    upright = load_photo(path)
    assert upright.shape[:2] == (obama_rgb.height, obama_rgb.width)
    assert len(finder.faces(upright)) == 1
    assert finder.faces(cv2.cvtColor(np.asarray(rotated), cv2.COLOR_RGB2BGR)) == []


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p.write_text("not a picture"), "unreadable / not an image"),
        (lambda p: p.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 20), "unreadable / not an image"),
        (lambda p: None, "file not found"),
        (lambda p: p.mkdir(), "not a file"),
    ],
)
def test_unusable_files_say_why(tmp_path, make, reason):
    path = tmp_path / "photo.jpg"
    make(path)
    with pytest.raises(PhotoError, match=reason):
        load_photo(path)


def test_single_face_reasons(tmp_path, faces_dir, finder):
    with pytest.raises(PhotoError, match=r"several faces \(2 found\)"):
        finder.single_face(faces_dir / "edge" / "two_people.jpg")
    with pytest.raises(PhotoError, match="cut off"):
        finder.single_face(faces_dir / "edge" / "obama_partial_face.jpg")
    blank = tmp_path / "blank.jpg"
    cv2.imwrite(str(blank), np.full((300, 300, 3), 128, np.uint8))
    with pytest.raises(PhotoError, match="no face found"):
        finder.single_face(blank)
    big = cv2.imread(str(faces_dir / "obama" / "obama1.jpg"))
    tiny = tmp_path / "tiny.jpg"
    cv2.imwrite(str(tiny), cv2.resize(big, None, fx=1 / 6, fy=1 / 6, interpolation=cv2.INTER_AREA))
    with pytest.raises(PhotoError, match=r"face too small \(\d+ px < 60 px minimum\)"):
        finder.single_face(tiny)


def test_a_good_photo_gives_box_and_encoding(tmp_path, faces_dir, finder):
    path = tmp_path / "copy.jpg"
    shutil.copy(faces_dir / "obama" / "obama1.jpg", path)
    face = finder.single_face(path)
    assert face.encoding.shape == (128,)
    assert face.box.width >= 60
