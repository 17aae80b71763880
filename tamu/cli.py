"""The `tamu` command."""

from __future__ import annotations

import importlib

import click

from tamu.context import AppContext, setup_logging

# (module, attribute) of every top-level command; each module owns one concern.
COMMANDS = [
    ("tamu.commands.db", "db"),
    ("tamu.commands.guests", "guests"),
    ("tamu.commands.worker", "worker"),
    ("tamu.commands.events", "events"),
    ("tamu.commands.users", "users"),
    ("tamu.commands.web", "web"),
    ("tamu.commands.web", "run"),
    ("tamu.commands.purge", "purge"),
    ("tamu.commands.calibrate", "calibrate"),
    ("tamu.commands.notifications", "notifications"),
    ("tamu.commands.appointments", "appointments"),
    ("tamu.commands.tokens", "tokens"),
    ("tamu.commands.watchlist", "watchlist"),
]


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


for _module, _attr in COMMANDS:
    cli.add_command(getattr(importlib.import_module(_module), _attr))


def main() -> None:
    """Console entry point."""
    cli(prog_name="tamu")


if __name__ == "__main__":
    main()
