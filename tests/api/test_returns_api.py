"""REST contract of API.md for returns: create, read, receive, inspect, close, report, sweep task."""
from __future__ import annotations

from datetime import timedelta

import pytest

from inventory.access import Principal
from inventory.db import make_session_factory, transaction, utcnow
from inventory.policy import Policy
from inventory.quotas.service import period_of
from inventory.requisitions import service as requisitions
from inventory.requisitions.service import LineRequest

from .. import appliances

PUMP = "WM-PUMP-01"


def shipped(client, auth, who="point", qty=2, ticket="T20261122-0001", sku=PUMP, ship_to="SP0001"):
    """A requisition submitted by `who` and shipped by HQ; its code. The ticket's appliance is
    recorded first, bought 100 days ago: its parts are free."""
    if ticket:
        appliances.put(client, auth["call_center"], ticket)
    r = client.post("/api/v1/requisitions", headers=auth[who],
                    json={"ship_to": ship_to, "ticket": ticket, "lines": [{"sku": sku, "qty": qty}]})
    assert r.status_code == 201, r.json
    assert client.post(f"/api/v1/requisitions/{r.json['id']}/ship", headers=auth["hq"]).status_code == 200
    return r.json["id"]


def send(client, headers, requisition, qty=2, kind="old_part", sku=PUMP, reason="seized", **extra):
    return client.post("/api/v1/returns", headers=headers,
                       json={"requisition": requisition, "sku": sku, "qty": qty, "kind": kind, "reason": reason, **extra})


def returns_of(client, headers, **query):
    return client.get("/api/v1/returns", headers=headers, query_string=query)


# ---------------------------------------------------------------- contract

def test_shipping_shows_the_expected_old_part_in_the_points_list(client, auth):
    req = shipped(client, auth)
    r = returns_of(client, auth["point"])
    assert r.status_code == 200 and r.headers["X-Total-Count"] == "1"
    [row] = r.json
    assert (row["status"], row["kind"], row["requisition"], row["qty"], row["warehouse"]) == ("expected", "old_part", req, 2, "GD1")
    assert row["ticket"] == "T20261122-0001" and row["due_by"].endswith("+00:00") and row["unit_price"] == "125.00"


def test_posting_the_old_part_answers_201_with_the_contract_shape_and_ships_the_expected_return(client, auth):
    req = shipped(client, auth)
    expected = returns_of(client, auth["point"]).json[0]
    r = send(client, auth["point"], req)
    assert r.status_code == 201, r.json
    body = r.json
    assert body["id"] == expected["id"] and body["id"].startswith("RT") and len(body["id"]) == 10
    assert (body["status"], body["due_by"], body["reason"]) == ("shipped", expected["due_by"], "seized")
    assert body["shipped_at"] and body["charges"] == [] and body["outcome"] is None
    assert returns_of(client, auth["point"]).headers["X-Total-Count"] == "1"


def test_an_unused_return_has_no_due_date(client, auth):
    r = send(client, auth["point"], shipped(client, auth), qty=1, kind="unused", reason="not needed")
    assert r.status_code == 201 and (r.json["kind"], r.json["status"], r.json["due_by"]) == ("unused", "shipped", None)


def test_a_dealer_returns_its_own_parts(client, auth):
    req = shipped(client, auth, who="dealer", ticket="T-DEALER")
    r = send(client, auth["dealer"], req, qty=1)
    assert r.status_code == 201 and (r.json["dealer"], r.json["service_point"]) == ("D001", "SP0001")
    assert client.get(f"/api/v1/returns/{r.json['id']}", headers=auth["dealer"]).status_code == 200


def test_the_owner_and_hq_read_one_return(client, auth):
    code = send(client, auth["point"], shipped(client, auth)).json["id"]
    for who in ("point", "hq"):
        r = client.get(f"/api/v1/returns/{code}", headers=auth[who])
        assert r.status_code == 200 and r.json["id"] == code


# ---------------------------------------------------------------- roles and scoping

