"""E-mail against a real SMTP server (aiosmtpd) on a free loopback port."""

from __future__ import annotations

from core.config import EmailConfig
from notify.channels.email import EmailChannel
from notify.message import Message
from tests.notify.servers import SmtpServer

JPEG = b"\xff\xd8\xff\xe0" + b"jpeg" * 10 + b"\xff\xd9"


def channel(server: SmtpServer) -> EmailChannel:
    config = EmailConfig(
        host="127.0.0.1", port=server.port, security="none", sender="tamu@pemkab.id"
    )
    return EmailChannel(config, timeout=5)


def message(snapshot=None) -> Message:
    return Message(
        "watchlist_sighted:3",
        "watchlist_sighted",
        "keamanan@pemkab.id",
        "PERHATIAN: Orang X (tingkat tinggi)",
        "Orang dalam daftar perhatian terlihat di kamera gate pukul 19:00.",
        {},
        snapshot,
    )


def test_a_message_arrives_with_subject_recipient_and_text(smtp_server):
    assert channel(smtp_server).send(message()).ok
    (mail,) = smtp_server.messages
    assert mail["To"] == "keamanan@pemkab.id"
    assert mail["From"] == "tamu@pemkab.id"
    assert mail["Subject"] == "PERHATIAN: Orang X (tingkat tinggi)"
    assert "pukul 19:00" in mail.get_body(("plain",)).get_content()


def test_the_snapshot_is_attached_as_a_jpeg(smtp_server):
    assert channel(smtp_server).send(message(JPEG)).ok
    (mail,) = smtp_server.messages
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_content_type() == "image/jpeg"
    assert attachment.get_filename() == "snapshot.jpg"
    assert attachment.get_content() == JPEG


def test_a_temporary_refusal_is_retryable_and_a_permanent_one_is_not():
    server = SmtpServer(refuse=["451 4.3.0 try again later", "550 5.1.1 no such mailbox"]).start()
    try:
        first = channel(server).send(message())
        assert not first.ok and first.retryable and "451" in first.error
        second = channel(server).send(message())
        assert not second.ok and not second.retryable and "550" in second.error
        assert channel(server).send(message()).ok
        assert len(server.messages) == 1
    finally:
        server.stop()


def test_no_server_is_retryable():
    server = SmtpServer()  # port chosen, never started
    result = channel(server).send(message())
    assert not result.ok and result.retryable


def test_a_refused_recipient_is_retried_only_when_the_refusal_is_temporary():
    server = SmtpServer(refuse_rcpt=["450 4.2.1 mailbox busy", "550 5.1.1 no such user"]).start()
    try:
        busy = channel(server).send(message())
        assert not busy.ok and busy.retryable and "450" in busy.error
        unknown = channel(server).send(message())
        assert not unknown.ok and not unknown.retryable and "550" in unknown.error
    finally:
        server.stop()
