"""SQL and HTML injection attempts in every text field are harmless: the API stores them as
the text they are and returns them unchanged in JSON; the pages that show them escape them."""
from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from inventory.catalog import Part
from inventory.db import make_session_factory, transaction
from inventory.warehouses import transfers
from inventory.warehouses.ledger import ledger_differences
from inventory.warehouses.models import Transfer

from .. import appliances
from ..web.conftest import text

PAYLOADS = ["'; DROP TABLE part; --", "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


@pytest.fixture(params=PAYLOADS, ids=["sql", "script", "attribute"])
def payload(request) -> str:
    return request.param


def assert_escaped(page: str, payload: str) -> None:
    assert payload not in page
    assert str(escape(payload)) in page


@pytest.fixture
def intact(engine):
    """After the test: the catalogue is all there and every balance still matches its ledger."""
    yield
    with make_session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Part)) == 3
        assert ledger_differences(session) == []


def submit(client, auth, **fields) -> dict:
    body = {"ship_to": "SP0001", "ticket": "T-1", "lines": [{"sku": "WM-PUMP-01", "qty": 1}], **fields}
    response = client.post("/api/v1/requisitions", json=body, headers=auth["point"])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# -- the API ---------------------------------------------------------------------------------------

def test_a_requisitions_ticket_is_stored_as_text_and_escaped_on_the_pick_list(client, auth, clerk, payload, intact):
    ticket = payload.replace(" ", "")  # a ticket code has no spaces (the call centre's rule, refused below)
    created = submit(client, auth, ticket=ticket)
    assert client.get(f"/api/v1/requisitions/{created['id']}", headers=auth["point"]).get_json()["ticket"] == ticket
    assert_escaped(text(clerk.get("/w/GD1/picks")), ticket)
    if " " in payload:
        refused = client.post("/api/v1/requisitions", headers=auth["point"],
                              json={"ship_to": "SP0001", "ticket": payload, "lines": [{"sku": "WM-PUMP-01", "qty": 1}]})
        assert (refused.status_code, refused.get_json()["code"]) == (422, "ticket.code_invalid")


def test_a_return_reason_from_the_api_is_escaped_on_the_clerks_returns_page(client, auth, clerk, payload, intact):
    appliances.put(client, auth["call_center"], "T-1")  # a free part: its old part is taken back
    created = submit(client, auth)
    assert client.post(f"/api/v1/requisitions/{created['id']}/ship", headers=auth["hq"]).status_code == 200
    response = client.post("/api/v1/returns", headers=auth["point"], json={
        "requisition": created["id"], "sku": "WM-PUMP-01", "qty": 1, "kind": "old_part", "reason": payload})
    assert response.status_code == 201, response.get_json()
    back = response.get_json()
    assert client.get(f"/api/v1/returns/{back['id']}", headers=auth["point"]).get_json()["reason"] == payload
    page = f"/w/{back['warehouse']}/returns"
    assert clerk.post(f"{page}/{back['id']}/receive", {}, token_from=page).status_code == 302
    assert_escaped(text(clerk.get(page)), payload)  # shown with the inspection form


def test_a_ticket_event_note_comes_back_as_the_same_text(client, auth, payload, intact):
    response = client.post("/api/v1/tickets/T-INJ-1/events", headers=auth["call_center"],
                           json={"type": "created", "note": payload})
    assert response.status_code == 201, response.get_json()
    timeline = client.get("/api/v1/tickets/T-INJ-1", headers=auth["call_center"]).get_json()
    assert [event["note"] for event in timeline["timeline"]] == [payload]


def test_a_ticket_code_in_the_path_is_taken_as_text_or_refused(client, auth, payload, intact):
    response = client.post(f"/api/v1/tickets/{quote(payload, safe='')}/events", headers=auth["call_center"],
                           json={"type": "created"})
    assert response.status_code in (201, 404, 422)
    assert response.mimetype in ("application/json", "application/problem+json")


