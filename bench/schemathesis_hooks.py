"""Schemathesis hooks for bench/schemathesis_run.py: each operation is called with the key of
the role that gets past its authorisation (tests/api/test_schemathesis.py's `caller_of`), so the
fuzzing reaches the rules rather than stopping at 403. Keys come from $PARTS_FUZZ_KEYS."""
from __future__ import annotations

import json
import os

import schemathesis

from tests.api.test_schemathesis import caller_of


@schemathesis.auth()
class KeyPerRole:
    def get(self, case, context):
        with open(os.environ["PARTS_FUZZ_KEYS"]) as f:
            return json.load(f)

    def set(self, case, keys, context):
        caller = caller_of(case.operation.method, case.operation.path)
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {keys[caller]}"}
