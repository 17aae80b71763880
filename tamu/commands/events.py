"""`tamu events` (placeholder until implemented)."""

import click


@click.group()
def events() -> None:
    """Not implemented yet."""