def test_a_part_search_treats_the_query_as_text(client, auth, payload, intact):
    response = client.get("/api/v1/parts", query_string={"q": payload}, headers=auth["point"])
    assert response.status_code == 200
    assert response.get_json() == [] and response.headers["X-Total-Count"] == "0"


@pytest.mark.parametrize("where", ["body", "path"])
def test_an_unknown_sku_is_refused_as_json_with_the_text_unchanged(client, auth, payload, where, intact):
    if where == "body":
        response = client.post("/api/v1/requisitions", headers=auth["point"], json={
            "ship_to": "SP0001", "ticket": "T-1", "lines": [{"sku": payload, "qty": 1}]})
        assert response.status_code == 422
        assert payload in response.get_json()["detail"]
    else:
        response = client.get(f"/api/v1/parts/{quote(payload, safe='')}", headers=auth["point"])
        assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_ship_to_and_a_status_filter_are_refused_not_run(client, auth, payload, intact):
    response = client.post("/api/v1/requisitions", headers=auth["point"], json={
        "ship_to": payload, "ticket": "T-1", "lines": [{"sku": "WM-PUMP-01", "qty": 1}]})
    assert response.status_code == 422
    response = client.get("/api/v1/requisitions", query_string={"status": payload}, headers=auth["point"])
    assert response.status_code == 422 and response.mimetype == "application/problem+json"


def test_an_idempotency_key_is_just_a_key(client, auth, payload, intact):
    headers = {**auth["point"], "Idempotency-Key": payload}
    body = {"ship_to": "SP0001", "ticket": "T-1", "lines": [{"sku": "WM-PUMP-01", "qty": 1}]}
    first = client.post("/api/v1/requisitions", json=body, headers=headers)
    again = client.post("/api/v1/requisitions", json=body, headers=headers)
    assert first.status_code == 201 and (again.status_code, again.get_json()) == (201, first.get_json())


# -- the clerk's forms -----------------------------------------------------------------------------

def test_a_receipts_remark_and_delivery_note_are_escaped_in_the_history(clerk, payload, intact):
    response = clerk.post("/w/GD1/receive", {"sku": "WM-PUMP-01", "qty": "2", "reference": payload, "reason": payload})
    assert response.status_code == 302
    page = text(clerk.get("/w/GD1/movements"))
    assert_escaped(page, payload)
    assert page.count(str(escape(payload))) >= 2  # the remark and the reference


def test_a_count_reason_is_escaped_in_the_history(clerk, payload, intact):
    assert clerk.post("/w/GD1/count", {"sku": "WM-PUMP-01", "counted": "9", "reason": payload}).status_code == 302
    assert_escaped(text(clerk.get("/w/GD1/movements")), payload)


@pytest.mark.parametrize("field", ["sku", "actor", "ref", "since"])
def test_history_filters_echo_their_text_escaped(clerk, payload, field, intact):
    response = clerk.get("/w/GD1/movements", query_string={field: payload})
    assert response.status_code in (200, 400)
    assert_escaped(text(response), payload)


def test_an_unknown_movement_kind_is_refused_without_echoing_it(clerk, payload, intact):
    response = clerk.get("/w/GD1/movements", query_string={"kind": payload})
    assert response.status_code == 400 and payload not in text(response)


def test_a_stock_search_echoes_its_text_escaped(clerk, payload, intact):
    response = clerk.get("/stock", query_string={"q": payload})
    assert response.status_code == 200
    assert_escaped(text(response), payload)


def test_an_unknown_sku_typed_into_a_form_is_escaped_where_it_is_shown_again(clerk, payload, intact):
    response = clerk.post("/w/GD1/receive", {"sku": payload, "qty": "1"})
    assert response.status_code == 422
    assert_escaped(text(response), payload)
    response = clerk.get("/w/GD1/balance.json", query_string={"sku": payload})
    assert response.get_json() == {"sku": payload, "known": False}


