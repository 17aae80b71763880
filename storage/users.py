"""Dashboard accounts: create, authenticate (scrypt), change passwords, end sessions, disable."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from storage.models import ROLES, User
from storage.passwords import PASSWORD_MAX as PASSWORD_MAX
from storage.passwords import PASSWORD_MIN as PASSWORD_MIN
from storage.passwords import PROBLEM_TEXT, PasswordProblem, password_problem

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,59}$")
FULL_NAME_MAX = 120
HASH_METHOD = "scrypt"
# Checked when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method=HASH_METHOD)


class UserError(ValueError):
    """An account that cannot be created or changed; the message says why."""


def normalise_username(username: str) -> str:
    """Usernames are case-insensitive: stored and looked up in lower case."""
    return (username or "").strip().lower()


class WeakPassword(UserError):
    """A password the rules refuse; `problem` says which rule."""

    def __init__(self, problem: PasswordProblem) -> None:
        self.problem = problem
        super().__init__(PROBLEM_TEXT[problem])


def check_password(password: str, username: str | None = None) -> None:
    """Refuse an empty, short, long or common password, or one containing the username."""
    problem = password_problem(password, username)
    if problem is not None:
        raise WeakPassword(problem)


def create_user(
    session: Session,
    username: str,
    role: str,
    password: str,
    *,
    full_name: str | None = None,
    hash_method: str = HASH_METHOD,
) -> User:
    """Validate and add an account (the caller commits); the password is stored as a KDF hash.

    `hash_method` is werkzeug's method string; tests pass cheaper scrypt parameters.
    """
    name = normalise_username(username)
    if not USERNAME.match(name):
        raise UserError(
            "username must be 3-60 characters: lower-case letters, digits, '.', '_' or '-'"
        )
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    check_password(password, name)
    full = (full_name or "").strip() or None
    if full and len(full) > FULL_NAME_MAX:
        raise UserError(f"full name is too long: at most {FULL_NAME_MAX} characters")
    if get_user_by_username(session, name) is not None:
        raise UserError(f"username {name!r} already exists")
    user = User(
        username=name,
        role=role,
        full_name=full,
        active=True,
        password_hash=generate_password_hash(password, method=hash_method),
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, else None."""
    user = check_credentials(session, username, password)
    return user if user is not None and user.active else None


def check_credentials(session: Session, username: str, password: str) -> User | None:
    """The user (active or disabled) whose password this is, else None."""
    user = get_user_by_username(session, normalise_username(username))
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    return user if check_password_hash(user.password_hash, password or "") else None


def get_user(session: Session, user_id: int) -> User | None:
    """The user with this id, or None."""
    return session.get(User, user_id)


def get_user_by_username(session: Session, username: str) -> User | None:
    """The user with this (case-insensitive) username, or None (also for an impossible name)."""
    name = normalise_username(username)
    if not USERNAME.fullmatch(name):
        return None  # never sent to the database: a NUL byte is an error on PostgreSQL
    return session.scalar(select(User).where(User.username == name))


def list_users(session: Session) -> list[User]:
    """Every account, by username."""
    return list(session.scalars(select(User).order_by(User.username)))


def count_users(session: Session) -> int:
    """How many accounts exist (active or not)."""
    return int(session.scalar(select(func.count(User.id))) or 0)


def set_password(
    session: Session, username: str, password: str, *, hash_method: str = HASH_METHOD
) -> User:
    """Give an account a new password (the rules apply) and end all its sessions."""
    user = get_user_by_username(session, username)
    if user is None:
        raise UserError(f"no user called {normalise_username(username)!r}")
    check_password(password, user.username)
    user.password_hash = generate_password_hash(password, method=hash_method)
    return end_sessions(session, user)


def end_sessions(session: Session, user: User) -> User:
    """End every session of `user` on every device (their session ids stop matching)."""
    user.session_version = (user.session_version or 0) + 1
    session.flush()
    return user


def disable_user(session: Session, username: str) -> User:
    """Mark an account inactive and end its sessions; UserError if it does not exist."""
    user = get_user_by_username(session, username)
    if user is None:
        raise UserError(f"no user called {normalise_username(username)!r}")
    user.active = False
    return end_sessions(session, user)


def enable_user(session: Session, username: str) -> User:
    """Let a disabled account log in again; UserError if it does not exist."""
    user = get_user_by_username(session, username)
    if user is None:
        raise UserError(f"no user called {normalise_username(username)!r}")
    user.active = True
    session.flush()
    return user


def set_role(session: Session, username: str, role: str) -> User:
    """Give an account another role and end its sessions (its pages and rooms change)."""
    user = get_user_by_username(session, username)
    if user is None:
        raise UserError(f"no user called {normalise_username(username)!r}")
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    user.role = role
    return end_sessions(session, user)


def session_states(session: Session, user_ids: set[int]) -> dict[int, tuple[bool, int]]:
    """user id → (active, session version) for these accounts (missing ones are left out)."""
    if not user_ids:
        return {}
    query = select(User.id, User.active, User.session_version).where(User.id.in_(user_ids))
    return {uid: (bool(active), int(version)) for uid, active, version in session.execute(query)}
