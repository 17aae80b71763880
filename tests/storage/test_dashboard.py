from datetime import timedelta

from storage import dashboard, guestbook
from storage.db import transaction
from storage.types import utcnow
from tests.support.storage import CHECKIN, add_arrival, add_unknown, user


def test_waiting_now_lists_open_arrivals_longest_first(factory, world, media):
    with transaction(factory) as s:
        newer = add_arrival(s, guest_id=world["guest_id"], camera="waiting", ago_min=2)
        older = add_arrival(s, ago_min=20)
        unknown_id = add_unknown(s, media, older).id
        add_arrival(s, status="received")
        add_arrival(s, status="dismissed")
        stale = add_arrival(s, ago_min=60 * 30)
        ids = (newer.id, older.id, stale.id)
    with transaction(factory) as s:
        guestbook.check_in(s, user(s, "operator"), arrival_id=ids[0], **CHECKIN)
    with factory() as s:
        rows = dashboard.waiting_now(s)
        recent = dashboard.waiting_now(s, since=utcnow() - timedelta(hours=12))
    assert [w.arrival.id for w in rows] == [ids[2], ids[1], ids[0]]
    assert [w.arrival.id for w in recent] == [ids[1], ids[0]]
    by_id = {w.arrival.id: w for w in rows}
    assert by_id[ids[1]].guest is None and by_id[ids[1]].unknown_id == unknown_id
    assert by_id[ids[0]].guest.name == "Pak Hadi"
    assert by_id[ids[0]].camera_name == "waiting"
    assert by_id[ids[0]].purpose == "Audiensi" and by_id[ids[0]].unknown_id is None


def test_recent_arrivals_skip_dismissed_and_old(factory, world):
    with transaction(factory) as s:
        old = add_arrival(s, ago_min=60 * 30).id
        add_arrival(s, status="dismissed")
        first = add_arrival(s, ago_min=20).id
        second = add_arrival(s, guest_id=world["guest_id"], ago_min=3).id
    with factory() as s:
        since = utcnow() - timedelta(hours=24)
        assert [a.id for a in dashboard.recent_arrivals(s, since, 10)] == [second, first]
        assert [a.id for a in dashboard.recent_arrivals(s, since, 1)] == [second]
        everything = dashboard.recent_arrivals(s, utcnow() - timedelta(days=3), 10)
        assert old in [a.id for a in everything]


def test_waiting_outside_hours(factory, world):
    with transaction(factory) as s:
        late = add_arrival(s, ago_min=30)
        late.outside_hours = True
        decided = add_arrival(s, status="received")
        decided.outside_hours = True
        long_ago = add_arrival(s, ago_min=60 * 20)
        long_ago.outside_hours = True
        add_arrival(s)
        late_id = late.id
    with factory() as s:
        found = dashboard.waiting_outside_hours(s, utcnow() - timedelta(hours=12))
    assert [a.id for a in found] == [late_id]
    assert found[0].camera.name == "gate"
