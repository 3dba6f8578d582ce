"""Requisitions: allocation within the 2-day promise, quota, cancel, ship, receive."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from inventory.access import Principal
from inventory.db import transaction, utcnow
from inventory.errors import Conflict, InvalidInput, NotFound, QuotaExceeded
from inventory.policy import Policy
from inventory.quotas import service as quotas
from inventory.requisitions import service as requisitions
from inventory.requisitions.service import LineRequest
from inventory.warehouses import ledger

POINT = Principal("service_point", "SP0001")
DEALER = Principal("dealer", "D001")
OTHER_DEALER = Principal("dealer", "D002")
HQ = Principal("hq")
POLICY = Policy()


def submit(session, principal=POINT, ship_to="SP0001", lines=(("WM-PUMP-01", 2),), ticket="T1", **kw):
    with transaction(session):
        return requisitions.submit(session, principal, ship_to=ship_to, ticket=ticket, policy=POLICY,
                           lines=[LineRequest(s, q) for s, q in lines], **kw)


def allocations(req):
    return [(a.warehouse_code, a.qty) for line in req.lines for a in line.allocations if a.status != "released"]


def test_prefers_the_cheapest_warehouse_that_keeps_the_promise(session, world):
    req = submit(session)  # GD1 12 h 3.50, HQ 20 h 4.00, HB1 60 h
    assert allocations(req) == [("GD1", 2)]
    assert req.status == "allocated"
    assert req.lines[0].promised_by == req.created_at + timedelta(hours=48)
    assert ledger.get_balance(session, "GD1", "WM-PUMP-01").reserved == 2


def test_splits_a_line_across_warehouses_when_one_cannot_cover_it(session, world):
    req = submit(session, lines=[("WM-PUMP-01", 15)])
    assert allocations(req) == [("GD1", 10), ("HQ", 5)]


def test_falls_back_to_the_fastest_late_warehouse(session, world):
    with transaction(session):
        ledger.reserve(session, "HQ", "WM-PUMP-01", 50, actor="test")
    req = submit(session, lines=[("WM-PUMP-01", 12)])
    assert allocations(req) == [("GD1", 10), ("HB1", 2)]
    late = req.lines[0].allocations[1]
    assert late.eta > late.promised_by


def test_backorders_what_no_warehouse_has(session, world):
    req = submit(session, lines=[("WM-MOTOR-01", 7)])
    assert allocations(req) == [("HQ", 5)]
    assert req.lines[0].backordered_qty == 2
    assert req.status == "partially_backordered"


def test_a_requisition_with_nothing_in_stock_is_backordered(session, world):
    with transaction(session):
        ledger.reserve(session, "GD1", "AC-REMOTE-01", 20, actor="test")
    req = submit(session, lines=[("AC-REMOTE-01", 1)], ship_to="SP0003", principal=Principal("service_point", "SP0003"))
    assert req.status == "backordered" and req.lines[0].stock_seen == "nowhere"


def test_records_where_stock_stood_when_the_regional_warehouse_was_short(session, world):
    assert submit(session, lines=[("WM-PUMP-01", 1)]).lines[0].stock_seen == "regional"
    assert submit(session, lines=[("WM-PUMP-01", 11)]).lines[0].stock_seen == "hq"


@pytest.mark.parametrize("kwargs, message", [
    ({"ship_to": "SP0003"}, "not one of your ship-to"),
    ({"ship_to": "NOPE"}, "not one of your ship-to"),
    ({"lines": []}, "at least one line"),
    ({"lines": [("NOPE", 1)]}, "unknown sku NOPE"),
    ({"lines": [("WM-PUMP-01", 0)]}, "from 1 to"),
    ({"lines": [("WM-PUMP-01", -3)]}, "from 1 to"),
    ({"lines": [("WM-PUMP-01", 10**9)]}, "from 1 to"),
    ({"lines": [("WM-PUMP-01", 1), ("WM-PUMP-01", 1)]}, "listed twice"),
    ({"ticket": None}, "needs its repair ticket"),
])
def test_bad_requisitions_are_refused_and_reserve_nothing(session, world, kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        submit(session, **kwargs)
    assert ledger.get_balance(session, "GD1", "WM-PUMP-01").reserved == 0


def test_a_dealer_requisition_reserves_its_value_against_the_month_quota(session, world):
    req = submit(session, principal=DEALER, ticket=None, lines=[("WM-MOTOR-01", 2)])
    acct = quotas.account(session, "D001", req.quota_period)
    assert req.value == Decimal("920.00")
    assert (acct.reserved, acct.available) == (Decimal("920.00"), Decimal("49080.00"))


def test_over_quota_is_refused_whole_with_the_shortfall(session, world):
    with pytest.raises(QuotaExceeded, match="value 20280.00 exceeds .* quota 20000.00 .* by 280.00"):
        submit(session, principal=OTHER_DEALER, ship_to="SP0003", ticket=None, lines=[("WM-PUMP-01", 4), ("WM-MOTOR-01", 43)])
    assert ledger.get_balance(session, "HB1", "WM-PUMP-01").reserved == 0
    assert quotas.account(session, "D002", quotas.period_of(utcnow())).reserved == 0


def test_cancel_restores_stock_and_quota_exactly(session, world):
    req = submit(session, principal=DEALER, ticket=None, lines=[("WM-PUMP-01", 15)])
    with transaction(session):
        requisitions.cancel(session, DEALER, req.code)
    assert ledger.get_balance(session, "GD1", "WM-PUMP-01").reserved == 0
    assert ledger.get_balance(session, "HQ", "WM-PUMP-01").reserved == 0
    acct = quotas.account(session, "D001", req.quota_period)
    assert (acct.reserved, acct.consumed, acct.available) == (0, 0, Decimal("50000.00"))
    assert requisitions.get(session, HQ, req.code).status == "cancelled"
    assert ledger.ledger_differences(session) == []


def test_shipping_issues_the_stock_and_consumes_the_quota(session, world):
    req = submit(session, principal=DEALER, ticket=None, lines=[("WM-PUMP-01", 3)])
    with transaction(session):
        requisitions.ship(session, "hq", req.code)
    balance = ledger.get_balance(session, "GD1", "WM-PUMP-01")
    assert (balance.on_hand, balance.reserved) == (7, 0)
    acct = quotas.account(session, "D001", req.quota_period)
    assert (acct.reserved, acct.consumed) == (0, Decimal("375.00"))
    assert requisitions.get(session, HQ, req.code).status == "shipped"


def test_cancel_is_refused_once_shipped(session, world):
    req = submit(session)
    with transaction(session):
        requisitions.ship(session, "hq", req.code)
    with pytest.raises(Conflict, match="has shipped"):
        with transaction(session):
            requisitions.cancel(session, POINT, req.code)


def test_receipt_within_the_promise_is_on_time_and_after_it_late(session, world):
    accepted = utcnow() - timedelta(days=5)
    on_time, late = (submit(session, lines=[("WM-PUMP-01", 1)], now=accepted) for _ in range(2))
    for req, hours in ((on_time, 47), (late, 49)):
        with transaction(session):
            requisitions.ship(session, "hq", req.code, at=accepted + timedelta(hours=1))
        with transaction(session):
            got = requisitions.receive(session, POINT, req.code, at=accepted + timedelta(hours=hours))
        assert got.status == "delivered"
        assert got.lines[0].allocations[0].on_time is (hours <= 48)


def test_each_warehouses_parcel_is_received_on_its_own(session, world):
    """A line split over GD1 and HQ arrives as two parcels; the first is on time by itself."""
    accepted = utcnow() - timedelta(days=5)
    req = submit(session, lines=[("WM-PUMP-01", 15)], now=accepted)
    assert allocations(req) == [("GD1", 10), ("HQ", 5)]
    with transaction(session):
        requisitions.ship(session, "hq", req.code, at=accepted + timedelta(hours=1))
    with transaction(session):
        got = requisitions.receive(session, POINT, req.code, warehouse="GD1", at=accepted + timedelta(hours=20))
    assert {a.warehouse_code: (a.status, a.on_time) for a in got.lines[0].allocations} == {
        "GD1": ("delivered", True), "HQ": ("shipped", None)}
    assert got.status != "delivered"
    with pytest.raises(Conflict, match="nothing shipped to receive from GD1"):
        with transaction(session):
            requisitions.receive(session, POINT, req.code, warehouse="GD1")
    with transaction(session):
        got = requisitions.receive(session, POINT, req.code, warehouse="HQ", at=accepted + timedelta(hours=50))
    assert {a.warehouse_code: a.on_time for a in got.lines[0].allocations} == {"GD1": True, "HQ": False}
    assert got.status == "delivered"
    assert [e.kind for e in requisitions.get(session, HQ, req.code).events] == ["submitted", "shipped", "received", "received"]


def test_event_times_may_not_lie_in_the_future(session, world):
    req = submit(session)
    with pytest.raises(InvalidInput, match="future"):
        with transaction(session):
            requisitions.ship(session, "hq", req.code, at=utcnow() + timedelta(hours=2))


def test_another_principal_cannot_see_or_cancel_a_requisition(session, world):
    req = submit(session, principal=DEALER, ticket=None)
    for other in (OTHER_DEALER, POINT, Principal("service_point", "SP0002")):
        with pytest.raises(NotFound):
            requisitions.get(session, other, req.code)
        with pytest.raises(NotFound):
            requisitions.cancel(session, other, req.code)


def test_history_keeps_every_step(session, world):
    req = submit(session)
    with transaction(session):
        requisitions.ship(session, "hq", req.code)
    with transaction(session):
        requisitions.receive(session, POINT, req.code)
    assert [e.kind for e in requisitions.get(session, HQ, req.code).events] == ["submitted", "shipped", "received"]


def test_hq_raises_a_limit_and_grants_an_extension_on_the_record(session, world):
    with transaction(session):
        quotas.raise_limit(session, "D002", "30000.00", actor="hq:li", reason="peak season")
        quotas.grant_extension(session, "D002", "5000.00", actor="hq:li", reason="flood repairs")
    acct = quotas.account(session, "D002", quotas.period_of(utcnow()))
    assert (acct.credit_limit, acct.extension, acct.available) == (Decimal("30000.00"), Decimal("5000.00"), Decimal("35000.00"))
    with pytest.raises(InvalidInput, match="not above"):
        quotas.raise_limit(session, "D002", "100.00", actor="hq:li", reason="x")
