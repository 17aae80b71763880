"""The `tamu` command."""

from __future__ import annotations

import click

from tamu.commands.db import db
from tamu.context import AppContext, setup_logging


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Config file (default: $TAMU_CONFIG, else ./config.yaml).",
)
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
@click.pass_context
def cli(click_ctx: click.Context, config_file: str | None, verbose: bool) -> None:
    """Tamu: CCTV guest monitoring for the regent's residence."""
    setup_logging(verbose)
    click_ctx.obj = AppContext(config_file)


cli.add_command(db)


def main() -> None:
    """Console entry point."""
    cli(prog_name="tamu")


if __name__ == "__main__":
    main()
