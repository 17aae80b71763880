"""'Bukan orang ini' from the dashboard: security on a visit's page, the guard by script."""

from sqlalchemy import select

from core.events import ArrivalReidentified, UnknownFaceSeen
from storage.db import transaction
from storage.guests import create_guest
from storage.models import Arrival, AuditLog, UnknownFace
from tests.web.conftest import add_arrival, csrf_token, post_json


def named_arrival(env) -> int:
    with transaction(env.sessions) as db:
        guest = create_guest(db, name="Pak Hadi").id
    arrival_id, _ = add_arrival(env, guest_id=guest)
    return arrival_id


def test_security_marks_a_wrong_name_from_the_visit_page(env):
    arrival_id = named_arrival(env)
    client = env.client("security")
    page = client.get(f"/review/arrivals/{arrival_id}").get_data(as_text=True)
    assert 'data-testid="not-this-person"' in page and "Bukan orang ini" in page
    token = csrf_token(client, f"/review/arrivals/{arrival_id}")
    response = client.post(
        f"/kedatangan/{arrival_id}/bukan-orang-ini",
        data={"csrf_token": token, "next": f"/review/arrivals/{arrival_id}"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/review/arrivals/{arrival_id}"
    after = client.get(f"/review/arrivals/{arrival_id}").get_data(as_text=True)
    assert "Tamu tidak dikenal" in after and 'data-testid="not-this-person"' not in after
    with env.sessions() as db:
        assert db.get(Arrival, arrival_id).guest_id is None
        assert db.scalars(select(UnknownFace)).one().status == "pending"
        assert db.scalars(select(AuditLog).where(AuditLog.action == "not_this_person")).one()
    kinds = [type(e) for e in env.sink.events]
    assert kinds[-2:] == [ArrivalReidentified, UnknownFaceSeen]


def test_the_guard_gets_json_and_an_unnamed_arrival_is_refused_with_a_reason(env):
    arrival_id = named_arrival(env)
    client = env.client("guard")
    ok = post_json(client, f"/kedatangan/{arrival_id}/bukan-orang-ini", {}, page="/guard/")
    assert ok.status_code == 200 and ok.get_json()["ok"] is True
    again = post_json(client, f"/kedatangan/{arrival_id}/bukan-orang-ini", {}, page="/guard/")
    assert again.status_code == 400
    assert "tidak bernama" in again.get_json()["error"]
    with env.sessions() as db:
        assert len(db.scalars(select(UnknownFace)).all()) == 1  # the refusal changed nothing


def test_an_operator_may_not_mark_names(env):
    arrival_id = named_arrival(env)
    response = post_json(
        env.client("operator"), f"/kedatangan/{arrival_id}/bukan-orang-ini", {}, page="/operator/"
    )
    assert response.status_code == 403
    with env.sessions() as db:
        assert db.get(Arrival, arrival_id).guest_id is not None
