"""The API's errors: JSON with the code, its name, a message and, for bad input, the fields."""

from __future__ import annotations

from typing import Any, NoReturn

from flask_smorest import abort
from werkzeug.exceptions import HTTPException


def api_error(exc: HTTPException) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Every API error as JSON: code, status, message and, for bad input, the fields."""
    code = exc.code or 500
    body: dict[str, Any] = {"code": code, "status": exc.name}
    data = getattr(exc, "data", None) or {}
    body["message"] = data.get("message") or exc.description or exc.name
    if "errors" in data or "messages" in data:
        body["errors"] = data.get("errors") or data.get("messages")
    headers = dict(data.get("headers") or {})
    allowed = getattr(exc, "valid_methods", None)
    if allowed:
        headers["Allow"] = ", ".join(allowed)
    return body, code, headers


def fail(code: int, message: str, headers: dict[str, str] | None = None) -> NoReturn:
    """Stop the call with an API error."""
    abort(code, message=message, headers=headers or {})
    raise AssertionError("abort returned")  # abort always raises
