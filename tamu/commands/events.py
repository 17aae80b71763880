"""`tamu events`: the recorded arrivals."""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Any

import click

from tamu.commands.worker import ensure_schema
from tamu.context import AppContext, pass_ctx


def parse_since(text: str, tz: tzinfo) -> datetime:
    """An ISO 8601 date or datetime; without an offset it is read in the configured timezone."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not an ISO 8601 date or time (e.g. 2025-01-31 or 2025-01-31T08:00+07:00)",
            param_hint="--since",
        ) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=tz)


def _local(value: datetime | None, tz: tzinfo) -> str | None:
    return value.astimezone(tz).isoformat() if value is not None else None


def arrival_dict(arrival: Any, tz: tzinfo) -> dict[str, Any]:
    """An arrival as JSON-ready data, times in the configured timezone."""
    return {
        "id": arrival.id,
        "camera": arrival.camera.name,
        "guest": arrival.guest.name if arrival.guest is not None else None,
        "guest_id": arrival.guest_id,
        "first_seen": _local(arrival.first_seen, tz),
        "last_seen": _local(arrival.last_seen, tz),
        "distance": arrival.best_distance,
        "snapshot": arrival.snapshot,
        "sightings": arrival.sightings,
        "waiting_room_at": _local(arrival.waiting_room_at, tz),
        "outside_hours": arrival.outside_hours,
        "status": arrival.status,
    }


@click.group()
def events() -> None:
    """What the cameras recorded."""


@events.command(name="list")
@click.option("--since", help="Only arrivals seen since this ISO 8601 date or time.")
@click.option("--camera", help="Only arrivals first seen at this camera.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def list_(ctx: AppContext, since: str | None, camera: str | None, as_json: bool) -> None:
    """Recorded arrivals, oldest first."""
    from storage.arrivals import list_arrivals
    from storage.cameras import get_camera

    tz = ctx.config.tz
    since_at = parse_since(since, tz) if since else None
    ensure_schema(ctx, auto_upgrade=False)
    with ctx.sessions() as session:
        if camera and get_camera(session, camera) is None:
            raise click.BadParameter(f"no camera called {camera!r}", param_hint="--camera")
        rows = [arrival_dict(a, tz) for a in list_arrivals(session, since=since_at, camera=camera)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no arrivals")
    for row in rows:
        who = row["guest"] or "unknown face"
        extra = f", waiting room {row['waiting_room_at'][11:16]}" if row["waiting_room_at"] else ""
        click.echo(
            f"{row['first_seen'][:16].replace('T', ' ')}–{row['last_seen'][11:16]}  "
            f"{row['camera']:<10} {who} ({row['sightings']}×, {row['status']}{extra})"
        )
