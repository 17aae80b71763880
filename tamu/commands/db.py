"""`tamu db`: schema migrations."""

from __future__ import annotations

import click

from tamu.context import AppContext, pass_ctx


@click.group()
def db() -> None:
    """Database schema."""


@db.command()
@click.option("--revision", default="head", show_default=True)
@pass_ctx
def upgrade(ctx: AppContext, revision: str) -> None:
    """Apply migrations up to REVISION."""
    from storage.db import upgrade as run_upgrade

    run_upgrade(ctx.config.storage.database_url, revision)
    click.echo(f"database at {revision}: {ctx.engine.url.render_as_string(hide_password=True)}")
