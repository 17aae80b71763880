"""Login throttling: per address and account, per address across accounts, per account across
addresses; a browser the account logged in from before keeps its own allowance.

Only failed attempts count, in fixed windows, so nobody is locked out for longer than a window.
A guesser rotating usernames from one address meets ADDRESS_LIMIT; guessers spread over many
addresses meet ACCOUNT_LIMIT. The real user behind an attacker's address (a shared office or
mobile network) is spared both when their browser holds the signed device cookie set at their
last successful login (OWASP's "device cookies"): such attempts count only against the
device's own DEVICE_LIMIT.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from storage import users as user_store
from web.extensions import limiter, state

PAIR_LIMIT = "5 per minute"  # one address, one account
ADDRESS_LIMIT = "20 per 10 minutes"  # one address, any accounts
ACCOUNT_LIMIT = "10 per 10 minutes"  # one account, any addresses
DEVICE_LIMIT = "5 per minute"  # a browser that logged in to this account before
DEVICE_COOKIE = "tamu_device"
DEVICE_DAYS = 90
USERNAME_MAX = 60
_SALT = "tamu-login-device"


def attempted_username() -> str:
    """The username of this login attempt, normalised (empty when none)."""
    return user_store.normalise_username(request.form.get("username", ""))[:USERNAME_MAX]


def failed(response: Response) -> bool:
    """Whether a login attempt failed (a success redirects)."""
    return response.status_code != 302


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=_SALT)


def device_user() -> str | None:
    """The username this browser last logged in as (a valid device cookie), else None."""
    cookie = request.cookies.get(DEVICE_COOKIE)
    if not cookie:
        return None
    try:
        data = _serializer().loads(cookie, max_age=DEVICE_DAYS * 86400)
    except BadSignature:
        return None
    name = data.get("u") if isinstance(data, dict) else None
    return name if isinstance(name, str) else None


def trusted_device() -> bool:
    """Whether this attempt comes from a browser that logged in to this account before."""
    name = attempted_username()
    return bool(name) and device_user() == name


def pair_key() -> str:
    """The address-and-account bucket, or the device's own bucket for a trusted device."""
    name = attempted_username()
    if trusted_device():
        return f"login-device:{name}:{request.cookies.get(DEVICE_COOKIE, '')[-24:]}"
    return f"login:{request.remote_addr}:{name}"


def address_key() -> str:
    """The bucket of every attempt from this address."""
    return f"login-ip:{request.remote_addr}"


def account_key() -> str:
    """The bucket of every attempt at this account."""
    return f"login-user:{attempted_username()}"


def remember_device(response: Response, username: str) -> Response:
    """Set the device cookie after a successful login as `username`."""
    response.set_cookie(
        DEVICE_COOKIE,
        _serializer().dumps({"u": username}),
        max_age=DEVICE_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=state().config.web.session_cookie_secure,
    )
    return response


def minutes_to_wait() -> int:
    """Whole minutes until the breached limit's window ends (at least 1)."""
    current = limiter.current_limit
    if current is None:
        return 1
    return max(1, math.ceil((current.reset_at - time.time()) / 60))


def throttled_login(view: Callable[..., Any]) -> Callable[..., Any]:
    """Apply every login limit to `view` (POSTs only; failed attempts count)."""
    limits = [
        limiter.limit(PAIR_LIMIT, key_func=pair_key, methods=["POST"], deduct_when=failed),
        limiter.limit(
            ADDRESS_LIMIT,
            key_func=address_key,
            methods=["POST"],
            deduct_when=failed,
            exempt_when=trusted_device,
        ),
        limiter.limit(
            ACCOUNT_LIMIT,
            key_func=account_key,
            methods=["POST"],
            deduct_when=failed,
            exempt_when=trusted_device,
        ),
    ]
    for limit in limits:
        view = limit(view)
    return view
