"""`tamu notifications`: try a person's channels, and read the delivery log."""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Any

import click

from tamu.commands.worker import ensure_schema
from tamu.context import AppContext, pass_ctx

TEST_TITLE = "Uji notifikasi Tamu"
TEST_TEXT = "Pesan uji dari Tamu: jika pesan ini sampai, saluran ini siap dipakai."


@click.group()
def notifications() -> None:
    """Notifications to people and systems (MQTT, webhooks, Telegram, WhatsApp, e-mail)."""


@notifications.command()
@click.argument("person")
@pass_ctx
def test(ctx: AppContext, person: str) -> None:
    """Send a test message now to every channel of PERSON (a person id in the config)."""
    from notify.message import Message
    from notify.plan import Channels

    section = ctx.config.notifications
    found = next((p for p in section.people if p.id == person), None)
    if found is None:
        known = ", ".join(p.id for p in section.people) or "none configured"
        raise click.BadParameter(f"no person {person!r} (known: {known})", param_hint="PERSON")
    channels = Channels.from_config(section)
    failed = 0
    try:
        pairs = channels.for_person(found)
        if not pairs:
            raise click.ClickException(f"{person} has no address on a configured channel")
        for channel, address in pairs:
            message = Message(f"test:{person}", "test", address, TEST_TITLE, TEST_TEXT)
            result = channel.send(message)
            failed += not result.ok
            outcome = "sent" if result.ok else f"FAILED: {result.error}"
            click.echo(f"{channel.name} {address}: {outcome}")
    finally:
        channels.close()
    if failed:
        raise SystemExit(1)


def _local(value: datetime | None, tz: tzinfo) -> str | None:
    return value.astimezone(tz).isoformat(timespec="seconds") if value is not None else None


def delivery_dict(row: Any, tz: tzinfo) -> dict[str, Any]:
    """A delivery-log row as JSON-ready data, times in the configured timezone."""
    return {
        "id": row.id,
        "event": row.event_key,
        "event_type": row.event_type,
        "channel": row.channel,
        "recipient": row.recipient,
        "person": row.person,
        "status": row.status,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "created_at": _local(row.created_at, tz),
        "last_attempt_at": _local(row.last_attempt_at, tz),
        "sent_at": _local(row.sent_at, tz),
    }


@notifications.command(name="log")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def log_(ctx: AppContext, limit: int, as_json: bool) -> None:
    """The delivery log, newest first."""
    from storage.notifications import deliveries

    tz = ctx.config.tz
    ensure_schema(ctx, auto_upgrade=False)
    with ctx.sessions() as session:
        rows = [delivery_dict(r, tz) for r in deliveries(session, limit=limit)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no deliveries")
    for row in rows:
        who = row["person"] or row["recipient"]
        error = f"  ({row['last_error']})" if row["last_error"] else ""
        click.echo(
            f"{row['created_at'][:16].replace('T', ' ')}  {row['status']:<8} {row['channel']:<9} "
            f"{who:<16} {row['event']} ×{row['attempts']}{error}"
        )
