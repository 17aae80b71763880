import shutil

import cv2
import pytest
from PIL import Image


def photo(faces_dir, rel):
    return str(faces_dir / rel)


def test_add_says_what_it_did_and_lists_the_guest(tamu, faces_dir):
    result = tamu.ok(
        "guests", "add", "--name", "Barack Obama", "--category", "pemerintah",
        "--institution", "USA", "--phone", "+1 202", "--notes", "former president",
        "--photo", photo(faces_dir, "obama/obama1.jpg"),
        "--photo", photo(faces_dir, "obama/obama2.jpg"),
    )  # fmt: skip
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Terdaftar: Barack Obama (id ") and lines[0].endswith("), 2 foto")
    guest_id = int(lines[0].split("(id ")[1].split(")")[0])
    assert "obama1.jpg: wajah 254 px" in result.stdout and "PERINGATAN" not in result.stdout
    listed = tamu.json("guests", "list", "--json")
    assert [(g["id"], g["name"], g["category"], g["samples"]) for g in listed] == [
        (guest_id, "Barack Obama", "pemerintah", 2)
    ]
    assert listed[0]["institution"] == "USA" and listed[0]["notes"] == "former president"
    stored = tamu.media_files()
    assert len(stored) == 2 and cv2.imread(str(stored[0])) is not None
    assert "Barack Obama" in tamu.ok("guests", "list").stdout


def test_32bit_png_works(tamu, faces_dir):
    tamu.ok("guests", "add", "--name", "Obama PNG", "--photo", photo(faces_dir, "edge/32bit.png"))
    assert tamu.json("guests", "list", "--json")[0]["samples"] == 1


@pytest.mark.parametrize("case", ["no face", "two people", "text file", "missing", "tiny face"])
def test_a_bad_photo_names_file_and_reason_and_writes_nothing(tamu, faces_dir, bad_photos, case):
    bad, reason = bad_photos[case]
    result = tamu(
        "guests", "add", "--name", "Somebody",
        "--photo", photo(faces_dir, "obama/obama1.jpg"), "--photo", str(bad),
    )  # fmt: skip
    assert result.exit_code != 0
    assert f"{bad}: {reason}" in result.stderr
    assert "obama1.jpg" not in result.stderr  # the good photo is not blamed
    assert tamu.json("guests", "list", "--json") == []
    assert tamu.media_files() == []


def test_every_bad_photo_is_reported_at_once(tamu, bad_photos):
    args = []
    for bad, _ in bad_photos.values():
        args += ["--photo", str(bad)]
    result = tamu("guests", "add", "--name", "Somebody", *args)
    assert result.exit_code != 0
    for bad, reason in bad_photos.values():
        assert f"{bad}: {reason}" in result.stderr


def test_bad_fields_write_nothing(tamu, faces_dir):
    result = tamu("guests", "add", "--name", "  ", "--photo", photo(faces_dir, "obama/obama1.jpg"))
    assert result.exit_code != 0 and "name must not be empty" in result.stderr
    result = tamu(
        "guests", "add", "--name", "X", "--category", "vip",
        "--photo", photo(faces_dir, "obama/obama1.jpg"),
    )  # fmt: skip
    assert result.exit_code == 2
    assert tamu.json("guests", "list", "--json") == []
    assert tamu.media_files() == []


def test_a_failure_after_the_photos_are_written_leaves_no_photo(tamu, faces_dir, monkeypatch):
    import storage.guests

    real_add_sample = storage.guests.add_sample
    calls = []

    def add_sample_then_fail(session, guest, encoding, photo_path, *info):
        calls.append(photo_path)
        if len(calls) == 2:
            raise OSError("disk vanished between the photos and the commit")
        return real_add_sample(session, guest, encoding, photo_path, *info)

    monkeypatch.setattr(storage.guests, "add_sample", add_sample_then_fail)
    result = tamu(
        "guests", "add", "--name", "Barack Obama",
        "--photo", photo(faces_dir, "obama/obama1.jpg"),
        "--photo", photo(faces_dir, "obama/obama2.jpg"),
    )  # fmt: skip
    assert result.exit_code != 0
    assert len(calls) == 2 and all(c.startswith("faces/") for c in calls)
    monkeypatch.undo()
    assert tamu.json("guests", "list", "--json") == []
    assert tamu.media_files() == []


def test_remove_deletes_samples_and_photos(tamu, faces_dir):
    keep = tamu.json("guests", "add", "--json", "--name", "Joe Biden", "--photo",
                     photo(faces_dir, "biden/biden1.jpg"))["id"]  # fmt: skip
    gone = str(tamu.json("guests", "add", "--json", "--name", "Kit", "--photo",
                         photo(faces_dir, "kit_harington/kit1.jpg"))["id"])  # fmt: skip
    assert len(tamu.media_files()) == 2
    erased = tamu.ok("guests", "remove", gone)
    assert f"Dihapus: tamu {gone} — 1 foto, 1 encoding" in erased.stdout
    assert "0 baris buku tamu (anonymise)" in erased.stdout
    assert [g["name"] for g in tamu.json("guests", "list", "--json")] == ["Joe Biden"]
    assert len(tamu.media_files()) == 1
    result = tamu("guests", "remove", "9999")
    assert result.exit_code != 0 and "no guest with id 9999" in result.stderr
    assert keep


