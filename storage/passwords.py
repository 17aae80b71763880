"""Password rules: long enough, not one of the common passwords, not containing the username."""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from pathlib import Path

PASSWORD_MIN = 10
PASSWORD_MAX = 200
# zxcvbn's list of the 30,000 most common passwords (see the file's header for its source).
COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")


class PasswordProblem(StrEnum):
    """Why a password is refused."""

    EMPTY = "empty"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    COMMON = "common"
    CONTAINS_USERNAME = "contains_username"


# English text for the CLI and logs; the web shows its own translated messages.
PROBLEM_TEXT = {
    PasswordProblem.EMPTY: "password must not be empty",
    PasswordProblem.TOO_SHORT: f"password is too short: at least {PASSWORD_MIN} characters",
    PasswordProblem.TOO_LONG: f"password is too long: at most {PASSWORD_MAX} characters",
    PasswordProblem.COMMON: "password is one of the most common passwords: choose another",
    PasswordProblem.CONTAINS_USERNAME: "password must not contain the username",
}


@cache
def common_passwords() -> frozenset[str]:
    """The blocklist, lower case (read once)."""
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("# "))


def password_problem(password: str, username: str | None = None) -> PasswordProblem | None:
    """What is wrong with `password` for the account `username`, or None when it is fine."""
    if not password or not password.strip():
        return PasswordProblem.EMPTY
    if len(password) < PASSWORD_MIN:
        return PasswordProblem.TOO_SHORT
    if len(password) > PASSWORD_MAX:
        return PasswordProblem.TOO_LONG
    folded = password.casefold()
    if folded in common_passwords() or folded.strip() in common_passwords():
        return PasswordProblem.COMMON
    name = (username or "").strip().casefold()
    if name and name in folded:
        return PasswordProblem.CONTAINS_USERNAME
    return None
