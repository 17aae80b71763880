"""Snapshots and enrolment photos as JPEG files with unguessable names under `media_dir`."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import cv2
import numpy as np

KINDS = ("arrivals", "unknown", "faces", "live", "watchlist")
TMP_SUFFIX = ".tmp"


class MediaError(ValueError):
    """A media path that is not ours (traversal, unknown kind, missing)."""


class MediaStore:
    """Writes, resolves and deletes media files; paths stored in the DB are relative."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def save_jpeg(self, image_bgr: np.ndarray, kind: str, quality: int = 90) -> str:
        """Write a BGR image as JPEG; return its relative path (kind/YYYY-MM/<random>.jpg)."""
        data = _encode_jpeg(image_bgr, quality)
        rel = self._new_name(kind)
        self._write_atomic(self.root / rel, data)
        return rel

    def copy(self, rel: str, kind: str) -> str:
        """Copy a stored file to a new random name under `kind`; its relative path."""
        data = self.resolve(rel).read_bytes()
        new = self._new_name(kind)
        self._write_atomic(self.root / new, data)
        return new

    def write_fixed(self, rel: str, image_bgr: np.ndarray, quality: int = 80) -> str:
        """Overwrite a fixed-name file (a camera's live frame) atomically."""
        self._write_atomic(self.resolve(rel, must_exist=False), _encode_jpeg(image_bgr, quality))
        return rel

    def resolve(self, rel: str, must_exist: bool = True) -> Path:
        """The absolute path of a stored relative path; refuses anything outside the store."""
        if not rel or "\\" in rel or "\x00" in rel:
            raise MediaError("bad media path")
        rel_path = PurePosixPath(rel)
        if rel_path.is_absolute() or ".." in rel_path.parts or rel_path.parts[0] not in KINDS:
            raise MediaError("bad media path")
        path = (self.root / rel_path).resolve()
        if not path.is_relative_to(self.root):
            raise MediaError("bad media path")
        if must_exist and not path.is_file():
            raise MediaError("no such media file")
        return path

    def delete(self, rel: str | None) -> None:
        """Remove a stored file if present."""
        if not rel:
            return
        with contextlib.suppress(MediaError):
            self.resolve(rel, must_exist=False).unlink(missing_ok=True)

    def files(self) -> Iterator[tuple[str, Path]]:
        """(relative path, absolute path) of every regular file under the store's kinds."""
        for kind in KINDS:
            folder = self.root / kind
            if not folder.is_dir():
                continue
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    yield path.relative_to(self.root).as_posix(), path

    @staticmethod
    def _new_name(kind: str) -> str:
        if kind not in KINDS:
            raise MediaError(f"unknown media kind {kind!r}")
        month = datetime.now(UTC).strftime("%Y-%m")
        return f"{kind}/{month}/{secrets.token_urlsafe(24)}.jpg"

    @staticmethod
    def _write_atomic(path: Path, data: bytes) -> None:
        """Write via a temporary file renamed into place; the temporary file never stays."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}{TMP_SUFFIX}")
        try:
            tmp.write_bytes(data)
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)


def is_temporary(rel: str) -> bool:
    """Whether a stored path is a half-written temporary file (left by a crash)."""
    name = PurePosixPath(rel).name
    return name.startswith(".") and name.endswith(TMP_SUFFIX)


def _encode_jpeg(image_bgr: np.ndarray, quality: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", image_bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise MediaError("could not encode JPEG")
    return bytes(buf.tobytes())
