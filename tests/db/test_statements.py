"""Out-of-warranty money: what a requisition collects from the customer, overcharge penalties and
a service point's monthly statement, whose totals are the sums of its lines."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from inventory import audit, overcharges
from inventory.access import Principal
from inventory.catalog import Part, set_list_prices
from inventory.customer_charges import requisition_charge, ticket_charge
from inventory.db import transaction
from inventory.errors import InvalidInput, NotFound
from inventory.network import ServicePoint
from inventory.overcharges import OverchargePenalty
from inventory.policy import load_policy, set_policy
from inventory.requisitions import service as requisitions
from inventory.requisitions.models import Requisition
from inventory.returns import lifecycle, settlement
from inventory.returns.models import Return
from inventory.statements import monthly_statement, statement_to_dict
from inventory.tickets import record_event

UTC = timezone.utc
JUNE = datetime(2026, 6, 10, 2, 0, tzinfo=UTC)  # 10:00 on 10 June in Beijing
POINT = Principal("service_point", "SP0001")
HQ = "hq"
ZERO = Decimal("0.00")


def submit(session, ticket, lines, *, point="SP0001", at=JUNE):
    req = requisitions.submit(session, Principal("service_point", point), ship_to=point, ticket=ticket,
                      lines=[requisitions.LineRequest(sku, qty) for sku, qty in lines], policy=load_policy(session), now=at)
    return req


def decide(req, *in_warranty: bool) -> None:
    """The warranty decision as the engine (or HQ) left it on each line."""
    for line, value in zip(req.lines, in_warranty):
        line.in_warranty = value
    req.in_warranty = all(in_warranty)


@pytest.fixture
def priced(session, world):
    with transaction(session):
        set_list_prices(session, {"WM-PUMP-01": "168.00"}, actor=HQ, source="test")
    return session


def test_a_part_without_a_list_price_costs_its_unit_cost_times_the_markup_rounded_up_to_whole_yuan(priced):
    with transaction(priced):
        req = submit(priced, "T-1", [("WM-PUMP-01", 2), ("AC-REMOTE-01", 1)])
        decide(req, False, False)
    charge = requisition_charge(priced, req, load_policy(priced))
    pump, remote = charge.lines
    assert (pump.unit_price, pump.price_basis, pump.amount) == (Decimal("168.00"), "list", Decimal("336.00"))
    assert (remote.unit_price, remote.price_basis, remote.amount) == (Decimal("36.00"), "markup", Decimal("36.00"))


def test_the_visit_fee_follows_the_city_tier_and_is_charged_once_per_ticket(priced):
    with transaction(priced):
        first = submit(priced, "T-1", [("WM-PUMP-01", 1)])
        second = submit(priced, "T-1", [("AC-REMOTE-01", 1)])
        remote = submit(priced, "T-2", [("AC-REMOTE-01", 1)], point="SP0002")
        for req in (first, second, remote):
            decide(req, False)
    policy = load_policy(priced)
    a, b, c = (requisition_charge(priced, r, policy) for r in (first, second, remote))
    assert priced.get(ServicePoint, "SP0001").city_tier == "prefecture"
    assert (a.visit.kind, a.visit.city_tier, a.visit.amount, a.total) == ("visit", "prefecture", Decimal("25.00"),
                                                                           Decimal("193.00"))
    assert (b.visit, b.visit_on, b.total) == (None, first.code, Decimal("36.00"))
    assert (c.visit.city_tier, c.visit.amount) == ("county", Decimal("22.00"))
    assert ticket_charge(priced, "SP0001", "T-1", policy) == Decimal("229.00")


def test_a_requisition_wholly_in_warranty_collects_nothing(priced):
    with transaction(priced):
        req = submit(priced, "T-1", [("WM-PUMP-01", 1)])
        decide(req, True)
    charge = requisition_charge(priced, req, load_policy(priced))
    assert (charge.total, charge.visit, charge.lines[0].unit_price) == (ZERO, None, None)


def test_a_unit_repaired_at_the_point_pays_the_in_shop_fee(priced):
    with transaction(priced):
        record_event(priced, "T-SHOP", "created", JUNE - timedelta(hours=2), now=JUNE, service_point="SP0001")
        req = submit(priced, "T-SHOP", [("AC-REMOTE-01", 1)])
        decide(req, False)
        record_event(priced, "T-SHOP", "completed", JUNE + timedelta(hours=1), now=JUNE + timedelta(hours=2))
    charge = requisition_charge(priced, req, load_policy(priced))
    assert (charge.visit.kind, charge.visit.amount) == ("in_shop", Decimal("10.00"))


def test_a_cancelled_requisition_collects_nothing(priced):
    with transaction(priced):
        req = submit(priced, "T-1", [("WM-PUMP-01", 1)])
        decide(req, False)
        requisitions.cancel(priced, POINT, req.code, now=JUNE)
    assert requisition_charge(priced, req, load_policy(priced)).total == ZERO


# -- list prices -------------------------------------------------------------------------------------

def test_setting_list_prices_is_all_or_nothing_and_audited(priced):
    with pytest.raises(InvalidInput, match="unknown sku 'NO-SUCH'"), transaction(priced):
        set_list_prices(priced, {"AC-REMOTE-01": "40.00", "NO-SUCH": "1.00"}, actor=HQ, source="test")
    assert priced.get(Part, "AC-REMOTE-01").list_price is None
    entry = audit.entries(priced, action="catalog.list_prices")[-1]
    assert entry.details["changes"] == {"WM-PUMP-01": [None, "168.00"]}


@pytest.mark.parametrize("bad", [12.5, "-1.00", "1.234", "abc", "NaN"])
def test_a_list_price_must_be_decimal_rmb(priced, bad):
    with pytest.raises(InvalidInput), transaction(priced):
        set_list_prices(priced, {"AC-REMOTE-01": bad}, actor=HQ, source="test")


# -- overcharge penalties ----------------------------------------------------------------------------

def test_an_overcharge_costs_ten_times_the_excess_over_what_the_ticket_allows(priced):
    with transaction(priced):
        req = submit(priced, "T-1", [("WM-PUMP-01", 1)])
        decide(req, False)
    with transaction(priced):
        row = overcharges.record(priced, "SP0001", charged="300.00", ticket="T-1", note="customer's receipt seen",
                                 actor="hq:boss", policy=load_policy(priced), now=JUNE)
    assert (row.allowed, row.excess, row.multiple, row.amount) == (Decimal("193.00"), Decimal("107.00"), 10,
                                                                   Decimal("1070.00"))
    entry = audit.entries(priced, action="penalty.overcharge")[-1]
    assert (entry.subject, entry.details["amount"]) == ("service_point:SP0001", "1070.00")


@pytest.mark.parametrize("kwargs, error", [
    ({"charged": "100.00", "allowed": "100.00"}, "no overcharge"),
    ({"charged": "100.00"}, "give the amount allowed"),
    ({"charged": "100.00", "ticket": "T-NONE"}, "has no requisition"),
    ({"charged": 100.5, "allowed": "1.00"}, "decimal amount"),
])
def test_an_overcharge_that_is_not_one_is_refused_and_nothing_is_written(priced, kwargs, error):
    with pytest.raises(InvalidInput, match=error), transaction(priced):
        overcharges.record(priced, "SP0001", note="complaint", actor="hq:boss", policy=load_policy(priced), **kwargs)
    assert priced.scalars(select(OverchargePenalty)).all() == []


def test_an_overcharge_at_an_unknown_point_is_not_found(priced):
    with pytest.raises(NotFound), transaction(priced):
        overcharges.record(priced, "SP9999", charged="2.00", allowed="1.00", note="x", actor="hq:boss",
                           policy=load_policy(priced))


# -- the monthly statement ---------------------------------------------------------------------------

@pytest.fixture
def june(priced):
    """A month at SP0001: ticket T-1 (two pumps in warranty, shipped, their old parts overdue and
    charged; a remote control paid), T-2 over two requisitions, a cancelled one, another point's,
    an overcharge on T-2; and one requisition in July."""
    s = priced
    with transaction(s):
        set_policy(s, "return_due_days", "5", actor=HQ)
        r1 = submit(s, "T-1", [("WM-PUMP-01", 2), ("AC-REMOTE-01", 1)])
        decide(r1, True, False)
        r2 = submit(s, "T-2", [("WM-PUMP-01", 1)], at=JUNE + timedelta(days=1))
        r3 = submit(s, "T-2", [("AC-REMOTE-01", 1)], at=JUNE + timedelta(days=2))
        r4 = submit(s, "T-3", [("AC-REMOTE-01", 1)], at=JUNE + timedelta(days=2))
        other = submit(s, "T-4", [("WM-PUMP-01", 1)], point="SP0003")
        july = submit(s, "T-5", [("AC-REMOTE-01", 1)], at=datetime(2026, 7, 1, 1, 0, tzinfo=UTC))
        for req in (r2, r3, r4, other, july):
            decide(req, False)
    with transaction(s):
        requisitions.cancel(s, POINT, r4.code, now=JUNE + timedelta(days=2))
        requisitions.ship(s, "clerk:gd", r1.code, now=JUNE + timedelta(hours=3))
        lifecycle.expect_returns_for_shipment(s, s.get(Requisition, r1.id), JUNE + timedelta(hours=3))
    with transaction(s):
        settlement.sweep_overdue(s, now=JUNE + timedelta(days=10))
        overcharges.record(s, "SP0001", charged="400.00", ticket="T-2", note="complaint verified by phone",
                           actor="hq:boss", policy=load_policy(s), now=JUNE + timedelta(days=15))
    return s


def test_the_statement_lists_the_months_lines_and_its_totals_add_up(june):
    statement = monthly_statement(june, "SP0001", "2026-06", load_policy(june), now=datetime(2026, 7, 5, tzinfo=UTC))
    totals = statement.totals()
    assert [(p.requisition[-1], p.sku, p.in_warranty) for p in statement.parts] == [
        ("1", "WM-PUMP-01", True), ("1", "AC-REMOTE-01", False), ("2", "WM-PUMP-01", False),
        ("3", "AC-REMOTE-01", False)]
    assert totals["in_warranty"] == {"lines": 1, "units": 2, "value": Decimal("250.00")}
    assert totals["out_of_warranty"]["to_collect"] == Decimal("240.00")  # 36 + 168 + 36
    assert [(f.ticket, f.amount) for f in statement.visit_fees] == [("T-1", Decimal("25.00")),
                                                                   ("T-2", Decimal("25.00"))]
    assert totals["to_collect"] == Decimal("290.00")
    assert [(c.kind, c.amount) for c in statement.return_charges] == [("overdue", Decimal("250.00"))]
    assert [o.amount for o in statement.overcharges] == [Decimal("1710.00")]  # (400 - 229) x 10
    assert totals["charges"] == Decimal("1960.00")
    assert [(h.ticket, h.units) for h in statement.held] == [("T-1", 2)]
    _assert_adds_up(statement)


def test_every_total_is_the_sum_of_its_lines(june):
    """The rule itself, over whatever lines the month has (also as the API serves it)."""
    statement = monthly_statement(june, "SP0001", "2026-06", load_policy(june), now=datetime(2026, 7, 5, tzinfo=UTC))
    _assert_adds_up(statement)
    body = statement_to_dict(statement)
    money = lambda rows, key: sum((Decimal(r[key]) for r in rows), ZERO)  # noqa: E731
    t = body["totals"]
    assert Decimal(t["to_collect"]) == money(body["parts"], "to_collect") + money(body["visit_fees"], "amount")
    assert Decimal(t["charges"]) == money(body["return_charges"], "amount") + money(body["overcharge_penalties"],
                                                                                    "amount")
    assert Decimal(t["held"]["old_part_value"]) == money(body["held"], "value")


def _assert_adds_up(statement) -> None:
    t = statement.totals()
    inside = [p for p in statement.parts if p.in_warranty]
    outside = [p for p in statement.parts if not p.in_warranty]
    assert t["in_warranty"]["value"] == sum((p.value for p in inside), ZERO)
    assert t["out_of_warranty"]["value"] == sum((p.value for p in outside), ZERO)
    assert all(p.value == p.unit_price * p.qty for p in statement.parts)
    assert all(p.to_collect == (ZERO if p.in_warranty else p.customer_price * p.qty) for p in statement.parts)
    assert t["to_collect"] == sum((p.to_collect for p in statement.parts), ZERO) + sum(
        (f.amount for f in statement.visit_fees), ZERO)
    assert t["charges"] == sum((c.amount for c in statement.return_charges), ZERO) + sum(
        (o.amount for o in statement.overcharges), ZERO)
    assert t["held"]["old_part_units"] == sum(p.qty for h in statement.held for p in h.old_parts)


def test_a_repair_fee_is_no_longer_held_once_the_old_part_arrived_within_the_month(june):
    code = june.scalars(select(Return)).first().code
    with transaction(june):
        lifecycle.receive(june, "clerk:gd", code, now=JUNE + timedelta(days=12))
    statement = monthly_statement(june, "SP0001", "2026-06", load_policy(june), now=datetime(2026, 7, 5, tzinfo=UTC))
    assert statement.held == []


def test_the_next_month_has_only_its_own_lines(june):
    statement = monthly_statement(june, "SP0001", "2026-07", load_policy(june), now=datetime(2026, 8, 5, tzinfo=UTC))
    assert [p.ticket for p in statement.parts] == ["T-5"]
    assert statement.return_charges == [] and statement.overcharges == []


def test_a_statement_needs_a_known_point_and_a_month(june):
    with pytest.raises(NotFound):
        monthly_statement(june, "SP9999", "2026-06", load_policy(june))
    with pytest.raises(InvalidInput):
        monthly_statement(june, "SP0001", "June", load_policy(june))
