"""Password rules: length, the common-password list, the username; changing ends sessions."""

from __future__ import annotations

import pytest

from storage.db import transaction
from storage.passwords import (
    COMMON_PASSWORDS,
    PasswordProblem,
    common_passwords,
    password_problem,
)
from storage.users import (
    WeakPassword,
    authenticate,
    create_user,
    disable_user,
    end_sessions,
    session_states,
    set_password,
)

FAST = "scrypt:1024:8:1"


def test_the_shipped_list_is_a_real_common_password_list():
    assert COMMON_PASSWORDS.is_file()
    common = common_passwords()
    assert len(common) == 30_000
    assert {"123456", "password", "qwertyuiop", "1234567890", "password123"} <= common
    assert not any(line.startswith("# ") for line in common)


@pytest.mark.parametrize(
    ("password", "username", "problem"),
    [
        ("", None, PasswordProblem.EMPTY),
        ("          ", None, PasswordProblem.EMPTY),
        ("pendek", None, PasswordProblem.TOO_SHORT),
        ("x" * 201, None, PasswordProblem.TOO_LONG),
        ("1234567890", None, PasswordProblem.COMMON),
        ("QwertyUIOP", None, PasswordProblem.COMMON),
        ("password123", None, PasswordProblem.COMMON),
        ("1q2w3e4r5t", None, PasswordProblem.COMMON),
        ("rahasia-ajudan1-kantor", "ajudan1", PasswordProblem.CONTAINS_USERNAME),
        ("RAHASIA-AJUDAN1-kantor", "Ajudan1", PasswordProblem.CONTAINS_USERNAME),
        ("kata-sandi-yang-panjang", "ajudan1", None),
        ("pintu gerbang hijau", None, None),
    ],
)
def test_password_rules(password, username, problem):
    assert password_problem(password, username) == problem


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("1234567890", "most common passwords"),
        ("superman123", "most common passwords"),
        ("satpam-gerbang-utama", "must not contain the username"),
        ("pendek", "too short"),
    ],
)
def test_accounts_refuse_weak_passwords(sessions, password, message):
    with pytest.raises(WeakPassword, match=message), transaction(sessions) as db:
        create_user(db, "satpam", "guard", password, hash_method=FAST)
    with sessions() as db:
        assert authenticate(db, "satpam", password) is None


def test_setting_a_password_applies_the_rules_and_ends_sessions(sessions):
    with transaction(sessions) as db:
        user = create_user(db, "ajudan1", "adjutant", "kata-sandi-yang-panjang", hash_method=FAST)
        start = user.session_version
    with pytest.raises(WeakPassword), transaction(sessions) as db:
        set_password(db, "ajudan1", "iloveyou123")
    with transaction(sessions) as db:
        user = set_password(db, "ajudan1", "pintu-gerbang-berwarna-hijau", hash_method=FAST)
        assert user.session_version == start + 1
    with sessions() as db:
        assert authenticate(db, "ajudan1", "pintu-gerbang-berwarna-hijau") is not None
        assert authenticate(db, "ajudan1", "kata-sandi-yang-panjang") is None


def test_ending_sessions_and_disabling_raise_the_version(sessions):
    with transaction(sessions) as db:
        user = create_user(db, "operator1", "operator", "kata-sandi-yang-panjang", hash_method=FAST)
        user_id = user.id
    with sessions() as db:
        assert session_states(db, {user_id, 999}) == {user_id: (True, 0)}
    with transaction(sessions) as db:
        end_sessions(db, db.get(type(user), user_id))
    with transaction(sessions) as db:
        disable_user(db, "operator1")
    with sessions() as db:
        assert session_states(db, {user_id}) == {user_id: (False, 2)}
        assert session_states(db, set()) == {}
