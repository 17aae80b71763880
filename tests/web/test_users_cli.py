"""`tamu users add/list/disable` and the account store behind them."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from storage.db import make_engine, make_session_factory, transaction
from storage.models import AuditLog, User
from storage.users import UserError, authenticate, create_user, disable_user
from tamu.cli import cli

GOOD_PASSWORD = "sepuluh-karakter-lebih"


@pytest.fixture
def run_cli(write_config, sqlite_url):
    config, path = write_config()
    assert config.storage.database_url == sqlite_url  # migrated already

    def run(*args: str, stdin: str | None = None):
        return CliRunner().invoke(cli, ["--config", str(path), *args], input=stdin)

    run.config = config
    return run


def users_in(url):
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as db:
            return {u.username: u for u in db.scalars(select(User))}
    finally:
        engine.dispose()


def test_add_reads_the_password_from_stdin_and_hashes_it(run_cli):
    result = run_cli(
        "users", "add", "--username", "Ajudan1", "--role", "adjutant", "--password-stdin",
        stdin=GOOD_PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "added ajudan1 (adjutant)" in result.output
    user = users_in(run_cli.config.storage.database_url)["ajudan1"]
    assert user.role == "adjutant" and user.active
    assert user.password_hash.startswith("scrypt:")
    assert GOOD_PASSWORD not in user.password_hash
    engine = make_engine(run_cli.config.storage.database_url)
    with make_session_factory(engine)() as db:
        assert authenticate(db, "AJUDAN1", GOOD_PASSWORD).id == user.id
        assert authenticate(db, "ajudan1", GOOD_PASSWORD + "x") is None
        actions = [(a.action, a.target) for a in db.scalars(select(AuditLog))]
    engine.dispose()
    assert ("user_add", "ajudan1") in actions


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--username", "satpam1", "--role", "guard", "--password-stdin"], "\n", "empty"),
        (["--username", "satpam1", "--role", "guard", "--password-stdin"], "", "empty"),
        (["--username", "satpam1", "--role", "guard", "--password-stdin"], "pendek\n", "too short"),
        (["--username", "satpam1", "--role", "raja", "--password-stdin"], GOOD_PASSWORD, "role"),
        (["--username", "a b", "--role", "guard", "--password-stdin"], GOOD_PASSWORD, "username"),
        (["--username", "satpam1", "--role", "guard"], GOOD_PASSWORD, "--password-stdin"),
    ],
)
def test_add_refuses_bad_input(run_cli, args, stdin, message):
    result = run_cli("users", "add", *args, stdin=stdin)
    assert result.exit_code != 0
    assert message in result.output
    assert "satpam1" not in users_in(run_cli.config.storage.database_url)


def test_add_refuses_a_duplicate_username(run_cli):
    args = ["users", "add", "--username", "op1", "--role", "operator", "--password-stdin"]
    assert run_cli(*args, stdin=GOOD_PASSWORD).exit_code == 0
    again = run_cli(*args[:-3], "--role", "guard", "--password-stdin", stdin=GOOD_PASSWORD)
    assert again.exit_code == 1
    assert "already exists" in again.output
    assert users_in(run_cli.config.storage.database_url)["op1"].role == "operator"


def test_list_and_disable(run_cli):
    assert "no users yet" in run_cli("users", "list").output
    for name, role in (("bupati", "bupati"), ("satpam", "guard")):
        run_cli(
            "users", "add", "--username", name, "--role", role, "--password-stdin",
            stdin=GOOD_PASSWORD,
        )  # fmt: skip
    listed = run_cli("users", "list")
    assert listed.exit_code == 0
    assert [line.split()[:3] for line in listed.output.splitlines()] == [
        ["bupati", "bupati", "active"],
        ["satpam", "guard", "active"],
    ]
    disabled = run_cli("users", "disable", "satpam")
    assert disabled.exit_code == 0 and "disabled satpam" in disabled.output
    rows = json.loads(run_cli("users", "list", "--json").output)
    assert {r["username"]: r["active"] for r in rows} == {"bupati": True, "satpam": False}
    missing = run_cli("users", "disable", "nobody")
    assert missing.exit_code == 1 and "no user called 'nobody'" in missing.output
    engine = make_engine(run_cli.config.storage.database_url)
    with make_session_factory(engine)() as db:
        assert authenticate(db, "satpam", GOOD_PASSWORD) is None
    engine.dispose()


def test_store_validation(sessions):
    with transaction(sessions) as db:
        create_user(db, "admin", "admin", GOOD_PASSWORD, full_name="Admin Satu")
    for args, message in (
        (("admin", "admin", GOOD_PASSWORD), "already exists"),
        (("x", "admin", GOOD_PASSWORD), "username"),
        (("nama", "admin", "p" * 201), "too long"),
        (("nama", "admin", " " * 12), "empty"),
    ):
        with pytest.raises(UserError, match=message), transaction(sessions) as db:
            create_user(db, *args)
    with pytest.raises(UserError, match="full name"), transaction(sessions) as db:
        create_user(db, "nama", "guard", GOOD_PASSWORD, full_name="n" * 121)
    with sessions() as db:
        assert [u.username for u in db.scalars(select(User))] == ["admin"]
        assert authenticate(db, "nobody", GOOD_PASSWORD) is None


@pytest.mark.postgres
def test_users_on_postgresql(pg_url):
    engine = make_engine(pg_url)
    factory = make_session_factory(engine)
    with transaction(factory) as db:
        create_user(db, "satpam", "guard", GOOD_PASSWORD)
    with factory() as db:
        assert authenticate(db, "Satpam", GOOD_PASSWORD).role == "guard"
    with pytest.raises(UserError, match="already exists"), transaction(factory) as db:
        create_user(db, "SATPAM", "guard", GOOD_PASSWORD)
    engine.dispose()


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("satpam1", "1234567890", "most common passwords"),
        ("satpam1", "Password123", "most common passwords"),
        ("satpam1", "satpam1-gerbang", "must not contain the username"),
    ],
)
def test_add_refuses_common_passwords_and_the_username(run_cli, username, password, message):
    args = ["--username", username, "--role", "guard", "--password-stdin"]
    result = run_cli("users", "add", *args, stdin=password + "\n")
    assert result.exit_code == 1 and message in result.output
    assert username not in users_in(run_cli.config.storage.database_url)


def test_password_resets_with_the_rules_and_ends_sessions(run_cli):
    args = ["users", "add", "--username", "ajudan", "--role", "adjutant", "--password-stdin"]
    assert run_cli(*args, stdin=GOOD_PASSWORD).exit_code == 0
    url = run_cli.config.storage.database_url
    before = users_in(url)["ajudan"].session_version
    weak = run_cli("users", "password", "ajudan", "--password-stdin", stdin="qwertyuiop\n")
    assert weak.exit_code == 1 and "most common" in weak.output
    no_stdin = run_cli("users", "password", "ajudan", stdin="pintu-gerbang-hijau\n")
    assert no_stdin.exit_code != 0 and "--password-stdin" in no_stdin.output
    assert users_in(url)["ajudan"].session_version == before
    new = "pintu-gerbang-berwarna-hijau"
    done = run_cli("users", "password", "Ajudan", "--password-stdin", stdin=new + "\n")
    assert done.exit_code == 0 and "new password for ajudan" in done.output
    assert users_in(url)["ajudan"].session_version == before + 1
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        assert authenticate(db, "ajudan", new) is not None
        assert authenticate(db, "ajudan", GOOD_PASSWORD) is None
        actions = [(a.action, a.target) for a in db.scalars(select(AuditLog))]
    engine.dispose()
    assert ("password_change", "ajudan") in actions
    missing = run_cli("users", "password", "nobody", "--password-stdin", stdin=new)
    assert missing.exit_code == 1 and "no user called 'nobody'" in missing.output


@pytest.mark.postgres
def test_impossible_usernames_never_reach_postgresql(pg_url):
    engine = make_engine(pg_url)
    factory = make_session_factory(engine)
    with factory() as db:
        assert authenticate(db, "satpam\x00", GOOD_PASSWORD) is None
    with pytest.raises(UserError, match="no user called"), transaction(factory) as db:
        disable_user(db, "satpam\x00")
    engine.dispose()
