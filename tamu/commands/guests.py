"""`tamu guests`: enrol, import, list, remove and identify registered guests."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import click

from core.vocab import GuestCategory, values
from tamu.commands.worker import ensure_schema
from tamu.context import AppContext, pass_ctx

CATEGORY_CHOICE = click.Choice(values(GuestCategory))


def _finder(ctx: AppContext):
    """A still-photo face finder with the configured encoder model."""
    from tamu.enrolment import load_finder

    try:
        return load_finder(ctx.config)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None


def _enrol(ctx: AppContext, faces: list, **fields) -> int:
    """The guest, its samples and their photos in one unit of work; the new guest's id."""
    from tamu.enrolment import store_guest

    return store_guest(ctx.sessions, ctx.media, faces, fields)


def _refusal(exc) -> str:
    """Why nothing was enrolled: one line per unusable photo, or the reason."""
    if exc.problems:
        return "nothing enrolled:\n  " + "\n  ".join(f"{p.photo}: {p.reason}" for p in exc.problems)
    return f"nothing enrolled: {exc.reason}"


def _print_photos(rows: list[dict]) -> None:
    from vision.photos import PHOTO_WARNINGS

    for row in rows:
        click.echo(
            f"  {Path(row['photo']).name}: wajah {row.get('face_px', '?')} px, "
            f"ketajaman {row.get('sharpness', 0):.0f}, frontal {row.get('frontalness', 0):.2f}, "
            f"kualitas {row.get('score', 0):.2f}"
        )
        for code in row.get("warnings", []):
            click.echo(f"    PERINGATAN: {PHOTO_WARNINGS.get(code, code)}")


@click.group()
def guests() -> None:
    """Registered guests and their enrolled faces."""


@guests.command()
@click.option("--name", required=True, help="Full name as it should appear.")
@click.option(
    "--photo", "photos", multiple=True, required=True, type=click.Path(path_type=Path),
    help="A photo with exactly this one person's face (repeatable).",
)  # fmt: skip
@click.option(
    "--category", type=CATEGORY_CHOICE, default=GuestCategory.MASYARAKAT.value, show_default=True
)
@click.option("--institution", default=None)
@click.option("--phone", default=None)
@click.option("--notes", default=None)
@click.option("--staff", is_flag=True, help="Staff or family: never raise an alert.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (id, photos with quality).")
@pass_ctx
def add(
    ctx: AppContext,
    name: str,
    photos: tuple[Path, ...],
    category: str,
    institution: str | None,
    phone: str | None,
    notes: str | None,
    staff: bool,
    as_json: bool,
) -> None:
    """Enrol a guest from one or more photos; nothing is written unless every photo is usable.

    Each photo's quality is reported; a weak photo is enrolled with a warning, and a face that
    looks like an already enrolled guest is pointed out.
    """
    from core.enrolment import EnrolmentRefused
    from tamu.enrolment import enrol

    ensure_schema(ctx, auto_upgrade=True)
    fields = dict(name=name, category=category, institution=institution, phone=phone, notes=notes)
    shown = [(str(photo), photo) for photo in photos]
    finder = _finder(ctx)
    try:
        done = enrol(
            ctx.config, ctx.sessions, ctx.media, finder, shown, fields | {"is_staff": staff}
        )
    except EnrolmentRefused as exc:
        raise click.ClickException(_refusal(exc)) from None
    guest_id, rows, similar = done.guest_id, done.photos, done.similar
    if as_json:
        out = {"id": guest_id, "name": name.strip(), "photos": rows, "similar": similar}
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    click.echo(f"Terdaftar: {name.strip()} (id {guest_id}), {len(rows)} foto")
    _print_photos(rows)
    for other in similar:
        click.echo(
            f"PERINGATAN: wajah ini sudah terdaftar sebagai #{other['id']} {other['name']} "
            f"(jarak {other['distance']:.2f}); periksa apakah orangnya sama"
        )


@dataclass
class ImportSummary:
    """What `guests import` did."""

    imported: list[tuple[str, int, int]] = field(default_factory=list)
    skipped_photos: list[tuple[Path, str]] = field(default_factory=list)
    skipped_people: list[tuple[str, str]] = field(default_factory=list)
    weak: list[tuple[Path, str]] = field(default_factory=list)

    def print(self) -> None:
        """A readable summary on stdout."""
        from vision.photos import PHOTO_WARNINGS

        photos = sum(n for _, _, n in self.imported)
        click.echo(f"imported {len(self.imported)} guests with {photos} photos")
        for name, reason in self.skipped_people:
            click.echo(f"skipped guest {name}: {reason}")
        for photo, reason in self.skipped_photos:
            click.echo(f"skipped photo {photo}: {reason}")
        for photo, code in self.weak:
            click.echo(f"enrolled with a warning {photo}: {PHOTO_WARNINGS.get(code, code)}")


def _person_folders(folder: Path) -> list[tuple[str, list[Path]]]:
    """(name, photos) per sub-folder, in name order; hidden files are ignored."""
    people = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files = sorted(f for f in sub.iterdir() if f.is_file() and not f.name.startswith("."))
        people.append((sub.name.strip(), files))
    return people


def _existing_names(ctx: AppContext) -> set[str]:
    from storage.guests import list_guests

    with ctx.sessions() as session:
        return {g.name.casefold() for g in list_guests(session)}