@pytest.mark.parametrize("who, method, path", [
    ("hq", "post", "/api/v1/returns"),
    ("call_center", "post", "/api/v1/returns"),
    ("call_center", "get", "/api/v1/returns"),
    ("point", "post", "/api/v1/returns/RT00000001/receive"),
    ("dealer", "post", "/api/v1/returns/RT00000001/inspect"),
    ("point", "post", "/api/v1/returns/RT00000001/close"),
    ("point", "get", "/api/v1/returns/report?month=2026-11"),
])
def test_the_wrong_role_is_403(client, auth, who, method, path):
    body = {"requisition": "R00000001", "sku": PUMP, "qty": 1, "kind": "old_part"} if path.endswith("returns") else None
    r = getattr(client, method)(path, headers=auth[who], json=body)
    assert r.status_code == 403 and r.mimetype == "application/problem+json"


def test_another_principals_return_is_404_like_an_unknown_one(client, auth):
    code = send(client, auth["point"], shipped(client, auth)).json["id"]
    for who in ("other_point", "dealer", "other_dealer"):
        r = client.get(f"/api/v1/returns/{code}", headers=auth[who])
        assert r.status_code == 404 and r.mimetype == "application/problem+json"
    unknown = client.get("/api/v1/returns/RT99999999", headers=auth["other_point"])
    assert unknown.status_code == 404 and unknown.json["title"] == "Not Found"
    assert client.get("/api/v1/returns/nonsense", headers=auth["hq"]).status_code == 404
    assert returns_of(client, auth["other_point"]).json == []


def test_returning_another_principals_part_is_404(client, auth):
    req = shipped(client, auth)
    for who in ("other_point", "dealer"):
        assert send(client, auth[who], req).status_code == 404
    dealers = shipped(client, auth, who="dealer", ticket=None)
    assert send(client, auth["other_dealer"], dealers, qty=1).status_code == 404
    assert send(client, auth["point"], dealers, qty=1).status_code == 404
    assert send(client, auth["point"], "R99999999").status_code == 404


# ---------------------------------------------------------------- validation

@pytest.mark.parametrize("change, field", [
    ({"qty": 0}, "qty"),
    ({"qty": -1}, "qty"),
    ({"qty": "2"}, "qty"),
    ({"qty": 1.5}, "qty"),
    ({"qty": 10**30}, "qty"),
    ({"kind": "spare"}, "kind"),
    ({"kind": None}, "kind"),
    ({"sku": ""}, "sku"),
    ({"reason": "x" * 201}, "reason"),
    ({"colour": "red"}, "colour"),
    ({"sku": "WM-MOTOR-01"}, "sku"),
    ({"qty": 3}, "qty"),
])
def test_invalid_returns_are_422_problems_naming_the_field_and_change_nothing(client, auth, change, field):
    req = shipped(client, auth)
    r = client.post("/api/v1/returns", headers=auth["point"],
                    json={"requisition": req, "sku": PUMP, "qty": 2, "kind": "old_part", **change})
    assert r.status_code == 422, r.json
    assert r.mimetype == "application/problem+json" and field in r.json["errors"]
    assert [row["status"] for row in returns_of(client, auth["point"]).json] == ["expected"]


@pytest.mark.parametrize("missing", ["requisition", "sku", "qty", "kind"])
def test_required_fields_are_422(client, auth, missing):
    body = {"requisition": "R00000001", "sku": PUMP, "qty": 1, "kind": "old_part"}
    del body[missing]
    r = client.post("/api/v1/returns", headers=auth["point"], json=body)
    assert r.status_code == 422 and missing in r.json["errors"]


def test_returning_more_than_was_issued_is_422_with_what_remains(client, auth):
    req = shipped(client, auth)
    assert send(client, auth["point"], req, qty=1).status_code == 201
    r = send(client, auth["point"], req, qty=2)
    assert r.status_code == 422 and "only 1 old" in r.json["detail"] and "qty" in r.json["errors"]


