"""Erasing a guest removes every face of them, keeps the visits, and writes one audit row."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sqlalchemy import select

from core.errors import WorkflowError
from core.vocab import AuditAction, SampleSource
from storage.erasure import ERASED_NAME, erase_guest
from storage.guests import SampleInfo, add_impostor, add_sample, create_guest, encode_vector
from storage.models import (
    Arrival,
    ArrivalSample,
    AuditLog,
    FaceSample,
    Guest,
    GuestBookEntry,
    ImpostorSample,
    UnknownFace,
)
from storage.types import utcnow
from storage.unit_of_work import unit_of_work
from tests.support.storage import add_arrival, add_unknown, media_files, user

IMAGE = np.full((40, 30, 3), 90, dtype=np.uint8)


def _vec(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=128).astype(np.float32)


def _seed(factory, media, world) -> dict[str, int]:
    """Pak Hadi with two photos, a camera sample, an impostor sample, a visit (snapshot,
    samples, unknown-face crop), a guest-book line; Bu Rina with her own photo and visit."""
    with unit_of_work(factory, media) as uow:
        s = uow.session
        hadi = s.get(Guest, world["guest_id"])
        rina = create_guest(s, name="Bu Rina")
        for seed in (1, 2):
            add_sample(s, hadi, _vec(seed), uow.files.save_jpeg(IMAGE, "faces"))
        add_sample(s, rina, _vec(3), uow.files.save_jpeg(IMAGE, "faces"))
        visit = add_arrival(s, guest_id=hadi.id)
        visit.snapshot = uow.files.save_jpeg(IMAGE, "arrivals")
        other = add_arrival(s, guest_id=rina.id)
        other.snapshot = uow.files.save_jpeg(IMAGE, "arrivals")
        add_sample(
            s, hadi, _vec(4), None, SampleInfo(source=SampleSource.CAMERA, arrival_id=visit.id)
        )
        add_impostor(s, hadi.id, _vec(5), arrival_id=other.id)
        for arrival, nearest in ((visit, hadi.id), (other, hadi.id)):
            s.add(ArrivalSample(
                arrival_id=arrival.id, camera_id=arrival.camera_id, track="t", captured_at=utcnow(),
                encoding=encode_vector(_vec(6)), quality=0.9, face_px=90, sharpness=9.0,
                frontalness=0.9, nearest_guest_id=nearest, distance=0.4,
            ))  # fmt: skip
        unknown = add_unknown(s, media, visit)
        s.add(GuestBookEntry(
            arrival_id=visit.id, guest_id=hadi.id, name="Pak Hadi", category="swasta",
            institution="PT Maju", purpose="Audiensi", phone="0812 3456 7890",
        ))  # fmt: skip
        s.flush()
        return {"hadi": hadi.id, "rina": rina.id, "visit": visit.id, "unknown": unknown.id}


def test_erasure_removes_every_face_and_anonymises_the_guest_book(factory, media, world):
    ids = _seed(factory, media, world)
    assert len(media_files(media)) == 6  # 3 photos, 2 arrival snapshots, 1 unknown crop
    with unit_of_work(factory, media) as uow:
        erased = erase_guest(uow.session, uow.files, ids["hadi"], user(uow.session, "admin"))
        assert len(media_files(media)) == 6, "files go only after the commit"
    assert (erased.photos, erased.encodings, erased.impostor_samples) == (2, 3, 1)
    assert (erased.arrival_snapshots, erased.arrival_samples, erased.unknown_faces) == (1, 1, 1)
    assert erased.guestbook == 1
    assert len(media_files(media)) == 2  # Bu Rina's photo and her visit's snapshot stay
    with factory() as s:
        assert s.get(Guest, ids["hadi"]) is None and s.get(Guest, ids["rina"]) is not None
        assert s.scalars(select(FaceSample.guest_id)).all() == [ids["rina"]]
        assert s.scalars(select(ImpostorSample)).all() == []
        visit = s.get(Arrival, ids["visit"])
        assert visit is not None and visit.guest_id is None and visit.snapshot is None
        samples = s.scalars(select(ArrivalSample)).all()
        assert len(samples) == 1 and samples[0].nearest_guest_id is None
        unknown = s.get(UnknownFace, ids["unknown"])
        assert unknown.snapshot is None and unknown.encoding is None
        line = s.scalars(select(GuestBookEntry)).one()
        assert (line.name, line.institution, line.phone, line.guest_id) == (
            ERASED_NAME, None, None, None,
        )  # fmt: skip
        assert line.purpose == "Audiensi", "the visit stays on record"
        rows = s.scalars(select(AuditLog).where(AuditLog.action == AuditAction.GUEST_REMOVE)).all()
    assert len(rows) == 1 and rows[0].username == "admin"
    detail = json.loads(rows[0].detail)
    assert detail["encodings"] == 3 and detail["guestbook_policy"] == "anonymise"
    assert "Pak Hadi" not in rows[0].detail


def test_erasure_can_delete_the_guest_book_lines(factory, media, world):
    ids = _seed(factory, media, world)
    with unit_of_work(factory, media) as uow:
        erased = erase_guest(uow.session, uow.files, ids["hadi"], None, guestbook="delete")
    assert erased.guestbook == 1
    with factory() as s:
        assert s.scalars(select(GuestBookEntry)).all() == []


def test_erasing_a_missing_guest_changes_nothing(factory, media, world):
    ids = _seed(factory, media, world)
    with pytest.raises(WorkflowError), unit_of_work(factory, media) as uow:
        erase_guest(uow.session, uow.files, 9999, None)
    with factory() as s:
        assert s.get(Guest, ids["hadi"]) is not None
        assert s.scalars(select(AuditLog)).all() == []
    assert len(media_files(media)) == 6
