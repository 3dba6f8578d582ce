"""REST contract of API.md for requisitions, parts and quota."""
from __future__ import annotations

import pytest

LINE = {"sku": "WM-PUMP-01", "qty": 2}


def submit(client, headers, ship_to="SP0001", lines=(LINE,), ticket="T20261122-0001", **extra):
    return client.post("/api/v1/requisitions", headers=headers,
                       json={"ship_to": ship_to, "ticket": ticket, "lines": list(lines), **extra})


def test_a_service_point_submits_a_requisition_and_gets_the_contract_shape(client, auth):
    r = submit(client, auth["point"])
    assert r.status_code == 201, r.json
    body = r.json
    assert body["id"].startswith("R") and body["status"] == "allocated"
    assert body["ship_to"] == "SP0001" and body["ticket"] == "T20261122-0001" and body["value"] == "250.00"
    line = body["lines"][0]
    assert (line["sku"], line["qty"], line["backordered_qty"]) == ("WM-PUMP-01", 2, 0)
    assert [(a["warehouse"], a["qty"]) for a in line["allocations"]] == [("GD1", 2)]
    assert line["allocations"][0]["promised_by"].endswith("+00:00")


def test_the_requisition_can_be_read_back_with_its_history(client, auth):
    code = submit(client, auth["point"]).json["id"]
    r = client.get(f"/api/v1/requisitions/{code}", headers=auth["point"])
    assert r.status_code == 200 and [e["kind"] for e in r.json["history"]] == ["submitted"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"},
                                     {"Authorization": "Bearer pk_000000000000_wrong"}])
def test_no_or_bad_key_is_401_problem(client, auth, headers):
    r = client.get("/api/v1/requisitions", headers=headers)
    assert r.status_code == 401 and r.mimetype == "application/problem+json"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_key_answers_401(client, auth, app):
    from api.extensions import db
    from inventory.access import revoke_key
    from inventory.db import transaction

    key = auth["dealer"]["Authorization"].split()[1]
    with app.app_context(), transaction(db.session):
        revoke_key(db.session, key)
    assert client.get("/api/v1/quota", headers=auth["dealer"]).status_code == 401


@pytest.mark.parametrize("who, method, path", [
    ("call_center", "post", "/api/v1/requisitions"),
    ("call_center", "get", "/api/v1/requisitions"),
    ("point", "get", "/api/v1/quota"),
    ("hq", "get", "/api/v1/quota"),
])
def test_the_wrong_role_is_403(client, auth, who, method, path):
    r = getattr(client, method)(path, headers=auth[who], json={"ship_to": "SP0001", "lines": [LINE]} if method == "post" else None)
    assert r.status_code == 403 and r.json["status"] == 403


def test_only_hq_ships(client, auth):
    code = submit(client, auth["point"]).json["id"]
    assert client.post(f"/api/v1/requisitions/{code}/ship", headers=auth["point"]).status_code == 403
    assert client.post(f"/api/v1/requisitions/{code}/ship", headers=auth["hq"]).json["status"] == "shipped"


def test_two_dealers_cannot_see_each_others_requisitions_or_quota(client, auth):
    mine = submit(client, auth["dealer"], ticket=None).json["id"]
    for path in (f"/api/v1/requisitions/{mine}",):
        assert client.get(path, headers=auth["other_dealer"]).status_code == 404
    assert client.post(f"/api/v1/requisitions/{mine}/cancel", headers=auth["other_dealer"]).status_code == 404
    assert client.post(f"/api/v1/requisitions/{mine}/receive", headers=auth["other_dealer"]).status_code == 404
    assert client.get("/api/v1/requisitions", headers=auth["other_dealer"]).json == []
    assert client.get("/api/v1/quota", headers=auth["other_dealer"]).json["dealer"] == "D002"
    assert client.get("/api/v1/quota", headers=auth["dealer"]).json["reserved"] == "250.00"


def test_an_unknown_id_and_a_foreign_id_look_the_same(client, auth):
    mine = submit(client, auth["dealer"], ticket=None).json["id"]
    foreign = client.get(f"/api/v1/requisitions/{mine}", headers=auth["other_dealer"])
    unknown = client.get("/api/v1/requisitions/R99999999", headers=auth["other_dealer"])
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json["title"] == unknown.json["title"]


def test_a_dealer_cannot_ship_to_another_dealers_point(client, auth):
    r = submit(client, auth["dealer"], ship_to="SP0003", ticket=None)
    assert r.status_code == 422 and "ship_to" in r.json["errors"]


def test_the_same_idempotency_key_twice_creates_one_requisition(client, auth):
    headers = {**auth["dealer"], "Idempotency-Key": "order-42"}
    first, second = (submit(client, headers, ticket=None) for _ in range(2))
    assert first.status_code == second.status_code == 201
    assert first.json == second.json
    assert client.get("/api/v1/requisitions", headers=auth["dealer"]).headers["X-Total-Count"] == "1"


