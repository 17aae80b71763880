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
    blank = tmp_path / "blank.jpg"
    cv2.imwrite(str(blank), np.full((300, 300, 3), 128, np.uint8))
    with pytest.raises(PhotoError, match="no face found"):
        finder.single_face(blank)
    big = cv2.imread(str(faces_dir / "obama" / "obama1.jpg"))
    tiny = tmp_path / "tiny.jpg"
    cv2.imwrite(str(tiny), cv2.resize(big, None, fx=1 / 8, fy=1 / 8, interpolation=cv2.INTER_AREA))
    with pytest.raises(PhotoError, match=r"face too small \(\d+ px < 40 px minimum\)"):
        finder.single_face(tiny)


def test_a_good_photo_gives_box_and_encoding(tmp_path, faces_dir, finder):
    path = tmp_path / "copy.jpg"
    shutil.copy(faces_dir / "obama" / "obama1.jpg", path)
    face = finder.single_face(path)
    assert face.encoding.shape == (128,)
    assert face.box.width >= 60


@pytest.mark.parametrize("name", ["obama_partial_face.jpg", "obama_partial_face2.jpg"])
def test_a_face_cut_by_the_edge_is_completed_with_a_border(faces_dir, finder, encodings, name):
    face = finder.single_face(faces_dir / "edge" / name)
    assert "cut_off" in face.report.warnings
    assert np.linalg.norm(face.encoding - encodings["obama1"]) < 0.35
    height, width = face.image.shape[:2]
    assert 0 <= face.box.left < face.box.right <= width and face.box.bottom <= height


def test_a_small_photo_is_searched_enlarged_and_bordered(tmp_path, faces_dir, finder, encodings):
    image = cv2.imread(str(faces_dir / "rose_leslie" / "rose1.jpg"))
    box = finder.single_face(faces_dir / "rose_leslie" / "rose1.jpg").box
    dx, dy = int(box.width * 0.15), int(box.height * 0.15)
    tight = image[box.top + dy : box.bottom - dy, box.left + dx : box.right - dx]
    path = tmp_path / "tight.jpg"
    cv2.imwrite(str(path), cv2.resize(tight, (152, 152), interpolation=cv2.INTER_AREA))
    face = finder.single_face(path)
    assert face.report.warnings and face.report.quality.face_px >= 100
    assert np.linalg.norm(face.encoding - encodings["rose1"]) < 0.45
    assert np.linalg.norm(face.encoding - encodings["obama1"]) > 0.7


def test_a_good_photo_has_a_clean_quality_report(faces_dir, finder):
    face = finder.single_face(faces_dir / "obama" / "obama1.jpg")
    assert face.report.warnings == () and face.report.quality.score > 0.9
    assert face.report.as_dict()["face_px"] == min(face.box.width, face.box.height)
