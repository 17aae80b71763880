"""E-mail by SMTP (STARTTLS, implicit TLS or plain for a local relay), snapshot attached."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from core.config import EmailConfig
from notify.message import Delivery, Message


class EmailChannel:
    """One SMTP connection per message (notifications are few; no idle connection to keep)."""

    name = "email"

    def __init__(self, config: EmailConfig, timeout: float) -> None:
        self._config = config
        self._timeout = timeout

    def compose(self, message: Message) -> EmailMessage:
        """The e-mail for `message`."""
        mail = EmailMessage()
        mail["From"] = self._config.sender
        mail["To"] = message.recipient
        mail["Subject"] = message.title
        mail["Date"] = formatdate(localtime=True)
        mail["Message-ID"] = make_msgid(domain=self._config.sender.rpartition("@")[2])
        mail.set_content(message.text)
        if message.snapshot is not None:
            mail.add_attachment(
                message.snapshot, maintype="image", subtype="jpeg", filename="snapshot.jpg"
            )
        return mail

    def send(self, message: Message) -> Delivery:
        """Connect, authenticate when configured, send, quit."""
        cfg = self._config
        try:
            mail = self.compose(message)
            smtp: smtplib.SMTP
            if cfg.security == "ssl":
                context = ssl.create_default_context()
                smtp = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=self._timeout, context=context)
            else:
                smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=self._timeout)
            with smtp:
                if cfg.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if cfg.username and cfg.password:
                    smtp.login(cfg.username, cfg.password.get_secret_value())
                smtp.send_message(mail)
        except smtplib.SMTPResponseException as exc:
            # 4xx: the server asks to try later; 5xx: it will not take this message.
            text = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
            return Delivery.failed(text, retryable=400 <= exc.smtp_code < 500)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            temporary = all(400 <= code < 500 for code in codes)
            return Delivery.failed(f"recipient refused: {exc.recipients}", retryable=temporary)
        except (smtplib.SMTPException, OSError) as exc:
            return Delivery.failed(f"{type(exc).__name__}: {exc}", retryable=True)
        return Delivery.sent()

    def close(self) -> None:
        """Nothing is kept open."""