def _shipped_to_gd1(engine) -> str:
    with make_session_factory(engine)() as session, transaction(session):
        draft = transfers.create_draft(session, "HQ", "GD1", "WM-PUMP-01", 4, actor="hq:boss")
        transfers.approve_and_ship(session, draft.id, actor="hq:boss")
        return draft.id


def test_transfer_receipt_and_closing_notes_are_escaped_in_the_history(clerk, engine, payload, intact):
    tid = _shipped_to_gd1(engine)
    assert clerk.post(f"/w/GD1/transfers/{tid}/receive", {f"recv-{tid}-qty": "1", f"recv-{tid}-note": payload},
                      token_from="/w/GD1/transfers").status_code == 302
    assert clerk.post(f"/w/GD1/transfers/{tid}/close", {f"close-{tid}-note": payload},
                      token_from="/w/GD1/transfers").status_code == 302
    page = text(clerk.get("/w/GD1/movements"))
    assert_escaped(page, payload)
    assert page.count(str(escape(payload))) >= 2


# -- HQ's forms ------------------------------------------------------------------------------------

def test_a_transfer_reason_is_escaped_on_both_transfer_pages(hq, clerk, payload, intact):
    response = hq.post("/hq/transfers/new", {"from_warehouse": "GD1", "to_warehouse": "HB1", "sku": "WM-PUMP-01",
                                             "qty": "2", "reason": payload}, token_from="/hq/transfers")
    assert response.status_code == 302
    assert_escaped(text(hq.get("/hq/transfers")), payload)
    assert_escaped(text(clerk.get("/w/GD1/transfers")), payload)


def test_a_rejection_reason_is_stored_as_text(hq, engine, payload, intact):
    with make_session_factory(engine)() as session, transaction(session):
        tid = transfers.create_draft(session, "HQ", "GD1", "WM-PUMP-01", 2, actor="optimizer", proposal_run_id="r1").id
    assert hq.post(f"/hq/transfers/{tid}/reject", {f"no-{tid}-reason": payload},
                   token_from="/hq/transfers").status_code == 302
    with make_session_factory(engine)() as session:
        assert session.get(Transfer, tid).closing_note == payload


def test_quota_reasons_are_escaped_in_the_dealers_history(hq, payload, intact):
    page = "/hq/quotas/D001"
    assert hq.post("/hq/quotas/D001/raise", {"raise-new_limit": "60000.00", "raise-reason": payload},
                   token_from=page).status_code == 302
    assert hq.post("/hq/quotas/D001/extend", {"ext-amount": "100.00", "ext-reason": payload},
                   token_from=page).status_code == 302
    shown = text(hq.get(page))
    assert_escaped(shown, payload)
    assert shown.count(str(escape(payload))) >= 2


def test_a_quota_search_echoes_its_text_escaped(hq, payload, intact):
    assert_escaped(text(hq.get("/hq/quotas", query_string={"q": payload})), payload)


def test_a_policy_value_is_escaped_where_it_is_shown(hq, payload, intact):
    value = json.dumps({payload: "0.85"}, ensure_ascii=False)
    assert hq.post("/hq/policy/three_day_targets", {"three_day_targets-value": value},
                   token_from="/hq/policy").status_code == 302
    page = text(hq.get("/hq/policy"))
    assert "<script>alert" not in page and "<img src=x" not in page
    assert str(escape(payload.replace('"', '\\"'))) in page


def test_a_refused_policy_value_is_shown_back_escaped(hq, payload, intact):
    response = hq.post("/hq/policy/promise_hours", {"promise_hours-value": payload}, token_from="/hq/policy")
    assert response.status_code == 422
    assert "<script>alert" not in text(response) and "<img src=x" not in text(response)


def test_a_username_is_shown_back_escaped_on_a_failed_sign_in(web, payload, intact):
    response = web.login(payload)
    assert response.status_code == 200
    assert_escaped(text(response), payload)