def test_the_same_idempotency_key_with_another_body_is_409(client, auth):
    headers = {**auth["dealer"], "Idempotency-Key": "order-43"}
    assert submit(client, headers, ticket=None).status_code == 201
    r = submit(client, headers, ticket=None, lines=[{"sku": "WM-PUMP-01", "qty": 3}])
    assert r.status_code == 409 and r.mimetype == "application/problem+json"


def test_idempotency_keys_are_per_principal(client, auth):
    a = submit(client, {**auth["point"], "Idempotency-Key": "k"})
    b = submit(client, {**auth["other_point"], "Idempotency-Key": "k"}, ship_to="SP0003")
    assert a.json["id"] != b.json["id"]


@pytest.mark.parametrize("body, field", [
    ({"ship_to": "SP0001", "ticket": "T", "lines": [LINE], "colour": "red"}, "colour"),
    ({"ship_to": "SP0001", "ticket": "T", "lines": [{"sku": "WM-PUMP-01", "qty": -1}]}, "lines.0.qty"),
    ({"ship_to": "SP0001", "ticket": "T", "lines": [{"sku": "WM-PUMP-01", "qty": 0}]}, "lines.0.qty"),
    ({"ship_to": "SP0001", "ticket": "T", "lines": [{"sku": "WM-PUMP-01", "qty": 10**30}]}, "lines.0.qty"),
    ({"ship_to": "SP0001", "ticket": "T", "lines": [{"sku": "WM-PUMP-01", "qty": 1.5}]}, "lines.0.qty"),
    ({"ship_to": "SP0001", "ticket": "T", "lines": [{"sku": "WM-PUMP-01", "qty": "2"}]}, "lines.0.qty"),
    ({"ship_to": "SP0001", "ticket": "T", "lines": []}, "lines"),
    ({"ship_to": "SP0001", "ticket": "T"}, "lines"),
    ({"ship_to": "SP0001", "ticket": "T", "lines": [{"sku": "NOPE", "qty": 1}]}, "lines.0.sku"),
    ({"ship_to": "SP0001", "ticket": "T", "lines": [{"qty": 1}]}, "lines.0.sku"),
    ({"ship_to": 5, "ticket": "T", "lines": [LINE]}, "ship_to"),
    ({"ship_to": "SP0001", "lines": [LINE]}, "ticket"),
])
def test_invalid_bodies_are_422_problems_naming_the_field_and_reserve_nothing(client, auth, body, field):
    r = client.post("/api/v1/requisitions", headers=auth["point"], json=body)
    assert r.status_code == 422, r.json
    assert r.mimetype == "application/problem+json" and field in r.json["errors"]
    assert client.get("/api/v1/requisitions", headers=auth["point"]).headers["X-Total-Count"] == "0"


@pytest.mark.parametrize("data, content_type, status", [
    ("{not json", "application/json", 400),
    ("[1, 2]", "application/json", 422),
    ("null", "application/json", 422),
    ('{"ship_to": "SP0001"}', "text/plain", 415),
    ("ship_to=SP0001", "application/x-www-form-urlencoded", 415),
])
def test_malformed_bodies_are_4xx_problems_never_500(client, auth, data, content_type, status):
    r = client.post("/api/v1/requisitions", headers={**auth["point"], "Content-Type": content_type}, data=data)
    assert r.status_code == status and r.mimetype == "application/problem+json"


def test_an_oversized_body_is_refused(client, auth):
    r = client.post("/api/v1/requisitions", headers=auth["point"], data="x" * (3 * 1024 * 1024),
                    content_type="application/json")
    assert r.status_code == 413 and r.mimetype == "application/problem+json"


def test_over_quota_is_422_naming_the_shortfall_and_reserves_nothing(client, auth):
    r = submit(client, auth["other_dealer"], ship_to="SP0003", ticket=None,
               lines=[{"sku": "WM-MOTOR-01", "qty": 44}])
    assert r.status_code == 422 and "by 240.00" in r.json["detail"]
    assert client.get("/api/v1/quota", headers=auth["other_dealer"]).json["reserved"] == "0.00"


def test_cancel_restores_stock_and_quota_and_is_409_after_shipping(client, auth):
    code = submit(client, auth["dealer"], ticket=None).json["id"]
    assert client.post(f"/api/v1/requisitions/{code}/cancel", headers=auth["dealer"]).json["status"] == "cancelled"
    assert client.get("/api/v1/quota", headers=auth["dealer"]).json["available"] == "50000.00"
    assert client.post(f"/api/v1/requisitions/{code}/cancel", headers=auth["dealer"]).status_code == 409
    shipped = submit(client, auth["dealer"], ticket=None).json["id"]
    client.post(f"/api/v1/requisitions/{shipped}/ship", headers=auth["hq"])
    assert client.post(f"/api/v1/requisitions/{shipped}/cancel", headers=auth["dealer"]).status_code == 409


