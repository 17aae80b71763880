"""Keeps a FaceMatcher in step with enrolment: reloads when the enrolment version changes."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from core.config import RecognitionConfig
from storage.guests import Gallery, load_gallery
from storage.settings import enrolment_version
from vision.matcher import FaceMatcher

log = logging.getLogger(__name__)


class GalleryWatcher:
    """The current matcher; polls the enrolment version every `reload_interval_s`."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        cfg: RecognitionConfig,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sessions = sessions
        self.cfg = cfg
        self._clock = clock
        self._version: str | None = None
        self._checked_at = float("-inf")
        self._matcher = FaceMatcher(Gallery(), cfg.tolerance, cfg.margin)

    @property
    def staff(self) -> set[int]:
        """Guests who never raise alerts (staff, family, faces marked not a guest)."""
        return self._matcher.gallery.staff

    def names(self) -> dict[int, str]:
        """Guest names by id."""
        return self._matcher.gallery.names

    def matcher(self) -> FaceMatcher:
        """The matcher, reloaded first if enrolment changed since the last check."""
        now = self._clock()
        if now - self._checked_at >= self.cfg.reload_interval_s:
            self._checked_at = now
            try:
                self._reload_if_changed()
            except Exception:
                log.exception("could not check enrolment; keeping the current gallery")
        return self._matcher

    def _reload_if_changed(self) -> None:
        with self.sessions() as session:
            version = enrolment_version(session)
            if version == self._version:
                return
            gallery = load_gallery(session)
        self._matcher = FaceMatcher(gallery, self.cfg.tolerance, self.cfg.margin)
        self._version = version
        log.info("gallery loaded: %d encodings of %d guests", len(gallery), len(gallery.names))
