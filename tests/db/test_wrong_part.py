"""Wrong part shipped (错发): recorded on receipt or later, the shipper's stock corrected, a
replacement reserved in the same transaction; refusals and repeats change nothing.

SP0001 is served by GD1 (12 h) and HQ (20 h). Emptying GD1 first makes HQ ship the pump.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from inventory.access import Principal
from inventory.audit import AuditEntry, entries
from inventory.db import make_session_factory, transaction
from inventory.errors import Conflict, InvalidInput, NotFound
from inventory.policy import Policy
from inventory.quotas import service as quotas
from inventory.requisitions import service as requisitions
from inventory.requisitions import wrong_part
from inventory.requisitions.models import Allocation, RequisitionEvent
from inventory.requisitions.service import LineRequest
from inventory.requisitions.wrong_part import WrongPart
from inventory.returns.models import Return
from inventory.warehouses import ledger
from inventory.warehouses.models import StockBalance, StockMovement
from inventory.world import load_world

from .. import appliances
from ..factories import tiny_world
from ..race import race, raised

T0 = datetime(2026, 10, 5, 1, 0, tzinfo=timezone.utc)
CLOCK = T0 + timedelta(days=40)
POINT = Principal("service_point", "SP0001")
OTHER_POINT = Principal("service_point", "SP0003")
DEALER = Principal("dealer", "D001")
HQ = Principal("hq")
POLICY = Policy()

PUMP, MOTOR, REMOTE = "WM-PUMP-01", "WM-MOTOR-01", "AC-REMOTE-01"


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def empty_gd1(session) -> None:
    with transaction(session):
        ledger.reserve(session, "GD1", PUMP, 10, actor="test")


def shipped(session, qty: int = 1, principal=POINT, ticket: str | None = "T1", sku: str = PUMP) -> str:
    """A requisition submitted at h(1) and shipped at h(2), not yet received; the ticket's appliance
    is covered, so its old part is owed."""
    if ticket:
        appliances.record(session, ticket, purchased_on=appliances.bought(h(1)))
    with transaction(session):
        code = requisitions.submit(session, principal, ship_to="SP0001", lines=[LineRequest(sku, qty)], ticket=ticket,
                           policy=POLICY, now=h(1)).code
    with transaction(session):
        requisitions.ship(session, "hq", code, at=h(2), now=h(2))
    return code


def receive(session, code: str, *wrong: WrongPart, at: float = 20, principal=POINT):
    with transaction(session):
        return requisitions.receive(session, principal, code, at=h(at), wrong_parts=list(wrong), policy=POLICY, now=CLOCK)


def report(session, code: str, wrong: WrongPart, at: float | None = 30, principal=POINT):
    with transaction(session):
        return wrong_part.report(session, principal, code, wrong, policy=POLICY,
                                 at=None if at is None else h(at), now=CLOCK)


def balance(session, warehouse: str, sku: str) -> tuple[int, int]:
    row = ledger.get_balance(session, warehouse, sku)
    return (row.on_hand, row.reserved) if row else (0, 0)


def rows(req) -> list[tuple]:
    return [(a.warehouse_code, a.qty, a.status, a.wrong_part_sku) for a in req.lines[0].allocations]


def state(session) -> tuple:
    """Everything a report may change, to prove a refusal changed none of it."""
    counts = tuple(session.scalar(select(func.count()).select_from(t)) for t in
                   (StockMovement, RequisitionEvent, Allocation, AuditEntry, Return))
    allocations = tuple(session.execute(select(Allocation.id, Allocation.qty, Allocation.status,
                                               Allocation.wrong_part_at).order_by(Allocation.id)).all())
    balances = tuple(session.execute(select(StockBalance.warehouse_code, StockBalance.sku, StockBalance.on_hand,
                                            StockBalance.reserved).order_by(StockBalance.warehouse_code,
                                                                            StockBalance.sku)).all())
    return counts, allocations, balances


# -- on receipt ------------------------------------------------------------------------------------

def test_a_wrong_part_on_receipt_is_released_and_a_replacement_reserved_at_once(session, world):
    empty_gd1(session)
    code = shipped(session)
    req = receive(session, code, WrongPart(line=1, received_sku=MOTOR))
    assert rows(req) == [("HQ", 1, "released", MOTOR), ("HQ", 1, "reserved", None)]
    mis_shipped, replacement = req.lines[0].allocations
    assert (mis_shipped.wrong_part_at, mis_shipped.delivered_at, mis_shipped.on_time) == (h(20), h(20), None)
    assert mis_shipped.wrong_part_by == "service_point:SP0001"
    assert (replacement.created_at, replacement.promised_by) == (h(20), req.lines[0].promised_by)
    assert (req.status, req.lines[0].backordered_qty) == ("allocated", 0)
    assert [e.kind for e in requisitions.get(session, HQ, code).events] == ["submitted", "shipped", "received", "wrong_part"]


def test_the_shipper_gets_the_ordered_units_back_on_hand_and_loses_the_part_it_sent(session, world):
    empty_gd1(session)
    code = shipped(session)
    assert (balance(session, "HQ", PUMP), balance(session, "HQ", MOTOR)) == ((49, 0), (5, 0))
    receive(session, code, WrongPart(line=1, received_sku=MOTOR))
    assert (balance(session, "HQ", PUMP), balance(session, "HQ", MOTOR)) == ((50, 1), (4, 0))
    moves = session.execute(select(StockMovement.warehouse_code, StockMovement.sku, StockMovement.kind,
                                   StockMovement.on_hand_delta, StockMovement.ref_id)
                            .where(StockMovement.kind == "mis_shipment").order_by(StockMovement.id)).all()
    assert moves == [("HQ", PUMP, "mis_shipment", 1, code), ("HQ", MOTOR, "mis_shipment", -1, code)]
    assert ledger.ledger_differences(session) == []
    [row] = entries(session, action="stock.mis_shipment")
    assert (row.subject, row.details["received_sku_corrected"]) == ("stock:HQ/WM-PUMP-01", True)


def test_when_the_shippers_books_lack_the_part_it_sent_the_event_asks_for_a_count(session, world):
    empty_gd1(session)
    code = shipped(session)
    req = receive(session, code, WrongPart(line=1, received_sku=REMOTE))  # HQ's books hold no remotes
    assert balance(session, "HQ", PUMP) == (50, 1) and balance(session, "HQ", REMOTE) == (0, 0)
    assert req.events[-1].kind == "wrong_part" and '"count": [["HQ", "AC-REMOTE-01"]]' in req.events[-1].detail
    assert ledger.ledger_differences(session) == []


def test_the_replacement_ships_and_arrives_and_only_its_old_part_is_expected(session, world):
    empty_gd1(session)
    code = shipped(session)
    receive(session, code, WrongPart(line=1, received_sku=MOTOR))
    expected = session.scalars(select(Return).where(Return.status == "expected")).all()
    assert expected == []  # the wrong part was never fitted: no old part is owed for it
    with transaction(session):
        requisitions.ship(session, "hq", code, at=h(21), now=CLOCK)
    req = receive(session, code, at=60)
    assert req.status == "delivered" and rows(req)[-1] == ("HQ", 1, "delivered", None)
    assert req.lines[0].allocations[-1].on_time is False  # the promise (h 49) was not renewed
    assert [(r.warehouse_code, r.qty) for r in session.scalars(select(Return).where(Return.status == "expected"))] \
        == [("HQ", 1)]


def test_only_the_reported_units_of_an_allocation_are_replaced(session, world):
    empty_gd1(session)
    code = shipped(session, qty=3)
    req = receive(session, code, WrongPart(line=1, received_sku=MOTOR, qty=1))
    assert rows(req) == [("HQ", 2, "delivered", None), ("HQ", 1, "released", MOTOR), ("HQ", 1, "reserved", None)]
    assert req.status == "allocated" and balance(session, "HQ", PUMP) == (48, 1)


def test_a_line_from_two_warehouses_must_name_the_sender_when_only_some_units_were_wrong(session, world):
    with transaction(session):
        ledger.reserve(session, "GD1", PUMP, 9, actor="test")
    code = shipped(session, qty=2)  # one from GD1, one from HQ
    with pytest.raises(InvalidInput, match="came from GD1 and HQ") as refused:
        receive(session, code, WrongPart(line=1, received_sku=MOTOR, qty=1))
    assert refused.value.details["field"] == "wrong_parts.0.warehouse"
    req = receive(session, code, WrongPart(line=1, received_sku=MOTOR, qty=1, warehouse="HQ"))
    assert [(a.warehouse_code, a.status) for a in req.lines[0].allocations] == [
        ("GD1", "delivered"), ("HQ", "released"), ("HQ", "reserved")]


def test_a_dealer_pays_once_for_a_part_that_was_replaced(session, world):
    empty_gd1(session)
    code = shipped(session, qty=2, principal=DEALER, ticket=None)
    period = requisitions.get(session, HQ, code).quota_period
    receive(session, code, WrongPart(line=1, received_sku=MOTOR), principal=DEALER)
    acct = quotas.account(session, "D001", period)
    assert (acct.reserved, acct.consumed) == (Decimal("250.00"), Decimal("0.00"))
    with transaction(session):
        requisitions.ship(session, "hq", code, at=h(21), now=CLOCK)
    acct = quotas.account(session, "D001", period)
    assert (acct.reserved, acct.consumed, acct.available) == (Decimal("0.00"), Decimal("250.00"), Decimal("49750.00"))


def test_a_receipt_naming_a_line_with_nothing_arriving_is_refused_whole(session, world):
    empty_gd1(session)
    with transaction(session):
        ledger.reserve(session, "GD1", REMOTE, 20, actor="test")  # line 2 is backordered: nothing ships
        code = requisitions.submit(session, POINT, ship_to="SP0001", lines=[LineRequest(PUMP, 1), LineRequest(REMOTE, 1)],
                           ticket="T1", policy=POLICY, now=h(1)).code
    with transaction(session):
        requisitions.ship(session, "hq", code, at=h(2), now=h(2))
    before = state(session)
    with pytest.raises(Conflict, match="no units of line 2"):
        receive(session, code, WrongPart(line=2, received_sku=MOTOR))
    with pytest.raises(InvalidInput, match="no line 3"):
        receive(session, code, WrongPart(line=3, received_sku=MOTOR))
    with pytest.raises(InvalidInput, match="reported twice"):
        receive(session, code, WrongPart(line=1, received_sku=MOTOR), WrongPart(line=1, received_sku=REMOTE))
    assert state(session) == before
    assert requisitions.get(session, HQ, code).status == "partially_backordered"


# -- later, on units already received --------------------------------------------------------------

def test_units_found_wrong_after_the_receipt_are_reported_and_replaced_the_same_way(session, world):
    empty_gd1(session)
    code = shipped(session)
    receive(session, code)
    req = report(session, code, WrongPart(line=1, received_sku=MOTOR, note="箱内是电机"), at=30)
    assert rows(req) == [("HQ", 1, "released", MOTOR), ("HQ", 1, "reserved", None)]
    assert req.lines[0].allocations[0].wrong_part_at == h(30) and req.status == "allocated"
    assert '"note": "箱内是电机"' in req.events[-1].detail
    assert balance(session, "HQ", PUMP) == (50, 1) and ledger.ledger_differences(session) == []


def test_hq_may_report_for_the_point(session, world):
    empty_gd1(session)
    code = shipped(session)
    receive(session, code)
    req = report(session, code, WrongPart(line=1, received_sku=MOTOR), principal=HQ)
    assert req.lines[0].allocations[0].wrong_part_by == "hq"


@pytest.mark.parametrize("at", [30, None], ids=["same-at", "server-clock"])
def test_a_repeated_report_changes_nothing(session, world, at):
    empty_gd1(session)
    code = shipped(session)
    receive(session, code)
    report(session, code, WrongPart(line=1, received_sku=MOTOR), at=at)
    before = state(session)
    again = report(session, code, WrongPart(line=1, received_sku=MOTOR), at=at)
    assert state(session) == before and rows(again) == [("HQ", 1, "released", MOTOR), ("HQ", 1, "reserved", None)]


def test_a_replacement_that_is_wrong_again_is_a_new_report(session, world):
    empty_gd1(session)
    code = shipped(session)
    receive(session, code, WrongPart(line=1, received_sku=MOTOR))
    with transaction(session):
        requisitions.ship(session, "hq", code, at=h(21), now=CLOCK)
    receive(session, code, at=40)
    req = report(session, code, WrongPart(line=1, received_sku=MOTOR), at=41)
    assert [a.status for a in req.lines[0].allocations] == ["released", "released", "reserved"]


REFUSALS = {
    "unknown line": (dict(wrong=WrongPart(line=9, received_sku=MOTOR)), NotFound, "no line 9"),
    "unknown received sku": (dict(wrong=WrongPart(line=1, received_sku="NOPE")), InvalidInput, "unknown sku NOPE"),
    "the part ordered": (dict(wrong=WrongPart(line=1, received_sku=PUMP)), InvalidInput, "is the part line 1 ordered"),
    "more units than arrived": (dict(wrong=WrongPart(line=1, received_sku=MOTOR, qty=2)), InvalidInput,
                                "only 1 units"),
    "another sender": (dict(wrong=WrongPart(line=1, received_sku=MOTOR, warehouse="GD1")), InvalidInput,
                       "arrived from GD1"),
    "a long note": (dict(wrong=WrongPart(line=1, received_sku=MOTOR, note="x" * 201)), InvalidInput, "note"),
    "before it arrived": (dict(at=19), InvalidInput, "before the units arrived"),
    "in the future": (dict(at=24 * 41), InvalidInput, "future"),
    "another point's requisition": (dict(principal=OTHER_POINT), NotFound, "no requisition"),
    "a dealer's look at a point's requisition": (dict(principal=DEALER), NotFound, "no requisition"),
    "the call centre": (dict(principal=Principal("call_center")), NotFound, "no requisition"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_a_refused_report_changes_nothing(session, world, case):
    kwargs, error, message = REFUSALS[case]
    empty_gd1(session)
    code = shipped(session)
    receive(session, code)
    before = state(session)
    with pytest.raises(error, match=message):
        report(session, code, kwargs.pop("wrong", WrongPart(line=1, received_sku=MOTOR)), **kwargs)
    assert state(session) == before


def test_a_line_not_yet_delivered_is_reported_on_receipt_not_before(session, world):
    empty_gd1(session)
    code = shipped(session)
    before = state(session)
    with pytest.raises(Conflict, match="no delivered units.*receive with wrong_parts"):
        report(session, code, WrongPart(line=1, received_sku=MOTOR))
    assert state(session) == before


def test_a_requisition_with_a_wrong_part_can_no_longer_be_cancelled(session, world):
    empty_gd1(session)
    code = shipped(session)
    receive(session, code, WrongPart(line=1, received_sku=MOTOR))
    with pytest.raises(Conflict, match="has shipped"):
        with transaction(session):
            requisitions.cancel(session, POINT, code, now=CLOCK)


def test_the_same_report_sent_at_once_is_recorded_once(pg_engine):
    """PostgreSQL, threads: the requisition row lock queues the reports; the later ones are repeats."""
    sessions = make_session_factory(pg_engine)
    with sessions() as session:
        with transaction(session):
            load_world(session, tiny_world())
        empty_gd1(session)
        code = shipped(session)
        receive(session, code)

    def worker(_):
        with sessions() as session:
            report(session, code, WrongPart(line=1, received_sku=MOTOR), at=30)

    assert raised(race(6, worker)) == []
    with sessions() as session:
        req = requisitions.get(session, HQ, code)
        assert rows(req) == [("HQ", 1, "released", MOTOR), ("HQ", 1, "reserved", None)]
        assert [e.kind for e in req.events].count("wrong_part") == 1
        assert balance(session, "HQ", PUMP) == (50, 1) and ledger.ledger_differences(session) == []
