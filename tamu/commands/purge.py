"""`tamu purge`: apply the retention periods of `privacy` and `retention` now (UU 27/2022).

The capture worker does the same every `retention.interval_minutes`; both take one lease, so
they never run at once.
"""

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
    "guestbook_entries": "guest book entries",
    "audit_rows": "audit log rows",
    "orphan_files": "orphaned media files (no row uses them)",
}


@click.command()
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; change nothing.")
@pass_ctx
def purge(ctx: AppContext, dry_run: bool) -> None:
    """Delete snapshots and face data older than the configured retention periods."""
    from storage.retention import PurgeBusy, purge_now
    from storage.retention import purge as run_purge
    from vision.upkeep import worker_id

    privacy, retention = ctx.config.privacy, ctx.config.retention
    if dry_run:
        report = run_purge(ctx.sessions, ctx.media, privacy, dry_run=True, retention=retention)
    else:
        try:
            report = purge_now(ctx.sessions, ctx.media, privacy, retention, f"purge@{worker_id()}")
        except PurgeBusy as exc:
            raise click.ClickException(f"{exc}; try again in a few minutes") from None
    counts = report.counts()
    verb = "would clear" if dry_run else "cleared"
    guestbook = f"{retention.guestbook_days} days" if retention.guestbook_days else "kept"
    click.echo(
        f"retention: snapshots {privacy.snapshot_retention_days} days, "
        f"unknown faces {privacy.unknown_retention_days} days, guest book {guestbook}, "
        f"audit log {retention.audit_days} days"
    )
    for key, label in LABELS.items():
        click.echo(f"{verb} {counts[key]} {label}")
    if dry_run:
        click.echo(f"would delete {counts['files']} files (dry run: nothing changed)")
    else:
        click.echo(f"deleted {report.files_deleted} files from {ctx.media.location}")
