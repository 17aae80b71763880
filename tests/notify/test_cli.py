"""`tamu notifications test PERSON` and `tamu notifications log` through the real CLI."""

from __future__ import annotations

from datetime import UTC, datetime

from core.events import WatchlistSighted
from notify.dispatcher import Dispatcher
from notify.plan import Channels
from storage.db import make_engine, make_session_factory, upgrade
from storage.media import FileMediaStore
from tests.notify.conftest import CAMERAS, notifications
from tests.support.cli import Tamu
from tests.support.waiting import wait_until


def tamu_with(write_config, **section) -> Tamu:
    config, path = write_config({"cameras": CAMERAS, "notifications": section})
    upgrade(config.storage.database_url)
    return Tamu(path, config)


def test_test_sends_to_every_channel_of_the_person(write_config, http_server, smtp_server):
    people = [
        {
            "id": "ajudan",
            "name": "Ajudan",
            "role": "adjutant",
            "telegram_chat_id": "1002",
            "email": "ajudan@pemkab.id",
        }
    ]
    email = {"host": "127.0.0.1", "port": smtp_server.port, "security": "none", "sender": "t@p.id"}
    tamu = tamu_with(write_config, **notifications(http_server.base, people=people, email=email))
    result = tamu.ok("notifications", "test", "ajudan")
    assert result.output.splitlines() == ["telegram 1002: sent", "email ajudan@pemkab.id: sent"]
    assert http_server.requests[0].json()["text"].startswith("Uji notifikasi Tamu")
    assert smtp_server.messages[0]["Subject"] == "Uji notifikasi Tamu"


def test_test_reports_a_failure_and_exits_non_zero(write_config, http_server):
    http_server.answers["/sendMessage"] = [(400, {"ok": False, "description": "chat not found"})]
    tamu = tamu_with(write_config, **notifications(http_server.base))
    result = tamu("notifications", "test", "satpam")
    assert result.exit_code == 1
    assert result.output.startswith("telegram 1003: FAILED: HTTP 400")
    unknown = tamu("notifications", "test", "nobody")
    assert unknown.exit_code == 2
    assert "no person 'nobody' (known: pak-bupati, ajudan, satpam, keamanan, operator)" in (
        unknown.output
    )


def test_log_lists_deliveries_newest_first(write_config, http_server):
    tamu = tamu_with(write_config, **notifications(http_server.base))
    assert tamu.ok("notifications", "log").output == "no deliveries\n"
    config = tamu.config
    engine = make_engine(config.storage.database_url)
    sessions = make_session_factory(engine)
    d = Dispatcher(
        config,
        sessions,
        Channels.from_config(config.notifications),
        FileMediaStore(config.storage.media_dir),
    )
    d.handle_event(WatchlistSighted(3, "Orang X", "tinggi", "gate", datetime.now(UTC), None))
    wait_until(lambda: d.counts().get("sent") == 2, 10, message="not sent")
    d.stop()
    engine.dispose()
    rows = tamu.json("notifications", "log", "--json")
    assert [(r["person"], r["channel"], r["status"], r["attempts"]) for r in rows] == [
        ("keamanan", "telegram", "sent", 1),
        ("satpam", "telegram", "sent", 1),
    ]
    assert rows[0]["sent_at"].endswith("+07:00")
    text = tamu.ok("notifications", "log").output.splitlines()
    assert len(text) == 2 and "sent" in text[0] and "keamanan" in text[0]
