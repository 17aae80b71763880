"""`tamu web` and `tamu run` (placeholder until implemented)."""

import click


@click.command()
def web() -> None:
    """Not implemented yet."""


@click.command()
def run() -> None:
    """Not implemented yet."""
