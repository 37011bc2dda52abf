"""A property-based test of the whole HTTP API from its own OpenAPI schema (schemathesis,
in-process), anonymous and as a manager: no server errors, no answer the schema does not
describe. Bounded: a few dozen generated requests per operation."""

from __future__ import annotations

import os
from typing import Any, Dict

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.servicedesk.conftest import create_staff, login

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
EXAMPLES = int(os.environ.get("API_TEST_EXAMPLES", "10"))  # more: API_TEST_EXAMPLES=100
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def api_schema(client: TestClient) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", client.app)


@pytest.fixture
def manager(client: TestClient, database_url: str) -> Dict[str, Any]:
    create_staff(database_url, "mona", role="manager")
    csrf = login(client, "mona")
    return {"headers": {"X-CSRF-Token": csrf},
            "cookies": {"porvoo_staff_session": client.cookies["porvoo_staff_session"]}}


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_anonymous_requests_get_described_answers(case: Any) -> None:
    case.call_and_validate(checks=CHECKS, base_url="https://testserver")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_a_managers_requests_get_described_answers(case: Any, manager: Dict[str, Any]
                                                   ) -> None:
    case.call_and_validate(checks=CHECKS, base_url="https://testserver",
                           headers=manager["headers"], cookies=manager["cookies"])