@pytest.mark.parametrize("data, content_type, status", [
    ("{not json", "application/json", 400),
    ("[1]", "application/json", 422),
    ('{"qty": 1}', "text/plain", 415),
])
def test_malformed_bodies_are_4xx_problems(client, auth, data, content_type, status):
    r = client.post("/api/v1/returns", headers={**auth["point"], "Content-Type": content_type}, data=data)
    assert r.status_code == status and r.mimetype == "application/problem+json"


def test_unknown_query_parameters_and_bad_filters_are_422(client, auth):
    assert returns_of(client, auth["point"], colour="red").status_code == 422
    assert returns_of(client, auth["point"], status="lost").status_code == 422


# ---------------------------------------------------------------- idempotency

def test_the_same_idempotency_key_twice_returns_the_first_answer(client, auth):
    req = shipped(client, auth)
    headers = {**auth["point"], "Idempotency-Key": "ret-1"}
    first, second = (send(client, headers, req, qty=1) for _ in range(2))
    assert first.status_code == second.status_code == 201 and first.json == second.json
    statuses = sorted(row["status"] for row in returns_of(client, auth["point"]).json)
    assert statuses == ["expected", "shipped"]  # one unit shipped, one still expected


def test_the_same_idempotency_key_with_another_body_is_409(client, auth):
    req = shipped(client, auth)
    headers = {**auth["point"], "Idempotency-Key": "ret-2"}
    assert send(client, headers, req, qty=1).status_code == 201
    r = send(client, headers, req, qty=1, reason="other words")
    assert r.status_code == 409 and r.mimetype == "application/problem+json"


# ---------------------------------------------------------------- warehouse actions

def test_hq_receives_inspects_and_closes_a_return(client, auth):
    code = send(client, auth["point"], shipped(client, auth), qty=1, kind="unused").json["id"]
    received = client.post(f"/api/v1/returns/{code}/receive", headers=auth["hq"])
    assert received.status_code == 200 and received.json["status"] == "received"
    inspected = client.post(f"/api/v1/returns/{code}/inspect", headers=auth["hq"],
                            json={"outcome": "no_fault_found", "note": "sealed"})
    assert inspected.status_code == 200
    assert (inspected.json["status"], inspected.json["outcome"], inspected.json["note"]) == ("inspected", "no_fault_found", "sealed")
    closed = client.post(f"/api/v1/returns/{code}/close", headers=auth["hq"])
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    gd1 = {a["warehouse"]: a["available"] for a in client.get(f"/api/v1/parts/{PUMP}", headers=auth["point"]).json["availability"]}
    assert gd1["GD1"] == 10 - 2 + 1


def test_receive_takes_a_past_time_but_not_a_future_one(client, auth):
    code = send(client, auth["point"], shipped(client, auth)).json["id"]
    future = client.post(f"/api/v1/returns/{code}/receive", headers=auth["hq"], json={"at": "2099-01-01T00:00:00+08:00"})
    assert future.status_code == 422 and "at" in future.json["errors"]
    at = utcnow().isoformat()
    r = client.post(f"/api/v1/returns/{code}/receive", headers=auth["hq"], json={"at": at})
    assert r.status_code == 200 and r.json["received_at"].endswith("+00:00")
    again = client.post(f"/api/v1/returns/{code}/receive", headers=auth["hq"])
    assert again.status_code == 409 and again.mimetype == "application/problem+json"


def test_inspecting_twice_is_409_and_a_wrong_part_is_charged_once(client, auth):
    code = send(client, auth["point"], shipped(client, auth)).json["id"]
    assert client.post(f"/api/v1/returns/{code}/inspect", headers=auth["hq"], json={"outcome": "wrong_part"}).status_code == 409
    client.post(f"/api/v1/returns/{code}/receive", headers=auth["hq"], json={})
    first = client.post(f"/api/v1/returns/{code}/inspect", headers=auth["hq"], json={"outcome": "wrong_part"})
    assert first.json["charges"][0]["amount"] == "250.00" and first.json["charges"][0]["kind"] == "wrong_part"
    second = client.post(f"/api/v1/returns/{code}/inspect", headers=auth["hq"], json={"outcome": "wrong_part"})
    assert second.status_code == 409 and "already inspected" in second.json["detail"]
    assert len(client.get(f"/api/v1/returns/{code}", headers=auth["point"]).json["charges"]) == 1


