"""Warranty over the API (issue #18, point 2): the call centre records the appliance, the engine
decides each requisition line, a caller's false in_warranty is refused, HQ overrides with a
reason; the ticket shows its appliance, history and 三包 rights, the report counts them."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from inventory.audit import entries
from inventory.db import make_session_factory, utcnow
from inventory.tickets.appliance import business_date
from inventory.warranty import add_months

from .. import appliances

PUMP, MOTOR, REMOTE = "WM-PUMP-01", "WM-MOTOR-01", "AC-REMOTE-01"


def today() -> date:
    return business_date(utcnow())


def submit(client, auth, ticket="T-W1", sku=PUMP, who="point", **body):
    return client.post("/api/v1/requisitions", headers=auth[who],
                       json={"ship_to": "SP0001", "ticket": ticket, "lines": [{"sku": sku, "qty": 1}], **body})


def stock(client, auth) -> list:
    return [(a["warehouse"], a["available"]) for a in client.get(f"/api/v1/parts/{PUMP}",
                                                                  headers=auth["point"]).json["availability"]]


# -- the call centre records the appliance -------------------------------------------------------------

def test_the_call_center_records_the_appliance_and_the_ticket_shows_it(client, auth):
    body = appliances.appliance_body(serial="SN-9", purchased_on=date(2026, 3, 1))
    r = client.put("/api/v1/tickets/T-W1/appliance", headers=auth["call_center"], json=body)
    assert r.status_code == 200
    assert {k: r.json[k] for k in body} == body and r.json["recorded_by"] == "call_center"
    client.post("/api/v1/tickets/T-W1/events", headers=auth["call_center"], json={"type": "created"})
    shown = client.get("/api/v1/tickets/T-W1", headers=auth["hq"]).json
    assert shown["appliance"]["serial"] == "SN-9" and shown["repair_history"] == []
    assert shown["warranty"]["basis"] == "unit" and shown["sanbao"]["why_none"] is None


@pytest.mark.parametrize("change, field", [
    ({"product_line": "fridge"}, "product_line"),
    ({"proof": "receipt"}, "proof"),
    ({"purchased_on": "2026-02-30"}, "purchased_on"),
    ({"purchased_on": None}, "purchased_on"),           # an invoice without its date
    ({"serial": ""}, "serial"),
    ({"colour": "white"}, "colour"),
])
def test_a_bad_appliance_is_a_422_problem_naming_the_field(client, auth, change, field):
    body = {**appliances.appliance_body(), **change}
    r = client.put("/api/v1/tickets/T-W1/appliance", headers=auth["call_center"], json=body)
    assert r.status_code == 422 and r.mimetype == "application/problem+json" and field in r.json["errors"]
    assert client.get("/api/v1/tickets/T-W1", headers=auth["hq"]).status_code == 404  # nothing stored


def test_a_purchase_in_the_future_is_refused(client, auth):
    body = appliances.appliance_body(purchased_on=today() + timedelta(days=2))
    r = client.put("/api/v1/tickets/T-W1/appliance", headers=auth["call_center"], json=body)
    assert r.status_code == 422 and "purchased_on" in r.json["errors"]


@pytest.mark.parametrize("who, status", [("point", 403), ("dealer", 403), ("hq", 200)])
def test_only_the_call_center_and_hq_record_appliances(client, auth, who, status):
    r = client.put("/api/v1/tickets/T-W1/appliance", headers=auth[who], json=appliances.appliance_body())
    assert r.status_code == status


# -- each line decided by the engine, per DOMAIN.md's table -----------------------------------------

def months_ago(months: int, days: int = 0) -> date:
    return add_months(today(), -months) - timedelta(days=days)


ROWS = [  # product line, use, sku, bought, in_warranty, basis, months of the basis
    ("washer", "household", PUMP, months_ago(11), True, "unit", 12),
    ("washer", "household", PUMP, months_ago(12, 1), False, "expired", 12),
    ("washer", "household", MOTOR, months_ago(13), True, "key_component", 36),
    ("washer", "household", MOTOR, months_ago(36, 1), False, "expired", 36),
    ("washer", "commercial", PUMP, months_ago(2), True, "unit", 3),
    ("washer", "commercial", PUMP, months_ago(3, 1), False, "expired", 3),
    ("washer", "commercial", MOTOR, months_ago(5), True, "key_component", 6),
    ("washer", "commercial", MOTOR, months_ago(6, 1), False, "expired", 6),
    ("ac", "household", REMOTE, months_ago(120), True, "lifetime", None),
    ("ac", "household", MOTOR, months_ago(71), True, "key_component", 72),
    ("ac", "household", MOTOR, months_ago(72, 1), False, "expired", 72),
    ("ac", "commercial", REMOTE, months_ago(71), True, "unit", 72),
    ("ac", "commercial", REMOTE, months_ago(72, 1), False, "expired", 72),
]


@pytest.mark.parametrize("product_line, use, sku, bought, covered, basis, months", ROWS)
def test_each_line_is_decided_from_the_appliance_as_domain_md_tabulates(client, auth, product_line, use, sku,
                                                                         bought, covered, basis, months):
    appliances.put(client, auth["call_center"], "T-W1", product_line=product_line, use=use, purchased_on=bought)
    r = submit(client, auth, sku=sku)
    assert r.status_code == 201, r.json
    (line,) = r.json["lines"]
    until = add_months(bought, months).isoformat() if months else None
    assert (line["in_warranty"], line["warranty_basis"], line["warranty_until"]) == (covered, basis, until)
    assert line["warranty_overridden"] is False
    again = client.get(f"/api/v1/requisitions/{r.json['id']}", headers=auth["point"]).json["lines"][0]
    assert again["in_warranty"] == covered
    linked = client.get("/api/v1/tickets/T-W1", headers=auth["hq"]).json["requisitions"][0]["lines"][0]
    assert (linked["in_warranty"], linked["warranty_basis"]) == (covered, basis)


def test_no_proof_of_purchase_and_no_appliance_are_not_free(client, auth):
    assert submit(client, auth, ticket="T-NONE").json["lines"][0]["warranty_basis"] == "no_appliance"
    appliances.put(client, auth["call_center"], "T-W1", proof=None)
    line = submit(client, auth).json["lines"][0]
    assert (line["in_warranty"], line["warranty_basis"], line["warranty_until"]) == (False, "no_proof", None)


def test_a_dealers_stock_order_without_a_ticket_is_not_free(client, auth):
    r = client.post("/api/v1/requisitions", headers=auth["dealer"],
                    json={"ship_to": "SP0001", "lines": [{"sku": PUMP, "qty": 1}]})
    assert (r.json["lines"][0]["in_warranty"], r.json["lines"][0]["warranty_basis"]) == (False, "no_ticket")


# -- a caller's false in_warranty is refused ------------------------------------------------------

@pytest.mark.parametrize("body, field", [
    ({"in_warranty": True}, "in_warranty"),
    ({"lines": [{"sku": PUMP, "qty": 1, "in_warranty": True}]}, "lines.0.in_warranty"),
])
def test_a_caller_asserting_a_free_part_the_engine_does_not_give_is_refused_and_nothing_is_reserved(
        client, auth, body, field):
    appliances.put(client, auth["call_center"], "T-W1", covered=False)
    before = stock(client, auth)
    r = submit(client, auth, **body)
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    assert r.json["type"].endswith("/WarrantyMismatch") and list(r.json["errors"]) == [field]
    assert "in_warranty is false, not true (basis expired until" in r.json["detail"]
    assert client.get("/api/v1/requisitions", headers=auth["point"]).headers["X-Total-Count"] == "0"
    assert stock(client, auth) == before


def test_a_caller_asserting_the_decision_is_accepted(client, auth):
    appliances.put(client, auth["call_center"], "T-W1")
    assert submit(client, auth, in_warranty=True).status_code == 201
    assert submit(client, auth, in_warranty=False).status_code == 422  # a paid claim on a free part is wrong too


def test_a_false_claim_against_a_ticket_without_an_appliance_is_refused(client, auth):
    r = submit(client, auth, ticket="T-UNKNOWN", in_warranty=True)
    assert r.status_code == 422 and "basis no_appliance" in r.json["detail"]


# -- HQ overrides a line, audited -------------------------------------------------------------------

def override(client, auth, code, who="hq", line=1, **body):
    return client.post(f"/api/v1/requisitions/{code}/lines/{line}/warranty", headers=auth[who], json=body)


def test_hq_overrides_a_line_with_a_reason_audited_and_the_old_part_becomes_owed(client, auth, engine):
    appliances.put(client, auth["call_center"], "T-W1", covered=False)
    code = submit(client, auth).json["id"]
    assert client.post(f"/api/v1/requisitions/{code}/ship", headers=auth["hq"]).status_code == 200
    assert client.get("/api/v1/returns?status=expected", headers=auth["point"]).json == []

    r = override(client, auth, code, in_warranty=True, reason="invoice seen at the visit")
    assert r.status_code == 200
    line = r.json["lines"][0]
    assert (line["in_warranty"], line["warranty_computed"], line["warranty_overridden"], line["warranty_basis"],
            line["warranty_override_by"], line["warranty_override_reason"]) == (
        True, False, True, "expired", "hq", "invoice seen at the visit")
    [owed] = client.get("/api/v1/returns?status=expected", headers=auth["point"]).json
    assert (owed["requisition"], owed["sku"], owed["qty"]) == (code, PUMP, 1)
    with make_session_factory(engine)() as session:
        (entry,) = entries(session, action="requisition.warranty_override")
        assert (entry.actor, entry.subject, entry.details["reason"]) == ("hq", f"requisition:{code}/line:1",
                                                                        "invoice seen at the visit")
        assert (entry.details["before"]["in_warranty"], entry.details["after"]["in_warranty"]) == (False, True)

    back = override(client, auth, code, in_warranty=False, reason="the invoice was another unit's").json["lines"][0]
    assert (back["in_warranty"], back["warranty_overridden"]) == (False, False)  # the engine's answer again
    assert client.get("/api/v1/returns?status=expected", headers=auth["point"]).json == []


@pytest.mark.parametrize("who, body, status", [
    ("point", {"in_warranty": True, "reason": "please"}, 403),
    ("call_center", {"in_warranty": True, "reason": "please"}, 403),
    ("hq", {"in_warranty": True}, 422),
    ("hq", {"in_warranty": True, "reason": "   "}, 422),
    ("hq", {"in_warranty": False, "reason": "already"}, 409),
])
def test_an_override_needs_hq_a_reason_and_a_change(client, auth, who, body, status):
    appliances.put(client, auth["call_center"], "T-W1", covered=False)
    code = submit(client, auth).json["id"]
    r = override(client, auth, code, who=who, **body)
    assert r.status_code == status and r.mimetype == "application/problem+json"
    assert client.get(f"/api/v1/requisitions/{code}", headers=auth["hq"]).json["lines"][0]["in_warranty"] is False


def test_an_override_of_an_unknown_line_is_404(client, auth):
    code = submit(client, auth).json["id"]
    assert override(client, auth, code, line=9, in_warranty=True, reason="x").status_code == 404
    assert override(client, auth, "R99999999", in_warranty=True, reason="x").status_code == 404


def test_a_defective_old_part_credits_the_dealer_only_when_the_line_is_free(client, auth):
    for ticket, covered in (("T-FREE", True), ("T-PAID", False)):
        appliances.put(client, auth["call_center"], ticket, covered=covered)
    quota = lambda: client.get("/api/v1/quota", headers=auth["dealer"]).json  # noqa: E731
    codes = {}
    for ticket in ("T-FREE", "T-PAID"):
        codes[ticket] = submit(client, auth, ticket=ticket, who="dealer").json["id"]
        client.post(f"/api/v1/requisitions/{codes[ticket]}/ship", headers=auth["hq"])
    assert client.post("/api/v1/returns", headers=auth["dealer"], json={
        "requisition": codes["T-PAID"], "sku": PUMP, "qty": 1, "kind": "old_part", "reason": "x"}).status_code == 422
    sent = client.post("/api/v1/returns", headers=auth["dealer"], json={
        "requisition": codes["T-FREE"], "sku": PUMP, "qty": 1, "kind": "old_part", "reason": "x"}).json["id"]
    available = Decimal(quota()["available"])
    assert client.post(f"/api/v1/returns/{sent}/receive", headers=auth["hq"]).status_code == 200
    assert client.post(f"/api/v1/returns/{sent}/inspect", headers=auth["hq"],
                       json={"outcome": "defective_confirmed"}).status_code == 200
    assert Decimal(quota()["available"]) == available + Decimal("125.00")  # the pump's price credited back


# -- the ticket's history and 三包, and the report ------------------------------------------------

def test_the_ticket_shows_its_repair_history_by_serial_and_its_sanbao_rights(client, auth):
    cc = auth["call_center"]
    bought = today() - timedelta(days=60)
    start = utcnow() - timedelta(days=50)
    for i in range(3):  # three earlier visits for the same fault
        ticket = f"T-OLD{i}"
        for kind, days in (("created", 0), ("visited", 1), ("completed", 2)):
            client.post(f"/api/v1/tickets/{ticket}/events", headers=cc,
                        json={"type": kind, "at": (start + timedelta(days=10 * i + days)).isoformat(),
                              "service_point": "SP0001"})
        appliances.put(client, cc, ticket, serial="SN-LEMON", purchased_on=bought)
    client.post("/api/v1/tickets/T-NEW/events", headers=cc,
                json={"type": "created", "at": (utcnow() - timedelta(days=16)).isoformat(), "service_point": "SP0001"})
    appliances.put(client, cc, "T-NEW", serial="SN-LEMON", purchased_on=bought)
    shown = client.get("/api/v1/tickets/T-NEW", headers=cc).json
    assert [r["ticket"] for r in shown["repair_history"]] == ["T-OLD0", "T-OLD1", "T-OLD2"]
    assert all(r["visited"] and r["fault"] == "E21" for r in shown["repair_history"])
    assert shown["warranty"]["until"] == (add_months(bought, 12) + timedelta(days=6)).isoformat()  # 3 x 2 days
    assert shown["sanbao"] == {"outcome": "exchange", "flags": ["repeat_fault", "unresolved_15_days"],
                               "why_none": None}
    month = today().strftime("%Y-%m")
    report = client.get(f"/api/v1/reports/penalties?month={month}", headers=auth["hq"]).json
    assert report["sanbao"]["flags"]["repeat_fault"] >= 1 and "T-NEW" in [r["ticket"] for r in
                                                                          report["sanbao"]["sample"]]


def test_the_openapi_document_describes_the_appliance_and_the_override(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "put" in paths["/api/v1/tickets/{ticket}/appliance"]
    assert "post" in paths["/api/v1/requisitions/{code}/lines/{line}/warranty"]
