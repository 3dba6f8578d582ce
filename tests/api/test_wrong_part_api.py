"""REST: a service point reports a wrong part (错发) on receipt or afterwards, and the ticket's
attribution charges the HQ parts group for the wait until the replacement arrives."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from inventory.access import Principal
from inventory.db import transaction
from inventory.policy import Policy
from inventory.requisitions import service as requisitions
from inventory.requisitions.service import LineRequest
from inventory.warehouses import ledger
from inventory.warehouses.models import StockBalance

BEIJING = timezone(timedelta(hours=8))
T0 = datetime(2026, 10, 5, 9, 0, tzinfo=BEIJING)
TICKET = "T20261005-0007"
FLOW = (("created", 0.0), ("dispatched_center", 0.1), ("dispatched_point", 0.2), ("contacted", 0.5),
        ("visited", 5.0), ("completed", 100.0))


def h(hours: float) -> str:
    return (T0 + timedelta(hours=hours)).isoformat()


def submit(client, headers, qty=1):
    r = client.post("/api/v1/requisitions", headers=headers,
                    json={"ship_to": "SP0001", "ticket": TICKET, "lines": [{"sku": "WM-PUMP-01", "qty": qty}]})
    assert r.status_code == 201, r.json
    return r.json["id"]


def shipped(client, auth, qty=1) -> str:
    code = submit(client, auth["point"], qty)
    assert client.post(f"/api/v1/requisitions/{code}/ship", headers=auth["hq"]).status_code == 200
    return code


def receive(client, headers, code, **body):
    return client.post(f"/api/v1/requisitions/{code}/receive", headers=headers, json=body)


def report(client, headers, code, line=1, **body):
    return client.post(f"/api/v1/requisitions/{code}/lines/{line}/wrong-part", headers=headers,
                       json={"received_sku": "WM-MOTOR-01", **body})


def test_a_receipt_reporting_a_wrong_part_answers_with_the_replacement_allocated(client, auth):
    code = shipped(client, auth)
    r = receive(client, auth["point"], code, wrong_parts=[{"line": 1, "received_sku": "WM-MOTOR-01"}])
    assert r.status_code == 200, r.json
    line = r.json["lines"][0]
    assert r.json["status"] == "allocated" and line["line"] == 1
    assert [(w["warehouse"], w["qty"], w["received_sku"]) for w in line["wrong_parts"]] == [("GD1", 1, "WM-MOTOR-01")]
    assert line["wrong_parts"][0]["reported_at"] == line["wrong_parts"][0]["delivered_at"]
    assert [(a["warehouse"], a["qty"], a["status"]) for a in line["allocations"]] == [("GD1", 1, "reserved")]
    history = client.get(f"/api/v1/requisitions/{code}", headers=auth["point"]).json["history"]
    assert [e["kind"] for e in history] == ["submitted", "shipped", "received", "wrong_part"]


def test_a_plain_receipt_still_works_with_or_without_a_body(client, auth):
    first, second = shipped(client, auth), shipped(client, auth)
    assert client.post(f"/api/v1/requisitions/{first}/receive", headers=auth["point"]).json["status"] == "delivered"
    assert receive(client, auth["point"], second, wrong_parts=[]).json["status"] == "delivered"


@pytest.mark.parametrize("wrong, field", [
    ({"line": 1, "received_sku": "WM-MOTOR-01", "colour": "red"}, "wrong_parts.0.colour"),
    ({"received_sku": "WM-MOTOR-01"}, "wrong_parts.0.line"),
    ({"line": "1", "received_sku": "WM-MOTOR-01"}, "wrong_parts.0.line"),
    ({"line": 1, "received_sku": "WM-MOTOR-01", "qty": 0}, "wrong_parts.0.qty"),
    ({"line": 1, "received_sku": "NOPE"}, "wrong_parts.0.received_sku"),
    ({"line": 1, "received_sku": "WM-PUMP-01"}, "wrong_parts.0.received_sku"),
    ({"line": 2, "received_sku": "WM-MOTOR-01"}, "wrong_parts.0.line"),
])
def test_a_bad_wrong_part_in_a_receipt_is_422_and_nothing_is_received(client, auth, wrong, field):
    code = shipped(client, auth)
    r = receive(client, auth["point"], code, wrong_parts=[wrong])
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    assert field in r.json["errors"], r.json
    assert client.get(f"/api/v1/requisitions/{code}", headers=auth["point"]).json["status"] == "shipped"


def test_units_found_wrong_after_the_receipt_are_reported_on_the_line(client, auth):
    code = shipped(client, auth)
    assert receive(client, auth["point"], code).status_code == 200
    r = report(client, auth["point"], code, note="箱内是洗涤电机")
    assert r.status_code == 200, r.json
    assert r.json["lines"][0]["wrong_parts"][0]["received_sku"] == "WM-MOTOR-01"
    again = report(client, auth["point"], code, note="箱内是洗涤电机")
    assert again.status_code == 200 and again.json == r.json
    history = client.get(f"/api/v1/requisitions/{code}", headers=auth["hq"]).json["history"]
    assert [e["kind"] for e in history].count("wrong_part") == 1


def test_hq_may_report_a_wrong_part_for_the_point(client, auth):
    code = shipped(client, auth)
    receive(client, auth["point"], code)
    assert report(client, auth["hq"], code).status_code == 200


@pytest.mark.parametrize("who, line, body, status", [
    ("point", 9, {}, 404),
    ("other_point", 1, {}, 404),
    ("dealer", 1, {}, 404),
    ("call_center", 1, {}, 403),
    ("point", 1, {"received_sku": "NOPE"}, 422),
    ("point", 1, {"qty": 2}, 422),
    ("point", 1, {"size": "XL"}, 422),
    ("point", 1, {"at": "2999-01-01T00:00:00+08:00"}, 422),
])
def test_a_refused_report_is_a_problem_and_changes_nothing(client, auth, who, line, body, status):
    code = shipped(client, auth)
    receive(client, auth["point"], code)
    r = report(client, auth[who], code, line=line, **body)
    assert r.status_code == status and r.mimetype == "application/problem+json", r.json
    after = client.get(f"/api/v1/requisitions/{code}", headers=auth["point"]).json
    assert after["status"] == "delivered" and after["lines"][0]["wrong_parts"] == []


def test_a_line_still_on_its_way_is_409_report_it_on_receipt(client, auth):
    code = shipped(client, auth)
    r = report(client, auth["point"], code)
    assert r.status_code == 409 and "receive with wrong_parts" in r.json["detail"]


def test_the_ticket_charges_the_hq_parts_group_for_a_wrong_part_until_the_replacement_arrives(client, auth, session):
    """Ticket events -> requisition -> HQ ships -> the point receives the wrong part -> the
    replacement ships and arrives -> the ticket's attribution names the HQ parts group."""
    for kind, hours in FLOW:
        extra = {"service_point": "SP0001", "family": "fully_automatic"} if kind == "created" else {}
        r = client.post(f"/api/v1/tickets/{TICKET}/events", headers=auth["call_center"],
                        json={"type": kind, "at": h(hours), **extra})
        assert r.status_code == 201, r.json
    with transaction(session):  # submitted in the past (the API stamps submits with the server's clock)
        ledger.reserve(session, "GD1", "WM-PUMP-01", 10, actor="test")
        code = requisitions.submit(session, Principal("service_point", "SP0001"), ship_to="SP0001", ticket=TICKET,
                           lines=[LineRequest("WM-PUMP-01", 1)], policy=Policy(),
                           now=T0 + timedelta(hours=1)).code
    assert client.post(f"/api/v1/requisitions/{code}/ship", headers=auth["hq"], json={"at": h(2)}).status_code == 200
    r = receive(client, auth["point"], code, at=h(22), wrong_parts=[{"line": 1, "received_sku": "WM-MOTOR-01"}])
    assert r.status_code == 200 and r.json["lines"][0]["allocations"][0]["warehouse"] == "HQ"
    assert client.post(f"/api/v1/requisitions/{code}/ship", headers=auth["hq"], json={"at": h(23)}).status_code == 200
    assert receive(client, auth["point"], code, at=h(70)).json["status"] == "delivered"

    body = client.get(f"/api/v1/tickets/{TICKET}", headers=auth["call_center"]).json
    line = body["requisitions"][0]["lines"][0]
    assert (line["wrong_part"], line["cause"]) == (True, "hq_wrong_part")
    charge = next(c for c in body["attribution"] if c["reason"] == "hq_wrong_part")
    assert charge == {"party": "hq_parts_group", "reason": "hq_wrong_part", "hours": 21.0, "fine": "30.00",
                      "requisitions": [code]}
    assert body["engine_input"]["parts_waits"][0]["cause"] == "hq_wrong_part"


