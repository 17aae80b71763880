"""Telegram, WhatsApp and webhooks against a real HTTP server on loopback that checks the shape."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from core.config import TelegramConfig, WebhookConfig, WhatsAppConfig
from notify.channels.telegram import TelegramChannel
from notify.channels.webhook import WebhookChannel
from notify.channels.whatsapp import WhatsAppChannel
from notify.message import Message
from tests.notify.conftest import SECRETS

JPEG = b"\xff\xd8\xff\xe0" + b"snapshot" * 20 + b"\xff\xd9"


def message(recipient: str, snapshot=None, data=None) -> Message:
    return Message(
        "guest_arrived:5",
        "guest_arrived",
        recipient,
        "Tamu datang: Joe Biden",
        "Joe Biden tiba di kamera gate pukul 19:00.",
        data or {},
        snapshot,
    )


@pytest.fixture
def photo():
    return JPEG


def telegram(base: str) -> TelegramChannel:
    return TelegramChannel(TelegramConfig(token="${TEST_TG_TOKEN}", api_base=base), timeout=5)


def test_telegram_send_message_is_a_json_post_to_the_bot_path(http_server):
    channel = telegram(http_server.base)
    assert channel.send(message("1002")).ok
    (request,) = http_server.requests
    assert request.method == "POST"
    assert request.path == f"/bot{SECRETS['TEST_TG_TOKEN']}/sendMessage"
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {
        "chat_id": "1002",
        "text": "Tamu datang: Joe Biden\nJoe Biden tiba di kamera gate pukul 19:00.",
    }


def test_telegram_send_photo_is_multipart_with_the_snapshot_and_a_caption(http_server, photo):
    assert telegram(http_server.base).send(message("1002", photo)).ok
    (request,) = http_server.requests
    assert request.path == f"/bot{SECRETS['TEST_TG_TOKEN']}/sendPhoto"
    form = request.form()
    assert form["chat_id"] == "1002"
    assert form["caption"].startswith("Tamu datang: Joe Biden\n")
    assert form["photo"] == ("snapshot.jpg", "image/jpeg", JPEG)


@pytest.mark.parametrize(
    ("status", "retryable"), [(500, True), (502, True), (429, True), (400, False), (403, False)]
)
def test_http_failures_say_whether_a_retry_may_help(http_server, status, retryable):
    http_server.answers["/sendMessage"] = [(status, {"ok": False, "description": "nope"})]
    result = telegram(http_server.base).send(message("1002"))
    assert not result.ok
    assert result.retryable is retryable
    assert result.error.startswith(f"HTTP {status}")


def test_an_unreachable_server_is_retryable_and_the_token_never_shows(http_server):
    base = http_server.base
    http_server.stop()
    result = telegram(base).send(message("1002"))
    assert not result.ok and result.retryable
    assert SECRETS["TEST_TG_TOKEN"] not in result.error


def whatsapp(base: str) -> WhatsAppChannel:
    config = WhatsAppConfig(token="${TEST_WA_TOKEN}", phone_number_id="10987654321", api_base=base)
    return WhatsAppChannel(config, timeout=5)


def test_whatsapp_text_goes_to_the_phone_number_id_with_a_bearer_token(http_server):
    assert whatsapp(http_server.base).send(message("6281234567890")).ok
    (request,) = http_server.requests
    assert request.path == "/10987654321/messages"
    assert request.headers["authorization"] == f"Bearer {SECRETS['TEST_WA_TOKEN']}"
    assert request.json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "6281234567890",
        "type": "text",
        "text": {
            "preview_url": False,
            "body": "Tamu datang: Joe Biden\nJoe Biden tiba di kamera gate pukul 19:00.",
        },
    }


def test_whatsapp_image_uploads_the_snapshot_then_sends_it_by_media_id(http_server, photo):
    http_server.answers["/media"] = [(200, {"id": "media-42"})]
    assert whatsapp(http_server.base).send(message("6281234567890", photo)).ok
    upload, send = http_server.requests
    assert upload.path == "/10987654321/media"
    assert upload.headers["authorization"] == f"Bearer {SECRETS['TEST_WA_TOKEN']}"
    form = upload.form()
    assert form["messaging_product"] == "whatsapp"
    assert form["file"] == ("snapshot.jpg", "image/jpeg", JPEG)
    body = send.json()
    assert send.path == "/10987654321/messages"
    assert body["type"] == "image"
    assert body["image"] == {
        "id": "media-42",
        "caption": "Tamu datang: Joe Biden\nJoe Biden tiba di kamera gate pukul 19:00.",
    }


def test_a_failed_whatsapp_upload_sends_no_message(http_server, photo):
    http_server.answers["/media"] = [(400, {"error": {"message": "bad file"}})]
    result = whatsapp(http_server.base).send(message("6281234567890", photo))
    assert not result.ok and not result.retryable
    assert [r.path for r in http_server.requests] == ["/10987654321/media"]


def verify_signature(request) -> str | None:
    """What a receiver does: recompute the HMAC, compare in constant time, refuse old ones."""
    timestamp = request.headers.get("x-tamu-timestamp", "")
    given = request.headers.get("x-tamu-signature", "")
    mac = hmac.new(
        SECRETS["TEST_HOOK_SECRET"].encode(), timestamp.encode() + b"." + request.body, "sha256"
    )
    if not hmac.compare_digest(given, "sha256=" + mac.hexdigest()):
        return "bad signature"
    if abs(time.time() - int(timestamp)) > 300:
        return "too old"
    return None


def test_webhook_posts_signed_json_that_the_receiver_verifies(http_server):
    http_server.check = verify_signature
    hook = WebhookConfig(url=f"{http_server.base}/hooks/tamu", secret="${TEST_HOOK_SECRET}")
    data = {"type": "guest_arrived", "at": "2026-11-25T12:00:00+00:00", "guest_name": "Jökö"}
    assert WebhookChannel(hook, timeout=5).send(message(hook.url, data=data)).ok
    (request,) = http_server.requests
    assert request.path == "/hooks/tamu"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-tamu-event"] == "guest_arrived"
    assert request.headers["x-tamu-delivery"] == "guest_arrived:5"
    assert json.loads(request.body) == data


def test_a_webhook_with_the_wrong_secret_is_refused_by_the_receiver(http_server, monkeypatch):
    http_server.check = verify_signature
    monkeypatch.setenv("OTHER_SECRET", "not-the-receivers-secret")
    hook = WebhookConfig(url=f"{http_server.base}/h", secret="${OTHER_SECRET}")
    result = WebhookChannel(hook, timeout=5).send(message(hook.url, data={"type": "x"}))
    assert not result.ok and not result.retryable
    assert "HTTP 401" in result.error and "bad signature" in result.error


def test_the_signature_is_hmac_sha256_over_timestamp_and_body():
    from notify.channels.webhook import sign

    expected = hmac.new(b"k", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert sign("k", "1700000000", b"{}") == f"sha256={expected}"
