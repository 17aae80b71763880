"""`tamu watchlist`: enrol, list and erase persons of concern (daftar perhatian)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from core.vocab import WatchlistLevel, values
from tamu.commands.guests import _finder
from tamu.commands.worker import ensure_schema
from tamu.context import AppContext, pass_ctx


def photo_faces(ctx: AppContext, photos: list[Path]) -> list:
    """One checked face per photo (the guests' checks), or ClickException naming each problem."""
    from tamu.enrolment import check_photos
    from tamu.photo_check import enrol_face

    faces, problems = check_photos(_finder(ctx), [(str(photo), photo) for photo in photos])
    if problems:
        lines = [f"{problem.photo}: {problem.reason}" for problem in problems]
        raise click.ClickException("nothing enrolled:\n  " + "\n  ".join(lines))
    return [enrol_face(face) for face in faces]


@click.group()
def watchlist() -> None:
    """Persons of concern (daftar perhatian): sighted before guests, never as a guest."""


@watchlist.command()
@click.option("--name", required=True, help="The person's name as security knows it.")
@click.option(
    "--photo", "photos", multiple=True, required=True, type=click.Path(path_type=Path),
    help="A photo with exactly this one person's face (repeatable).",
)  # fmt: skip
@click.option("--level", required=True, type=click.Choice(values(WatchlistLevel)))
@click.option("--note", default=None, help="Why the person is on the watchlist.")
@pass_ctx
def add(ctx: AppContext, name: str, photos: tuple[Path, ...], level: str, note: str | None) -> None:
    """Enrol a person of concern; nothing is written unless every photo is usable."""
    from storage.watchlist import WatchlistError, enrol

    ensure_schema(ctx, auto_upgrade=True)
    faces = photo_faces(ctx, list(photos))
    try:
        entry = enrol(ctx.sessions, ctx.media, faces, name=name, level=level, note=note)
    except WatchlistError as exc:
        raise click.ClickException(f"nothing enrolled: {exc}") from None
    click.echo(
        f"Daftar perhatian: {entry.name} (id {entry.id}, tingkat {entry.level}), {len(faces)} foto"
    )


@watchlist.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def list_(ctx: AppContext, as_json: bool) -> None:
    """Every watchlist entry with its photos and sightings."""
    from storage.watchlist import counts, list_entries

    ensure_schema(ctx, auto_upgrade=True)
    with ctx.sessions() as session:
        numbers = counts(session)
        rows = [
            {
                "id": e.id,
                "name": e.name,
                "level": e.level,
                "note": e.note,
                "created_by": e.created_by,
                "created_at": e.created_at.isoformat(),
                "encodings": numbers.get(e.id, (0, 0))[0],
                "sightings": numbers.get(e.id, (0, 0))[1],
            }
            for e in list_entries(session)
        ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(
            f"{row['id']:>5}  {row['name']} [{row['level']}] "
            f"({row['encodings']} foto, {row['sightings']} terlihat)"
        )
    if not rows:
        click.echo("daftar perhatian kosong")


@watchlist.command()
@click.argument("entry_id", type=int)
@pass_ctx
def remove(ctx: AppContext, entry_id: int) -> None:
    """Erase an entry: its photos, encodings, sightings and their snapshots (audited)."""
    from storage.watchlist import remove as erase

    ensure_schema(ctx, auto_upgrade=True)
    erased = erase(ctx.sessions, ctx.media, entry_id)
    if erased is None:
        raise click.ClickException(f"no watchlist entry with id {entry_id}")
    click.echo(
        f"removed watchlist entry {entry_id} ({erased.name}): {erased.encodings} encodings, "
        f"{erased.sightings} sightings, {erased.files} files"
    )