def on_hand(session, sku: str, warehouse: str = "GD1") -> int:
    balance = session.get(StockBalance, (warehouse, sku))
    value = balance.on_hand if balance else 0
    session.rollback()  # the next read is fresh, and no read transaction holds the SQLite file
    return value


def test_units_already_sent_back_unused_cannot_be_reported_wrong_afterwards(client, auth, session):
    """Else they come back on the shelf twice: once by the mis-shipment correction, once by the return."""
    code = shipped(client, auth, qty=2)
    assert receive(client, auth["point"], code).status_code == 200
    r = client.post("/api/v1/returns", headers=auth["point"],
                    json={"requisition": code, "sku": "WM-PUMP-01", "qty": 1, "kind": "unused"})
    assert r.status_code == 201, r.json
    stock = (on_hand(session, "WM-PUMP-01"), on_hand(session, "WM-MOTOR-01"))
    r = report(client, auth["point"], code, qty=2)
    assert (r.status_code, r.json["code"]) == (409, "wrong_part.units_on_returns"), r.json
    assert r.json["detail"].endswith("1 can be reported")
    assert (on_hand(session, "WM-PUMP-01"), on_hand(session, "WM-MOTOR-01")) == stock
    assert client.get(f"/api/v1/requisitions/{code}", headers=auth["point"]).json["lines"][0]["wrong_parts"] == []
    r = report(client, auth["point"], code, qty=1)  # the unit not returned may still be the wrong one
    assert r.status_code == 200, r.json
    assert on_hand(session, "WM-PUMP-01") == stock[0] + 1
    r = report(client, auth["point"], code, qty=1, received_sku="AC-REMOTE-01")
    assert (r.status_code, r.json["code"]) == (409, "wrong_part.units_on_returns"), r.json


