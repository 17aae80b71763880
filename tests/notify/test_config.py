"""The `notifications:` section: typed, secrets only from the environment, one-line errors."""

from __future__ import annotations

import pytest

from core.config import ConfigError, parse_config
from tests.notify.conftest import CAMERAS, PEOPLE, notifications

GUARD = {"id": "a", "name": "A", "role": "guard"}


def parse(section: dict) -> object:
    return parse_config({"cameras": CAMERAS, "notifications": section}, "config.yaml")


def test_off_by_default_with_the_documented_names():
    config = parse_config({})
    assert config.notifications.enabled is False
    mqtt = parse({"mqtt": {"url": "mqtt://127.0.0.1:1883"}}).notifications.mqtt
    assert (mqtt.host, mqtt.port, mqtt.topic_prefix, mqtt.tls) == ("127.0.0.1", 1883, "tamu", False)


def test_secrets_are_read_from_the_environment_and_hidden():
    config = parse(notifications("http://127.0.0.1:9"))
    token = config.notifications.telegram.token
    assert token.get_secret_value() == "123456:telegram-test-token"
    assert "telegram-test-token" not in repr(config.notifications.telegram)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            {"telegram": {"token": "123456:literal-token-in-the-file"}},
            "config.yaml: notifications.telegram.token: secrets come from the environment: "
            "write ${ENV_VAR}, not the secret",
        ),
        (
            {"telegram": {"token": "${TEST_NOT_SET}"}},
            "notifications.telegram.token: environment variable TEST_NOT_SET is not set",
        ),
        (
            {"webhooks": [{"url": "http://127.0.0.1:9/h", "secret": "plain"}]},
            "notifications.webhooks[0].secret: secrets come from the environment",
        ),
        (
            {"email": {"host": "h", "sender": "a@b.id", "username": "u", "password": "pw"}},
            "notifications.email.password: secrets come from the environment",
        ),
        (
            {"webhooks": [{"url": "http://x/h", "secret": "${TEST_HOOK_SECRET}", "events": ["x"]}]},
            "notifications.webhooks[0].events: unknown event type 'x'",
        ),
        ({"mqtt": {"url": "http://broker"}}, "notifications.mqtt.url: String should match"),
        ({"people": [GUARD, GUARD]}, "notifications: people[1].id: duplicate person id 'a'"),
        (
            {"people": [{**PEOPLE[0], "role": "king"}]},
            "notifications.people[0].role: unknown role 'king'",
        ),
        ({"people": [PEOPLE[0]]}, "people[0].telegram_chat_id: notifications.telegram is not set"),
        (
            {"people": [{**GUARD, "email": "a@b.id"}]},
            "people[0].email: notifications.email is not set",
        ),
        (
            {"people": [{**GUARD, "quiet_hours": "22-6"}]},
            "notifications.people[0].quiet_hours: '22-6' is not a window like 22:00-06:00",
        ),
        (
            {"rules": {"watchlist": {"to": ["satpam-malam"]}}},
            "rules.watchlist.to: 'satpam-malam' is neither a role nor a person id",
        ),
        (
            {"rules": {"waiting": {"escalate": [{"after_minutes": 5, "to": ["bupati"]}]}}},
            "escalate[0].after_minutes must be later than 10",
        ),
        ({"rules": {"guest_arrived": {"to": ["bupati"], "loud": True}}}, "loud: unknown key"),
    ],
)
def test_bad_sections_fail_with_one_line_naming_the_key(section, message):
    with pytest.raises(ConfigError) as caught:
        parse(section)
    text = str(caught.value)
    assert "\n" not in text
    assert message in text, text


def test_the_readme_example_is_a_valid_config():
    import re
    from pathlib import Path

    import yaml

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(notifications:\n.*?)```", readme, re.S)
    assert block, "no notifications example in the README"
    env = {
        "TAMU_MQTT_PASSWORD": "m",
        "TAMU_WEBHOOK_SECRET": "w",
        "TAMU_TELEGRAM_TOKEN": "t",
        "TAMU_WHATSAPP_TOKEN": "a",
        "TAMU_SMTP_PASSWORD": "s",
    }
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        config = parse_config(yaml.safe_load(block.group(1)), "README.md")
    section = config.notifications
    assert section.enabled and section.mqtt.topic_prefix == "tamu"
    assert [p.id for p in section.people_for(["bupati"])] == ["bupati"]
    assert section.people[0].whatsapp_number == "6281200000001"


def test_the_shipped_config_has_notifications_off():
    from pathlib import Path

    from core.config import load_config

    config = load_config(Path(__file__).resolve().parents[2] / "config.yaml")
    assert config.notifications.enabled is False


def test_unquoted_chat_ids_and_numbers_are_taken_as_text():
    import yaml

    text = """
    whatsapp: {token: "${TEST_WA_TOKEN}", phone_number_id: 123456789012345}
    telegram: {token: "${TEST_TG_TOKEN}"}
    people:
      - {id: a, name: A, role: guard, telegram_chat_id: -1001234567890, whatsapp: 6281234567890}
    """
    section = parse(yaml.safe_load(text)).notifications
    assert section.whatsapp.phone_number_id == "123456789012345"
    assert section.people[0].telegram_chat_id == "-1001234567890"
    assert section.people[0].whatsapp_number == "6281234567890"
