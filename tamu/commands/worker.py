"""`tamu worker` (placeholder until implemented)."""

import click


@click.group()
def worker() -> None:
    """Not implemented yet."""
