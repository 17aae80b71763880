"""Schemathesis against the live API (the WSGI app): no 500s, answers match the document.

Cases come from the OpenAPI document the code generates; every call carries an admin token,
and Schemathesis's `ignored_auth` check repeats calls without it, which must be refused.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis.specs.openapi.checks import positive_data_acceptance

from storage.api_tokens import create_token
from storage.db import transaction
from tests.support.web import add_arrival, add_guest

MAX_EXAMPLES = 12
# Inputs a JSON Schema cannot judge (an end before the start, a year outside 2000–2100) are
# refused with a 400 that names the field; for these operations "valid by the document" need
# not mean accepted. Every other check (no 500s, answers match the document) still runs.
SEMANTIC_400 = {"POST /api/v1/appointments"}


@pytest.fixture(autouse=True)
def hypothesis_home(tmp_path_factory):
    """Hypothesis keeps its caches under tmp, never in the source tree."""
    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))
    yield
    set_hypothesis_home_dir(None)


@pytest.fixture
def api_env(env):
    guest = add_guest(env, "Siti Aminah")
    add_arrival(env, guest_id=guest)
    add_arrival(env, camera="waiting", unknown=True)
    with transaction(env.sessions) as db:
        env.token = create_token(db, "schemathesis", "admin", None).secret
    return env


@pytest.fixture
def api_schema(api_env):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", api_env.app)


def walk(operation, headers: dict[str, str]) -> None:
    """One bounded Hypothesis run over an operation's generated cases."""
    skip = [positive_data_acceptance] if operation.label in SEMANTIC_400 else []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def conforms(case):
        case.call_and_validate(headers=headers, excluded_checks=skip)

    conforms()


def test_the_api_keeps_to_its_document(api_schema, api_env):
    # The operations are walked here rather than with schemathesis's pytest plugin, which
    # does not run under this pytest; each gets its own bounded Hypothesis run.
    headers = {"Authorization": f"Bearer {api_env.token}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    for operation in operations:
        walk(operation, headers)
    assert len(operations) >= 8
    assert "POST /api/v1/appointments" in {operation.label for operation in operations}


def test_every_operation_refuses_calls_without_a_token(api_schema):
    operations = [op.ok() for op in api_schema.get_all_operations()]
    assert len(operations) >= 6
    for operation in operations:
        path = {parameter.name: 1 for parameter in operation.path_parameters}
        required = {p.name for p in operation.query if p.is_required}
        query = {"since": "2026-11-01"} if "since" in required else None
        case = operation.Case(path_parameters=path, query=query)
        response = case.call()
        assert response.status_code == 401, operation.label
        case.validate_response(response)
