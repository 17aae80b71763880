"""What the HTTP channels share: one client with a timeout, and reading a response."""

from __future__ import annotations

import httpx

from notify.message import Delivery

BODY_SHOWN = 200


def make_client(timeout: float) -> httpx.Client:
    """An HTTP client that gives up after `timeout` seconds and never follows redirects."""
    return httpx.Client(timeout=timeout, follow_redirects=False)


def outcome(response: httpx.Response, *, hide: str = "") -> Delivery:
    """2xx is sent; 429 and 5xx may pass later; any other status will not."""
    if response.is_success:
        return Delivery.sent()
    body = response.text[:BODY_SHOWN].replace("\n", " ")
    error = f"HTTP {response.status_code}: {body}"
    retryable = response.status_code == 429 or response.status_code >= 500
    return Delivery.failed(redact(error, hide), retryable=retryable)


def transport_failure(exc: Exception, *, hide: str = "") -> Delivery:
    """A connection problem or time-out: worth trying again."""
    return Delivery.failed(redact(f"{type(exc).__name__}: {exc}", hide), retryable=True)


def redact(text: str, secret: str) -> str:
    """`text` without `secret` (a bot token is part of Telegram's URLs)."""
    return text.replace(secret, "***") if secret else text
