"""Checking enrolment photos for the dashboard's watchlist page (the dashboard never imports
vision): the same one-usable-face checks as `tamu guests add`, with the dlib models loaded on
first use."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from core.config import Config
from storage.watchlist import EnrolFace
from web.watchlist import PHOTO_CHECK


def enrol_face(face: Any) -> EnrolFace:
    """A checked vision EnrolmentFace as what storage enrols: the stored image and encoding."""
    from vision.photos import storable

    return EnrolFace(storable(face.image), face.encoding)


class PhotoCheck:
    """Path → EnrolFace, or ValueError (PhotoError) naming the problem."""

    def __init__(self, encoder_model: Path | None) -> None:
        self.encoder_model = encoder_model
        self._finder: Any = None
        self._lock = threading.Lock()

    def __call__(self, path: Path) -> EnrolFace:
        """The photo's one usable face."""
        with self._lock:
            return enrol_face(self._finder_loaded().single_face(path))

    def _finder_loaded(self) -> Any:
        from vision.encode import FaceEncoder
        from vision.models import ModelError
        from vision.photos import StillFaceFinder

        if self._finder is None:
            try:
                self._finder = StillFaceFinder(FaceEncoder(self.encoder_model))
            except (ModelError, RuntimeError) as exc:
                raise ValueError(f"cannot load the face models: {exc}") from None
        return self._finder


def install(app: Any, config: Config) -> Any:
    """Give the dashboard's watchlist page its photo check; returns the app."""
    app.extensions[PHOTO_CHECK] = PhotoCheck(config.recognition.encoder_model)
    return app
