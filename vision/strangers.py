"""Re-finding a stranger among the recent pending unknown faces, with the guests' own rule.

Each recent unknown face is an identity for a `FaceMatcher`: a stranger is the same unknown face
only when it is within tolerance of it AND clearly nearer to it than to every other recent
stranger, so two different strangers are never merged into one unknown face.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from storage.guests import Gallery
from storage.samples import recent_unknowns
from vision.matcher import FaceMatcher

log = logging.getLogger(__name__)


class StrangerDirectory:
    """Looks up the pending unknown face a stranger's encoding belongs to (None = a new one)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        revisit_gap: timedelta,
        tolerance: float,
        margin: float,
    ) -> None:
        self.sessions = sessions
        self.revisit_gap = revisit_gap
        self.tolerance = tolerance
        self.margin = margin

    def matcher(self, seen_at: datetime) -> FaceMatcher:
        """A matcher over the unknown faces seen within the revisit gap before `seen_at`."""
        with self.sessions() as session:
            ids, encodings = recent_unknowns(session, seen_at - self.revisit_gap)
        gallery = Gallery(guest_ids=ids, encodings=encodings)
        return FaceMatcher(gallery, self.tolerance, self.margin)

    def find(self, encoding: np.ndarray, seen_at: datetime) -> int | None:
        """The unknown face this stranger is, or None."""
        try:
            found = self.matcher(seen_at).match(encoding).guest_id
        except Exception:
            log.exception("could not look up recent strangers; recording a new unknown face")
            return None
        return int(found) if found is not None else None
