"""Webhooks: the event as a JSON POST, signed with HMAC-SHA256 over timestamp and body.

Headers: `X-Tamu-Event` (event type), `X-Tamu-Delivery` (event key), `X-Tamu-Timestamp` (Unix
seconds) and `X-Tamu-Signature: sha256=<hex>` where the hex is
HMAC-SHA256(secret, "<timestamp>.<raw body>"). A receiver recomputes it, compares in constant
time and refuses old timestamps (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx

from core.config import WebhookConfig
from notify.channels.http import make_client, outcome, transport_failure
from notify.message import Delivery, Message

SIGNATURE_HEADER = "X-Tamu-Signature"
TIMESTAMP_HEADER = "X-Tamu-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


class WebhookChannel:
    """POSTs events of the configured types to one URL."""

    name = "webhook"

    def __init__(self, config: WebhookConfig, timeout: float) -> None:
        self.url = config.url
        self.events = frozenset(config.events)
        self._secret = config.secret.get_secret_value()
        self._client = make_client(timeout)

    def wants(self, event_type: str) -> bool:
        """Whether this webhook takes events of `event_type`."""
        return event_type in self.events

    def send(self, message: Message) -> Delivery:
        """One signed POST of the message's data."""
        body = json.dumps(message.data, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Tamu-Event": message.event_type,
            "X-Tamu-Delivery": message.event_key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self._secret, timestamp, body),
        }
        try:
            response = self._client.post(message.recipient, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return transport_failure(exc)
        return outcome(response)

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()
