"""Enrolling from a recorded arrival, on SQLite and PostgreSQL."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select

from core.errors import ErrorCode, WorkflowError
from storage.arrival_enrolment import enrol_from_arrival, unnamed_arrivals
from storage.guests import encode_vector
from storage.models import Arrival, ArrivalSample, FaceSample, Guest
from storage.types import utcnow
from storage.unit_of_work import unit_of_work
from tests.support.storage import add_arrival, media_files, user

FIELDS = {"name": "Dewi Lestari", "category": "swasta"}


def _visit(factory, media, *, guest_id=None, samples=2) -> int:
    with unit_of_work(factory, media) as uow:
        arrival = add_arrival(uow.session, guest_id=guest_id)
        arrival.snapshot = uow.files.save_jpeg(np.full((40, 30, 3), 80, np.uint8), "arrivals")
        for n in range(samples):
            uow.session.add(ArrivalSample(
                arrival_id=arrival.id, camera_id=arrival.camera_id, track="t", captured_at=utcnow(),
                encoding=encode_vector(np.random.default_rng(n).normal(size=128)),
                quality=0.5 + n / 10, face_px=100, sharpness=30.0, frontalness=0.8,
            ))  # fmt: skip
        return arrival.id


def test_enrol_names_the_arrival_and_keeps_the_snapshot_as_photo(factory, media, world):
    arrival_id = _visit(factory, media)
    with factory() as s:
        assert [a.id for a in unnamed_arrivals(s, utcnow().replace(year=2000))] == [arrival_id]
    with unit_of_work(factory, media) as uow:
        guest, events = enrol_from_arrival(
            uow.session, uow.files, arrival_id, user(uow.session, "guard"), FIELDS, learn_bound=5
        )
        assert events == []
    with factory() as s:
        assert s.get(Arrival, arrival_id).guest_id == guest.id
        samples = s.scalars(select(FaceSample).where(FaceSample.guest_id == guest.id)).all()
    assert len(samples) == 2 and samples[0].quality == pytest.approx(0.6)
    assert samples[0].photo in media_files(media, "faces")


def test_refusals_write_nothing(factory, media, world):
    named = _visit(factory, media, guest_id=world["guest_id"])
    faceless = _visit(factory, media, samples=0)
    for arrival_id, code in ((named, ErrorCode.ALREADY_NAMED), (faceless, ErrorCode.NO_FACE_DATA)):
        with pytest.raises(WorkflowError) as caught, unit_of_work(factory, media) as uow:
            guard = user(uow.session, "guard")
            enrol_from_arrival(uow.session, uow.files, arrival_id, guard, FIELDS)
        assert caught.value.code == code
    with factory() as s:
        assert [g.name for g in s.scalars(select(Guest))] == ["Pak Hadi"]
    assert media_files(media, "faces") == []
