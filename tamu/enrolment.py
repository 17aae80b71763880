"""Enrolment from photos, shared by `tamu guests add` and the admin page (through `Enroller`).

Every photo must hold exactly one usable face, else nothing is written; each photo's quality is
reported and a face already enrolled under another id is pointed out.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from core.config import Config
from core.enrolment import Enrolment, EnrolmentRefused, PhotoProblem
from core.vocab import AuditAction


def load_finder(config: Config) -> Any:
    """A still-photo face finder with the configured encoder model (RuntimeError if it fails)."""
    from vision.encode import FaceEncoder
    from vision.models import ModelError
    from vision.photos import StillFaceFinder

    try:
        return StillFaceFinder(FaceEncoder(config.recognition.encoder_model))
    except (ModelError, RuntimeError) as exc:
        raise RuntimeError(f"cannot load the face models: {exc}") from None


def check_photos(finder: Any, photos: Sequence[tuple[str, Path]]) -> tuple[list, list]:
    """Faces of the usable photos, and a PhotoProblem for each of the others."""
    from vision.photos import PhotoError

    faces, problems = [], []
    for shown, path in photos:
        try:
            faces.append(finder.single_face(path))
        except PhotoError as exc:
            problems.append(PhotoProblem(shown, str(exc)))
    return faces, problems


def _sample_info(face: Any) -> Any:
    """Where an enrolment photo's sample came from and how good it is."""
    from storage.guests import SampleInfo

    quality = face.report.quality if face.report is not None else None
    if quality is None:
        return SampleInfo()
    return SampleInfo(
        quality=quality.score,
        face_px=quality.face_px,
        sharpness=quality.sharpness,
        frontalness=quality.frontalness,
        warnings=",".join(face.report.warnings) or None,
    )


def store_guest(
    sessions: Any, media: Any, faces: list, fields: Mapping[str, Any], username: str | None = None
) -> int:
    """The guest, its samples and their photos in one unit of work (audited); the new id.

    A refused guest or a failed commit leaves no photo behind.
    """
    from storage import audit
    from storage.guests import add_sample, create_guest
    from storage.unit_of_work import unit_of_work
    from storage.users import get_user_by_username
    from vision.photos import storable

    with unit_of_work(sessions, media) as uow:
        guest = create_guest(uow.session, **fields)
        for face in faces:
            photo = uow.files.save_jpeg(storable(face.image), "faces")
            add_sample(uow.session, guest, face.encoding, photo, _sample_info(face))
        user = get_user_by_username(uow.session, username) if username else None
        detail = {"photos": len(faces), "via": "web" if username else "cli"}
        audit.record(uow.session, user, AuditAction.GUEST_ADD, f"guest:{guest.id}", detail)
    return int(guest.id)


def similar_guests(config: Config, sessions: Any, faces: list) -> list[dict[str, object]]:
    """Already enrolled guests these photos look like (named by the rule, or within tolerance)."""
    import numpy as np

    from storage.guests import load_gallery
    from vision.matcher import FaceMatcher

    with sessions() as session:
        gallery = load_gallery(session)
    rec = config.recognition
    matcher = FaceMatcher(gallery, rec.tolerance, rec.margin)
    found: dict[int, float] = {}
    encodings = np.stack([f.encoding for f in faces])
    for match in matcher.match_many(encodings) if len(matcher) else []:
        guest = match.guest_id or match.best_guest_id
        if guest is not None and match.distance is not None and match.distance <= rec.tolerance:
            found[guest] = min(match.distance, found.get(guest, 9.0))
    return [
        {"id": gid, "name": gallery.names.get(gid, "?"), "distance": round(d, 4)}
        for gid, d in sorted(found.items(), key=lambda kv: kv[1])
    ]


def photo_rows(faces: list, names: Sequence[str] | None = None) -> list[dict[str, object]]:
    """Each photo (by its shown name) with its quality report (JSON-ready)."""
    shown = list(names) if names is not None else [str(face.path) for face in faces]
    return [
        {"photo": name, **(face.report.as_dict() if face.report else {})}
        for name, face in zip(shown, faces, strict=True)
    ]


def enrol(
    config: Config,
    sessions: Any,
    media: Any,
    finder: Any,
    photos: Sequence[tuple[str, Path]],
    fields: Mapping[str, Any],
    username: str | None = None,
) -> Enrolment:
    """Check every photo, then enrol the guest; EnrolmentRefused when anything is unusable."""
    from storage.guests import GuestError

    if not photos:
        raise EnrolmentRefused(reason="no photo")
    faces, problems = check_photos(finder, photos)
    if problems:
        raise EnrolmentRefused(problems)
    similar = similar_guests(config, sessions, faces)
    try:
        guest_id = store_guest(sessions, media, faces, fields, username)
    except GuestError as exc:
        raise EnrolmentRefused(reason=str(exc)) from None
    name = str(fields.get("name") or "").strip()
    rows = photo_rows(faces, [shown for shown, _path in photos])
    return Enrolment(guest_id, name, rows, similar)


class PhotoEnroller:
    """The `core.enrolment.Enroller` the entry point hands the dashboard (models loaded once)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._lock = threading.Lock()
        # One enrolment at a time: the face models are not shared between threads.
        self._busy = threading.Lock()
        self._parts: tuple[Any, Any, Any] | None = None

    def _storage_and_finder(self) -> tuple[Any, Any, Any]:
        with self._lock:
            if self._parts is None:
                from storage.db import make_engine, make_session_factory
                from storage.media import open_media_store

                engine = make_engine(self.config.storage.database_url)
                sessions = make_session_factory(engine)
                media = open_media_store(self.config.storage, engine)
                self._parts = (sessions, media, load_finder(self.config))
            return self._parts

    def __call__(
        self,
        photos: Sequence[tuple[str, Path]],
        fields: Mapping[str, object],
        username: str | None,
    ) -> Enrolment:
        """Enrol as `tamu guests add` does; EnrolmentRefused says why nothing was written."""
        try:
            sessions, media, finder = self._storage_and_finder()
        except RuntimeError as exc:
            raise EnrolmentRefused(reason=str(exc)) from None
        with self._busy:
            return enrol(self.config, sessions, media, finder, photos, fields, username)
