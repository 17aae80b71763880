"""`tamu appointments`: expected guests (janji temu), added and listed."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import click

from tamu.commands.worker import ensure_schema
from tamu.context import AppContext, pass_ctx


@click.group()
def appointments() -> None:
    """Expected guests (janji temu)."""


@appointments.command()
@click.option("--name", required=True, help="The guest's name as it should appear.")
@click.option("--at", "at", required=True, help="Start, ISO 8601 (no offset: config timezone).")
@click.option("--until", default=None, help="End (default: start + appointments length).")
@click.option("--purpose", default=None)
@click.option("--host", default=None, help="Whom the guest meets.")
@click.option(
    "--photo", type=click.Path(path_type=Path), default=None, help="Enrol the guest from it."
)
@pass_ctx
def add(
    ctx: AppContext,
    name: str,
    at: str,
    until: str | None,
    purpose: str | None,
    host: str | None,
    photo: Path | None,
) -> None:
    """Expect a guest; with --photo the guest is enrolled too (as `tamu guests add`)."""
    from core.appointments import validate_appointment
    from core.enrolment import EnrolmentRefused
    from core.errors import WorkflowError
    from storage import appointments as store
    from storage.db import transaction
    from tamu.enrolment import PhotoEnroller

    config = ctx.config
    length = timedelta(minutes=config.appointments.default_length_minutes)
    try:
        fields = validate_appointment(
            name=name, at=at, until=until, purpose=purpose, host=host, length=length, tz=config.tz
        )
    except WorkflowError as exc:
        raise click.ClickException(f"nothing saved: {exc}") from None
    ensure_schema(ctx, auto_upgrade=True)
    guest_id = None
    if photo is not None:
        try:
            enrolled = PhotoEnroller(config)([(str(photo), photo)], {"name": fields.name}, None)
        except EnrolmentRefused as exc:
            raise click.ClickException(f"nothing saved: {photo}: {exc}") from None
        guest_id = enrolled.guest_id
        click.echo(f"Terdaftar: {fields.name} (id {guest_id}), 1 foto")
        for other in enrolled.similar:
            click.echo(
                f"PERINGATAN: wajah ini sudah terdaftar sebagai #{other['id']} {other['name']}"
            )
    with transaction(ctx.sessions) as session:
        row, _events = store.create(session, None, fields, guest_id=guest_id)
    tz = config.tz
    click.echo(
        f"Janji temu #{row.id}: {row.name}, {row.at.astimezone(tz):%Y-%m-%d %H:%M}–"
        f"{row.until.astimezone(tz):%H:%M}" + (f" dengan {row.host}" if row.host else "")
    )


@appointments.command()
@click.argument("appointment_id", type=int)
@pass_ctx
def cancel(ctx: AppContext, appointment_id: int) -> None:
    """Cancel an appointment that is still expected."""
    from core.errors import WorkflowError
    from storage import appointments as store
    from storage.db import transaction

    ensure_schema(ctx, auto_upgrade=True)
    try:
        with transaction(ctx.sessions) as session:
            row, _events = store.cancel(session, appointment_id, None)
    except WorkflowError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Janji temu #{row.id} ({row.name}) dibatalkan")


@appointments.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def list_(ctx: AppContext, as_json: bool) -> None:
    """Every appointment, earliest first, with its status."""
    from storage import appointments as store

    ensure_schema(ctx, auto_upgrade=True)
    with ctx.sessions() as session:
        rows = store.list_all(session)
    if as_json:
        out = [store.as_dict(a) for a in rows]
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no appointments")
    tz = ctx.config.tz
    for a in rows:
        arrival = f" (kedatangan #{a.arrival_id})" if a.arrival_id else ""
        click.echo(
            f"#{a.id} {a.at.astimezone(tz):%Y-%m-%d %H:%M}–{a.until.astimezone(tz):%H:%M} "
            f"{a.name} [{a.status}]{arrival}" + (f" · {a.host}" if a.host else "")
        )
