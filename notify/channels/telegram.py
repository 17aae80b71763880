"""Telegram Bot API: sendMessage, or sendPhoto with the snapshot as caption-bearing photo."""

from __future__ import annotations

import httpx

from core.config import TelegramConfig
from notify.channels.http import make_client, outcome, transport_failure
from notify.message import Delivery, Message

CAPTION_MAX = 1024
TEXT_MAX = 4096


class TelegramChannel:
    """Sends to chat ids through a bot; the API base URL is configurable (tests, proxies)."""

    name = "telegram"

    def __init__(self, config: TelegramConfig, timeout: float) -> None:
        self._token = config.token.get_secret_value()
        self._base = f"{config.api_base}/bot{self._token}"
        self._client = make_client(timeout)

    def send(self, message: Message) -> Delivery:
        """One sendMessage or sendPhoto call."""
        text = f"{message.title}\n{message.text}"
        try:
            if message.snapshot is not None:
                response = self._client.post(
                    f"{self._base}/sendPhoto",
                    data={"chat_id": message.recipient, "caption": text[:CAPTION_MAX]},
                    files={"photo": ("snapshot.jpg", message.snapshot, "image/jpeg")},
                )
            else:
                response = self._client.post(
                    f"{self._base}/sendMessage",
                    json={"chat_id": message.recipient, "text": text[:TEXT_MAX]},
                )
        except (httpx.HTTPError, OSError) as exc:
            return transport_failure(exc, hide=self._token)
        return outcome(response, hide=self._token)

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()
