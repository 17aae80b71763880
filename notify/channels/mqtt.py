"""MQTT: every event as JSON on `<prefix>/events/<event type>` (Home Assistant, Frigate style).

`<prefix>/available` holds "online" while Tamu is connected (retained; "offline" is the will the
broker publishes when the connection drops).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import threading

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from core.config import MqttConfig
from notify.message import Delivery, Message

log = logging.getLogger(__name__)
CONNECT_WAIT_MAX_S = 2.0
KEEPALIVE_S = 30
RECONNECT_DELAY_S = (1, 30)


class MqttChannel:
    """One connection kept open by paho's network thread, reconnecting by itself."""

    name = "mqtt"

    def __init__(self, config: MqttConfig, timeout: float) -> None:
        self.prefix = config.topic_prefix
        self._qos = config.qos
        self._retain = config.retain
        self._timeout = timeout
        self._connected = threading.Event()
        client_id = config.client_id or f"tamu-{os.getpid()}-{secrets.token_hex(3)}"
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
        if config.username:
            password = config.password.get_secret_value() if config.password else None
            self._client.username_pw_set(config.username, password)
        if config.tls:
            self._client.tls_set()
        self._client.will_set(self.availability_topic, "offline", qos=1, retain=True)
        self._client.reconnect_delay_set(*RECONNECT_DELAY_S)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.connect_async(config.host, config.port, keepalive=KEEPALIVE_S)
        self._client.loop_start()

    @property
    def availability_topic(self) -> str:
        """Where "online" / "offline" is kept."""
        return f"{self.prefix}/available"

    def topic(self, event_type: str) -> str:
        """The topic of an event type."""
        return f"{self.prefix}/events/{event_type}"

    def _on_connect(self, client, _userdata, _flags, reason_code, _properties) -> None:
        if reason_code.is_failure:
            log.warning("MQTT broker refused the connection: %s", reason_code)
            return
        log.info("MQTT connected")
        client.publish(self.availability_topic, "online", qos=1, retain=True)
        self._connected.set()

    def _on_disconnect(self, _client, _userdata, _flags, reason_code, _properties) -> None:
        if self._connected.is_set():
            log.warning("MQTT disconnected (%s); reconnecting", reason_code)
        self._connected.clear()

    def send(self, message: Message) -> Delivery:
        """Publish the message's data and wait for the broker's acknowledgement (QoS 1/2)."""
        if not self._connected.wait(min(self._timeout, CONNECT_WAIT_MAX_S)):
            return Delivery.failed("not connected to the MQTT broker", retryable=True)
        payload = json.dumps(message.data, ensure_ascii=False, separators=(",", ":"))
        try:
            info = self._client.publish(message.recipient, payload, self._qos, self._retain)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                return Delivery.failed(mqtt.error_string(info.rc), retryable=True)
            info.wait_for_publish(self._timeout)
        except (RuntimeError, ValueError) as exc:
            return Delivery.failed(f"MQTT publish: {exc}", retryable=True)
        if not info.is_published():
            return Delivery.failed(f"no acknowledgement within {self._timeout:g} s", retryable=True)
        return Delivery.sent()

    def close(self) -> None:
        """Say "offline", disconnect and stop the network thread."""
        if self._connected.is_set():
            info = self._client.publish(self.availability_topic, "offline", qos=1, retain=True)
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(1.0)
        self._client.disconnect()
        self._client.loop_stop()
