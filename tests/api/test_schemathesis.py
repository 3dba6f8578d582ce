"""Schemathesis fuzzes every operation of the served OpenAPI document: no server errors, and
every response (errors included) conforms to the documented schema."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from .conftest import make_app

# Who calls each operation: the role that gets past authorisation, so the fuzzing reaches the rules.
CALLER = {
    "POST /api/v1/requisitions/{code}/ship": "hq",
    "GET /api/v1/quota": "dealer",
    "GET /api/v1/reports/penalties": "hq",
    "GET /api/v1/centers/{code}/month": "hq",
    "GET /api/v1/centers/{code}/tickets": "hq",
    "POST /api/v1/tickets/{ticket}/events": "call_center",
    "GET /api/v1/tickets/{ticket}": "call_center",
    "POST /api/v1/tickets/{ticket}/parts-causes": "hq",
    "GET /api/v1/stock-plans": "hq",
    "POST /api/v1/stock-plans": "hq",
    "GET /api/v1/stock-plans/runs": "hq",
    "GET /api/v1/stock-plans/runs/{code}": "hq",
    "GET /api/v1/stock-plans/{code}": "hq",
    "GET /api/v1/stock-plans/{code}/targets": "hq",
    "GET /api/v1/cycle-counts": "hq",
    "GET /api/v1/cycle-counts/{count_id}": "hq",
    "GET /api/v1/cycle-counts/due": "hq",
    "GET /api/v1/cycle-counts/accuracy": "hq",
    "POST /api/v1/cycle-counts/lines/{line_id}/approve": "hq",
    "POST /api/v1/cycle-counts/lines/{line_id}/reject": "hq",
    "POST /api/v1/requisitions/{code}/lines/{line}/warranty": "hq",
    "GET /api/v1/returns/settlements/{ticket}": "call_center",
    "PUT /api/v1/tickets/{ticket}/appliance": "call_center",
}
# HQ-only operations by prefix and by name (bench/schemathesis_hooks.py calls them the same way)
HQ_PREFIXES = ("/api/v1/purchase-orders", "/api/v1/transfers", "/api/v1/optimizer", "/api/v1/returns/report",
               "/api/v1/warehouses", "/api/v1/supersessions")
HQ_ONLY = {"POST /api/v1/returns/{code}/receive", "POST /api/v1/returns/{code}/inspect",
           "POST /api/v1/returns/{code}/close", "POST /api/v1/service-points/{code}/overcharges",
           "PUT /api/v1/price-list", "PUT /api/v1/price-list/{sku}"}


def caller_of(method: str, path: str) -> str:
    """The role whose key calls an operation: CALLER's, HQ for the HQ-only ones, else a point."""
    name = f"{method.upper()} {path}"
    if name in CALLER:
        return CALLER[name]
    if name in HQ_ONLY or path.startswith(HQ_PREFIXES):
        return "hq"
    return "point"


@pytest.fixture
def api_schema(database, engine, auth):
    app = make_app(database.url)
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_within_its_documented_contract(case, auth):
    caller = caller_of(case.operation.method, case.operation.path)
    # Left out: "schema-valid data is accepted" (an unknown sku is schema-valid yet rightly 422)
    # and "schema-invalid data is rejected" (werkzeug drops an empty query key like `=x` before
    # any validation). Refusal of unknown fields and bad numbers is tested explicitly elsewhere.
    # Every other check runs: no 5xx, documented status codes, content types, headers, bodies.
    case.call_and_validate(headers=auth[caller], excluded_checks=[
        schemathesis.checks.positive_data_acceptance, schemathesis.checks.negative_data_rejection])
