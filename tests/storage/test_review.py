from datetime import timedelta

import pytest

from storage import decisions, guestbook, review
from storage.db import transaction
from storage.types import utcnow
from tests.support.storage import CHECKIN, add_arrival, add_unknown, user


def test_search_filters_and_pagination(factory, world, media):
    with transaction(factory) as s:
        hadi = add_arrival(s, guest_id=world["guest_id"], ago_min=60 * 26)
        stranger = add_arrival(s, camera="waiting", ago_min=30)
        add_unknown(s, media, stranger)
        late = add_arrival(s, ago_min=10)
        late.outside_hours = True
        walk = add_arrival(s, ago_min=5)
        ids = {"hadi": hadi.id, "stranger": stranger.id, "late": late.id, "walk": walk.id}
    with transaction(factory) as s:
        decisions.decide(s, ids["hadi"], "receive", user(s, "bupati"))
        decisions.decide(s, ids["late"], "decline", user(s, "adjutant"))
        guestbook.check_in(s, user(s, "operator"), arrival_id=ids["walk"], **CHECKIN)

    def found(**kwargs):
        with factory() as s:
            rows, total = review.search_arrivals(s, review.ArrivalFilter(**kwargs))
        assert total == len(rows)
        return [r.arrival.id for r in rows]

    assert found() == [ids["walk"], ids["late"], ids["stranger"], ids["hadi"]]
    assert found(since=utcnow() - timedelta(hours=2)) == [ids["walk"], ids["late"], ids["stranger"]]
    assert found(until=utcnow() - timedelta(hours=2)) == [ids["hadi"]]
    assert found(camera="waiting") == [ids["stranger"]]
    assert found(camera="nowhere") == []
    assert found(guest="HADI") == [ids["hadi"]]
    assert found(guest="aminah") == [ids["walk"]]
    assert found(unknown_only=True) == [ids["walk"], ids["late"], ids["stranger"]]
    assert found(outside_hours=True) == [ids["late"]]
    assert found(decision="decline") == [ids["late"]]
    assert found(decision="receive", guest="hadi") == [ids["hadi"]]
    assert found(decision=review.NO_DECISION) == [ids["walk"], ids["stranger"]]
    with factory() as s:
        page2, total = review.search_arrivals(s, review.ArrivalFilter(), page=2, per_page=3)
        assert total == 4 and [r.arrival.id for r in page2] == [ids["hadi"]]
        rows, _ = review.search_arrivals(s, review.ArrivalFilter())
        by_id = {r.arrival.id: r for r in rows}
        assert by_id[ids["hadi"]].name == "Pak Hadi"
        assert by_id[ids["hadi"]].decision.kind == "receive"
        assert by_id[ids["walk"]].name == "Siti Aminah"
        assert by_id[ids["stranger"]].name is None
        assert by_id[ids["stranger"]].unknown.status == "pending"
        exported = review.export_arrivals(s, review.ArrivalFilter(unknown_only=True))
        assert [r.arrival.id for r in exported] == [ids["stranger"], ids["late"], ids["walk"]]
        assert review.camera_names(s) == ["gate", "waiting"]


@pytest.mark.parametrize("needle", ["%", "_", "\\", "i%_", "%_\\"])
def test_like_wildcards_in_the_name_filter_are_literal(factory, world, needle):
    with transaction(factory) as s:
        plain = add_arrival(s).id
        odd = add_arrival(s).id
        guestbook.check_in(s, user(s, "operator"), arrival_id=plain, **CHECKIN)
        guestbook.check_in(
            s, user(s, "operator"), arrival_id=odd, **{**CHECKIN, "name": "Siti%_\\ Odd"}
        )
    with factory() as s:
        rows, _total = review.search_arrivals(s, review.ArrivalFilter(guest=needle))
    assert [r.arrival.id for r in rows] == [odd]
