"""Hostile requests: bodies that are too big, too deep, not JSON, or carry text no database can
store are refused with a 4xx before anything is written - never a 500."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from inventory.db import make_session_factory
from inventory.requisitions.models import Requisition
from inventory.warehouses.models import StockMovement

from ..web.conftest import text

GOOD = {"ship_to": "SP0001", "ticket": "T-1", "lines": [{"sku": "WM-PUMP-01", "qty": 1}]}


def counts(engine) -> tuple[int, int]:
    with make_session_factory(engine)() as session:
        return (session.scalar(select(func.count()).select_from(Requisition)),
                session.scalar(select(func.count()).select_from(StockMovement)))


@pytest.fixture
def nothing_written(engine):
    before = counts(engine)
    yield
    assert counts(engine) == before


def post_raw(client, auth, body: bytes | str, content_type="application/json"):
    return client.post("/api/v1/requisitions", data=body, headers={**auth["point"], "Content-Type": content_type})


def assert_problem(response, status: int):
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == status


def test_an_oversized_api_body_is_refused_with_413(client, auth, nothing_written):
    assert_problem(post_raw(client, auth, b'{"ship_to": "' + b"x" * (3 * 1024 * 1024) + b'"}'), 413)


def test_an_oversized_form_is_refused_with_a_413_page(clerk, nothing_written):
    response = clerk.post("/w/GD1/receive", {"sku": "WM-PUMP-01", "qty": "1", "reason": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413 and response.mimetype == "text/html"
    assert "Traceback" not in text(response)


@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000, '{"lines": ' + "[" * 5000 + "]" * 5000 + "}"],
                         ids=["deep-array", "deep-field"])
def test_json_nested_too_deep_is_a_400_not_a_crash(client, auth, body, nothing_written):
    assert_problem(post_raw(client, auth, body), 400)


@pytest.mark.parametrize("body, status", [
    ("{not json", 400), (b"\xff\xfe\x00{", 400), ('{"ship_to": "SP0001"', 400),
    ("[]", 422), ('"a string"', 422), ("null", 422),
], ids=["garbage", "bad-bytes", "truncated", "array", "string", "null"])
def test_malformed_json_is_refused(client, auth, body, status, nothing_written):
    assert_problem(post_raw(client, auth, body), status)


def test_a_body_that_is_not_json_is_refused_with_415(client, auth, nothing_written):
    assert_problem(post_raw(client, auth, "ship_to=SP0001", "application/x-www-form-urlencoded"), 415)


UNSTORABLE = [pytest.param(bad, where, id=f"{name}-{where}")
              for bad, name in (("T\x00-1", "nul"), ("T-\ud800", "lone-surrogate"))
              for where in ("ticket", "sku", "idempotency-key", "query", "path")
              if not (name == "lone-surrogate" and where == "idempotency-key")]  # headers are latin-1


@pytest.mark.parametrize("bad, where", UNSTORABLE)
def test_text_no_database_can_store_is_refused_with_422(client, auth, bad, where, nothing_written):
    """PostgreSQL refuses NUL in text and neither database takes a lone surrogate: a 500 before."""
    if where == "ticket":
        response = client.post("/api/v1/requisitions", json={**GOOD, "ticket": bad}, headers=auth["point"])
    elif where == "sku":
        response = client.post("/api/v1/requisitions", headers=auth["point"],
                               json={**GOOD, "lines": [{"sku": bad, "qty": 1}]})
    elif where == "idempotency-key":
        response = client.post("/api/v1/requisitions", json=GOOD, headers={**auth["point"], "Idempotency-Key": bad})
    elif where == "query":
        response = client.get("/api/v1/parts?q=" + ("T%00" if "\x00" in bad else "T%ED%A0%80"), headers=auth["point"])
        if "\ud800" in bad:  # invalid UTF-8 in a URL is decoded with replacement characters: harmless
            assert response.status_code == 200
            return
    else:
        response = client.get("/api/v1/parts/WM%00PUMP", headers=auth["point"])
    assert_problem(response, 422)


def test_a_nul_in_a_web_form_is_a_400_page_and_nothing_is_written(clerk, nothing_written):
    response = clerk.post("/w/GD1/receive", {"sku": "WM-PUMP-01", "qty": "1", "reason": "a\x00b"})
    assert response.status_code == 400 and response.mimetype == "text/html"


@pytest.mark.parametrize("body", [
    {**GOOD, "lines": [{"sku": f"S{i}", "qty": 1} for i in range(201)]},
    {**GOOD, "lines": [{"sku": "WM-PUMP-01", "qty": 10**12}]},
    {**GOOD, "lines": [{"sku": "WM-PUMP-01", "qty": 1.5}]},
    {**GOOD, "ticket": "T" * 10_000},
    {**GOOD, "ship_to": "S" * 10_000},
    {**GOOD, "extra": "field"},
], ids=["too-many-lines", "huge-qty", "fractional-qty", "long-ticket", "long-ship-to", "unknown-field"])
def test_out_of_range_bodies_are_422(client, auth, body, nothing_written):
    assert_problem(client.post("/api/v1/requisitions", json=body, headers=auth["point"]), 422)


def test_after_all_that_the_api_still_takes_a_requisition(client, auth):
    for body in ("[" * 100_000, '{"ticket": "\\u0000"}', "x" * 100):
        post_raw(client, auth, body)
    assert client.post("/api/v1/requisitions", json=GOOD, headers=auth["point"]).status_code == 201


def test_a_url_beyond_the_limit_is_a_414_problem(client, auth):
    """gunicorn runs with --limit-request-line 0 (its own 414 is an HTML page): the app bounds it."""
    from api.app import MAX_URL

    response = client.get("/api/v1/parts?q=" + "x" * MAX_URL, headers=auth["point"])
    assert_problem(response, 414)


def test_a_long_url_within_the_limit_meets_the_apis_own_rules(client, auth):
    """Schemathesis sent 4.8 kB of repeated `per_page`; gunicorn's 4,094-byte default answered HTML."""
    response = client.get("/api/v1/parts?" + "&".join(["per_page=%C2%BF"] * 400), headers=auth["point"])
    assert_problem(response, 422)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_a_nul_in_a_json_body_of_another_unicode_encoding_is_refused_too(client, auth, encoding, nothing_written):
    """The NUL check skips parsing a UTF-8 body without a \\u escape; a body in UTF-16 or UTF-32 (NUL
    bytes) is parsed and checked, and refused either way, never stored nor a 500."""
    body = json.dumps({"ship_to": "SP0001", "ticket": "T\x00X", "lines": [{"sku": "WM-PUMP-01", "qty": 1}]})
    r = client.post("/api/v1/requisitions", data=body.encode(encoding), content_type="application/json",
                    headers=auth["point"])
    assert r.status_code in (400, 422) and r.mimetype == "application/problem+json", r.get_data()