@guests.command(name="import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--category", type=CATEGORY_CHOICE, default=GuestCategory.MASYARAKAT.value, show_default=True
)
@pass_ctx
def import_(ctx: AppContext, folder: Path, category: str) -> None:
    """Enrol one guest per sub-folder of FOLDER (the folder's name is the guest's name)."""
    from rich.progress import Progress

    from storage.guests import GuestError
    from tamu.enrolment import check_photos

    ensure_schema(ctx, auto_upgrade=True)
    people = _person_folders(folder)
    if not people:
        raise click.ClickException(f"{folder}: no sub-folders (one folder per person expected)")
    finder, known, summary = _finder(ctx), _existing_names(ctx), ImportSummary()
    with Progress(transient=True) as progress:
        task = progress.add_task("enrolling", total=sum(len(files) for _, files in people))
        for name, files in people:
            if name.casefold() in known:
                summary.skipped_people.append((name, "a guest with this name already exists"))
                progress.advance(task, len(files))
                continue
            faces, problems = [], []
            for photo in files:
                got, bad = check_photos(finder, [(str(photo), photo)])
                faces += got
                problems += [(Path(p.photo), p.reason) for p in bad]
                progress.advance(task)
            summary.skipped_photos += problems
            if not faces:
                summary.skipped_people.append((name, "no usable photo"))
                continue
            try:
                guest_id = _enrol(ctx, faces, name=name, category=category)
            except GuestError as exc:
                summary.skipped_people.append((name, str(exc)))
                continue
            known.add(name.casefold())
            summary.imported.append((name, guest_id, len(faces)))
            summary.weak += [
                (face.path, code) for face in faces if face.report for code in face.report.warnings
            ]
    summary.print()


@guests.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def list_(ctx: AppContext, as_json: bool) -> None:
    """Every registered guest."""
    from storage.guests import list_guests, sample_counts

    ensure_schema(ctx, auto_upgrade=True)
    with ctx.sessions() as session:
        counts = sample_counts(session)
        rows = [
            {
                "id": g.id,
                "name": g.name,
                "category": g.category,
                "institution": g.institution,
                "phone": g.phone,
                "notes": g.notes,
                "is_staff": g.is_staff,
                "samples": counts.get(g.id, 0),
                "created_at": g.created_at.isoformat(),
            }
            for g in list_guests(session)
        ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        extra = f" — {row['institution']}" if row["institution"] else ""
        staff = " [staff]" if row["is_staff"] else ""
        photos = "photo" if row["samples"] == 1 else "photos"
        click.echo(
            f"{row['id']:>5}  {row['name']}{extra} ({row['category']}, "
            f"{row['samples']} {photos}){staff}"
        )
    if not rows:
        click.echo("no guests enrolled")


@guests.command()
@click.argument("guest_id", type=int)
@pass_ctx
def remove(ctx: AppContext, guest_id: int) -> None:
    """Erase a guest: photos, encodings, visit snapshots; the guest book per `privacy`."""
    from core.errors import WorkflowError
    from storage.erasure import erase_guest
    from storage.unit_of_work import unit_of_work

    ensure_schema(ctx, auto_upgrade=True)
    policy = ctx.config.privacy.guestbook_on_erase
    try:
        with unit_of_work(ctx.sessions, ctx.media) as uow:
            erased = erase_guest(
                uow.session, uow.files, guest_id, None, guestbook=policy, via="cli"
            )
    except WorkflowError:
        raise click.ClickException(f"no guest with id {guest_id}") from None
    click.echo(
        f"Dihapus: tamu {guest_id} — {erased.photos} foto, {erased.encodings} encoding, "
        f"{erased.arrival_snapshots} snapshot kunjungan, {erased.unknown_faces} wajah tak dikenal, "
        f"{erased.guestbook} baris buku tamu ({policy})"
    )


@guests.command()
@click.argument("photo", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def identify(ctx: AppContext, photo: Path, as_json: bool) -> None:
    """Who is in PHOTO: each face with the best guest's distance (a name only when certain)."""
    import numpy as np

    from storage.guests import load_gallery
    from vision.matcher import FaceMatcher
    from vision.photos import PhotoError, load_photo

    ensure_schema(ctx, auto_upgrade=True)
    try:
        image = load_photo(photo)
    except PhotoError as exc:
        raise click.ClickException(f"{photo}: {exc}") from None
    finder = _finder(ctx)
    boxes = finder.faces(image)
    with ctx.sessions() as session:
        gallery = load_gallery(session)
    rec = ctx.config.recognition
    matcher = FaceMatcher(gallery, rec.tolerance, rec.margin)
    encodings = [finder.encoder.encode(image, box) for box in boxes]
    matches = matcher.match_many(np.stack(encodings)) if encodings else []
    result = [
        {
            "box": box.as_list(),
            "guest": gallery.names.get(m.guest_id) if m.guest_id is not None else None,
            "distance": round(m.distance, 4) if m.distance is not None else None,
        }
        for box, m in zip(boxes, matches, strict=True)
    ]
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    if not result:
        click.echo("no face found")
    for face in result:
        who = face["guest"] or "unknown"
        click.echo(f"{face['box']}: {who} (distance {face['distance']})")
