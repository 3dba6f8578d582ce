"""HQ buying: proposals up to the plan, approval, receipts (partial, over, short) through the ledger.

The tiny world holds WM-PUMP-01: HQ 50, GD1 10, HB1 4 (64 in the network) and WM-MOTOR-01: HQ 5.
Suppliers added here: S1 sells the pump in packs of 10 (at least 20) and the motor one by one,
S2 sells the pump too, dearer but faster.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from inventory.db import transaction
from inventory.errors import Conflict, InvalidInput, NotFound
from inventory.purchasing import service as purchasing
from inventory.purchasing.models import PurchaseOrder
from inventory.warehouses import ledger
from inventory.warehouses.models import StockMovement
from inventory.world import load_world

PUMP, MOTOR, REMOTE = "WM-PUMP-01", "WM-MOTOR-01", "AC-REMOTE-01"
NOW = datetime(2025, 3, 3, 19, 0, tzinfo=timezone.utc)
HQ = "system:test-hq"


@pytest.fixture
def suppliers(session, world):
    with transaction(session):
        load_world(session, {
            "suppliers": [{"code": "S1", "name": "顺德电机厂", "lead_days": 12},
                          {"code": "S2", "name": "宁波配件厂", "lead_days": 6}],
            "supplier_parts": [{"supplier": "S1", "sku": PUMP, "unit_price": "80.00", "min_order": 20, "pack_size": 10},
                               {"supplier": "S1", "sku": MOTOR, "unit_price": "300.00"},
                               {"supplier": "S2", "sku": PUMP, "unit_price": "86.00", "min_order": 1,
                                "pack_size": 1}]})


def run(session, operation, *args, **kwargs):
    with transaction(session):
        return operation(session, *args, **kwargs)


def on_hand(session, warehouse="HQ", sku=PUMP) -> int:
    row = ledger.get_balance(session, warehouse, sku)
    return row.on_hand if row else 0


def test_an_order_is_whole_packs_and_at_least_the_minimum():
    terms = purchasing.Terms("S1", Decimal("80.00"), 20, 10, 12)
    assert [purchasing.order_qty(q, terms) for q in (1, 19, 20, 21, 35)] == [20, 20, 20, 30, 40]


def test_a_proposal_lifts_the_position_to_the_target_from_the_cheapest_supplier(session, suppliers):
    orders = run(session, purchasing.propose, {PUMP: 70, MOTOR: 8}, actor=HQ, now=NOW)
    assert len(orders) == 1 and orders[0].supplier_code == "S1" and orders[0].status == "proposed"
    lines = {line.sku: line.qty for line in orders[0].lines}
    assert lines == {PUMP: 20, MOTOR: 3}           # pump short by 6: the minimum order of 20
    assert on_hand(session) == 50                  # a proposal moves no stock


def test_nothing_is_proposed_where_the_position_reaches_the_target(session, suppliers):
    assert run(session, purchasing.propose, {PUMP: 64, MOTOR: 5}, actor=HQ, now=NOW) == []


def test_open_orders_count_in_the_position_so_the_next_proposal_does_not_buy_twice(session, suppliers):
    order = run(session, purchasing.propose, {PUMP: 70}, actor=HQ, now=NOW)[0]
    run(session, purchasing.approve, order.code, actor=HQ, now=NOW)
    assert purchasing.on_order(session) == {PUMP: 20}
    assert run(session, purchasing.propose, {PUMP: 80}, actor=HQ, now=NOW) == []   # 64 + 20 on order


def test_a_newer_proposal_supersedes_the_older(session, suppliers):
    first = run(session, purchasing.propose, {PUMP: 70}, actor=HQ, now=NOW)[0]
    run(session, purchasing.propose, {PUMP: 90}, actor=HQ, now=NOW)
    session.expire_all()
    assert purchasing.get(session, first.code).status == "rejected"


def test_approval_opens_the_order_with_the_suppliers_lead_time(session, suppliers):
    order = run(session, purchasing.propose, {MOTOR: 7}, actor=HQ, now=NOW)[0]
    opened = run(session, purchasing.approve, order.code, actor=HQ, now=NOW)
    assert opened.status == "open" and opened.expected_at == NOW + timedelta(days=12)
    with pytest.raises(Conflict):
        run(session, purchasing.approve, order.code, actor=HQ, now=NOW)


def _open_pump_order(session, qty_target=90):
    order = run(session, purchasing.propose, {PUMP: qty_target}, actor=HQ, now=NOW)[0]
    return run(session, purchasing.approve, order.code, actor=HQ, now=NOW)


def test_a_partial_receipt_goes_on_hand_at_hq_through_the_ledger(session, suppliers):
    order = _open_pump_order(session)  # 30 ordered
    received = run(session, purchasing.receive, order.code, {PUMP: 12}, actor="clerk:HQ", now=NOW)
    assert received.status == "partially_received" and on_hand(session) == 62
    rows = session.scalars(select(StockMovement).where(StockMovement.ref_type == "purchase_order")).all()
    assert [(r.warehouse_code, r.sku, r.on_hand_delta, r.ref_id) for r in rows] == [("HQ", PUMP, 12, order.code)]
    assert purchasing.on_order(session) == {PUMP: 18}
    done = run(session, purchasing.receive, order.code, {PUMP: 18}, actor="clerk:HQ", now=NOW)
    assert done.status == "received" and purchasing.on_order(session) == {}


def test_more_than_ordered_needs_a_reason_and_then_is_taken_in(session, suppliers):
    order = _open_pump_order(session)
    with pytest.raises(InvalidInput, match="more of WM-PUMP-01 than ordered"):
        run(session, purchasing.receive, order.code, {PUMP: 35}, actor="clerk:HQ", now=NOW)
    assert on_hand(session) == 50  # refused whole
    run(session, purchasing.receive, order.code, {PUMP: 35}, actor="clerk:HQ", now=NOW, note="供应商多发5件，已确认")
    assert on_hand(session) == 85 and purchasing.get(session, order.code).status == "received"


def test_closing_short_ends_what_is_on_order(session, suppliers):
    order = _open_pump_order(session)
    run(session, purchasing.receive, order.code, {PUMP: 10}, actor="clerk:HQ", now=NOW)
    with pytest.raises(InvalidInput):
        run(session, purchasing.close_short, order.code, actor=HQ, reason=" ", now=NOW)
    closed = run(session, purchasing.close_short, order.code, actor=HQ, reason="供应商停产", now=NOW)
    assert closed.status == "closed_short" and purchasing.on_order(session) == {}
    with pytest.raises(Conflict):
        run(session, purchasing.receive, order.code, {PUMP: 1}, actor="clerk:HQ", now=NOW)


@pytest.mark.parametrize("received, message", [
    ({}, "at least one line"), ({MOTOR: 1}, "not on purchase order"), ({PUMP: 0}, "whole number"),
    ({PUMP: -3}, "whole number"), ({PUMP: 10**9}, "whole number"), ({PUMP: 2.5}, "whole number"),
])
def test_a_bad_receipt_is_refused_and_changes_nothing(session, suppliers, received, message):
    order = _open_pump_order(session)
    with pytest.raises(InvalidInput, match=message):
        run(session, purchasing.receive, order.code, received, actor="clerk:HQ", now=NOW)
    assert on_hand(session) == 50 and purchasing.get(session, order.code).status == "open"


def test_a_proposal_cannot_be_received_and_an_unknown_order_is_not_found(session, suppliers):
    order = run(session, purchasing.propose, {PUMP: 70}, actor=HQ, now=NOW)[0]
    with pytest.raises(Conflict):
        run(session, purchasing.receive, order.code, {PUMP: 5}, actor="clerk:HQ", now=NOW)
    for code in ("PO99999999", "TR123", ""):
        with pytest.raises(NotFound):
            purchasing.get(session, code)


def test_a_sku_no_supplier_sells_is_named_and_not_ordered(session, suppliers):
    assert run(session, purchasing.propose, {REMOTE: 40}, actor=HQ, now=NOW) == []
    assert purchasing.unbuyable(session, [REMOTE, PUMP]) == [REMOTE]


def test_a_bad_target_is_refused(session, suppliers):
    for bad in (-1, 2.5, True, 10**9):
        with pytest.raises(InvalidInput):
            run(session, purchasing.propose, {PUMP: bad}, actor=HQ, now=NOW)
    assert session.scalar(select(PurchaseOrder.id)) is None


def test_a_supplier_part_naming_an_unknown_sku_refuses_the_world_file(session, world):
    with pytest.raises(InvalidInput, match=r"supplier_parts\[0\] \(S9/NOPE\): supplier: unknown supplier"):
        with transaction(session):
            load_world(session, {"supplier_parts": [{"supplier": "S9", "sku": "NOPE", "unit_price": "1.00"}]})
