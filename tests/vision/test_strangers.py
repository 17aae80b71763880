"""A stranger is the same unknown face only by the matcher's rule, never by nearness alone."""

from datetime import UTC, datetime, timedelta

import numpy as np

from core.config import parse_config
from storage.arrivals import ArrivalPolicy, Sighting, record_stranger
from storage.cameras import sync_cameras
from storage.db import transaction
from vision.strangers import StrangerDirectory

CONFIG = parse_config({"cameras": [{"name": "gate", "role": "gate", "url": "rtsp://x/g"}]})
AT = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)
GAP = timedelta(minutes=10)


def unit(seed):
    v = np.random.default_rng(seed).normal(size=128)
    return (v / np.linalg.norm(v)).astype(np.float32)


def store(sessions, encoding, minutes=0.0):
    at = AT + timedelta(minutes=minutes)
    with transaction(sessions) as s:
        rec = record_stranger(
            s, ArrivalPolicy.from_config(CONFIG), Sighting("gate", at, at, encoding=encoding)
        )
        return rec.unknown.id


def test_the_same_stranger_is_found_and_two_look_alikes_are_not_merged(sessions):
    with transaction(sessions) as s:
        sync_cameras(s, CONFIG.cameras)
    base = unit(1) * 0.3
    first = store(sessions, base)
    directory = StrangerDirectory(sessions, GAP, tolerance=0.58, margin=0.1)
    later = AT + timedelta(minutes=5)
    assert directory.find(base + 0.2 * unit(2), later) == first
    assert directory.find(base + 0.9 * unit(3), later) is None  # far: a new stranger
    # a second stranger 0.3 from the first: a face between them is neither
    second = store(sessions, base + 0.3 * unit(4))
    between = base + 0.15 * unit(4) + 0.05 * unit(5)
    assert directory.find(between, later) is None
    assert directory.find(base + 0.3 * unit(4) + 0.02 * unit(6), later) == second


def test_strangers_seen_before_the_revisit_gap_are_not_found(sessions):
    with transaction(sessions) as s:
        sync_cameras(s, CONFIG.cameras)
    face = unit(1) * 0.3
    store(sessions, face)
    directory = StrangerDirectory(sessions, GAP, tolerance=0.58, margin=0.1)
    assert directory.find(face, AT + timedelta(minutes=11)) is None
