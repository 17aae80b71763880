"""The notifier interface: a channel sends one message to one recipient and says how it went."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Message:
    """One message for one recipient (a chat id, a number, an address, a topic or a URL)."""

    event_key: str
    event_type: str
    recipient: str
    title: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)
    snapshot: bytes | None = None  # JPEG


@dataclass(frozen=True)
class Delivery:
    """The outcome of one attempt; `retryable` says whether trying again may help."""

    ok: bool
    error: str | None = None
    retryable: bool = False

    @classmethod
    def sent(cls) -> Delivery:
        """A successful attempt."""
        return cls(ok=True)

    @classmethod
    def failed(cls, error: str, *, retryable: bool) -> Delivery:
        """A failed attempt and whether a later one may succeed."""
        return cls(ok=False, error=error, retryable=retryable)


class Channel(Protocol):
    """A way to reach people or systems; `send` never raises, it returns a Delivery."""

    name: str

    def send(self, message: Message) -> Delivery:
        """Try once to deliver `message`."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
