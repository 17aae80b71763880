"""One track per face across frames: IoU association with a centre-distance fallback."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from vision.geometry import Box, center_distance, iou

# A box whose centre moved less than this many face widths is still the same face
# (at a few analysed frames per second a walking face can leave its old box entirely).
MAX_CENTER_SHIFT = 0.8


@dataclass
class Track:
    """A face followed across frames: geometry only (its identity lives in the pipeline)."""

    id: int
    box: Box
    first_seen: float
    last_seen: float
    hits: int = 1


@dataclass(frozen=True)
class TrackUpdate:
    """What one frame did to the tracks."""

    active: list[Track]
    started: list[Track]
    ended: list[Track]


class FaceTracker:
    """Associates each frame's boxes with live tracks; a track ends when unseen `lost_after_s`."""

    def __init__(self, iou_threshold: float = 0.2, lost_after_s: float = 3.0) -> None:
        self.iou_threshold = iou_threshold
        self.lost_after_s = lost_after_s
        self.tracks: dict[int, Track] = {}
        self._ids = itertools.count(1)

    def update(self, boxes: list[Box], at: float) -> TrackUpdate:
        """Feed one analysed frame's boxes (seen at time `at`)."""
        pairs = self._associate(boxes)
        started = []
        for index, box in enumerate(boxes):
            track = pairs.get(index)
            if track is None:
                track = Track(next(self._ids), box, at, at)
                self.tracks[track.id] = track
                started.append(track)
            else:
                track.box, track.last_seen = box, at
                track.hits += 1
        ended = self.expire(at)
        seen = {t.id for t in pairs.values()} | {t.id for t in started}
        active = [t for t in self.tracks.values() if t.id in seen]
        return TrackUpdate(active, started, ended)

    def expire(self, now: float) -> list[Track]:
        """Remove and return the tracks not seen for `lost_after_s`."""
        gone = [t for t in self.tracks.values() if now - t.last_seen >= self.lost_after_s]
        for track in gone:
            del self.tracks[track.id]
        return gone

    def end_all(self) -> list[Track]:
        """Remove and return every track (shutdown)."""
        gone = list(self.tracks.values())
        self.tracks.clear()
        return gone

    def _associate(self, boxes: list[Box]) -> dict[int, Track]:
        """Greedy best-first pairing of boxes with tracks: IoU first, then centre distance."""
        candidates = []
        for index, box in enumerate(boxes):
            for track in self.tracks.values():
                overlap = iou(box, track.box)
                if overlap >= self.iou_threshold:
                    candidates.append((0, -overlap, index, track.id))
                else:
                    shift = center_distance(box, track.box)
                    if shift <= MAX_CENTER_SHIFT:
                        candidates.append((1, shift, index, track.id))
        pairs: dict[int, Track] = {}
        used: set[int] = set()
        for _kind, _cost, index, track_id in sorted(candidates):
            if index not in pairs and track_id not in used:
                pairs[index] = self.tracks[track_id]
                used.add(track_id)
        return pairs
