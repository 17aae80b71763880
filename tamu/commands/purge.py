"""`tamu purge` (placeholder until implemented)."""

import click


@click.group()
def purge() -> None:
    """Not implemented yet."""
