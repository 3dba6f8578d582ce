"""Schemathesis hooks for bench/schemathesis_run.py: each operation is called with the key of
the role that gets past its authorisation (tests/api/test_schemathesis.py's CALLER), so the
fuzzing reaches the rules rather than stopping at 403. Keys come from $PARTS_FUZZ_KEYS."""
from __future__ import annotations

import json
import os

import schemathesis

from tests.api.test_schemathesis import CALLER

# HQ-only operations the suite's map leaves to the service point (they answer it 403 only)
HQ_PREFIXES = ("/api/v1/purchase-orders", "/api/v1/transfers", "/api/v1/optimizer", "/api/v1/returns/report",
               "/api/v1/warehouses", "/api/v1/supersessions")
HQ_ONLY = {"POST /api/v1/returns/{code}/receive", "POST /api/v1/returns/{code}/inspect",
           "POST /api/v1/returns/{code}/close", "POST /api/v1/service-points/{code}/overcharges",
           "PUT /api/v1/price-list", "PUT /api/v1/price-list/{sku}"}


def caller_of(method: str, path: str) -> str:
    name = f"{method.upper()} {path}"
    if name in CALLER:
        return CALLER[name]
    if name in HQ_ONLY or path.startswith(HQ_PREFIXES):
        return "hq"
    if name == "PUT /api/v1/tickets/{ticket}/appliance":
        return "call_center"
    return "point"


@schemathesis.auth()
class KeyPerRole:
    def get(self, case, context):
        with open(os.environ["PARTS_FUZZ_KEYS"]) as f:
            return json.load(f)

    def set(self, case, keys, context):
        caller = caller_of(case.operation.method, case.operation.path)
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {keys[caller]}"}
