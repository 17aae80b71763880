"""Keeps a FaceMatcher in step with enrolment: reloads when the enrolment version changes."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from core.config import RecognitionConfig
from storage.guests import Gallery, load_gallery
from storage.settings import enrolment_version
from vision.matcher import FaceMatcher

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GallerySource:
    """Where a matcher's gallery comes from, its version token, and the rule's constants."""

    load: Callable[[Session], Gallery]
    version: Callable[[Session], str]
    tolerance: float
    margin: float
    what: str = "guests"


def guest_source(cfg: RecognitionConfig) -> GallerySource:
    """The enrolled guests with the guest rule."""
    return GallerySource(load_gallery, enrolment_version, cfg.tolerance, cfg.margin)


class GalleryWatcher:
    """The current matcher; polls the gallery's version every `reload_interval_s`."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        cfg: RecognitionConfig,
        clock: Callable[[], float] = time.monotonic,
        source: GallerySource | None = None,
    ) -> None:
        self.sessions = sessions
        self.cfg = cfg
        self.source = source or guest_source(cfg)
        self._clock = clock
        self._version: str | None = None
        self._checked_at = float("-inf")
        self._matcher = FaceMatcher(Gallery(), self.source.tolerance, self.source.margin)

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
        source = self.source
        with self.sessions() as session:
            version = source.version(session)
            if version == self._version:
                return
            gallery = source.load(session)
        self._matcher = FaceMatcher(gallery, source.tolerance, source.margin)
        self._version = version
        log.info(
            "gallery loaded: %d encodings of %d %s", len(gallery), len(gallery.names), source.what
        )
