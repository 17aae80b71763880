"""`tamu guests` (placeholder until implemented)."""

import click


@click.group()
def guests() -> None:
    """Not implemented yet."""
