"""`tamu calibrate`: distances between the residence's own faces, look-alikes, advice."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from tamu.commands.worker import ensure_schema
from tamu.context import AppContext, pass_ctx


def run_calibration(ctx: AppContext, days: int) -> dict[str, Any]:
    """Analyse the gallery, strangers and visits of the last `days`; store and return it."""
    from storage.calibration import calibration_inputs, save_report
    from storage.db import transaction
    from storage.types import utcnow
    from vision.calibration import analyse

    with ctx.sessions() as session:
        inputs = calibration_inputs(session, utcnow() - timedelta(days=days))
    report = analyse(inputs, ctx.config.recognition)
    report["days"] = days
    with transaction(ctx.sessions) as session:
        save_report(session, report)
    return report


def _pairs(title: str, rows: list[dict[str, Any]]) -> None:
    click.echo(title)
    if not rows:
        click.echo("  (none)")
    for row in rows:
        click.echo(f"  {row['distance']:.3f}  {row['a_name']}  ↔  {row['b_name']}")


def _print(report: dict[str, Any]) -> None:
    cfg, rec = report["config"], report["recommendation"]
    click.echo(
        f"gallery: {report['guests']} guests, {report['samples']} encodings "
        f"({report['camera_samples']} from confirmed footage); "
        f"{report['stranger_count']} recent strangers; {report['visits']} recorded visits "
        f"({report['confirmed_visits']} confirmed)"
    )
    _pairs("closest pairs of different guests:", report["between_guests"][:10])
    _pairs(
        f"look-alikes (closer than tolerance + margin = {cfg['tolerance'] + cfg['margin']:.2f}):",
        report["lookalikes"],
    )
    click.echo("each guest's own samples (median / max distance):")
    for row in report["within_guests"][:10]:
        click.echo(f"  {row['median']:.3f} / {row['max']:.3f}  {row['name']} ({row['samples']})")
    click.echo("recent strangers nearest to a guest:")
    for row in report["strangers"][:10]:
        click.echo(f"  {row['distance']:.3f}  nearest: {row['name']}")
    for kind in ("genuine", "impostor"):
        stats = report[kind]
        if stats:
            click.echo(
                f"{kind} distances: n={stats['n']} p05={stats['p05']:.3f} "
                f"median={stats['median']:.3f} p95={stats['p95']:.3f}"
            )
    click.echo(
        f"now: tolerance {cfg['tolerance']:.2f}, margin {cfg['margin']:.2f}; recommended: "
        f"tolerance {rec['tolerance']:.2f}, margin {rec['margin']:.2f} ({rec['basis']})"
    )
    click.echo("what each choice would have done (right / wrong / missed / strangers named):")
    for row in report["replay"]:
        if row["margin"] in (0.08, 0.1, 0.12):
            click.echo(
                f"  tolerance {row['tolerance']:.2f} margin {row['margin']:.2f}: "
                f"{row['named_right']} / {row['named_wrong']} / {row['missed']} / "
                f"{row['strangers_named']}"
            )


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON.")
@click.option("--days", type=click.IntRange(1, 3650), default=30, show_default=True,
              help="Strangers and visits of this many days.")  # fmt: skip
@click.option("--histogram", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the distance histogram as a PNG image.")  # fmt: skip
@pass_ctx
def calibrate(ctx: AppContext, as_json: bool, days: int, histogram: Path | None) -> None:
    """Distances between guests, own samples and strangers; look-alikes; recommended tolerance
    and margin; what each choice would have done to the recorded visits. The report is also
    kept for the admin's calibration page."""
    ensure_schema(ctx, auto_upgrade=True)
    report = run_calibration(ctx, days)
    if histogram is not None:
        from web.charts import calibration_histogram

        histogram.write_bytes(calibration_histogram(report))
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    _print(report)
