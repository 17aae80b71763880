"""`tamu tokens add/list/revoke`: the token printed once, only its hash kept, revoking works."""

from __future__ import annotations

from sqlalchemy import select

from storage.api_tokens import authenticate, hash_token
from storage.db import make_engine, make_session_factory, transaction
from storage.models import AuditLog
from storage.models_api import ApiToken


def rows(config, model):
    engine = make_engine(config.storage.database_url)
    try:
        with make_session_factory(engine)() as db:
            return list(db.scalars(select(model).order_by(model.id)))
    finally:
        engine.dispose()


def test_add_prints_the_token_once_and_stores_only_its_hash(tamu):
    result = tamu.ok("tokens", "add", "--name", "bappeda", "--role", "security")
    secret = result.stdout.strip()
    assert secret.startswith("tamu_") and "\n" not in secret
    [row] = rows(tamu.config, ApiToken)
    assert row.token_hash == hash_token(secret) and secret not in row.token_hash
    listed = tamu.json("tokens", "list", "--json")
    assert listed[0]["name"] == "bappeda" and listed[0]["role"] == "security"
    assert secret not in tamu.ok("tokens", "list").output
    assert [a.action for a in rows(tamu.config, AuditLog)] == ["token_add"]


def test_revoke_stops_the_token(tamu):
    secret = tamu.ok("tokens", "add", "--name", "kominfo", "--role", "admin").stdout.strip()
    token_id = tamu.json("tokens", "list", "--json")[0]["id"]
    tamu.ok("tokens", "revoke", str(token_id))
    engine = make_engine(tamu.config.storage.database_url)
    with transaction(make_session_factory(engine)) as db:
        assert authenticate(db, secret) is None
    engine.dispose()
    assert tamu.json("tokens", "list", "--json")[0]["revoked"] is True


def test_bad_input_is_refused_clearly_and_writes_nothing(tamu):
    bad_role = tamu("tokens", "add", "--name", "x", "--role", "boss")
    assert bad_role.exit_code == 1 and "role: one of" in bad_role.output
    bad_name = tamu("tokens", "add", "--name", "a/b", "--role", "admin")
    assert bad_name.exit_code == 1 and "name:" in bad_name.output
    missing = tamu("tokens", "revoke", "42")
    assert missing.exit_code == 1 and "no API token with id 42" in missing.output
    assert rows(tamu.config, ApiToken) == []
