"""Snapshots and enrolment photos as JPEGs with unguessable names: in files or in the database.

`storage.media_store: files` keeps them under `media_dir` (one machine, or a folder every host
mounts). `database` keeps them in the `media_blobs` table of the shared PostgreSQL, so a worker
on another host needs nothing but the database URL to show its snapshots on every web process.
Paths stored in rows are the same in both (kind/YYYY-MM/<random>.jpg), so a deployment can move.
"""

from __future__ import annotations

import contextlib
import secrets
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import cv2
import numpy as np

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from core.config import StorageConfig

KINDS = ("arrivals", "unknown", "faces", "live", "watchlist")
TMP_SUFFIX = ".tmp"


class MediaError(ValueError):
    """A media path that is not ours (traversal, unknown kind, missing)."""


@dataclass(frozen=True)
class MediaEntry:
    """One stored image: its relative path and when it was last written."""

    rel: str
    modified: datetime


class MediaStore(ABC):
    """Writes, reads and deletes stored JPEGs by relative path; refuses paths that are not ours."""

    def save_jpeg(self, image_bgr: np.ndarray, kind: str, quality: int = 90) -> str:
        """Store a BGR image as JPEG; return its relative path (kind/YYYY-MM/<random>.jpg)."""
        rel = new_name(kind)
        self.write(rel, encode_jpeg(image_bgr, quality))
        return rel

    def copy(self, rel: str, kind: str) -> str:
        """Copy a stored image to a new random name under `kind`; its relative path."""
        new = new_name(kind)
        self.write(new, self.read(rel))
        return new

    def write_fixed(self, rel: str, image_bgr: np.ndarray, quality: int = 80) -> str:
        """Overwrite a fixed-name image (a camera's live frame)."""
        self.write(check(rel), encode_jpeg(image_bgr, quality))
        return rel

    @abstractmethod
    def write(self, rel: str, data: bytes) -> None:
        """Store `data` under `rel` (complete or not at all)."""

    @abstractmethod
    def read(self, rel: str) -> bytes:
        """The stored bytes; MediaError when the path is not ours or nothing is there."""

    @abstractmethod
    def exists(self, rel: str) -> bool:
        """Whether something is stored under `rel`."""

    @abstractmethod
    def remove(self, rel: str) -> bool:
        """Delete one stored image; True if it existed. Raises MediaError for a bad path."""

    @abstractmethod
    def entries(self) -> Iterator[MediaEntry]:
        """Every stored image (and half-written temporary file) under the store's kinds."""

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the images are, for messages (a folder, or the database)."""

    def delete(self, rel: str | None) -> None:
        """Remove a stored image if present; bad paths are ignored."""
        if rel:
            with contextlib.suppress(MediaError):
                self.remove(rel)


class FileMediaStore(MediaStore):
    """Images as files under one folder, written atomically."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    @property
    def location(self) -> str:
        """The media folder."""
        return str(self.root)

    def resolve(self, rel: str, must_exist: bool = True) -> Path:
        """The absolute path of a stored relative path; refuses anything outside the store."""
        path = (self.root / check(rel)).resolve()
        if not path.is_relative_to(self.root):
            raise MediaError("bad media path")
        if must_exist and not path.is_file():
            raise MediaError("no such media file")
        return path

    def write(self, rel: str, data: bytes) -> None:
        """Write via a temporary file renamed into place; the temporary file never stays."""
        path = self.resolve(rel, must_exist=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}{TMP_SUFFIX}")
        try:
            tmp.write_bytes(data)
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)

    def read(self, rel: str) -> bytes:
        """The file's bytes."""
        try:
            return self.resolve(rel).read_bytes()
        except OSError as exc:
            raise MediaError("no such media file") from exc

    def exists(self, rel: str) -> bool:
        """Whether the file is there."""
        try:
            self.resolve(rel)
        except MediaError:
            return False
        return True

    def remove(self, rel: str) -> bool:
        """Unlink the file; True if it existed."""
        path = self.resolve(rel, must_exist=False)
        existed = path.is_file()
        path.unlink(missing_ok=True)
        return existed

    def files(self) -> Iterator[tuple[str, Path]]:
        """(relative path, absolute path) of every regular file under the store's kinds."""
        for kind in KINDS:
            folder = self.root / kind
            if not folder.is_dir():
                continue
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    yield path.relative_to(self.root).as_posix(), path

    def entries(self) -> Iterator[MediaEntry]:
        """Every file with its modification time."""
        for rel, path in self.files():
            with contextlib.suppress(FileNotFoundError):  # deleted while listing
                yield MediaEntry(rel, datetime.fromtimestamp(path.stat().st_mtime, UTC))


