"""Bearer-token authentication for the API: the token's role against the web's policy table."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import g, request

from core.vocab import AuditAction
from storage import audit as audit_log
from storage.api_tokens import authenticate
from storage.db import transaction
from web import security_policy as policy
from web.api.errors import fail
from web.extensions import state

log = logging.getLogger(__name__)
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="tamu"'}


@dataclass(frozen=True)
class Caller:
    """The token a call was made with."""

    id: int
    name: str
    role: str


def bearer_secret() -> str | None:
    """The token of `Authorization: Bearer <token>`, or None."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def require_token() -> None:
    """Before every API view: a live token whose role may use the endpoint, else 401/403.

    Every call is audited; repeats of the same call by the same token (or refusals from the
    same address) within the burst window are one audit row with a count.
    """
    secret = bearer_secret()
    endpoint = request.endpoint
    with transaction(state().sessions) as db:
        token = authenticate(db, secret) if secret else None
        caller = Caller(token.id, token.name, token.role) if token is not None else None
        allowed = caller is not None and policy.may_access(caller.role, endpoint)
        status = 200 if allowed else 401 if caller is None else 403
        target = f"token {caller.id} {caller.name}" if caller else None
        detail = {"endpoint": endpoint, "status": status}
        if caller is None:
            detail["ip"] = request.remote_addr
        audit_log.record_burst(db, None, AuditAction.API_CALL, target, detail)
    if caller is None:
        log.info("API call to %s refused from %s: no valid token", endpoint, request.remote_addr)
        fail(401, "a valid API token is required (Authorization: Bearer …)", CHALLENGE)
    if not allowed:
        assert caller is not None
        log.warning("API token %s (%s) refused on %s", caller.name, caller.role, endpoint)
        fail(403, f"role {caller.role} may not use this endpoint")
    g.api_caller = caller


def caller() -> Caller:
    """The authenticated token of this call."""
    found: Caller = g.api_caller
    return found
