"""The dispatcher end to end: rules, delivery log, retries, quiet hours, once across processes,
never blocking, and the periodic waiting-guest check on its own thread."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from core.events import GuestArrived, UnknownFaceSeen, WatchlistSighted
from notify.dispatcher import Dispatcher
from notify.plan import Channels
from storage.db import make_engine, make_session_factory, transaction, upgrade
from storage.media import FileMediaStore
from storage.models import Arrival, Camera, Decision, NotificationDelivery, User
from storage.notifications import deliveries
from storage.types import utcnow
from tests.notify.conftest import CAMERAS, notifications
from tests.support.waiting import stays_true, wait_until

TOKEN_PATH = "/bot123456:telegram-test-token"


@pytest.fixture
def setup(write_config, http_server):
    """Build (config, sessions, media, dispatcher factory) for a notifications section."""
    engines = []
    dispatchers: list[Dispatcher] = []

    def build(**section):
        config, _ = write_config(
            {"cameras": CAMERAS, "notifications": notifications(http_server.base, **section)}
        )
        upgrade(config.storage.database_url)
        engine = make_engine(config.storage.database_url)
        engines.append(engine)
        sessions = make_session_factory(engine)
        with transaction(sessions) as db:
            db.add_all([Camera(name=c["name"], role=c["role"]) for c in CAMERAS])
        media = FileMediaStore(config.storage.media_dir)

        def dispatcher(start: bool = True) -> Dispatcher:
            d = Dispatcher(config, sessions, Channels.from_config(config.notifications), media)
            dispatchers.append(d)
            if start:
                d.start()
            return d

        return config, sessions, media, dispatcher

    yield build
    for d in dispatchers:
        d.stop()
    for engine in engines:
        engine.dispose()


def jpeg(media: FileMediaStore, kind: str) -> str:
    return media.save_jpeg(np.full((32, 32, 3), 128, dtype=np.uint8), kind)


def log_rows(sessions, **where) -> list[NotificationDelivery]:
    with sessions() as db:
        rows = deliveries(db)
    return [r for r in rows if all(getattr(r, k) == v for k, v in where.items())]


def chats(http_server, suffix="") -> list[str]:
    out = []
    for r in http_server.requests:
        if r.path.endswith(suffix):
            out.append(
                r.json()["chat_id"] if "json" in r.headers["content-type"] else r.form()["chat_id"]
            )
    return sorted(out)


def arrival_event(media, arrival_id=5, outside=False):
    at = datetime.now(UTC)
    return GuestArrived(
        arrival_id, "gate", 7, "Joe Biden", at, 0.3, jpeg(media, "arrivals"), outside
    )


def test_an_arrival_reaches_the_people_of_its_rule_and_is_logged(setup, http_server):
    _config, sessions, media, dispatcher = setup()
    d = dispatcher()
    assert d.submit(arrival_event(media))
    wait_until(lambda: len(log_rows(sessions, status="sent")) == 2, 10, message="not sent")
    assert chats(http_server, "/sendPhoto") == ["1001", "1002"]  # the Bupati's, the adjutant's
    rows = log_rows(sessions)
    assert {(r.person, r.channel, r.recipient, r.attempts) for r in rows} == {
        ("pak-bupati", "telegram", "1001", 1),
        ("ajudan", "telegram", "1002", 1),
    }
    assert {r.event_key for r in rows} == {"guest_arrived:5"}
    assert all(r.sent_at is not None and r.last_error is None for r in rows)


def test_a_snapshot_goes_only_to_roles_that_may_see_its_kind(setup, http_server):
    _config, sessions, media, dispatcher = setup(
        rules={"unknown_face": {"to": ["guard", "operator"]}}
    )
    d = dispatcher()
    d.submit(UnknownFaceSeen(4, 5, "gate", datetime.now(UTC), jpeg(media, "unknown")))
    wait_until(lambda: len(log_rows(sessions, status="sent")) == 2, 10, message="not sent")
    assert chats(http_server, "/sendPhoto") == ["1003"]  # the guard sees strangers' faces
    assert chats(http_server, "/sendMessage") == ["1005"]  # the operator gets words only


def test_quiet_hours_hold_ordinary_messages_but_not_urgent_ones(setup, http_server):
    jakarta = datetime.now(ZoneInfo("Asia/Jakarta"))
    start = (jakarta - timedelta(minutes=30)).strftime("%H:%M")
    end = (jakarta + timedelta(minutes=30)).strftime("%H:%M")
    people = notifications(http_server.base)["people"]
    people = [{**p, "quiet_hours": f"{start}-{end}"} if p["id"] == "satpam" else p for p in people]
    _config, sessions, _media, dispatcher = setup(people=people)
    d = dispatcher()
    d.submit(UnknownFaceSeen(4, 5, "gate", datetime.now(UTC), None))
    wait_until(lambda: log_rows(sessions, status="quiet"), 10, message="no quiet row")
    sighting = WatchlistSighted(3, "Orang X", "tinggi", "gate", datetime.now(UTC), None)
    d.submit(sighting)
    wait_until(lambda: len(log_rows(sessions, status="sent")) == 2, 10, message="urgent not sent")
    assert chats(http_server) == ["1003", "1004"]  # only the watchlist alert reached the guard
    (quiet,) = log_rows(sessions, status="quiet")
    assert (quiet.person, quiet.event_key, quiet.attempts) == ("satpam", "unknown_face_seen:4", 0)
    assert d.counts()["quiet"] == 1


def test_failures_are_retried_with_growing_back_off_until_they_pass(setup, http_server):
    http_server.answers["/sendMessage"] = [(500, {"ok": False}), (502, {"ok": False}), (200, {})]
    _config, sessions, _media, dispatcher = setup(rules={"watchlist": {"to": ["keamanan"]}})
    stamps: list[float] = []
    http_server.check = lambda _r: stamps.append(time.monotonic())
    d = dispatcher()
    d.submit(WatchlistSighted(3, "Orang X", "tinggi", "gate", datetime.now(UTC), None))
    wait_until(lambda: log_rows(sessions, status="sent"), 10, message="never sent")
    (row,) = log_rows(sessions)
    assert row.attempts == 3
    assert len(stamps) == 3
    first_gap, second_gap = stamps[1] - stamps[0], stamps[2] - stamps[1]
    assert first_gap >= 0.1  # backoff_initial_s
    assert second_gap >= 0.2  # doubled
    assert d.counts()["retrying"] == 2


def test_a_permanent_failure_is_not_retried_and_a_lasting_one_gives_up(setup, http_server):
    http_server.answers["/sendMessage"] = [(400, {"ok": False, "description": "chat not found"})]
    http_server.answers["/sendPhoto"] = [(503, {"ok": False})]
    _config, sessions, media, dispatcher = setup(
        rules={"watchlist": {"to": ["keamanan"]}, "guest_arrived": {"to": ["ajudan"]}}
    )
    d = dispatcher()
    d.submit(WatchlistSighted(3, "Orang X", "tinggi", "gate", datetime.now(UTC), None))
    d.submit(arrival_event(media))
    wait_until(lambda: len(log_rows(sessions, status="failed")) == 2, 10, message="not failed")
    permanent, lasting = sorted(log_rows(sessions), key=lambda r: r.person != "keamanan")
    assert (permanent.attempts, permanent.last_error) == (
        1,
        'HTTP 400: {"ok": false, "description": "chat not found"}',
    )
    assert lasting.attempts == 3  # retry.attempts
    assert lasting.last_error.startswith("HTTP 503")


def test_one_message_per_person_even_when_two_processes_see_the_event(setup, http_server):
    _config, sessions, media, dispatcher = setup()
    first, second = dispatcher(start=False), dispatcher(start=False)
    event = arrival_event(media)
    threads = [threading.Thread(target=d.handle_event, args=(event,)) for d in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wait_until(lambda: len(log_rows(sessions, status="sent")) == 2, 10, message="not sent")
    assert chats(http_server) == ["1001", "1002"]
    assert first.counts().get("duplicate", 0) + second.counts().get("duplicate", 0) == 2


def test_a_full_queue_drops_and_counts_without_blocking(setup):
    _config, _sessions, media, dispatcher = setup(queue_size=10)
    d = dispatcher(start=False)  # nothing drains the queue
    accepted = [d.submit(arrival_event(media, arrival_id=i)) for i in range(12)]
    assert accepted == [True] * 10 + [False, False]
    assert d.counts() == {"received": 10, "dropped": 2}


def add_waiting(sessions, minutes_ago: float, *, decided: bool = False) -> int:
    seen = utcnow() - timedelta(minutes=minutes_ago)
    with transaction(sessions) as db:
        camera = db.query(Camera).filter_by(name="gate").one()
        arrival = Arrival(camera_id=camera.id, first_seen=seen, last_seen=seen, status="waiting")
        db.add(arrival)
        db.flush()
        if decided:
            user = User(username=f"u{arrival.id}", password_hash="x", role="adjutant")
            db.add(user)
            db.flush()
            db.add(Decision(arrival_id=arrival.id, kind="wait", by_user_id=user.id))
        return arrival.id


def test_the_periodic_check_reminds_the_adjutant_once_and_escalates(setup, http_server):
    _config, sessions, _media, dispatcher = setup()
    reminded = add_waiting(sessions, 12)
    escalated = add_waiting(sessions, 25)
    add_waiting(sessions, 30, decided=True)  # asked to wait: decided, no reminder
    add_waiting(sessions, 3)  # not yet due
    dispatcher()
    wait_until(lambda: len(log_rows(sessions, status="sent")) == 3, 10, message="no reminders")
    keys = sorted((r.event_key, r.person) for r in log_rows(sessions))
    assert keys == sorted(
        [
            (f"waiting_escalation_1:{escalated}", "pak-bupati"),
            (f"waiting_reminder:{escalated}", "ajudan"),
            (f"waiting_reminder:{reminded}", "ajudan"),
        ]
    )
    # later checks (every 0.2 s) send nothing again
    assert stays_true(lambda: len(http_server.requests) == 3, 1.0)


def test_a_second_process_running_the_check_sends_no_second_reminder(setup, http_server):
    _config, sessions, _media, dispatcher = setup()
    add_waiting(sessions, 12)
    first, second = dispatcher(start=False), dispatcher(start=False)
    assert len(first.check_waiting()) == 1
    assert len(second.check_waiting()) == 1
    wait_until(lambda: log_rows(sessions, status="sent"), 10, message="not sent")
    assert stays_true(lambda: len(http_server.requests) == 1, 0.5)
    assert second.counts()["duplicate"] == 1


def test_mqtt_publishes_leave_no_log_row(setup, mosquitto):
    _config, sessions, media, dispatcher = setup(mqtt={"url": mosquitto.url}, people=[])
    d = dispatcher()
    d.submit(arrival_event(media))
    wait_until(lambda: d.counts().get("sent") == 1, 10, message="not published")
    assert log_rows(sessions) == []


def test_mqtt_leaves_a_log_row_when_it_fails_for_good(setup):
    from tests.support.serving import free_port

    _config, sessions, media, dispatcher = setup(
        mqtt={"url": f"mqtt://127.0.0.1:{free_port()}"}, people=[]
    )
    d = dispatcher()
    d.submit(arrival_event(media))
    wait_until(lambda: log_rows(sessions, status="failed"), 20, message="no failed row")
    (row,) = log_rows(sessions)
    assert (row.channel, row.recipient, row.attempts) == ("mqtt", "tamu/events/guest_arrived", 3)
    assert row.last_error == "not connected to the MQTT broker"


def test_webhooks_get_their_event_types_and_are_logged(setup, http_server):
    hooks = [
        {"url": f"{http_server.base}/all", "secret": "${TEST_HOOK_SECRET}"},
        {
            "url": f"{http_server.base}/strangers",
            "secret": "${TEST_HOOK_SECRET}",
            "events": ["unknown_face_seen"],
        },
    ]
    _config, sessions, media, dispatcher = setup(webhooks=hooks, people=[])
    d = dispatcher()
    d.submit(arrival_event(media))
    d.submit(UnknownFaceSeen(4, 5, "gate", datetime.now(UTC), None))
    wait_until(lambda: len(log_rows(sessions, status="sent")) == 3, 10, message="not posted")
    assert sorted((r.path, r.json()["type"]) for r in http_server.requests) == [
        ("/all", "guest_arrived"),
        ("/all", "unknown_face_seen"),
        ("/strangers", "unknown_face_seen"),
    ]
    assert {r.channel for r in log_rows(sessions)} == {"webhook"}
