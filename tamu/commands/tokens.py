"""`tamu tokens`: REST API tokens (add prints the token once, list, revoke)."""

from __future__ import annotations

import json

import click

from core.vocab import AuditAction, Role, values
from tamu.commands.users import _migrate
from tamu.context import AppContext, pass_ctx


@click.group()
def tokens() -> None:
    """Tokens other systems call the REST API with, one role each."""


@tokens.command("add")
@click.option("--name", required=True, help="Who uses it, e.g. 'bappeda-dashboard'.")
@click.option("--role", required=True, help=f"One of: {', '.join(values(Role))}.")
@pass_ctx
def add(ctx: AppContext, name: str, role: str) -> None:
    """Create a token and print it once (only its hash is stored)."""
    from storage import audit
    from storage.api_tokens import TokenError, create_token
    from storage.db import transaction

    _migrate(ctx)
    try:
        with transaction(ctx.sessions) as db:
            new = create_token(db, name, role, None)
            detail = {"name": new.row.name, "role": role, "via": "cli"}
            audit.record(db, None, AuditAction.TOKEN_ADD, new.row.id, detail)
    except TokenError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"added API token {new.row.id} '{new.row.name}' ({role}); shown only now:", err=True)
    click.echo(new.secret)


@tokens.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_ctx
def list_(ctx: AppContext, as_json: bool) -> None:
    """Show every token (never the secret): id, name, role, created, last used, revoked."""
    from storage.api_tokens import list_tokens

    _migrate(ctx)
    tz = ctx.config.tz
    with ctx.sessions() as db:
        rows = [
            {
                "id": t.id,
                "name": t.name,
                "role": t.role,
                "created_at": t.created_at.astimezone(tz).isoformat(timespec="seconds"),
                "last_used_at": (
                    t.last_used_at.astimezone(tz).isoformat(timespec="seconds")
                    if t.last_used_at
                    else None
                ),
                "revoked": bool(t.revoked),
            }
            for t in list_tokens(db)
        ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        click.echo("no API tokens yet: add one with `tamu tokens add --name N --role R`")
    for row in rows:
        state = "revoked" if row["revoked"] else "active"
        used = row["last_used_at"] or "never used"
        click.echo(f"{row['id']:>4} {row['name']:<24} {row['role']:<10} {state:<8} {used}")


@tokens.command("revoke")
@click.argument("token_id", type=int)
@pass_ctx
def revoke(ctx: AppContext, token_id: int) -> None:
    """Revoke token TOKEN_ID: calls with it are refused from now on."""
    from storage import audit
    from storage.api_tokens import TokenError, revoke_token
    from storage.db import transaction

    _migrate(ctx)
    try:
        with transaction(ctx.sessions) as db:
            row = revoke_token(db, token_id)
            audit.record(db, None, AuditAction.TOKEN_REVOKE, row.id, {"name": row.name})
    except TokenError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"revoked API token {row.id} '{row.name}'")
