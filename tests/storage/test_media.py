import errno
from pathlib import Path

import numpy as np
import pytest

from storage.media import FileMediaStore, MediaError, is_temporary


def image():
    img = np.zeros((40, 60, 3), np.uint8)
    img[:, :30] = (0, 0, 255)
    return img


def test_saved_snapshot_is_a_readable_jpeg_with_unguessable_name(media: FileMediaStore):
    import cv2

    rel = media.save_jpeg(image(), "arrivals")
    path = media.resolve(rel)
    assert path.read_bytes()[:2] == b"\xff\xd8"
    assert cv2.imread(str(path)).shape == (40, 60, 3)
    other = media.save_jpeg(image(), "arrivals")
    assert rel != other
    assert len(path.stem) >= 32  # 24 random bytes, url-safe


@pytest.mark.parametrize(
    "bad",
    [
        "../secret.jpg",
        "arrivals/../../etc/passwd",
        "/etc/passwd",
        "arrivals\\..\\x.jpg",
        "",
        "config/x.jpg",
        "arrivals/\x00.jpg",
    ],
)
def test_resolve_refuses_paths_outside_the_store(media: FileMediaStore, bad: str):
    with pytest.raises(MediaError):
        media.resolve(bad)


def test_resolve_refuses_a_symlink_escaping_the_store(media: FileMediaStore, tmp_path):
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(b"x")
    (media.root / "arrivals").mkdir(parents=True)
    (media.root / "arrivals" / "link.jpg").symlink_to(outside)
    with pytest.raises(MediaError):
        media.resolve("arrivals/link.jpg")


def test_unknown_kind_and_missing_file(media: FileMediaStore):
    with pytest.raises(MediaError, match="unknown media kind"):
        media.save_jpeg(image(), "etc")
    with pytest.raises(MediaError, match="no such media file"):
        media.resolve("arrivals/2026-01/nothing.jpg")


def test_fixed_live_frame_is_overwritten_and_delete_is_quiet(media: FileMediaStore):
    media.write_fixed("live/gate.jpg", image())
    first = media.resolve("live/gate.jpg").read_bytes()
    media.write_fixed("live/gate.jpg", np.full((40, 60, 3), 255, np.uint8))
    assert media.resolve("live/gate.jpg").read_bytes() != first
    media.delete("live/gate.jpg")
    media.delete("live/gate.jpg")
    media.delete(None)
    with pytest.raises(MediaError):
        media.resolve("live/gate.jpg")


def test_copy_makes_a_new_file_with_the_same_bytes(media: FileMediaStore):
    rel = media.save_jpeg(image(), "unknown")
    copy = media.copy(rel, "faces")
    assert copy.startswith("faces/") and copy != rel
    assert media.resolve(copy).read_bytes() == media.resolve(rel).read_bytes()
    with pytest.raises(MediaError):
        media.copy("unknown/2026-01/gone.jpg", "faces")


def test_a_write_that_fails_half_way_leaves_no_temporary_file(media: FileMediaStore, monkeypatch):
    real_write = Path.write_bytes

    def disk_full(self: Path, data: bytes) -> int:
        real_write(self, data[:10])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", disk_full)
    with pytest.raises(OSError, match="No space"):
        media.save_jpeg(image(), "arrivals")
    with pytest.raises(OSError, match="No space"):
        media.write_fixed("live/gate.jpg", image())
    assert [p for p in media.root.rglob("*") if p.is_file()] == []


def test_a_failed_rename_leaves_no_temporary_file(media: FileMediaStore, monkeypatch):
    def read_only(self: Path, target: Path) -> Path:
        raise PermissionError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(Path, "replace", read_only)
    with pytest.raises(PermissionError):
        media.save_jpeg(image(), "unknown")
    assert [p for p in media.root.rglob("*") if p.is_file()] == []


def test_files_lists_every_kind_and_temporary_files_are_recognised(media: FileMediaStore):
    rel = media.save_jpeg(image(), "arrivals")
    media.write_fixed("live/gate.jpg", image())
    (media.root / "elsewhere").mkdir()
    (media.root / "elsewhere" / "x.jpg").write_bytes(b"x")
    assert [r for r, _p in media.files()] == [rel, "live/gate.jpg"]
    assert is_temporary("arrivals/2026-01/.abc.jpg.0badc0de.tmp")
    assert not is_temporary(rel)
