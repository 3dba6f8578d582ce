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


# -- every refusal has its own code (tests/unit/test_refusal_codes_specific.py): one of each family --

@pytest.mark.parametrize("url, code", [
    ("/api/v1/stock-plans/SP999999", "stock_plan.not_found"),
    ("/api/v1/stock-plans/runs/SPR999999", "stock_plan_run.not_found"),
    ("/api/v1/optimizer/runs/OR999999", "optimizer_run.not_found"),
])
def test_a_plan_or_run_that_does_not_exist_is_404_naming_what(client, auth, url, code):
    body = refused(client.get(url, headers=auth["hq"]), 404, code)
    assert body["detail"].startswith("no ")


def test_an_override_with_a_blank_reason_is_422_override_needs_reason(client, auth):
    requisition = submitted(client, auth)
    r = client.post(f"/api/v1/requisitions/{requisition}/lines/1/warranty", headers=auth["hq"],
                    json={"in_warranty": False, "reason": "   "})
    assert "reason" in refused(r, 422, "warranty.override_needs_reason")["errors"]


def test_a_webhook_to_an_address_not_http_is_422_url_scheme(client, auth):
    r = client.post("/api/v1/webhooks", headers=auth["dealer"],
                    json={"url": "ftp://example.com/hook", "events": ["requisition.shipped"], "secret": "s" * 32})
    assert "url" in refused(r, 422, "webhook.url_scheme")["errors"]


def test_an_idempotency_key_used_again_with_another_body_is_409_key_reused(client, auth):
    headers = {**auth["point"], "Idempotency-Key": "refusal-codes-1"}
    appliances.put(client, auth["call_center"], TICKET)
    first = {"ship_to": "SP0001", "ticket": TICKET, "lines": [{"sku": PUMP, "qty": 1}]}
    assert client.post("/api/v1/requisitions", headers=headers, json=first).status_code == 201
    again = {**first, "lines": [{"sku": PUMP, "qty": 2}]}
    refused(client.post("/api/v1/requisitions", headers=headers, json=again), 409, "idempotency.key_reused")


@pytest.mark.parametrize("event, code", [
    ({"type": "rescheduled_by_customer", "until": "2026-10-05T10:00:00+08:00"}, "attribution.until_before_at"),
    ({"type": "rescheduled_by_customer", "until": "2026-10-05T12:00:00+08:00"}, "ticket.until_not_after_at"),
    ({"type": "visited", "until": "2026-10-05T14:00:00+08:00"}, "attribution.until_not_taken"),
])
def test_a_ticket_event_whose_until_makes_no_sense_is_422_by_code(client, auth, event, code):
    r = client.post("/api/v1/tickets/T20261005-0001/events", headers=auth["call_center"],
                    json={"type": "created", "at": "2026-10-05T09:00:00+08:00"})
    assert r.status_code == 201, r.json
    r = client.post("/api/v1/tickets/T20261005-0001/events", headers=auth["call_center"],
                    json={"at": "2026-10-05T12:00:00+08:00", **event})
    assert "until" in refused(r, 422, code)["errors"]


# -- what only the CLI reaches (world files, keys and users, ticket and case files): its one line is the
#    message, and the error under it carries the code all the same --

def refusal_of(action) -> tuple[str, dict]:
    from inventory.errors import DomainError

    with pytest.raises(DomainError) as caught:
        action()
    return caught.value.code, caught.value.values


def test_a_world_file_naming_an_unknown_centre_is_refused_as_world_unknown_center(session, world):
    from inventory.world import load_world

    point = {**world["service_points"][0], "code": "SP0099", "center": "XX"}
    assert refusal_of(lambda: load_world(session, {"service_points": [point]})) == (
        "world.unknown_center", {"section": "service_points", "index": 0, "record": "SP0099"})


def test_a_world_file_that_is_not_json_is_refused_as_world_malformed_json(tmp_path):
    from inventory.world import read_world_file

    path = tmp_path / "world.json"
    path.write_text("{", encoding="utf-8")
    code, values = refusal_of(lambda: read_world_file(str(path)))
    assert code == "world.malformed_json" and values["line"] == 1


@pytest.mark.parametrize("role, principal, code", [
    ("wizard", None, "key.unknown_role"),
    ("dealer", None, "key.code_needed"),
    ("hq", "HQ", "key.code_not_taken"),
])
def test_a_key_that_cannot_be_made_is_refused_by_code(session, world, role, principal, code):
    from inventory.access import create_key

    assert refusal_of(lambda: create_key(session, role, principal))[0] == code


def test_revoking_a_key_twice_is_key_already_revoked(session, world):
    from inventory.access import create_key, revoke_key

    key = create_key(session, "hq")
    revoke_key(session, key)
    assert refusal_of(lambda: revoke_key(session, key))[0] == "key.already_revoked"


@pytest.mark.parametrize("username, password, code", [
    ("gd_clerk", "a long enough password", "user.exists"),
    ("newbie", "short", "user.password_too_short"),
    ("newbie", "newbie-and-more-letters", "user.password_contains_username"),
])
def test_a_user_that_cannot_be_made_is_refused_by_code(session, world, username, password, code):
    from inventory.access import create_user

    if code == "user.exists":
        create_user(session, username, password, "clerk", "GD1")
    assert refusal_of(lambda: create_user(session, username, password, "clerk", "GD1"))[0] == code


@pytest.mark.parametrize("change, code", [
    ({"events": [{"type": "created", "at": "2026-10-05T09:00:00"}]}, "attribution.without_offset"),
    ({"distance_class": "lunar"}, "attribution.unknown_distance_class"),
    ({"colour": "red"}, "attribution.unknown_field"),
])
def test_a_ticket_file_to_attribute_that_makes_no_sense_is_refused_by_code(change, code):
    from inventory.attribution_io import parse_ticket

    ticket = {"ticket": "T1", "service_point": "SP0001", "center": "GZ", "distance_class": "urban",
              "family": "fully_automatic", "events": [{"type": "created", "at": "2026-10-05T09:00:00+08:00"}]}
    assert refusal_of(lambda: parse_ticket({**ticket, **change}))[0] == code


@pytest.mark.parametrize("case, code", [
    ([], "warranty.case_not_an_object"),
    ({"product_line": "washer"}, "warranty.invalid_case"),
])
def test_a_warranty_case_file_that_makes_no_sense_is_refused_by_code(case, code):
    from inventory.warranty_io import parse_case

    assert refusal_of(lambda: parse_case(case))[0] == code
