"""Every rule, as a table: which event or waiting guest reaches whom, when, with what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.config import parse_config
from core.events import (
    DecisionMade,
    GuestArrived,
    UnknownFaceSeen,
    WatchlistSighted,
)
from notify.rules import in_quiet_hours, notices_for_event, notices_for_waiting
from storage.notifications import UndecidedArrival
from tests.notify.conftest import CAMERAS, notifications

# 12:00 UTC is 19:00 in Jakarta
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def config(**overrides):
    section = notifications("http://127.0.0.1:9", **overrides)
    return parse_config({"cameras": CAMERAS, "notifications": section})


def who(notices) -> list[tuple[str, list[str]]]:
    return [(n.key, [p.id for p in n.people]) for n in notices]


def arrival(guest_id=7, name="Joe Biden", outside=False, arrival_id=5):
    return GuestArrived(arrival_id, "gate", guest_id, name, NOW, 0.3, "arrivals/a.jpg", outside)


def test_a_recognised_guest_reaches_the_bupati_and_adjutant_by_default():
    (notice,) = notices_for_event(arrival(), config())
    assert who([notice]) == [("guest_arrived:5", ["pak-bupati", "ajudan"])]
    assert notice.title == "Tamu datang: Joe Biden"
    assert "19:00" in notice.text  # shown in Asia/Jakarta
    assert notice.snapshot == "arrivals/a.jpg"
    assert not notice.urgent


def test_a_stranger_arriving_in_hours_is_not_a_guest_arrival():
    assert notices_for_event(arrival(guest_id=None, name=None), config()) == []


def test_an_arrival_out_of_hours_reaches_the_adjutant_once_even_when_both_rules_apply():
    (notice,) = notices_for_event(arrival(outside=True), config())
    assert who([notice]) == [("guest_arrived:5", ["pak-bupati", "ajudan"])]
    assert "di luar jam kunjungan" in notice.title
    (stranger,) = notices_for_event(arrival(guest_id=None, name=None, outside=True), config())
    assert who([stranger]) == [("guest_arrived:5", ["ajudan"])]
    assert stranger.title.startswith("Tamu datang: Tamu tak dikenal")


def test_rules_name_people_by_id_as_well_as_by_role():
    rules = {"guest_arrived": {"to": ["satpam", "operator"]}}
    (notice,) = notices_for_event(arrival(), config(rules=rules))
    assert [p.id for p in notice.people] == ["satpam", "operator"]


def test_a_rule_with_nobody_sends_nothing():
    assert notices_for_event(arrival(), config(rules={"guest_arrived": {"to": []}})) == []


@pytest.mark.parametrize(
    ("camera", "cameras", "expected"),
    [
        ("gate", None, [("unknown_face_seen:4", ["satpam"])]),
        ("waiting", None, []),
        ("waiting", ["gate", "waiting_room"], [("unknown_face_seen:4", ["satpam"])]),
        ("not-configured", None, []),
    ],
)
def test_an_unknown_face_at_the_gate_reaches_the_guard(camera, cameras, expected):
    rule = {"to": ["guard"]} | ({"cameras": cameras} if cameras else {})
    event = UnknownFaceSeen(4, 5, camera, NOW, "unknown/u.jpg")
    assert who(notices_for_event(event, config(rules={"unknown_face": rule}))) == expected


def test_a_watchlist_sighting_is_urgent_and_reaches_guard_and_security():
    event = WatchlistSighted(3, "Orang X", "tinggi", "gate", NOW, "unknown/w.jpg")
    (notice,) = notices_for_event(event, config())
    assert who([notice]) == [(f"watchlist_sighted:3:{NOW.isoformat()}", ["satpam", "keamanan"])]
    assert notice.urgent
    assert notice.title == "PERHATIAN: Orang X (tingkat tinggi)"


def test_events_without_a_rule_notify_nobody():
    event = DecisionMade(1, 5, "receive", "bupati1", False, NOW)
    assert notices_for_event(event, config()) == []


def waiting_for(minutes: float, arrival_id: int = 9) -> UndecidedArrival:
    first = NOW - timedelta(minutes=minutes)
    return UndecidedArrival(arrival_id, "Joe Biden", "gate", first, "arrivals/a.jpg")


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (9.9, []),
        (10, [("waiting_reminder:9", ["ajudan"])]),
        (19, [("waiting_reminder:9", ["ajudan"])]),
        (
            20,
            [("waiting_reminder:9", ["ajudan"]), ("waiting_escalation_1:9", ["pak-bupati"])],
        ),
    ],
)
def test_a_guest_waiting_undecided_gets_a_reminder_then_escalates(minutes, expected):
    assert who(notices_for_waiting([waiting_for(minutes)], NOW, config())) == expected


def test_escalation_steps_are_configurable():
    rules = {
        "waiting": {
            "after_minutes": 5,
            "to": ["ajudan"],
            "escalate": [
                {"after_minutes": 15, "to": ["satpam"]},
                {"after_minutes": 30, "to": ["bupati"]},
            ],
        }
    }
    notices = notices_for_waiting([waiting_for(31)], NOW, config(rules=rules))
    assert who(notices) == [
        ("waiting_reminder:9", ["ajudan"]),
        ("waiting_escalation_1:9", ["satpam"]),
        ("waiting_escalation_2:9", ["pak-bupati"]),
    ]
    assert notices[0].title == "Pengingat: tamu menunggu keputusan"
    assert notices[2].title == "Eskalasi: tamu belum diputuskan"
    assert "(31 menit)" in notices[2].text


@pytest.mark.parametrize(
    ("window", "local", "quiet"),
    [
        ("22:00-06:00", "23:30", True),
        ("22:00-06:00", "05:59", True),
        ("22:00-06:00", "06:00", False),
        ("22:00-06:00", "21:59", False),
        ("12:00-13:00", "12:30", True),
        ("12:00-13:00", "13:00", False),
        (None, "03:00", False),
    ],
)
def test_quiet_hours_are_local_and_may_pass_midnight(window, local, quiet):
    people = [{"id": "a", "name": "A", "role": "guard", "quiet_hours": window}]
    person = parse_config({"notifications": {"people": people}}).notifications.people[0]
    hour, minute = map(int, local.split(":"))
    jakarta = datetime(2026, 11, 25, hour, minute, tzinfo=UTC) - timedelta(hours=7)
    assert in_quiet_hours(person, jakarta, parse_config({}).tz) is quiet


def test_messages_call_cameras_by_their_label():
    section = notifications("http://127.0.0.1:9")
    cameras = [{**c, "label": "Gerbang depan"} if c["name"] == "gate" else c for c in CAMERAS]
    labelled = parse_config({"cameras": cameras, "notifications": section})
    (guest,) = notices_for_event(arrival(), labelled)
    assert "tiba di kamera Gerbang depan pukul 19:00" in guest.text
    (stranger,) = notices_for_event(UnknownFaceSeen(9, 5, "gate", NOW, None), labelled)
    assert stranger.title == "Wajah tak dikenal di Gerbang depan"
    sighting = WatchlistSighted(3, "Orang X", "high", "gate", NOW, None)
    (watch,) = notices_for_event(sighting, labelled)
    assert "kamera Gerbang depan" in watch.text
