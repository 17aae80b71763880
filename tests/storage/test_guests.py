import numpy as np
import pytest

from core.errors import WorkflowError
from storage.db import make_engine, make_session_factory, transaction
from storage.erasure import erase_guest
from storage.guests import (
    CATEGORIES,
    GuestError,
    add_sample,
    create_guest,
    decode_vector,
    encode_vector,
    get_guest,
    list_guests,
    load_gallery,
    sample_counts,
    search_guests,
)
from storage.models import FaceSample
from storage.settings import (
    bump_enrolment_version,
    enrolment_version,
    get_setting,
    set_setting,
)
from storage.unit_of_work import unit_of_work


@pytest.fixture
def factory(db_url):
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


def vec(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 0.1, 128).astype(np.float32)


def test_encoding_round_trip_is_512_little_endian_bytes():
    v = vec(1)
    raw = encode_vector(v)
    assert len(raw) == 512
    assert raw == v.astype("<f4").tobytes()
    assert np.array_equal(decode_vector(raw), v)
    assert decode_vector(raw).dtype == np.float32


def test_bad_encodings_are_refused():
    with pytest.raises(GuestError, match="128"):
        encode_vector(np.zeros(127))
    with pytest.raises(GuestError, match="512 bytes"):
        decode_vector(b"\x00" * 10)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "   "}, "name must not be empty"),
        ({"name": "x" * 121}, "name is 121 characters"),
        ({"name": "Ani", "category": "vip"}, "category 'vip' is not one of"),
        ({"name": "Ani", "institution": "i" * 161}, "institution is 161"),
        ({"name": "Ani\x00"}, "name must not contain control characters"),
        ({"name": "Ani\nINFO forged"}, "name must not contain control characters"),
        ({"name": "Ani", "phone": "08\r12"}, "phone must not contain control characters"),
        ({"name": "Ani", "phone": "1" * 41}, "phone is 41"),
    ],
)
def test_create_guest_validates_and_writes_nothing(factory, fields, message):
    with pytest.raises(GuestError, match=message), transaction(factory) as s:
        create_guest(s, **fields)
    with factory() as s:
        assert list_guests(s) == []


def test_create_strips_fields_and_bumps_the_enrolment_version(factory):
    with factory() as s:
        before = enrolment_version(s)
    with transaction(factory) as s:
        guest = create_guest(
            s, name="  Siti Aminah ", category="pemerintah", institution=" Dinas ", phone=""
        )
    with factory() as s:
        stored = get_guest(s, guest.id)
        assert (stored.name, stored.institution, stored.phone) == ("Siti Aminah", "Dinas", None)
        assert stored.category in CATEGORIES and not stored.is_staff
        assert enrolment_version(s) != before


def test_samples_gallery_and_removal(factory, media):
    photo = media.save_jpeg(np.zeros((8, 8, 3), np.uint8), "faces")
    with transaction(factory) as s:
        ani = create_guest(s, name="Ani")
        budi = create_guest(s, name="Budi", is_staff=True)
        add_sample(s, ani, vec(1), photo)
        add_sample(s, budi, vec(2), None)
        add_sample(s, ani, vec(3), None)
        version = enrolment_version(s)
    with factory() as s:
        gallery = load_gallery(s)
        assert gallery.encodings.shape == (3, 128) and gallery.encodings.dtype == np.float32
        assert gallery.guest_ids.tolist() == [ani.id, budi.id, ani.id]
        assert np.allclose(gallery.encodings[1], vec(2))
        assert gallery.names == {ani.id: "Ani", budi.id: "Budi"}
        assert gallery.staff == {budi.id}
        assert sample_counts(s) == {ani.id: 2, budi.id: 1}
    with unit_of_work(factory, media) as uow:
        assert erase_guest(uow.session, uow.files, ani.id, None).encodings == 2
        with pytest.raises(WorkflowError):
            erase_guest(uow.session, uow.files, 9999, None)
        assert (media.root / photo).exists(), "the photo goes only after the commit"
    with factory() as s:
        assert enrolment_version(s) != version
        assert [g.name for g in list_guests(s)] == ["Budi"]
        assert s.query(FaceSample).count() == 1
        assert len(load_gallery(s)) == 1
    assert not (media.root / photo).exists()


def test_empty_gallery(factory):
    with factory() as s:
        gallery = load_gallery(s)
    assert len(gallery) == 0 and gallery.encodings.shape == (0, 128)


def test_search_is_case_insensitive_on_name_and_institution(factory):
    with transaction(factory) as s:
        create_guest(s, name="Siti Aminah", institution="Dinas Kesehatan")
        create_guest(s, name="Budi Santoso", institution="PT Maju")
        create_guest(s, name="Andi", institution="dinas pendidikan")
    with factory() as s:
        assert [g.name for g in search_guests(s, "DINAS")] == ["Andi", "Siti Aminah"]
        assert [g.name for g in search_guests(s, "santo")] == ["Budi Santoso"]
        assert len(search_guests(s, "", limit=2)) == 2


def test_settings_get_set_and_version(factory):
    with transaction(factory) as s:
        assert get_setting(s, "receiving", "1") == "1"
        set_setting(s, "receiving", "0")
        set_setting(s, "receiving", "0")
        first = bump_enrolment_version(s)
        second = bump_enrolment_version(s)
    with factory() as s:
        assert get_setting(s, "receiving") == "0"
        assert first != second and enrolment_version(s) == second


def test_a_failed_removal_keeps_the_guest_and_the_photo(factory, media):
    photo = media.save_jpeg(np.zeros((8, 8, 3), np.uint8), "faces")
    with transaction(factory) as s:
        ani = create_guest(s, name="Ani")
        add_sample(s, ani, vec(1), photo)
    with pytest.raises(RuntimeError), unit_of_work(factory, media) as uow:
        erase_guest(uow.session, uow.files, ani.id, None)
        raise RuntimeError("the commit never happens")
    with factory() as s:
        assert [g.name for g in list_guests(s)] == ["Ani"]
    assert (media.root / photo).is_file()
