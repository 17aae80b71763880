"""Guard and operator enrol a new guest from a recorded arrival (not only from an unknown face)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from core.vocab import AuditAction, SampleSource, UnknownStatus
from storage.db import transaction
from storage.guests import encode_vector
from storage.models import Arrival, ArrivalSample, AuditLog, FaceSample, Guest, UnknownFace
from storage.types import utcnow
from tests.support.web import add_arrival, add_guest, csrf_token, fake_encoding, get_row

FORM = {"name": "Dewi Lestari", "category": "swasta", "institution": "PT Sinar"}


def add_samples(env, arrival_id: int, qualities: tuple[float, ...]) -> None:
    with transaction(env.sessions) as db:
        arrival = db.get(Arrival, arrival_id)
        for n, quality in enumerate(qualities):
            db.add(ArrivalSample(
                arrival_id=arrival_id, camera_id=arrival.camera_id, track="t1",
                captured_at=utcnow(), encoding=encode_vector(fake_encoding(100 + n)),
                quality=quality, face_px=120, sharpness=40.0, frontalness=0.9,
            ))  # fmt: skip


def enrol(client, arrival_id: int, form: dict) -> str:
    token = csrf_token(client, f"/kedatangan/{arrival_id}/daftarkan")
    response = client.post(
        f"/kedatangan/{arrival_id}/daftarkan", data={"csrf_token": token, **form},
        follow_redirects=True,
    )  # fmt: skip
    return response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["guard", "operator"])
def test_enrol_from_a_recorded_arrival(env, role):
    arrival_id, unknown_id = add_arrival(env, unknown=True)
    add_samples(env, arrival_id, (0.9, 0.7, 0.4))
    client = env.client(role)
    listing = client.get("/kedatangan/tanpa-nama").get_data(as_text=True)
    assert f'data-arrival-id="{arrival_id}"' in listing
    text = enrol(client, arrival_id, FORM)
    assert "Tamu baru terdaftar: Dewi Lestari" in text
    with env.sessions() as db:
        guest = db.scalars(select(Guest)).one()
        samples = db.scalars(select(FaceSample).order_by(FaceSample.id)).all()
        arrival = db.get(Arrival, arrival_id)
        unknown = db.get(UnknownFace, unknown_id)
        (row,) = db.scalars(select(AuditLog).where(AuditLog.action == AuditAction.GUEST_ADD))
    assert (guest.name, guest.institution, arrival.guest_id) == (
        "Dewi Lestari",
        "PT Sinar",
        guest.id,
    )
    assert samples[0].photo and samples[0].photo.startswith("faces/")
    assert samples[0].quality == pytest.approx(0.9)
    assert len(samples) == 3 and {s.source for s in samples[1:]} == {SampleSource.CAMERA}
    assert (unknown.status, unknown.guest_id) == (UnknownStatus.REGISTERED, guest.id)
    assert row.username == f"{role}1" and json.loads(row.detail)["via"] == "arrival"
    assert [e.name for e in env.sink.events] == ["unknown_resolved"]
    assert f'data-arrival-id="{arrival_id}"' not in client.get("/kedatangan/tanpa-nama").get_data(
        as_text=True
    )


def test_a_named_arrival_or_one_without_a_face_is_refused(env):
    guest_id = add_guest(env)
    named, _ = add_arrival(env, guest_id=guest_id)
    faceless, _ = add_arrival(env)
    guard = env.client("guard")
    assert "sudah bernama" in enrol(guard, named, FORM)
    assert f"Kedatangan #{faceless} tidak menyimpan data wajah" in enrol(guard, faceless, FORM)
    with env.sessions() as db:
        assert [g.id for g in db.scalars(select(Guest))] == [guest_id]
    assert get_row(env, Arrival, faceless).guest_id is None


@pytest.mark.parametrize(
    ("form", "message"),
    [({"name": "  "}, "wajib diisi"), ({"name": "Dewi", "phone": "bukan nomor"}, "telepon")],
)
def test_bad_guest_details_write_nothing(env, form, message):
    arrival_id, _ = add_arrival(env)
    add_samples(env, arrival_id, (0.8,))
    text = enrol(env.client("operator"), arrival_id, form)
    assert message in text
    with env.sessions() as db:
        assert db.scalars(select(Guest)).all() == [] and db.scalars(select(FaceSample)).all() == []
    assert [rel for rel, _p in env.media.files() if rel.startswith("faces")] == []
