"""From events and notices to jobs: one message per channel and recipient."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.config import NotificationsConfig, PersonConfig
from core.events import Event
from core.policy import may_view_media
from notify.channels.email import EmailChannel
from notify.channels.mqtt import MqttChannel
from notify.channels.telegram import TelegramChannel
from notify.channels.webhook import WebhookChannel
from notify.channels.whatsapp import WhatsAppChannel
from notify.message import Channel, Message
from notify.rules import Notice
from storage.media import MediaError, MediaStore


@dataclass
class Job:
    """One message on its way: logged unless `logged` is False (MQTT logs only failures)."""

    channel: Channel
    message: Message
    person: str | None = None
    dedupe_key: str | None = None
    logged: bool = True
    quiet: bool = False
    delivery_id: int | None = None
    attempts: int = 0


@dataclass
class Channels:
    """The configured channels (None or empty: not configured)."""

    mqtt: MqttChannel | None = None
    webhooks: tuple[WebhookChannel, ...] = ()
    telegram: Channel | None = None
    whatsapp: Channel | None = None
    email: Channel | None = None

    @classmethod
    def from_config(cls, config: NotificationsConfig) -> Channels:
        """Build every configured channel (MQTT starts connecting in the background)."""
        timeout = config.timeout_s
        return cls(
            mqtt=MqttChannel(config.mqtt, timeout) if config.mqtt else None,
            webhooks=tuple(WebhookChannel(w, timeout) for w in config.webhooks),
            telegram=TelegramChannel(config.telegram, timeout) if config.telegram else None,
            whatsapp=WhatsAppChannel(config.whatsapp, timeout) if config.whatsapp else None,
            email=EmailChannel(config.email, timeout) if config.email else None,
        )

    def for_person(self, person: PersonConfig) -> list[tuple[Channel, str]]:
        """(channel, address) for each way the person can be reached."""
        pairs = [
            (self.telegram, person.telegram_chat_id),
            (self.whatsapp, person.whatsapp_number),
            (self.email, person.email),
        ]
        return [(channel, address) for channel, address in pairs if channel and address]

    def all(self) -> list[Channel]:
        """Every configured channel."""
        singles = [self.mqtt, self.telegram, self.whatsapp, self.email]
        return [c for c in singles if c is not None] + list(self.webhooks)

    def close(self) -> None:
        """Close every channel."""
        for channel in self.all():
            channel.close()


def event_data(event: Event, now: datetime) -> dict[str, Any]:
    """The event as JSON-ready data with at least `type` and `at` (now, if it has no time)."""
    data = event.to_dict()
    data.setdefault("at", now.isoformat())
    return data


def event_key(data: dict[str, Any]) -> str:
    """A readable key of an event for the log: its type and first id field, and its time."""
    ident = next((f"{k}={v}" for k, v in data.items() if k.endswith("_id") and v is not None), "")
    return f"{data['type']}:{ident}@{data['at']}"[:120]


def stream_jobs(event: Event, channels: Channels, now: datetime) -> list[Job]:
    """Every event to MQTT, and to each webhook that takes its type."""
    data = event_data(event, now)
    key = event_key(data)
    jobs = []
    if channels.mqtt is not None:
        message = Message(key, event.name, channels.mqtt.topic(event.name), event.name, "", data)
        jobs.append(Job(channels.mqtt, message, logged=False))
    for hook in channels.webhooks:
        if hook.wants(event.name):
            jobs.append(Job(hook, Message(key, event.name, hook.url, event.name, "", data)))
    return jobs


def notice_jobs(
    notice: Notice, channels: Channels, media: MediaStore, *, quiet: set[str]
) -> list[Job]:
    """A message per person and channel; `quiet` holds the ids of people in quiet hours."""
    jobs = []
    for person in notice.people:
        snapshot = _snapshot_for(person, notice.snapshot, media)
        for channel, address in channels.for_person(person):
            message = Message(
                notice.key, notice.event_type, address, notice.title, notice.text, {}, snapshot
            )
            jobs.append(
                Job(
                    channel,
                    message,
                    person=person.id,
                    dedupe_key=f"{notice.key}|{channel.name}|{address}",
                    quiet=person.id in quiet and not notice.urgent,
                )
            )
    return jobs


def _snapshot_for(person: PersonConfig, rel: str | None, media: MediaStore) -> bytes | None:
    """The snapshot's JPEG when the person's role may see its kind (and it is still there)."""
    if not rel or not may_view_media(person.role, rel):
        return None
    try:
        return media.read(rel)
    except MediaError:
        return None
