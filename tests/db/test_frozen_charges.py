"""What a customer owes is fixed when the price is: a line's customer price and the ticket's visit
fee are frozen at submit, so a later list price, markup or visit fee never changes an issued line,
a closed month's statement or an overcharge's `allowed`; and past the whole unit's warranty the
visit fee is charged even when the part itself is free as a key component (seed 003)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from inventory import overcharges
from inventory.access import Principal
from inventory.catalog import set_list_prices
from inventory.customer_charges import requisition_charge, ticket_charge
from inventory.db import transaction
from inventory.errors import InvalidInput
from inventory.policy import load_policy, set_policy
from inventory.requisitions import service as requisitions
from inventory.requisitions import warranty
from inventory.statements import monthly_statement
from inventory.tickets import record_event
from inventory.warranty import add_months

from .. import appliances

UTC = timezone.utc
JUNE = datetime(2026, 6, 10, 2, 0, tzinfo=UTC)  # 10:00 on 10 June in Beijing
JULY = datetime(2026, 7, 15, 2, 0, tzinfo=UTC)
AUGUST = datetime(2026, 8, 20, 2, 0, tzinfo=UTC)
REPORTED = date(2026, 6, 10)
HQ = "hq"
ZERO = Decimal("0.00")


@pytest.fixture
def priced(session, world):
    with transaction(session):
        set_list_prices(session, {"WM-PUMP-01": "168.00"}, actor=HQ, source="test")
    return session


def repair(session, ticket: str, *, months_old: int | None, product_line: str = "washer") -> None:
    """A ticket reported in June at SP0001, its appliance bought `months_old` months before (None: no appliance)."""
    with transaction(session):
        record_event(session, ticket, "created", JUNE - timedelta(hours=2), now=JUNE, service_point="SP0001")
    if months_old is not None:
        appliances.record(session, ticket, purchased_on=add_months(REPORTED, -months_old), product_line=product_line)


def submit(session, ticket, lines, *, at=JUNE):
    with transaction(session):
        return requisitions.submit(session, Principal("service_point", "SP0001"), ship_to="SP0001", ticket=ticket,
                                   lines=[requisitions.LineRequest(sku, qty) for sku, qty in lines],
                                   policy=load_policy(session), now=at)


def charge(session, req):
    return requisition_charge(session, req, load_policy(session))


def july_changes(session) -> None:
    """HQ changes the price list and the visit fee after June's repairs."""
    with transaction(session):
        set_list_prices(session, {"WM-PUMP-01": "200.00"}, actor=HQ, source="test")
        set_policy(session, "visit_fee_prefecture", "35.00", actor=HQ)
        set_policy(session, "list_price_markup", "3.00", actor=HQ)


# -- A: an overcharge's `allowed` is what the point could collect when it collected ------------------

def test_a_point_that_charged_what_was_allowed_then_is_no_overcharger_after_a_price_cut(priced):
    repair(priced, "T-A", months_old=30)  # out of warranty: the pump is paid, and the visit
    req = submit(priced, "T-A", [("WM-PUMP-01", 1)])
    assert charge(priced, req).total == Decimal("193.00")  # 168 + 25, what the point collects in June
    with transaction(priced):
        set_list_prices(priced, {"WM-PUMP-01": "150.00"}, actor=HQ, source="test")
    with pytest.raises(InvalidInput, match="not more than the 193.00 allowed"), transaction(priced):
        overcharges.record(priced, "SP0001", charged="193.00", ticket="T-A", note="customer's receipt",
                           actor="hq:boss", policy=load_policy(priced), now=AUGUST)


def test_an_overcharge_after_a_price_cut_is_ten_times_the_excess_over_the_price_then(priced):
    repair(priced, "T-A", months_old=30)
    submit(priced, "T-A", [("WM-PUMP-01", 1)])
    with transaction(priced):
        set_list_prices(priced, {"WM-PUMP-01": "150.00"}, actor=HQ, source="test")
        set_policy(priced, "visit_fee_prefecture", "20.00", actor=HQ)
    with transaction(priced):
        row = overcharges.record(priced, "SP0001", charged="200.00", ticket="T-A", note="customer's receipt",
                                 actor="hq:boss", policy=load_policy(priced), now=AUGUST)
    assert (row.allowed, row.excess, row.amount) == (Decimal("193.00"), Decimal("7.00"), Decimal("70.00"))
    assert ticket_charge(priced, "SP0001", "T-A", load_policy(priced)) == Decimal("193.00")


# -- B: a closed month's statement stays as it was --------------------------------------------------

def test_a_closed_months_statement_keeps_its_prices_and_fees_after_hq_changes_them(priced):
    repair(priced, "T-B", months_old=30)
    submit(priced, "T-B", [("WM-PUMP-01", 1), ("AC-REMOTE-01", 1)])  # 168 (list) + 36 (20 x 1.8) + 25
    before = monthly_statement(priced, "SP0001", "2026-06", load_policy(priced), now=JULY).totals()
    assert before["to_collect"] == Decimal("229.00")
    july_changes(priced)
    statement = monthly_statement(priced, "SP0001", "2026-06", load_policy(priced), now=AUGUST)
    assert statement.totals()["to_collect"] == Decimal("229.00")
    assert [(p.customer_price, p.price_basis) for p in statement.parts] == [(Decimal("168.00"), "list"),
                                                                           (Decimal("36.00"), "markup")]
    assert [(f.city_tier, f.amount) for f in statement.visit_fees] == [("prefecture", Decimal("25.00"))]


