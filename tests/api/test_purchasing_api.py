"""HQ buys over the API: a proposal approved, received in parts and over with a reason, closed short."""
from __future__ import annotations

import pytest

from inventory.db import make_session_factory, transaction
from inventory.purchasing import service as purchasing
from inventory.warehouses import ledger
from inventory.world import load_world

PUMP = "WM-PUMP-01"


@pytest.fixture
def proposal(engine, auth):
    """S1 sells the pump in packs of 10; the plan wants 90 in the network (64 there): one proposal of 30."""
    with make_session_factory(engine)() as session, transaction(session):
        load_world(session, {"suppliers": [{"code": "S1", "name": "顺德电机厂", "lead_days": 10}],
                             "supplier_parts": [{"supplier": "S1", "sku": PUMP, "unit_price": "80.00",
                                                 "min_order": 10, "pack_size": 10}]})
        order = purchasing.propose(session, {PUMP: 90}, actor="system:plan")[0]
        return order.code


def hq_on_hand(engine) -> int:
    with make_session_factory(engine)() as session:
        return ledger.get_balance(session, "HQ", PUMP).on_hand


def test_hq_approves_a_proposal_and_receives_it_in_two_deliveries(client, auth, engine, proposal):
    listed = client.get("/api/v1/purchase-orders?status=proposed", headers=auth["hq"])
    assert listed.status_code == 200 and listed.headers["X-Total-Count"] == "1"
    assert listed.json[0]["lines"] == [{"sku": PUMP, "qty": 30, "qty_received": 0, "outstanding": 30,
                                        "unit_price": "80.00"}]
    opened = client.post(f"/api/v1/purchase-orders/{proposal}/approve", headers=auth["hq"])
    assert opened.status_code == 200 and opened.json["status"] == "open" and opened.json["expected_at"]
    first = client.post(f"/api/v1/purchase-orders/{proposal}/receipts", headers=auth["hq"],
                        json={"lines": [{"sku": PUMP, "qty": 20}]})
    assert first.json["status"] == "partially_received" and hq_on_hand(engine) == 70
    over = client.post(f"/api/v1/purchase-orders/{proposal}/receipts", headers=auth["hq"],
                       json={"lines": [{"sku": PUMP, "qty": 15}]})
    assert over.status_code == 422 and "than ordered" in over.json["detail"] and hq_on_hand(engine) == 70
    done = client.post(f"/api/v1/purchase-orders/{proposal}/receipts", headers=auth["hq"],
                       json={"lines": [{"sku": PUMP, "qty": 15}], "note": "多发5件"})
    assert done.json["status"] == "received" and done.json["lines"][0]["qty_received"] == 35
    assert hq_on_hand(engine) == 85


def test_an_open_order_closed_short_is_no_longer_received_against(client, auth, proposal):
    client.post(f"/api/v1/purchase-orders/{proposal}/approve", headers=auth["hq"])
    closed = client.post(f"/api/v1/purchase-orders/{proposal}/close", headers=auth["hq"], json={"reason": "停产"})
    assert closed.json["status"] == "closed_short"
    again = client.post(f"/api/v1/purchase-orders/{proposal}/receipts", headers=auth["hq"],
                        json={"lines": [{"sku": PUMP, "qty": 1}]})
    assert again.status_code == 409


@pytest.mark.parametrize("body", [
    {}, {"lines": []}, {"lines": [{"sku": PUMP, "qty": 0}]}, {"lines": [{"sku": PUMP, "qty": "5"}]},
    {"lines": [{"sku": PUMP, "qty": 5, "extra": 1}]}, {"lines": [{"sku": PUMP, "qty": 5}, {"sku": PUMP, "qty": 1}]},
    {"lines": [{"sku": PUMP, "qty": 10**12}]}, {"lines": [{"sku": PUMP, "qty": 5}], "bonus": True},
])
def test_a_malformed_receipt_is_refused_and_changes_nothing(client, auth, engine, proposal, body):
    client.post(f"/api/v1/purchase-orders/{proposal}/approve", headers=auth["hq"])
    answer = client.post(f"/api/v1/purchase-orders/{proposal}/receipts", headers=auth["hq"], json=body)
    assert answer.status_code == 422 and answer.content_type.startswith("application/problem+json")
    assert hq_on_hand(engine) == 50


def test_only_hq_buys(client, auth, proposal):
    for who in ("dealer", "point", "call_center"):
        assert client.get("/api/v1/purchase-orders", headers=auth[who]).status_code == 403
        assert client.post(f"/api/v1/purchase-orders/{proposal}/approve", headers=auth[who]).status_code == 403
    assert client.get("/api/v1/purchase-orders/PO99999999", headers=auth["hq"]).status_code == 404
