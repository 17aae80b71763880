"""The REST API for other systems of the regency: /api/v1, token auth, OpenAPI 3 document.

The document is generated from the views and their marshmallow schemas (flask-smorest) and
served at /api/openapi.json. Calls carry `Authorization: Bearer <token>` (`tamu tokens add`);
no session cookie and no CSRF token are used. Each token has a role, checked against the same
table as the dashboard (web/security_policy.py).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api

from web.extensions import csrf
from web.inputs import ID_MAX, RowIdConverter

OPENAPI_ENDPOINT = "api-docs.openapi_json"
SETTINGS = {
    "API_TITLE": "Tamu",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {
        "info": {"description": "Arrivals, visits, guests, report figures; appointments."},
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearerAuth": []}],
    },
}


def init_app(app: Flask) -> Api:
    """Register the API blueprint and the OpenAPI document on `app`."""
    from web.api import appointments  # noqa: F401  (its routes join the API blueprint)
    from web.api.views import bp

    app.config.update(SETTINGS)
    api = Api(app)
    api.register_converter(RowIdConverter, _id_schema)
    api.register_blueprint(bp)
    csrf.exempt(bp)
    return api


def _id_schema(_converter: Any) -> dict[str, Any]:
    return {"type": "integer", "minimum": 0, "maximum": ID_MAX}
