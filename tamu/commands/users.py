"""`tamu users`: dashboard accounts (add, list, reset a password, disable)."""

from __future__ import annotations

import json
import logging
import sys

import click

from core.vocab import AuditAction, Role, values
from tamu.context import AppContext, pass_ctx

ADD_USER_HINT = (
    "echo 'a-long-password' | tamu users add --username admin --role admin --password-stdin"
)


@click.group()
def users() -> None:
    """Dashboard accounts and their roles."""


@users.command("add")
@click.option("--username", required=True, help="Login name (lower case, 3-60 characters).")
@click.option("--role", required=True, help=f"One of: {', '.join(values(Role))}.")
@click.option("--full-name", default=None, help="Name shown on the dashboard.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input (never from the command line).",
)
@pass_ctx
def add(
    ctx: AppContext, username: str, role: str, full_name: str | None, password_stdin: bool
) -> None:
    """Create an account; the password comes from standard input."""
    from storage import audit
    from storage.db import transaction
    from storage.users import UserError, create_user

    if not password_stdin:
        raise click.UsageError("give the password on standard input with --password-stdin")
    password = _read_password()
    _migrate(ctx)
    try:
        with transaction(ctx.sessions) as db:
            user = create_user(db, username, role, password, full_name=full_name)
            audit.record(
                db, None, AuditAction.USER_ADD, user.username, {"role": role, "via": "cli"}
            )
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"added {user.username} ({user.role})")


def _migrate(ctx: AppContext) -> None:
    """Bring the schema up to date quietly (a first `users add` may precede `tamu run`)."""
    from storage.db import upgrade

    alembic_log = logging.getLogger("alembic")
    if not alembic_log.isEnabledFor(logging.DEBUG):
        alembic_log.setLevel(logging.WARNING)
    upgrade(ctx.config.storage.database_url)


def _read_password() -> str:
    """The first line of standard input, without its line ending."""
    if sys.stdin is None:
        raise click.ClickException("password must not be empty")
    return sys.stdin.readline().rstrip("\r\n")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_ctx
def list_(ctx: AppContext, as_json: bool) -> None:
    """Show every account with its role and whether it is active."""
    from storage.users import list_users

    _migrate(ctx)
    with ctx.sessions() as db:
        rows = [
            {
                "username": u.username,
                "role": u.role,
                "active": bool(u.active),
                "full_name": u.full_name,
                "created_at": u.created_at.astimezone(ctx.config.tz).isoformat(timespec="seconds"),
            }
            for u in list_users(db)
        ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        click.echo(
            "no users yet: add one with `tamu users add --username U --role R --password-stdin`"
        )
        return
    for row in rows:
        state = "active" if row["active"] else "disabled"
        click.echo(f"{row['username']:<20} {row['role']:<10} {state:<9} {row['created_at']}")


@users.command("password")
@click.argument("username")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the new password from standard input (never from the command line).",
)
@pass_ctx
def password(ctx: AppContext, username: str, password_stdin: bool) -> None:
    """Give USERNAME a new password; every session of the account ends."""
    from storage import audit
    from storage.db import transaction
    from storage.users import UserError, set_password

    if not password_stdin:
        raise click.UsageError("give the password on standard input with --password-stdin")
    new = _read_password()
    _migrate(ctx)
    try:
        with transaction(ctx.sessions) as db:
            user = set_password(db, username, new)
            audit.record(db, None, AuditAction.PASSWORD_CHANGE, user.username, {"via": "cli"})
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"new password for {user.username}; their sessions have ended")


@users.command("disable")
@click.argument("username")
@pass_ctx
def disable(ctx: AppContext, username: str) -> None:
    """Stop USERNAME from logging in and end their sessions (the account and audit trail stay)."""
    from storage import audit
    from storage.db import transaction
    from storage.users import UserError, disable_user

    _migrate(ctx)
    try:
        with transaction(ctx.sessions) as db:
            user = disable_user(db, username)
            audit.record(db, None, AuditAction.USER_DISABLE, user.username, {"via": "cli"})
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"disabled {user.username}")
