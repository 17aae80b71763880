"""MQTT against a real Mosquitto broker that the test starts on a free loopback port."""

from __future__ import annotations

import json
import queue
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from core.config import MqttConfig
from core.events import GuestArrived, ReceivingChanged
from notify.channels.mqtt import MqttChannel
from notify.message import Message
from notify.plan import Channels, stream_jobs
from tests.support.waiting import wait_until

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


class Subscriber:
    """A paho client subscribed to a topic filter, collecting (topic, payload, retained)."""

    def __init__(self, port: int, topic: str) -> None:
        self.messages: queue.Queue[tuple[str, str, bool]] = queue.Queue()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="test-subscriber")
        subscribed = queue.Queue()
        self.client.on_message = lambda _c, _u, m: self.messages.put(
            (m.topic, m.payload.decode(), bool(m.retain))
        )
        self.client.on_subscribe = lambda *_a: subscribed.put(True)
        self.client.on_connect = lambda c, *_a: c.subscribe(topic, qos=1)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        subscribed.get(timeout=10)

    def next(self, timeout: float = 10) -> tuple[str, str, bool]:
        return self.messages.get(timeout=timeout)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def channel_for():
    made: list[MqttChannel] = []

    def make(url: str, **fields) -> MqttChannel:
        made.append(MqttChannel(MqttConfig(url=url, **fields), timeout=5))
        return made[-1]

    yield make
    for channel in made:
        channel.close()


def send_event(channel: MqttChannel, event) -> None:
    (job,) = stream_jobs(event, Channels(mqtt=channel), NOW)
    result = channel.send(job.message)
    assert result.ok, result.error


def test_every_event_goes_to_prefix_events_type_as_json_with_type_and_at(mosquitto, channel_for):
    subscriber = Subscriber(mosquitto.port, "tamu/events/#")
    try:
        channel = channel_for(mosquitto.url)
        arrival = GuestArrived(5, "gate", 7, "Joe Biden", NOW, 0.31, "arrivals/a.jpg")
        send_event(channel, arrival)
        topic, payload, _ = subscriber.next()
        assert topic == "tamu/events/guest_arrived"
        data = json.loads(payload)
        assert data["type"] == "guest_arrived"
        assert data["at"] == NOW.isoformat()
        assert data["guest_name"] == "Joe Biden"
        # an event without a time of its own gets the time it was sent
        send_event(channel, ReceivingChanged(False, "bupati1"))
        topic, payload, _ = subscriber.next()
        assert topic == "tamu/events/receiving_changed"
        assert json.loads(payload)["type"] == "receiving_changed"
        assert json.loads(payload)["at"] == NOW.isoformat()
    finally:
        subscriber.close()


def test_the_topic_prefix_is_configurable_and_availability_is_retained(mosquitto, channel_for):
    channel = channel_for(mosquitto.url, topic_prefix="rumah/tamu")
    send_event(channel, ReceivingChanged(True, "bupati1"))
    subscriber = Subscriber(mosquitto.port, "rumah/tamu/#")
    try:
        assert subscriber.next() == ("rumah/tamu/available", "online", True)
    finally:
        subscriber.close()


def test_a_broker_that_is_down_fails_retryably_then_works_once_it_is_up(tmp_path, channel_for):
    from tests.notify.servers import MOSQUITTO, Mosquitto

    if MOSQUITTO is None:
        pytest.skip("mosquitto is not installed (Debian package mosquitto; make system-deps)")
    broker = Mosquitto(tmp_path)
    channel = channel_for(broker.url)
    message = Message("k", "receiving_changed", "tamu/events/receiving_changed", "", "", {})
    result = channel.send(message)
    assert not result.ok and result.retryable
    assert result.error == "not connected to the MQTT broker"
    broker.start()
    try:
        wait_until(lambda: channel.send(message).ok, 40, interval=0.5, message="no reconnect")
    finally:
        broker.stop()
