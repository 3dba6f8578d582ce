"""A refusal answers with its stable `code` beside the status its class maps to (api/errors.py) and
the domain's English `detail`: what a client matches on is the code, never the words."""
from __future__ import annotations

import pytest

from .. import appliances

PUMP = "WM-PUMP-01"
TICKET = "T20261122-0001"


def submitted(client, auth, *, ship=False) -> str:
    """A point's requisition of one free pump (shipped by HQ, if asked); its code."""
    appliances.put(client, auth["call_center"], TICKET)
    r = client.post("/api/v1/requisitions", headers=auth["point"],
                    json={"ship_to": "SP0001", "ticket": TICKET, "lines": [{"sku": PUMP, "qty": 1}]})
    assert r.status_code == 201, r.json
    if ship:
        assert client.post(f"/api/v1/requisitions/{r.json['id']}/ship", headers=auth["hq"]).status_code == 200
    return r.json["id"]


def refused(response, status: int, code: str) -> dict:
    assert (response.status_code, response.mimetype) == (status, "application/problem+json"), response.json
    assert response.json["code"] == code, response.json
    return response.json


@pytest.mark.parametrize("body, code, field", [
    ({"ship_to": "SP0002", "lines": [{"sku": PUMP, "qty": 1}]}, "requisition.ship_to_not_yours", "ship_to"),
    ({"ship_to": "SP0001", "lines": [{"sku": "NO-SUCH-PART", "qty": 1}]}, "requisition.unknown_sku", "lines.0.sku"),
    ({"ship_to": "SP0001", "lines": [{"sku": PUMP, "qty": 1}, {"sku": PUMP, "qty": 2}]}, "requisition.sku_twice",
     "lines.1.sku"),
])
def test_a_requisition_the_domain_refuses_is_422_with_its_code_and_field(client, auth, body, code, field):
    body = refused(client.post("/api/v1/requisitions", headers=auth["point"],
                               json={"ticket": TICKET, "in_warranty": False, **body}), 422, code)
    assert field in body["errors"]


def test_cancelling_twice_is_409_already_cancelled(client, auth):
    code = submitted(client, auth)
    assert client.post(f"/api/v1/requisitions/{code}/cancel", headers=auth["point"]).status_code == 200
    body = refused(client.post(f"/api/v1/requisitions/{code}/cancel", headers=auth["point"]), 409,
                   "requisition.already_cancelled")
    assert body["detail"] == f"requisition {code} is already cancelled"


def test_cancelling_what_has_shipped_is_409_shipped_not_cancelled(client, auth):
    code = submitted(client, auth, ship=True)
    refused(client.post(f"/api/v1/requisitions/{code}/cancel", headers=auth["point"]), 409,
            "requisition.shipped_not_cancelled")


def test_receiving_what_has_not_shipped_is_409_nothing_to_receive(client, auth):
    code = submitted(client, auth)
    refused(client.post(f"/api/v1/requisitions/{code}/receive", headers=auth["point"]), 409,
            "requisition.nothing_to_receive")
    refused(client.post(f"/api/v1/requisitions/{code}/receive", headers=auth["point"], json={"warehouse": "GD1"}),
            409, "requisition.nothing_to_receive_from")


def test_a_wrong_part_on_a_line_not_delivered_is_409_nothing_delivered(client, auth):
    code = submitted(client, auth, ship=True)
    r = client.post(f"/api/v1/requisitions/{code}/lines/1/wrong-part", headers=auth["point"],
                    json={"received_sku": "WM-MOTOR-01", "at": None})
    refused(r, 409, "wrong_part.nothing_delivered")


@pytest.mark.parametrize("report, code", [
    ({"line": 1, "received_sku": PUMP}, "wrong_part.ordered_part"),
    ({"line": 1, "received_sku": "NO-SUCH-PART"}, "wrong_part.unknown_sku"),
    ({"line": 2, "received_sku": "WM-MOTOR-01"}, "wrong_part.no_such_line"),
    ({"line": 1, "received_sku": "WM-MOTOR-01", "qty": 5}, "wrong_part.more_than_arrived"),
])
def test_a_wrong_part_report_on_receipt_that_makes_no_sense_is_422_by_code(client, auth, report, code):
    requisition = submitted(client, auth, ship=True)
    r = client.post(f"/api/v1/requisitions/{requisition}/receive", headers=auth["point"],
                    json={"wrong_parts": [report]})
    refused(r, 422, code)
    again = client.get(f"/api/v1/requisitions/{requisition}", headers=auth["point"]).json
    assert again["status"] == "shipped"  # the receipt changed nothing


@pytest.mark.parametrize("line, in_warranty, status, code", [
    (1, True, 409, "warranty.already_in"),
    (7, False, 404, "requisition.no_such_line"),
])
def test_an_override_that_changes_nothing_or_names_no_line_is_refused_by_code(client, auth, line, in_warranty,
                                                                               status, code):
    requisition = submitted(client, auth)
    r = client.post(f"/api/v1/requisitions/{requisition}/lines/{line}/warranty", headers=auth["hq"],
                    json={"in_warranty": in_warranty, "reason": "checked"})
    refused(r, status, code)


def test_returning_a_part_not_on_the_requisition_is_422_naming_the_field(client, auth):
    code = submitted(client, auth, ship=True)
    r = client.post("/api/v1/returns", headers=auth["point"],
                    json={"requisition": code, "sku": "WM-MOTOR-01", "qty": 1, "kind": "old_part", "reason": "x"})
    body = refused(r, 422, "return.sku_not_on_requisition")
    assert "sku" in body["errors"]


def test_returning_more_than_was_issued_is_422_more_than_issued(client, auth):
    code = submitted(client, auth, ship=True)
    r = client.post("/api/v1/returns", headers=auth["point"],
                    json={"requisition": code, "sku": PUMP, "qty": 5, "kind": "old_part", "reason": "x"})
    refused(r, 422, "return.more_than_issued")


def test_an_http_error_has_no_code(client, auth):
    r = client.get("/api/v1/requisitions", headers={})
    assert r.status_code == 401 and "code" not in r.json


def test_rejecting_a_transfer_with_a_blank_reason_is_422_reject_needs_reason(client, auth, engine):
    from inventory.db import make_session_factory, transaction
    from inventory.warehouses import transfers

    with make_session_factory(engine)() as session, transaction(session):
        draft = transfers.create_draft(session, "HQ", "GD1", PUMP, 1, actor="hq").id
    r = client.post(f"/api/v1/transfers/{draft}/reject", headers=auth["hq"], json={"reason": "   "})
    refused(r, 422, "transfer.reject_needs_reason")


def test_a_time_in_the_future_is_422_in_future_for_a_return_and_a_shipment(client, auth):
    requisition = submitted(client, auth, ship=True)
    sent = client.post("/api/v1/returns", headers=auth["point"],
                       json={"requisition": requisition, "sku": PUMP, "qty": 1, "kind": "old_part", "reason": "x"})
    assert sent.status_code == 201, sent.json
    future = {"at": "2099-01-01T00:00:00+08:00"}
    refused(client.post(f"/api/v1/returns/{sent.json['id']}/receive", headers=auth["hq"], json=future), 422,
            "time.in_future")
    refused(client.post(f"/api/v1/requisitions/{requisition}/receive", headers=auth["point"], json=future), 422,
            "time.in_future")
