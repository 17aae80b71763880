"""`tamu users` (placeholder until implemented)."""

import click


@click.group()
def users() -> None:
    """Not implemented yet."""
