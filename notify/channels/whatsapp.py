"""WhatsApp Cloud API: a text message, or an uploaded snapshot sent as an image with caption."""

from __future__ import annotations

from typing import Any

import httpx

from core.config import WhatsAppConfig
from notify.channels.http import make_client, outcome, transport_failure
from notify.message import Delivery, Message

TEXT_MAX = 4096
CAPTION_MAX = 1024


class WhatsAppChannel:
    """Sends from one business phone number id to people's numbers (digits, country code first).

    WhatsApp delivers free-form messages only within 24 hours of the person's last message to
    the business number; outside it Meta asks for approved templates.
    """

    name = "whatsapp"

    def __init__(self, config: WhatsAppConfig, timeout: float) -> None:
        self._token = config.token.get_secret_value()
        self._base = f"{config.api_base}/{config.phone_number_id}"
        self._client = make_client(timeout)
        self._client.headers["Authorization"] = f"Bearer {self._token}"

    def send(self, message: Message) -> Delivery:
        """Upload the snapshot first when there is one, then send the message."""
        text = f"{message.title}\n{message.text}"
        body: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.recipient,
        }
        try:
            if message.snapshot is not None:
                media_id = self._upload(message)
                if isinstance(media_id, Delivery):
                    return media_id
                body |= {"type": "image", "image": {"id": media_id, "caption": text[:CAPTION_MAX]}}
            else:
                body |= {"type": "text", "text": {"preview_url": False, "body": text[:TEXT_MAX]}}
            response = self._client.post(f"{self._base}/messages", json=body)
        except (httpx.HTTPError, OSError, ValueError) as exc:
            return transport_failure(exc, hide=self._token)
        return outcome(response, hide=self._token)

    def _upload(self, message: Message) -> str | Delivery:
        """The media id of the uploaded snapshot, or the failed Delivery."""
        assert message.snapshot is not None
        response = self._client.post(
            f"{self._base}/media",
            data={"messaging_product": "whatsapp", "type": "image/jpeg"},
            files={"file": ("snapshot.jpg", message.snapshot, "image/jpeg")},
        )
        result = outcome(response, hide=self._token)
        if not result.ok:
            return result
        media_id = response.json().get("id")
        if not media_id:
            return Delivery.failed("media upload answered without an id", retryable=True)
        return str(media_id)

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()