def test_identify_two_people_and_a_stranger(tamu, faces_dir):
    tamu.ok("guests", "add", "--name", "Barack Obama",
            "--photo", photo(faces_dir, "obama/obama1.jpg"),
            "--photo", photo(faces_dir, "obama/obama2.jpg"))  # fmt: skip
    tamu.ok("guests", "add", "--name", "Joe Biden", "--photo", photo(faces_dir, "biden/biden1.jpg"))
    faces = tamu.json("guests", "identify", photo(faces_dir, "edge/two_people.jpg"), "--json")
    assert len(faces) == 2
    left, right = sorted(faces, key=lambda f: f["box"][3])
    assert (left["guest"], right["guest"]) == ("Barack Obama", "Joe Biden")
    for face in faces:
        top, right_x, bottom, left_x = face["box"]
        assert bottom > top and right_x > left_x
        assert 0 <= face["distance"] <= 0.5
    stranger = tamu.json("guests", "identify", photo(faces_dir, "kit_harington/kit1.jpg"), "--json")
    assert len(stranger) == 1 and stranger[0]["guest"] is None
    assert stranger[0]["distance"] > 0.5


def test_identify_with_nobody_enrolled_and_without_faces(tamu, faces_dir, tmp_path):
    faces = tamu.json("guests", "identify", photo(faces_dir, "obama/obama3.jpg"), "--json")
    assert [(f["guest"], f["distance"]) for f in faces] == [(None, None)]
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 90).save(blank)
    assert tamu.json("guests", "identify", str(blank), "--json") == []
    bad = tamu("guests", "identify", str(tmp_path / "none.jpg"), "--json")
    assert bad.exit_code != 0 and "file not found" in bad.stderr


def test_import_one_folder_per_person_with_a_summary(tamu, faces_dir, tmp_path):
    root = tmp_path / "people"
    for person, files in {
        "Barack Obama": ["obama/obama1.jpg", "edge/two_people.jpg"],
        "Joe Biden": ["biden/biden1.jpg", "biden/biden2.jpg"],
        "Nobody": ["edge/two_people.jpg"],
    }.items():
        (root / person).mkdir(parents=True)
        for rel in files:
            shutil.copy(faces_dir / rel, root / person / rel.split("/")[-1])
    (root / "Joe Biden" / "readme.txt").write_text("hello")
    result = tamu.ok("guests", "import", str(root))
    out = result.stdout
    assert "imported 2 guests with 3 photos" in out
    assert "skipped guest Nobody: no usable photo" in out
    assert "two_people.jpg: several faces (2 found)" in out
    assert "readme.txt: unreadable / not an image" in out
    listed = {g["name"]: g["samples"] for g in tamu.json("guests", "list", "--json")}
    assert listed == {"Barack Obama": 1, "Joe Biden": 2}
    again = tamu.ok("guests", "import", str(root)).stdout
    assert "imported 0 guests" in again and "already exists" in again
    assert len(tamu.json("guests", "list", "--json")) == 2


def portrait_152(faces_dir, tmp_path, rel: str, shrink: float = 0.2):
    """A 152x208 px passport-style photo cropped so tight the face fills it (real enrolment
    photos like this were refused: "no face found")."""
    image = cv2.imread(str(faces_dir / rel))
    from vision.detect import HogFaceDetector

    (box,) = HogFaceDetector(scale_width=800).detect(image)
    dx = int(box.width * shrink)
    width = box.width - 2 * dx
    height = int(width * 208 / 152)
    cy = (box.top + box.bottom) // 2 + int(0.1 * box.height)
    crop = image[max(0, cy - height // 2) : cy + height // 2, box.left + dx : box.right - dx]
    path = tmp_path / "portrait.jpg"
    cv2.imwrite(str(path), cv2.resize(crop, (152, 208), interpolation=cv2.INTER_AREA))
    return path


def test_a_small_tight_portrait_is_enrolled_with_its_quality_and_matches(tamu, faces_dir, tmp_path):
    path = portrait_152(faces_dir, tmp_path, "biden/biden1.jpg")
    added = tamu.json("guests", "add", "--json", "--name", "Joe Biden", "--photo", str(path))
    (report,) = added["photos"]
    assert report["face_px"] >= 40 and 0 < report["score"] <= 1
    assert set(report["warnings"]) <= {"small_face", "cut_off", "upscaled", "blurred"}
    assert report["warnings"], "a weak photo is enrolled with a warning, not silently"
    faces = tamu.json("guests", "identify", photo(faces_dir, "biden/biden2.jpg"), "--json")
    assert [f["guest"] for f in faces] == ["Joe Biden"]


def test_a_face_cut_by_the_edge_is_completed_and_enrolled_with_a_warning(tamu, faces_dir):
    result = tamu.ok(
        "guests", "add", "--name", "Barack Obama",
        "--photo", photo(faces_dir, "edge/obama_partial_face.jpg"),
    )  # fmt: skip
    assert "PERINGATAN: wajah terpotong tepi foto" in result.stdout
    faces = tamu.json("guests", "identify", photo(faces_dir, "obama/obama3.jpg"), "--json")
    assert [f["guest"] for f in faces] == ["Barack Obama"]


def test_enrolling_a_face_already_enrolled_under_another_id_warns(tamu, faces_dir):
    first = tamu.json("guests", "add", "--json", "--name", "Barack Obama",
                      "--photo", photo(faces_dir, "obama/obama1.jpg"))  # fmt: skip
    again = tamu.ok("guests", "add", "--name", "B. Obama",
                    "--photo", photo(faces_dir, "obama/obama2.jpg"))  # fmt: skip
    assert f"sudah terdaftar sebagai #{first['id']} Barack Obama" in again.stdout
    other = tamu.json("guests", "add", "--json", "--name", "Joe Biden",
                      "--photo", photo(faces_dir, "biden/biden1.jpg"))  # fmt: skip
    assert other["similar"] == []
