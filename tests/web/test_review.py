import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import select

from storage import decisions, guestbook, unknowns
from storage.db import transaction
from storage.guests import create_guest, encode_vector
from storage.models import Arrival, AuditLog, Camera, UnknownFace, User
from storage.types import utcnow
from storage.unit_of_work import unit_of_work
from tests.support.web import login as login_as

# 23:30 and 00:30 in Jakarta (UTC+7) on either side of midnight of 24-25 November 2026.
LATE_24 = datetime(2026, 11, 24, 16, 30, tzinfo=UTC)
EARLY_25 = datetime(2026, 11, 24, 17, 30, tzinfo=UTC)


@pytest.fixture
def web(env):
    """The shared dashboard env with a handful of visits that exercise every filter."""
    ids = seed(env.sessions, env.media)
    return {"app": env.app, "sessions": env.sessions, "ids": ids, "media": env.media}


def seed(sessions, media):
    ids = {}
    with transaction(sessions) as s:
        gate = s.scalars(select(Camera).where(Camera.name == "gate")).one()
        waiting = s.scalars(select(Camera).where(Camera.name == "waiting")).one()
        hadi = create_guest(s, name="Pak Hadi", category="swasta", institution="=PT Maju")

        def arrival(at, camera, guest=None, outside=False):
            row = Arrival(
                camera_id=camera.id,
                guest_id=guest.id if guest else None,
                first_seen=at,
                last_seen=at + timedelta(minutes=4),
                outside_hours=outside,
                snapshot=media.save_jpeg(np.full((30, 30, 3), 80, np.uint8), "arrivals"),
            )
            s.add(row)
            s.flush()
            return row

        ids["hadi"] = arrival(LATE_24, gate, hadi).id
        stranger = arrival(EARLY_25, waiting, outside=True)
        ids["stranger"] = stranger.id
        unknown = UnknownFace(
            arrival_id=stranger.id,
            camera_id=waiting.id,
            first_seen=EARLY_25,
            last_seen=EARLY_25,
            snapshot=media.save_jpeg(np.full((30, 30, 3), 60, np.uint8), "unknown"),
            encoding=encode_vector(np.ones(128)),
        )
        s.add(unknown)
        s.flush()
        ids["unknown"] = unknown.id
    users = _users(sessions)
    with transaction(sessions) as s:
        decision, _events = decisions.decide(s, ids["hadi"], "receive", users["adjutant1"](s))
        task = decisions.escort_for_decision(s, decision.id)
        guestbook.check_in(
            s,
            users["operator1"](s),
            arrival_id=ids["hadi"],
            name="Pak Hadi",
            category="swasta",
            purpose="Silaturahmi",
        )
    with transaction(sessions) as s:
        decisions.update_escort(s, task.id, "escorted", users["guard1"](s))
    with transaction(sessions) as s:
        decisions.update_escort(s, task.id, "left", users["guard1"](s))
    with unit_of_work(sessions, media) as uow:
        unknowns.resolve_unknown(
            uow.session, uow.files, ids["unknown"], "register", users["guard1"](uow.session),
            guest_fields={"name": "Dewi"}, purpose="Koordinasi",
        )  # fmt: skip
    with transaction(sessions) as s:
        decisions.decide(s, ids["stranger"], "decline", users["bupati1"](s), note="Sedang rapat")
    return ids


def _users(sessions):
    def getter(name):
        return lambda s: s.scalars(select(User).where(User.username == name)).one()

    with sessions() as s:
        return {u: getter(u) for u in s.scalars(select(User.username))}


def login(app, username):
    client = app.test_client()
    login_as(client, username)
    return client


def row_ids(html):
    return [int(x) for x in re.findall(r'data-testid="review-row" data-arrival-id="(\d+)"', html)]


def audit_rows(sessions, action):
    with sessions() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.action == action)))


@pytest.fixture
def security(web):
    return login(web["app"], "security1")


