"""Confirmed footage teaches the gallery; "Bukan orang ini" turns a name back into a stranger."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from core.config import parse_config
from core.errors import ErrorCode, WorkflowError
from core.events import ArrivalReidentified, UnknownFaceSeen
from storage import feedback, guestbook, unknowns
from storage.arrivals import ArrivalPolicy, Sighting, TrackSample, record_guest, record_stranger
from storage.cameras import sync_cameras
from storage.db import transaction
from storage.guests import add_sample, create_guest, decode_vector, load_gallery
from storage.models import (
    Arrival,
    AuditLog,
    FaceSample,
    Guest,
    GuestBookEntry,
    ImpostorSample,
    UnknownFace,
    User,
)
from storage.unit_of_work import unit_of_work
from storage.users import create_user

CONFIG = parse_config({"cameras": [{"name": "gate", "role": "gate", "url": "rtsp://x/g"}]})
POLICY = ArrivalPolicy.from_config(CONFIG)
AT = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)


def track(n: int, seed: int = 1) -> tuple[TrackSample, ...]:
    rng = np.random.default_rng(seed)
    return tuple(
        TrackSample(
            AT + timedelta(seconds=i), rng.normal(0, 0.1, 128).astype(np.float32),
            0.5 + i / 20, 120, 20.0, 1.0,
        )
        for i in range(n)
    )  # fmt: skip


def seen(samples, minutes=0.0) -> Sighting:
    at = AT + timedelta(minutes=minutes)
    mean = np.mean([s.encoding for s in samples], axis=0) if samples else None
    return Sighting("gate", at, at, encoding=mean, track=f"gate:{minutes}", samples=samples)


@pytest.fixture
def world(sessions):
    with transaction(sessions) as s:
        sync_cameras(s, CONFIG.cameras)
        ani = create_guest(s, name="Ani")
        add_sample(s, ani, np.full(128, 0.05, np.float32), None)  # her enrolment photo
        fast = {"hash_method": "scrypt:1024:8:1"}
        guard = create_user(s, "guard1", "guard", "kata-sandi-panjang", **fast)
        operator = create_user(s, "operator1", "operator", "kata-sandi-panjang", **fast)
    return {"ani": ani.id, "guard": guard.id, "operator": operator.id}


def count(sessions, model, **where) -> int:
    with sessions() as s:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return s.scalar(query)


def test_the_guard_naming_a_stranger_teaches_the_gallery_the_visits_best_samples(
    sessions, media, world
):
    with transaction(sessions) as s:
        rec = record_stranger(s, POLICY, seen(track(5)))
    with unit_of_work(sessions, media) as uow:
        guard = uow.session.get(User, world["guard"])
        uow.collect(
            unknowns.resolve_unknown(
                uow.session, uow.files, rec.unknown.id, "identify", guard,
                guest_id=world["ani"], learn_bound=10,
            )
        )  # fmt: skip
    with sessions() as s:
        learnt = s.scalars(select(FaceSample).where(FaceSample.source == "camera")).all()
        assert len(learnt) == feedback.LEARN_PER_VISIT
        best = sorted(track(5), key=lambda t: t.quality, reverse=True)[: feedback.LEARN_PER_VISIT]
        assert sorted(x.quality for x in learnt) == sorted(t.quality for t in best)
        assert {x.camera for x in learnt} == {"gate"} and {x.arrival_id for x in learnt} == {
            rec.arrival.id
        }
        assert s.scalars(select(AuditLog).where(AuditLog.action == "footage_learnt")).one()
        gallery = load_gallery(s)
        # her photo, the unknown face's own encoding (enrolled by "identify"), the footage
        assert (gallery.guest_ids == world["ani"]).sum() == 2 + feedback.LEARN_PER_VISIT


def test_learning_is_bounded_per_guest_and_never_twice_the_same_sample(sessions, world):
    with transaction(sessions) as s:
        guest = s.get(Guest, world["ani"])
        for visit in range(4):
            rec = record_guest(s, POLICY, world["ani"], seen(track(5, seed=visit), visit * 60))
            feedback.learn_from_visit(s, rec.arrival.id, guest, None, bound=7)
            feedback.learn_from_visit(s, rec.arrival.id, guest, None, bound=7)  # again: no-op
    assert count(sessions, FaceSample, source="camera") == 7
    with sessions() as s:
        learnt = select(FaceSample.quality).where(FaceSample.source == "camera")
        kept = sorted(s.scalars(learnt).all())
        assert kept[0] >= 0.55  # the lowest-quality samples went first


def test_checking_in_a_named_arrival_under_its_name_confirms_it(sessions, world):
    with transaction(sessions) as s:
        rec = record_guest(s, POLICY, world["ani"], seen(track(4)))
        operator = s.get(User, world["operator"])
        guestbook.check_in(
            s, operator, arrival_id=rec.arrival.id, name="ani", category="masyarakat",
            purpose="Silaturahmi", learn_bound=10,
        )  # fmt: skip
        other = record_guest(s, POLICY, world["ani"], seen(track(4, seed=9), 600))
        guestbook.check_in(
            s, operator, arrival_id=other.arrival.id, name="Budi Santoso", category="masyarakat",
            purpose="Silaturahmi", learn_bound=10,
        )  # fmt: skip
    # only the visit checked in under the camera's name taught the gallery
    with sessions() as s:
        learnt = s.scalars(select(FaceSample.arrival_id).where(FaceSample.source == "camera"))
        assert set(learnt) == {rec.arrival.id}


def test_not_this_person_makes_an_unknown_face_and_impostor_samples(sessions, world):
    with transaction(sessions) as s:
        rec = record_guest(s, POLICY, world["ani"], seen(track(4)))
        guest = s.get(Guest, world["ani"])
        feedback.learn_from_visit(s, rec.arrival.id, guest, None)
        operator = s.get(User, world["operator"])
        guestbook.check_in(
            s, operator, arrival_id=rec.arrival.id, name="Ani", category="masyarakat",
            purpose="Silaturahmi",
        )  # fmt: skip
    assert count(sessions, FaceSample, source="camera") == 3
    with transaction(sessions) as s:
        guard = s.get(User, world["guard"])
        unknown, events = feedback.not_this_person(s, rec.arrival.id, guard)
    reidentified, seen_again = events
    assert isinstance(reidentified, ArrivalReidentified) and isinstance(seen_again, UnknownFaceSeen)
    assert (reidentified.guest_id, reidentified.previous_guest_id) == (None, world["ani"])
    assert reidentified.reason == "not_this_person" and seen_again.unknown_id == unknown.id
    with sessions() as s:
        arrival = s.get(Arrival, rec.arrival.id)
        assert arrival.guest_id is None
        stored = s.get(UnknownFace, unknown.id)
        assert stored.status == "pending" and stored.encoding is not None
        mean = np.mean([t.encoding for t in track(4)], axis=0)
        assert np.allclose(decode_vector(stored.encoding), mean, atol=1e-6)
        assert s.scalar(select(GuestBookEntry.guest_id)) is None
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "not_this_person")).one()
        assert audit.user_id == world["guard"] and '"impostor_samples": 4' in audit.detail
        gallery = load_gallery(s)
        assert list(gallery.impostor_guest_ids) == [world["ani"]] * 4
    assert count(sessions, ImpostorSample) == 4
    assert count(sessions, FaceSample, source="camera") == 0  # the wrong footage is unlearnt


def test_not_this_person_needs_a_named_arrival(sessions, world):
    with transaction(sessions) as s:
        rec = record_stranger(s, POLICY, seen(track(2)))
    with pytest.raises(WorkflowError) as caught, transaction(sessions) as s:
        guard = s.get(User, world["guard"])
        feedback.not_this_person(s, rec.arrival.id, guard)
    assert caught.value.code == ErrorCode.NOT_NAMED
    assert count(sessions, ImpostorSample) == 0