def test_a_unit_sent_back_unused_is_counted_over_the_line_not_against_one_sender(client, auth, session):
    """12 pumps: 10 from GD1, 2 from HQ. One goes back unused (booked to GD1, the return names no
    warehouse); a GD1 unit may still be the wrong part, since 11 are in hand and one is claimed."""
    code = shipped(client, auth, qty=12)
    assert receive(client, auth["point"], code).status_code == 200
    senders = {a["warehouse"] for a in client.get(f"/api/v1/requisitions/{code}",
                                                   headers=auth["point"]).json["lines"][0]["allocations"]}
    assert senders == {"GD1", "HQ"}
    assert client.post("/api/v1/returns", headers=auth["point"],
                       json={"requisition": code, "sku": "WM-PUMP-01", "qty": 1, "kind": "unused"}).status_code == 201
    r = report(client, auth["point"], code, qty=1, warehouse="GD1")
    assert r.status_code == 200, r.json
    r = report(client, auth["point"], code, qty=11, warehouse="GD1", received_sku="AC-REMOTE-01")
    assert (r.status_code, r.json["code"]) == (422, "wrong_part.more_than_arrived_from"), r.json


def test_a_replacement_still_on_its_way_is_not_a_unit_in_hand_to_report(client, auth, session):
    """Two pumps arrive; one is reported wrong and its replacement ships. The good one goes back
    unused: nothing in hand is left to report, though a unit is still issued (in transit)."""
    code = shipped(client, auth, qty=2)
    assert receive(client, auth["point"], code).status_code == 200
    assert report(client, auth["point"], code, qty=1).status_code == 200
    assert client.post(f"/api/v1/requisitions/{code}/ship", headers=auth["hq"]).status_code == 200
    assert client.post("/api/v1/returns", headers=auth["point"],
                       json={"requisition": code, "sku": "WM-PUMP-01", "qty": 1, "kind": "unused"}).status_code == 201
    stock = on_hand(session, "WM-PUMP-01")
    r = report(client, auth["point"], code, qty=1, received_sku="AC-REMOTE-01")
    assert (r.status_code, r.json["code"]) == (409, "wrong_part.units_on_returns"), r.json
    assert on_hand(session, "WM-PUMP-01") == stock