def test_the_owner_confirms_arrival_and_a_future_time_is_refused(client, auth):
    code = submit(client, auth["point"]).json["id"]
    client.post(f"/api/v1/requisitions/{code}/ship", headers=auth["hq"], json={})
    future = client.post(f"/api/v1/requisitions/{code}/receive", headers=auth["point"], json={"at": "2099-01-01T00:00:00+08:00"})
    assert future.status_code == 422 and "at" in future.json["errors"]
    naive = client.post(f"/api/v1/requisitions/{code}/receive", headers=auth["point"], json={"at": "2026-01-01T00:00:00"})
    assert naive.status_code == 422
    r = client.post(f"/api/v1/requisitions/{code}/receive", headers=auth["point"])
    assert r.json["status"] == "delivered" and r.json["lines"][0]["allocations"][0]["on_time"] is True


def test_a_parcel_is_confirmed_by_the_warehouse_that_sent_it(client, auth):
    code = submit(client, auth["point"], lines=[{"sku": "WM-PUMP-01", "qty": 15}]).json["id"]  # GD1 10 + HQ 5
    client.post(f"/api/v1/requisitions/{code}/ship", headers=auth["hq"], json={})
    url = f"/api/v1/requisitions/{code}/receive"
    assert client.post(url, headers=auth["point"], json={"warehouse": "W" * 41}).status_code == 422
    assert client.post(url, headers=auth["point"], json={"warehouse": 7}).status_code == 422
    assert client.post(url, headers=auth["point"], json={"warehouse": "HB1"}).status_code == 409  # sent nothing
    r = client.post(url, headers=auth["point"], json={"warehouse": "GD1"})
    assert r.status_code == 200 and r.json["status"] != "delivered"
    assert {a["warehouse"]: a["status"] for a in r.json["lines"][0]["allocations"]} == {"GD1": "delivered",
                                                                                        "HQ": "shipped"}
    assert client.post(url, headers=auth["point"], json={"warehouse": "HQ"}).json["status"] == "delivered"


def test_lists_are_paginated_with_a_total_count(client, auth):
    for _ in range(3):
        submit(client, auth["point"], lines=[{"sku": "WM-PUMP-01", "qty": 1}])
    r = client.get("/api/v1/requisitions?page=2&per_page=2", headers=auth["point"])
    assert r.headers["X-Total-Count"] == "3" and len(r.json) == 1
    assert client.get("/api/v1/requisitions?per_page=100000", headers=auth["point"]).status_code == 422
    assert client.get("/api/v1/requisitions?status=delivered", headers=auth["point"]).headers["X-Total-Count"] == "0"


def test_part_search_and_two_day_availability_toward_the_callers_point(client, auth):
    r = client.get("/api/v1/parts?q=排水", headers=auth["call_center"])
    assert [p["sku"] for p in r.json] == ["WM-PUMP-01"] and r.headers["X-Total-Count"] == "1"
    detail = client.get("/api/v1/parts/WM-PUMP-01", headers=auth["point"]).json
    assert detail["two_day_available"] == 60  # GD1 10 (12 h) + HQ 50 (20 h); HB1 is 60 h away
    assert {a["warehouse"]: a["transit_hours"] for a in detail["availability"]} == {"GD1": 12, "HQ": 20, "HB1": 60}
    assert client.get("/api/v1/parts/NOPE", headers=auth["point"]).status_code == 404
    assert client.get("/api/v1/parts/WM-PUMP-01?ship_to=SP0003", headers=auth["dealer"]).status_code == 422


def test_requests_beyond_the_rate_limit_get_429(database, engine, auth):
    from .conftest import make_app

    client = make_app(database.url, RATELIMIT_DEFAULT="3 per minute").test_client()
    codes = [client.get("/api/v1/parts", headers=auth["point"]).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    other = client.get("/api/v1/parts", headers=auth["dealer"])
    assert other.status_code == 200  # limits are per key


def test_openapi_document_is_served(client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.") and "/api/v1/requisitions/{code}/cancel" in doc["paths"]


def test_unknown_query_parameters_are_422(client, auth):
    r = client.get("/api/v1/requisitions?colour=red", headers=auth["point"])
    assert r.status_code == 422 and "colour" in r.json["errors"]


def test_interactive_docs_are_served_without_any_external_asset(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and "/api/v1/docs/assets/swagger-ui-bundle.js" in page.text
    asset = client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000