@pytest.mark.parametrize("body, field", [({}, "outcome"), ({"outcome": "fine"}, "outcome"),
                                         ({"outcome": "wrong_part", "extra": 1}, "extra")])
def test_an_invalid_inspection_is_422(client, auth, body, field):
    code = send(client, auth["point"], shipped(client, auth)).json["id"]
    r = client.post(f"/api/v1/returns/{code}/inspect", headers=auth["hq"], json=body)
    assert r.status_code == 422 and field in r.json["errors"]


def test_a_confirmed_defect_credits_the_dealers_quota(client, auth):
    req = shipped(client, auth, who="dealer", ticket="T-D1")
    code = send(client, auth["dealer"], req).json["id"]
    client.post(f"/api/v1/returns/{code}/receive", headers=auth["hq"])
    client.post(f"/api/v1/returns/{code}/inspect", headers=auth["hq"], json={"outcome": "defective_confirmed"})
    quota = client.get("/api/v1/quota", headers=auth["dealer"]).json
    assert (quota["consumed"], quota["credited"], quota["available"]) == ("250.00", "250.00", "50000.00")


# ---------------------------------------------------------------- report, settlement, sweep task

def test_hq_reads_the_monthly_returns_report(client, auth):
    send(client, auth["point"], shipped(client, auth), qty=1, kind="unused")
    month = period_of(utcnow())
    r = client.get(f"/api/v1/returns/report?month={month}", headers=auth["hq"])
    assert r.status_code == 200
    gd = {row["center"]: row for row in r.json}["GD"]
    assert (gd["unused_units"], gd["overdue_count"], gd["charges"]) == (1, 0, "0.00")
    assert client.get("/api/v1/returns/report?month=2026-13", headers=auth["hq"]).status_code == 422
    assert client.get("/api/v1/returns/report", headers=auth["hq"]).status_code == 422


def test_a_tickets_settlement_waits_for_its_old_parts(client, auth):
    req = shipped(client, auth, ticket="T-S1")
    held = client.get("/api/v1/returns/settlements/T-S1", headers=auth["call_center"]).json
    assert held["settlement_ready"] is False and len(held["waiting"]) == 1
    code = send(client, auth["point"], req).json["id"]
    client.post(f"/api/v1/returns/{code}/receive", headers=auth["hq"])
    ready = client.get("/api/v1/returns/settlements/T-S1", headers=auth["hq"]).json
    assert ready == {"ticket": "T-S1", "settlement_ready": True, "waiting": []}
    assert client.get("/api/v1/returns/settlements/T-S1", headers=auth["point"]).status_code == 403


def test_the_beat_task_sweeps_overdue_returns_and_a_rerun_charges_nothing(app, engine, client, auth):
    when = utcnow() - timedelta(days=31)
    with make_session_factory(engine)() as session:
        appliances.record(session, "T-OLD", purchased_on=appliances.bought(when))
        with transaction(session):
            req = requisitions.submit(session, Principal("service_point", "SP0001"), ship_to="SP0001", ticket="T-OLD",
                              policy=Policy(), lines=[LineRequest(PUMP, 2)], now=when)
        with transaction(session):
            requisitions.ship(session, "hq", req.code, at=when + timedelta(minutes=1))
    task = app.extensions["celery"].tasks["returns.sweep_overdue"]
    assert task.delay().get() == {"overdue": 1, "charged": 1}
    assert task.delay().get() == {"overdue": 0, "charged": 0}
    [row] = returns_of(client, auth["point"], status="overdue").json
    assert [(c["kind"], c["amount"]) for c in row["charges"]] == [("overdue", "250.00")]


def test_the_openapi_document_describes_returns(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/returns", "/api/v1/returns/{code}", "/api/v1/returns/{code}/receive",
                 "/api/v1/returns/{code}/inspect", "/api/v1/returns/report"):
        assert path in paths