class DatabaseMediaStore(MediaStore):
    """Images as rows of `media_blobs`, each write in its own short transaction.

    Like files, an image written inside a unit of work exists at once and is removed again if
    that work fails; it is shared by every process connected to the same database.
    """

    def __init__(self, engine: Engine) -> None:
        from sqlalchemy.orm import sessionmaker

        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def location(self) -> str:
        """The database (without its password)."""
        return f"the media_blobs table of {self.engine.url.render_as_string(hide_password=True)}"

    def write(self, rel: str, data: bytes) -> None:
        """Insert or replace the image's row."""
        from storage.models_media import MediaBlob
        from storage.types import utcnow

        rel = check(rel)
        with self._sessions.begin() as session:
            blob = session.get(MediaBlob, rel, with_for_update=True)
            if blob is None:
                session.add(MediaBlob(path=rel, data=data, modified_at=utcnow()))
            else:
                blob.data, blob.modified_at = data, utcnow()

    def read(self, rel: str) -> bytes:
        """The image's bytes."""
        from sqlalchemy import select

        from storage.models_media import MediaBlob

        with self._sessions() as session:
            data = session.scalar(select(MediaBlob.data).where(MediaBlob.path == check(rel)))
        if data is None:
            raise MediaError("no such media file")
        return bytes(data)

    def exists(self, rel: str) -> bool:
        """Whether the image's row is there."""
        from sqlalchemy import select

        from storage.models_media import MediaBlob

        try:
            rel = check(rel)
        except MediaError:
            return False
        with self._sessions() as session:
            return session.scalar(select(MediaBlob.path).where(MediaBlob.path == rel)) is not None

    def remove(self, rel: str) -> bool:
        """Delete the image's row; True if it existed."""
        from sqlalchemy import delete

        from storage.models_media import MediaBlob

        with self._sessions.begin() as session:
            result = session.execute(delete(MediaBlob).where(MediaBlob.path == check(rel)))
        return bool(getattr(result, "rowcount", 0))

    def entries(self) -> Iterator[MediaEntry]:
        """Every stored image's path and time (not its bytes)."""
        from sqlalchemy import select

        from storage.models_media import MediaBlob

        with self._sessions() as session:
            rows = session.execute(
                select(MediaBlob.path, MediaBlob.modified_at).order_by(MediaBlob.path)
            ).all()
        for rel, modified in rows:
            yield MediaEntry(rel, modified)


def open_media_store(storage: StorageConfig, engine: Engine | None = None) -> MediaStore:
    """The media store the config asks for (`engine`: the caller's, for the database store)."""
    if storage.media_store == "database":
        if engine is None:
            from storage.db import make_engine

            engine = make_engine(storage.database_url)
        return DatabaseMediaStore(engine)
    return FileMediaStore(storage.media_dir)


def check(rel: str) -> str:
    """`rel` if it is a relative path under one of the store's kinds; MediaError otherwise."""
    if not rel or "\\" in rel or "\x00" in rel or len(rel) > 200:
        raise MediaError("bad media path")
    rel_path = PurePosixPath(rel)
    if rel_path.is_absolute() or ".." in rel_path.parts or rel_path.parts[0] not in KINDS:
        raise MediaError("bad media path")
    return rel_path.as_posix()


def new_name(kind: str) -> str:
    """A fresh random relative path under `kind` (kind/YYYY-MM/<random>.jpg)."""
    if kind not in KINDS:
        raise MediaError(f"unknown media kind {kind!r}")
    month = datetime.now(UTC).strftime("%Y-%m")
    return f"{kind}/{month}/{secrets.token_urlsafe(24)}.jpg"


def is_temporary(rel: str) -> bool:
    """Whether a stored path is a half-written temporary file (left by a crash)."""
    name = PurePosixPath(rel).name
    return name.startswith(".") and name.endswith(TMP_SUFFIX)


def encode_jpeg(image_bgr: np.ndarray, quality: int) -> bytes:
    """JPEG bytes of a BGR image."""
    ok, buf = cv2.imencode(".jpg", image_bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise MediaError("could not encode JPEG")
    return bytes(buf.tobytes())