def test_a_requisition_submitted_after_the_change_is_priced_by_it(priced):
    july_changes(priced)
    with transaction(priced):
        record_event(priced, "T-J", "created", JULY - timedelta(hours=2), now=JULY, service_point="SP0001")
    appliances.record(priced, "T-J", purchased_on=date(2023, 1, 1))
    req = submit(priced, "T-J", [("WM-PUMP-01", 1), ("AC-REMOTE-01", 1)], at=JULY)
    c = charge(priced, req)
    assert [(line.unit_price, line.price_basis) for line in c.lines] == [(Decimal("200.00"), "list"),
                                                                          (Decimal("60.00"), "markup")]
    assert (c.visit.amount, c.total) == (Decimal("35.00"), Decimal("295.00"))


def test_the_in_shop_fee_is_frozen_too(priced):
    repair(priced, "T-SHOP", months_old=30)
    req = submit(priced, "T-SHOP", [("WM-PUMP-01", 1)])
    with transaction(priced):
        record_event(priced, "T-SHOP", "completed", JUNE + timedelta(hours=1), now=JUNE + timedelta(hours=2))
        set_policy(priced, "visit_fee_in_shop", "15.00", actor=HQ)
    c = charge(priced, req)
    assert (c.visit.kind, c.visit.amount, c.total) == ("in_shop", Decimal("10.00"), Decimal("178.00"))


def test_a_redecided_line_keeps_the_price_it_was_submitted_at(priced):
    repair(priced, "T-R", months_old=None)  # no appliance yet: the pump is paid
    req = submit(priced, "T-R", [("WM-PUMP-01", 1)])
    with transaction(priced):
        set_list_prices(priced, {"WM-PUMP-01": "150.00"}, actor=HQ, source="test")
    appliances.record(priced, "T-R", purchased_on=add_months(REPORTED, -30))  # decided again: still paid
    line = req.lines[0]
    assert (line.warranty_basis, line.in_warranty, line.customer_price, line.unit_covered) == (
        "expired", False, Decimal("168.00"), False)
    assert charge(priced, req).total == Decimal("193.00")


# -- C: past the whole unit's term the visit fee is charged for a free key component ---------------

def test_a_key_component_free_past_the_units_term_still_pays_the_visit_fee(priced):
    repair(priced, "T-C", months_old=20)  # household washer: unit 12 months, key components 36
    req = submit(priced, "T-C", [("WM-MOTOR-01", 1)])
    line = req.lines[0]
    assert (line.in_warranty, line.warranty_basis, line.unit_covered) == (True, "key_component", False)
    c = charge(priced, req)
    assert (c.lines[0].amount, c.parts) == (ZERO, ZERO)
    assert (c.visit.kind, c.visit.city_tier, c.visit.amount, c.total) == ("visit", "prefecture", Decimal("25.00"),
                                                                          Decimal("25.00"))
    statement = monthly_statement(priced, "SP0001", "2026-06", load_policy(priced), now=JULY)
    assert statement.totals()["to_collect"] == Decimal("25.00")


def test_a_key_component_within_the_units_term_pays_nothing(priced):
    repair(priced, "T-C", months_old=8)
    req = submit(priced, "T-C", [("WM-MOTOR-01", 1)])
    assert (req.lines[0].warranty_basis, req.lines[0].unit_covered) == ("key_component", True)
    c = charge(priced, req)
    assert (c.visit, c.total) == (None, ZERO)


@pytest.mark.parametrize("months_old, unit_covered, visit", [(60, True, None), (80, False, Decimal("25.00"))])
def test_a_household_air_conditioners_parts_are_free_for_life_but_its_unit_keeps_six_years(priced, months_old,
                                                                                          unit_covered, visit):
    """Seed 001 1.2: 整机包修六年, 零配件终身免费更换: the part is free at 80 months; the visit is not."""
    repair(priced, "T-AC", months_old=months_old, product_line="ac")
    req = submit(priced, "T-AC", [("AC-REMOTE-01", 1)])
    assert (req.lines[0].warranty_basis, req.lines[0].in_warranty, req.lines[0].unit_covered) == (
        "lifetime", True, unit_covered)
    c = charge(priced, req)
    assert (c.parts, c.visit.amount if c.visit else None) == (ZERO, visit)


def test_a_key_component_redecided_past_the_units_term_pays_the_visit_fee(priced):
    repair(priced, "T-C", months_old=None)
    req = submit(priced, "T-C", [("WM-MOTOR-01", 1)])  # no appliance: paid at 310 x 1.8 = 558
    assert charge(priced, req).total == Decimal("583.00")
    appliances.record(priced, "T-C", purchased_on=add_months(REPORTED, -20))
    c = charge(priced, req)
    assert (req.lines[0].in_warranty, req.lines[0].unit_covered) == (True, False)
    assert (c.parts, c.visit.amount, c.total) == (ZERO, Decimal("25.00"), Decimal("25.00"))


def test_hqs_override_frees_the_part_but_not_the_unit(priced):
    repair(priced, "T-O", months_old=30)
    req = submit(priced, "T-O", [("WM-PUMP-01", 1)])
    with transaction(priced):
        warranty.override(priced, "hq:boss", req.code, 1, True, "goodwill: the pump failed twice")
    line = req.lines[0]
    assert (line.in_warranty, line.unit_covered) == (True, False)
    c = charge(priced, req)
    assert (c.parts, c.visit.amount, c.total) == (ZERO, Decimal("25.00"), Decimal("25.00"))
