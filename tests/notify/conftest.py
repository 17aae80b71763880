"""Fixtures for the notifier: real Mosquitto, HTTP and SMTP servers on loopback, and configs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.notify.servers import MOSQUITTO, HttpRecorder, Mosquitto, SmtpServer

SECRETS = {
    "TEST_TG_TOKEN": "123456:telegram-test-token",
    "TEST_WA_TOKEN": "whatsapp-test-token",
    "TEST_HOOK_SECRET": "webhook-test-secret",
    "TEST_SMTP_PASSWORD": "smtp-test-password",
}


@pytest.fixture(autouse=True)
def secrets_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The channels' secrets in the environment, where the config reads them from."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return SECRETS


@pytest.fixture
def mosquitto(tmp_path) -> Iterator[Mosquitto]:
    """A real Mosquitto broker on a free loopback port; skips when mosquitto is not installed."""
    if MOSQUITTO is None:
        pytest.skip("mosquitto is not installed (Debian package mosquitto; make system-deps)")
    broker = Mosquitto(tmp_path).start()
    yield broker
    broker.stop()


@pytest.fixture
def http_server() -> Iterator[HttpRecorder]:
    """An HTTP server on loopback recording requests."""
    server = HttpRecorder().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on a free loopback port."""
    server = SmtpServer().start()
    yield server
    server.stop()


PEOPLE = [
    {"id": "pak-bupati", "name": "Pak Bupati", "role": "bupati", "telegram_chat_id": "1001"},
    {"id": "ajudan", "name": "Ajudan Satu", "role": "adjutant", "telegram_chat_id": "1002"},
    {"id": "satpam", "name": "Satpam Gerbang", "role": "guard", "telegram_chat_id": "1003"},
    {"id": "keamanan", "name": "Kepala Keamanan", "role": "security", "telegram_chat_id": "1004"},
    {"id": "operator", "name": "Operator", "role": "operator", "telegram_chat_id": "1005"},
]
CAMERAS = [
    {"name": "gate", "role": "gate", "url": "rtsp://127.0.0.1:9/gate"},
    {"name": "waiting", "role": "waiting_room", "url": "rtsp://127.0.0.1:9/waiting"},
]


def notifications(base: str | None = None, **overrides: Any) -> dict[str, Any]:
    """A notifications section: Telegram at `base` (a local server) and the five PEOPLE."""
    section: dict[str, Any] = {
        "enabled": True,
        "check_interval_s": 0.2,
        "timeout_s": 5,
        "retry": {"attempts": 3, "backoff_initial_s": 0.1, "backoff_max_s": 0.4},
        "people": PEOPLE,
    }
    if base:
        section["telegram"] = {"token": "${TEST_TG_TOKEN}", "api_base": base}
    section.update(overrides)
    return section
