"""`tamu purge`: apply the retention periods of `privacy` (UU 27/2022)."""

from __future__ import annotations

import click

from tamu.context import AppContext, pass_ctx

LABELS = {
    "arrival_snapshots": "arrival snapshots",
    "unknown_snapshots": "unknown-face snapshots",
    "unknown_encodings": "unknown-face encodings",
    "unknowns_dismissed": "expired pending unknown faces (dismissed)",
    "track_samples": "face samples kept with visits",
    "camera_samples": "encodings learnt from camera footage",
    "impostor_samples": "'not this person' samples",
    "live_frames": "stale live frames",
    "orphan_files": "orphaned media files (no row uses them)",
}


@click.command()
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; change nothing.")
@pass_ctx
def purge(ctx: AppContext, dry_run: bool) -> None:
    """Delete snapshots and face data older than the configured retention periods."""
    from storage.retention import purge as run_purge

    privacy = ctx.config.privacy
    report = run_purge(ctx.sessions, ctx.media, privacy, dry_run=dry_run)
    counts = report.counts()
    verb = "would clear" if dry_run else "cleared"
    click.echo(
        f"retention: snapshots {privacy.snapshot_retention_days} days, "
        f"unknown faces {privacy.unknown_retention_days} days"
    )
    for key, label in LABELS.items():
        click.echo(f"{verb} {counts[key]} {label}")
    if dry_run:
        click.echo(f"would delete {counts['files']} files (dry run: nothing changed)")
    else:
        click.echo(f"deleted {report.files_deleted} files from {ctx.media.location}")