def test_list_with_thumbnails(web, security):
    response = security.get("/review/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert row_ids(html) == [web["ids"]["stranger"], web["ids"]["hadi"]]
    assert html.count('data-testid="review-thumb"') == 2
    assert 'src="/media/arrivals/' in html
    assert 'data-testid="export-csv"' in html
    assert "Dewi" in html and "Pak Hadi" in html
    assert "atas nama Bupati" in html  # the adjutant's decision on Hadi
    # The stranger was registered as Dewi: no longer flagged as an unknown face.
    assert 'data-testid="review-unknown"' not in html


def test_pending_unknown_face_is_flagged(web, security):
    with transaction(web["sessions"]) as s:
        s.get(UnknownFace, web["ids"]["unknown"]).status = "pending"
    html = security.get("/review/").get_data(as_text=True)
    assert html.count('data-testid="review-unknown"') == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("from=2026-11-24&to=2026-11-24", ["hadi"]),
        ("from=2026-11-25", ["stranger"]),
        ("to=2026-11-23", []),
        ("camera=waiting", ["stranger"]),
        ("guest=hadi", ["hadi"]),
        ("guest=DEWI", ["stranger"]),
        ("unknown=1", ["stranger"]),
        ("outside=1", ["stranger"]),
        ("decision=receive", ["hadi"]),
        ("decision=decline", ["stranger"]),
        ("decision=none", []),
        ("camera=gate&decision=decline", []),
    ],
)
def test_filters(web, security, query, expected):
    response = security.get(f"/review/?{query}")
    assert response.status_code == 200
    assert row_ids(response.get_data(as_text=True)) == [web["ids"][k] for k in expected]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-02-30", "Tanggal awal tidak valid"),
        ("to=kemarin", "Tanggal akhir tidak valid"),
        ("from=2026-11-25&to=2026-11-24", "Tanggal awal harus sebelum"),
        ("camera=garasi", "Kamera tidak dikenal: garasi."),
        ("decision=ignore", "Jenis keputusan tidak dikenal."),
        ("page=0", "Nomor halaman tidak valid."),
        ("page=x", "Nomor halaman tidak valid."),
        ("guest=" + "x" * 121, "Nama tamu terlalu panjang"),
    ],
)
def test_bad_filters_explained(security, query, message):
    response = security.get(f"/review/?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'data-testid="filter-error"' in html and message in html
    assert row_ids(html) == []
    export = security.get(f"/review/export.csv?{query}")
    assert export.status_code == 400
    assert message in export.get_data(as_text=True)
    assert export.mimetype == "text/html"


def test_pagination(web, security):
    with transaction(web["sessions"]) as s:
        cam = s.scalars(select(Camera).where(Camera.name == "gate")).one()
        base = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
        for i in range(55):
            at = base + timedelta(minutes=i)
            s.add(Arrival(camera_id=cam.id, first_seen=at, last_seen=at))
    first = security.get("/review/?camera=gate").get_data(as_text=True)
    assert len(row_ids(first)) == 50
    assert 'data-testid="review-total">56<' in first
    assert "Halaman 1 dari 2" in first
    nxt = re.search(r'href="([^"]+)" data-testid="page-next"', first).group(1)
    assert "camera=gate" in nxt and "page=2" in nxt
    second = security.get(nxt.replace("&amp;", "&")).get_data(as_text=True)
    assert len(row_ids(second)) == 6
    assert set(row_ids(first)).isdisjoint(row_ids(second))


def test_detail_timeline_and_audit(web, security):
    ids = web["ids"]
    response = security.get(f"/review/arrivals/{ids['hadi']}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-testid="timeline"' in html
    kinds = re.findall(r'data-testid="timeline-step" data-kind="(\w+)"', html)
    # Seeded in this order: decision (with its escort task), then the guest-book check-in.
    assert kinds == [
        "first_seen",
        "last_seen",
        "decision",
        "escort_created",
        "checkin",
        "escorted",
        "left",
    ]
    assert "oleh adjutant1" in html and "atas nama Bupati" in html
    assert "oleh guard1" in html and "oleh operator1" in html
    assert "Pertama terlihat di kamera Gerbang depan" in html
    # 23:30 in Jakarta, not 16:30 UTC
    assert "24-11-2026 23:30:00" in html
    (log,) = audit_rows(web["sessions"], "view_arrival")
    assert (log.username, log.target) == ("security1", f"arrival:{ids['hadi']}")

    stranger = security.get(f"/review/arrivals/{ids['stranger']}").get_data(as_text=True)
    assert 'data-kind="unknown_resolved"' in stranger
    assert "didaftarkan sebagai tamu baru" in stranger and "(Dewi)" in stranger
    assert 'data-testid="unknown-snapshot"' in stranger
    assert "Sedang rapat" in stranger


def test_detail_of_unknown_arrival_is_404(web, security):
    response = security.get("/review/arrivals/99999")
    assert response.status_code == 404
    assert "tidak ditemukan" in response.get_data(as_text=True)
    assert audit_rows(web["sessions"], "view_arrival") == []


def read_csv(response):
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_export(web, security):
    ids = web["ids"]
    response = security.get("/review/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert [int(r["arrival_id"]) for r in rows] == [ids["hadi"], ids["stranger"]]
    hadi, stranger = rows
    assert hadi["first_seen"] == "2026-11-24T23:30:00+07:00"
    assert stranger["first_seen"] == "2026-11-25T00:30:00+07:00"
    assert hadi["camera"] == "gate" and hadi["name"] == "Pak Hadi"
    assert hadi["camera_label"] == "Gerbang depan"
    assert hadi["institution"] == "'=PT Maju"  # never a spreadsheet formula
    assert (hadi["decision"], hadi["decision_by"], hadi["on_behalf"]) == (
        "receive",
        "adjutant1",
        "yes",
    )
    assert (hadi["status"], hadi["purpose"]) == ("left", "Silaturahmi")
    assert hadi["snapshot"].startswith("arrivals/") and hadi["snapshot"].endswith(".jpg")
    assert (stranger["name"], stranger["unknown_face"], stranger["outside_hours"]) == (
        "Dewi",
        "registered",
        "yes",
    )
    assert stranger["decision"] == "decline" and stranger["on_behalf"] == "no"
    assert list(rows[0]) == [
        "arrival_id",
        "first_seen",
        "last_seen",
        "waiting_room_at",
        "camera",
        "camera_label",
        "guest_id",
        "name",
        "category",
        "institution",
        "status",
        "outside_hours",
        "unknown_face",
        "decision",
        "decision_by",
        "on_behalf",
        "decision_at",
        "purpose",
        "companions",
        "checked_in_at",
        "checked_out_at",
        "snapshot",
    ]
    (log,) = audit_rows(web["sessions"], "export_csv")
    assert log.username == "security1"
    assert json.loads(log.detail)["rows"] == 2


def test_csv_export_follows_filters(web, security):
    rows = read_csv(security.get("/review/export.csv?unknown=1&from=2026-11-25&to=2026-11-25"))
    assert [int(r["arrival_id"]) for r in rows] == [web["ids"]["stranger"]]
    (log,) = audit_rows(web["sessions"], "export_csv")
    detail = json.loads(log.detail)
    assert detail["rows"] == 1 and detail["filters"]["unknown_only"] is True
    assert detail["filters"]["since"].startswith("2026-11-25 00:00:00+07")
    empty = read_csv(security.get("/review/export.csv?camera=gate&decision=decline"))
    assert empty == []


def test_audit_page_and_filters(web, security):
    security.get(f"/review/arrivals/{web['ids']['hadi']}")
    html = security.get("/review/audit").get_data(as_text=True)
    actions = re.findall(r'data-testid="audit-row" data-action="(\w+)"', html)
    assert actions[0] == "view_arrival"
    assert {"decide", "checkin", "escort", "resolve_unknown", "login"} <= set(actions)
    by_guard = security.get("/review/audit?user=guard1").get_data(as_text=True)
    assert set(re.findall(r'data-action="(\w+)"', by_guard)) == {
        "escort",
        "resolve_unknown",
        "checkin",  # registering a stranger with a purpose writes the guest book
    }
    decides = security.get("/review/audit?action=decide").get_data(as_text=True)
    assert re.findall(r'data-action="(\w+)"', decides) == ["decide", "decide"]
    future = security.get("/review/audit?from=2099-01-01").get_data(as_text=True)
    assert 'data-testid="audit-empty"' in future
    bad = security.get("/review/audit?from=31-12-2026&action=hack")
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Tanggal awal tidak valid" in text and "Tindakan tidak dikenal." in text


@pytest.mark.parametrize("username", ["operator1", "guard1", "bupati1", "adjutant1"])
def test_other_roles_are_refused(web, username):
    client = login(web["app"], username)
    for path in (
        "/review/",
        f"/review/arrivals/{web['ids']['hadi']}",
        "/review/export.csv",
        "/review/audit",
    ):
        assert client.get(path).status_code == 403, path
    assert audit_rows(web["sessions"], "view_arrival") == []
    assert audit_rows(web["sessions"], "export_csv") == []


def test_admin_allowed_anonymous_redirected(web):
    admin = login(web["app"], "admin1")
    assert admin.get("/review/").status_code == 200
    assert admin.get("/review/export.csv").status_code == 200
    anonymous = web["app"].test_client().get("/review/export.csv")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_now_is_shown_in_jakarta(web, security):
    """A fresh arrival appears under today's Jakarta date filter."""
    with transaction(web["sessions"]) as s:
        cam = s.scalars(select(Camera).where(Camera.name == "gate")).one()
        now = utcnow()
        arrival = Arrival(camera_id=cam.id, first_seen=now, last_seen=now)
        s.add(arrival)
        s.flush()
        new_id = arrival.id
    today = web["app"].extensions["tamu"].config.tz
    day = datetime.now(today).date().isoformat()
    html = security.get(f"/review/?from={day}&to={day}").get_data(as_text=True)
    assert new_id in row_ids(html)
