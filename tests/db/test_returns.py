"""Old-part and unused-part returns: expectations on issue, every transition, every effect,
the refusals, and an overdue sweep that never charges twice."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from inventory.access import Principal
from inventory.db import transaction, utcnow
from inventory.errors import Conflict, InvalidInput, NotFound
from inventory.policy import Policy, set_policy
from inventory.quotas import service as quotas
from inventory.quotas.models import QuotaMovement
from inventory.requisitions import service as requisitions
from inventory.requisitions.service import LineRequest
from inventory.returns import lifecycle, report, settlement
from inventory.returns.models import Return, ReturnCharge
from inventory.warehouses import ledger
from inventory.warehouses.models import StockMovement

from .. import appliances
from ..race import race

POINT = Principal("service_point", "SP0001")
OTHER_POINT = Principal("service_point", "SP0003")
DEALER = Principal("dealer", "D001")
OTHER_DEALER = Principal("dealer", "D002")
HQ = Principal("hq")
PUMP, MOTOR, REMOTE = "WM-PUMP-01", "WM-MOTOR-01", "AC-REMOTE-01"
DAY = timedelta(days=1)
MARCH = datetime(2025, 3, 1, 2, tzinfo=timezone.utc)
APRIL = datetime(2025, 4, 1, 2, tzinfo=timezone.utc)


# ---------------------------------------------------------------- helpers

def issued(session, principal=POINT, lines=((PUMP, 2),), ticket="T1", days_ago=0, ship=True,
           in_warranty=True, ship_to="SP0001", when=None):
    """A requisition submitted (at `when`, else `days_ago` days ago) and, by default, shipped."""
    when = when or utcnow() - timedelta(days=days_ago, minutes=5)
    if ticket:  # the warranty engine decides from the ticket's appliance: record one that says so
        appliances.record(session, ticket, covered=in_warranty, serial=f"SN-{ticket}-{in_warranty}",
                          purchased_on=appliances.bought(when, in_warranty), point=ship_to)
    with transaction(session):
        req = requisitions.submit(session, principal, ship_to=ship_to, ticket=ticket, policy=Policy(),
                          in_warranty=in_warranty if ticket else (None if in_warranty else False), lines=[LineRequest(s, q) for s, q in lines], now=when)
    if ship:
        with transaction(session):
            requisitions.ship(session, "hq", req.code, at=when + timedelta(minutes=1))
    return req


def expected_of(session, req):
    return session.scalars(select(Return).where(Return.requisition_id == req.id).order_by(Return.id)).unique().all()


def post(session, req, qty=1, kind="old_part", sku=PUMP, principal=POINT, reason="", now=None):
    with transaction(session):
        return lifecycle.create_return(session, principal, req.code, sku, qty, kind, reason, now=now)


def receive(session, row, **kw):
    with transaction(session):
        return lifecycle.receive(session, "clerk:gd", row.code, **kw)


def inspect(session, row, outcome, **kw):
    with transaction(session):
        return lifecycle.inspect(session, "clerk:gd", row.code, outcome, **kw)


def sweep(session, now=None):
    with transaction(session):
        return settlement.sweep_overdue(session, now or utcnow())


def on_hand(session, warehouse="GD1", sku=PUMP):
    return ledger.get_balance(session, warehouse, sku).on_hand


def charges(session):
    return session.execute(select(ReturnCharge.kind, ReturnCharge.amount, ReturnCharge.service_point_code)
                           .order_by(ReturnCharge.id)).all()


# ---------------------------------------------------------------- expected returns on issue

def test_shipping_a_returnable_in_warranty_part_for_a_ticket_expects_its_old_part(session, world):
    req = issued(session)
    [row] = expected_of(session, req)
    shipped_at = req.lines[0].allocations[0].shipped_at
    assert (row.kind, row.status, row.sku, row.qty, row.warehouse_code) == ("old_part", "expected", PUMP, 2, "GD1")
    assert (row.service_point_code, row.dealer_code, row.ticket) == ("SP0001", None, "T1")
    assert row.due_by == shipped_at + timedelta(days=30)
    assert row.code == f"RT{row.id:08d}" and row.unit_price == Decimal("125.00")


def test_the_due_date_follows_the_policy(session, world):
    with transaction(session):
        set_policy(session, "return_due_days", "10", actor="hq")
    [row] = expected_of(session, issued(session))
    assert row.due_by - row.created_at == timedelta(days=10)


@pytest.mark.parametrize("kwargs", [
    {"lines": ((REMOTE, 1),)},                          # not returnable
    {"in_warranty": False, "ticket": None},             # paid repair: the old part is the customer's
    {"principal": DEALER, "ticket": None},              # a dealer's stock order, no repair ticket
])
def test_no_old_part_is_expected_without_a_returnable_in_warranty_ticket(session, world, kwargs):
    assert expected_of(session, issued(session, **kwargs)) == []


def test_a_line_issued_from_two_warehouses_expects_one_return_per_warehouse(session, world):
    req = issued(session, lines=((PUMP, 15),))
    assert [(r.warehouse_code, r.qty) for r in expected_of(session, req)] == [("GD1", 10), ("HQ", 5)]


def test_shipping_warehouse_by_warehouse_expects_each_unit_once(session, world):
    req = issued(session, lines=((PUMP, 15),), ship=False)
    for warehouse in ("GD1", "HQ"):
        with transaction(session):
            requisitions.ship(session, "hq", req.code, warehouse=warehouse)
        with transaction(session):
            assert lifecycle.expect_returns_for_shipment(session, req, utcnow()) == []  # idempotent
    assert [(r.warehouse_code, r.qty) for r in expected_of(session, req)] == [("GD1", 10), ("HQ", 5)]


def test_a_dealer_requisition_for_a_ticket_expects_the_old_part_from_the_dealer(session, world):
    [row] = expected_of(session, issued(session, principal=DEALER, ticket="T9"))
    assert (row.dealer_code, row.service_point_code) == ("D001", "SP0001")


# ---------------------------------------------------------------- the point sends parts back

def test_posting_the_old_part_ships_the_expected_return_instead_of_a_second_record(session, world):
    req = issued(session)
    [expected] = expected_of(session, req)
    row = post(session, req, qty=2, reason="pump seized")
    assert row.id == expected.id and (row.status, row.reason, row.shipped_by) == ("shipped", "pump seized", "service_point:SP0001")
    assert row.shipped_at is not None and len(expected_of(session, req)) == 1


def test_posting_fewer_old_parts_splits_the_expected_return(session, world):
    req = issued(session)
    first = post(session, req, qty=1)
    rows = expected_of(session, req)
    assert sorted((r.status, r.qty) for r in rows) == [("expected", 1), ("shipped", 1)]
    assert all(r.due_by == rows[0].due_by for r in rows)
    second = post(session, req, qty=1)
    assert second.id != first.id and {r.status for r in expected_of(session, req)} == {"shipped"}


def test_a_dealers_requisition_without_a_ticket_is_not_free_so_its_old_part_is_not_taken_back(session, world):
    """Warranty is decided from a ticket's appliance (issue #18): no ticket, no free part, no old part owed."""
    req = issued(session, principal=DEALER, ticket=None, lines=((MOTOR, 1),))
    assert (req.lines[0].in_warranty, req.lines[0].warranty_basis) == (False, "no_ticket")
    with pytest.raises(InvalidInput, match="was not an in-warranty repair"):
        post(session, req, sku=MOTOR, principal=DEALER)


def test_a_dealer_sends_the_old_part_of_an_in_warranty_ticket(session, world):
    req = issued(session, principal=DEALER, ticket="T-D", lines=((MOTOR, 1),))
    row = post(session, req, sku=MOTOR, principal=DEALER)
    assert (row.status, row.warehouse_code, row.dealer_code) == ("shipped", "HQ", "D001")


@pytest.mark.parametrize("kind", ["old_part", "unused"])
def test_returning_more_than_was_issued_is_refused(session, world, kind):
    req = issued(session)
    post(session, req, qty=1, kind=kind)
    with pytest.raises(InvalidInput, match="only 1 .* can still be returned; 2 is more than was issued"):
        post(session, req, qty=2, kind=kind)


def test_old_part_and_unused_returns_together_cannot_exceed_what_was_issued(session, world):
    req = issued(session)
    post(session, req, qty=1, kind="old_part")
    post(session, req, qty=1, kind="unused")
    for kind in ("old_part", "unused"):
        with pytest.raises(InvalidInput, match="more than was issued"):
            post(session, req, qty=1, kind=kind)


def test_units_from_two_warehouses_go_back_as_one_return_per_warehouse(session, world):
    req = issued(session, lines=((PUMP, 15),))
    with pytest.raises(InvalidInput, match="no single return can hold 12 .* send them separately"):
        post(session, req, qty=12)
    assert post(session, req, qty=5).warehouse_code == "GD1"
    assert post(session, req, qty=5).warehouse_code == "GD1"
    assert post(session, req, qty=5).warehouse_code == "HQ"


def test_unused_returns_need_shipped_units(session, world):
    req = issued(session, ship=False)
    with pytest.raises(InvalidInput, match="only 0 unused"):
        post(session, req, qty=1, kind="unused")


def test_an_unused_return_withdraws_the_old_part_it_will_never_have(session, world):
    req = issued(session)
    row = post(session, req, qty=1, kind="unused", reason="customer declined")
    assert (row.kind, row.status, row.due_by, row.warehouse_code) == ("unused", "shipped", None, "GD1")
    old = sorted((r.status, r.qty) for r in expected_of(session, req) if r.kind == "old_part")
    assert old == [("cancelled", 1), ("expected", 1)]
    sweep(session, utcnow() + timedelta(days=40))
    assert len(charges(session)) == 1  # only the one unit that was fitted


@pytest.mark.parametrize("principal", [OTHER_POINT, OTHER_DEALER, DEALER])
def test_returning_someone_elses_part_is_not_found(session, world, principal):
    req = issued(session)
    with pytest.raises(NotFound):
        post(session, req, principal=principal)


def test_a_point_cannot_return_a_dealers_requisition_shipped_to_it(session, world):
    req = issued(session, principal=DEALER, ticket="T9")
    with pytest.raises(NotFound):
        post(session, req, principal=POINT)


@pytest.mark.parametrize("kwargs, field, message", [
    ({"sku": MOTOR}, "sku", "not on requisition"),
    ({"qty": 0}, "qty", "from 1 to"),
    ({"kind": "borrowed"}, "kind", "kind must be one of"),
    ({"reason": "x" * 201}, "reason", "at most 200"),
])
def test_bad_returns_are_refused_with_the_field(session, world, kwargs, field, message):
    req = issued(session)
    with pytest.raises(InvalidInput, match=message) as info:
        post(session, req, **kwargs)
    assert info.value.details["field"] == field


def test_old_parts_of_non_returnable_or_paid_repairs_are_not_taken_back(session, world):
    remote = issued(session, lines=((REMOTE, 1),))
    with pytest.raises(InvalidInput, match="not returnable"):
        post(session, remote, sku=REMOTE)
    assert post(session, remote, sku=REMOTE, kind="unused").kind == "unused"
    paid = issued(session, in_warranty=False, ticket=None)
    with pytest.raises(InvalidInput, match="not an in-warranty repair"):
        post(session, paid)


def test_owners_and_hq_see_a_return_and_nobody_else(session, world):
    row = post(session, issued(session), qty=2)
    assert report.get(session, POINT, row.code).id == row.id
    assert report.get(session, HQ, row.code).id == row.id
    for other in (OTHER_POINT, DEALER, Principal("call_center")):
        with pytest.raises(NotFound):
            report.get(session, other, row.code)
    with pytest.raises(NotFound):
        report.get(session, HQ, "RT99999999")
    assert report.list_for(session, POINT)[1] == 1 and report.list_for(session, OTHER_POINT)[1] == 0


# ---------------------------------------------------------------- receive, inspect, close

def test_receiving_a_shipped_return(session, world):
    row = post(session, issued(session), qty=2)
    got = receive(session, row)
    assert (got.status, got.received_by) == ("received", "clerk:gd") and got.received_at >= got.shipped_at


def test_a_clerk_may_receive_an_expected_return_the_point_never_announced(session, world):
    [row] = expected_of(session, issued(session))
    assert receive(session, row).status == "received"


def test_receiving_twice_is_a_conflict(session, world):
    row = post(session, issued(session), qty=2)
    receive(session, row)
    with pytest.raises(Conflict, match="cannot be received again"):
        receive(session, row)


def test_a_clerk_only_receives_returns_addressed_to_their_warehouse(session, world):
    row = post(session, issued(session), qty=2)
    with pytest.raises(NotFound):
        receive(session, row, warehouse="HB1")
    assert receive(session, row, warehouse="GD1").status == "received"


@pytest.mark.parametrize("offset, message", [(timedelta(hours=2), "future"), (-timedelta(days=3), "before")])
def test_a_receipt_time_may_not_be_in_the_future_or_before_shipping(session, world, offset, message):
    row = post(session, issued(session), qty=2)
    with pytest.raises(InvalidInput, match=message):
        receive(session, row, at=utcnow() + offset)


def test_an_unused_part_inspected_good_goes_back_on_hand(session, world):
    req = issued(session)
    before = on_hand(session)
    row = receive(session, post(session, req, qty=1, kind="unused"))
    assert on_hand(session) == before  # received is not yet stock
    got = inspect(session, row, "no_fault_found", note="sealed box")
    assert (got.status, got.outcome, got.note) == ("inspected", "no_fault_found", "sealed box")
    assert on_hand(session) == before + 1 and ledger.available(session, "GD1", PUMP) == before + 1
    move = session.scalars(select(StockMovement).where(StockMovement.kind == "return_in")).one()
    assert (move.warehouse_code, move.on_hand_delta, move.ref_type, move.ref_id) == ("GD1", 1, "return", row.code)
    assert report.quarantine(session, "GD1") == []
    assert ledger.ledger_differences(session) == []


@pytest.mark.parametrize("kind, outcome", [
    ("unused", "defective_confirmed"), ("old_part", "defective_confirmed"),
    ("old_part", "no_fault_found"), ("old_part", "wrong_part"), ("unused", "wrong_part"),
])
def test_every_other_outcome_is_quarantined_and_never_available(session, world, kind, outcome):
    req = issued(session)
    before = on_hand(session)
    row = receive(session, post(session, req, qty=1, kind=kind))
    assert [r.code for r in report.quarantine(session, "GD1")] == [row.code]
    inspect(session, row, outcome)
    assert on_hand(session) == before and ledger.available(session, "GD1", PUMP) == before
    assert [r.code for r in report.quarantine(session, "GD1")] == [row.code]
    assert session.scalar(select(func.count()).select_from(StockMovement).where(StockMovement.kind == "return_in")) == 0
    assert ledger.ledger_differences(session) == []


def test_a_confirmed_defective_old_part_credits_the_dealers_quota(session, world):
    req = issued(session, principal=DEALER, ticket="T9", lines=((MOTOR, 2),))
    row = receive(session, post(session, req, qty=2, sku=MOTOR, principal=DEALER))
    acct = quotas.account(session, "D001", quotas.period_of(utcnow()))
    assert acct.consumed == Decimal("920.00")
    inspect(session, row, "defective_confirmed")
    acct = quotas.account(session, "D001", quotas.period_of(utcnow()))
    assert (acct.credited, acct.available) == (Decimal("920.00"), Decimal("50000.00"))
    move = session.scalars(select(QuotaMovement).where(QuotaMovement.kind == "credit")).one()
    assert (move.amount, move.ref_id) == (Decimal("920.00"), row.code)


@pytest.mark.parametrize("outcome", ["no_fault_found", "wrong_part"])
def test_only_a_confirmed_defect_credits_the_quota(session, world, outcome):
    req = issued(session, principal=DEALER, ticket="T9")
    inspect(session, receive(session, post(session, req, qty=2, principal=DEALER)), outcome)
    assert quotas.account(session, "D001", quotas.period_of(utcnow())).credited == 0


def test_an_out_of_warranty_dealer_requisition_gets_no_credit_for_a_defective_unused_part(session, world):
    req = issued(session, principal=DEALER, ticket=None, in_warranty=False)
    inspect(session, receive(session, post(session, req, qty=1, kind="unused", principal=DEALER)), "defective_confirmed")
    assert quotas.account(session, "D001", quotas.period_of(utcnow())).credited == 0


def test_a_service_points_defective_return_credits_no_quota(session, world):
    inspect(session, receive(session, post(session, issued(session), qty=2)), "defective_confirmed")
    assert session.scalar(select(func.count()).select_from(QuotaMovement).where(QuotaMovement.kind == "credit")) == 0
    assert charges(session) == []


def test_a_wrong_part_charges_its_price_to_the_service_point(session, world):
    row = receive(session, post(session, issued(session), qty=2))
    got = inspect(session, row, "wrong_part", note="sent a drain hose")
    assert charges(session) == [("wrong_part", Decimal("250.00"), "SP0001")]
    assert [(c.kind, c.amount) for c in got.charges] == [("wrong_part", Decimal("250.00"))]


def test_the_charge_follows_the_policy_rate(session, world):
    with transaction(session):
        set_policy(session, "return_charge_rate", "0.5", actor="hq")
    inspect(session, receive(session, post(session, issued(session), qty=1)), "wrong_part")
    assert charges(session) == [("wrong_part", Decimal("62.50"), "SP0001")]


def test_inspecting_twice_is_a_conflict_and_changes_nothing(session, world):
    row = receive(session, post(session, issued(session, principal=DEALER, ticket="T9"), qty=2, principal=DEALER))
    inspect(session, row, "defective_confirmed")
    for outcome in ("defective_confirmed", "wrong_part"):
        with pytest.raises(Conflict, match="already inspected"):
            inspect(session, row, outcome)
    assert report.get(session, HQ, row.code).outcome == "defective_confirmed"
    assert quotas.account(session, "D001", quotas.period_of(utcnow())).credited == Decimal("250.00")
    assert charges(session) == []


def test_a_return_must_be_received_before_it_is_inspected(session, world):
    row = post(session, issued(session), qty=2)
    with pytest.raises(Conflict, match="receive it before inspecting"):
        inspect(session, row, "defective_confirmed")


def test_an_unknown_outcome_is_refused(session, world):
    row = receive(session, post(session, issued(session), qty=2))
    with pytest.raises(InvalidInput, match="outcome must be one of") as info:
        inspect(session, row, "fine")
    assert info.value.details["field"] == "outcome"


def test_closing_an_inspected_return_ends_its_quarantine(session, world):
    row = inspect(session, receive(session, post(session, issued(session), qty=2)), "defective_confirmed")
    with transaction(session):
        got = lifecycle.close(session, "clerk:gd", row.code, note="scrapped")
    assert (got.status, got.closed_by, got.note) == ("closed", "clerk:gd", "scrapped") and got.closed_at
    assert report.quarantine(session, "GD1") == []
    with pytest.raises(Conflict, match="only an inspected return"):
        with transaction(session):
            lifecycle.close(session, "clerk:gd", row.code)


def test_a_return_cannot_be_closed_before_inspection(session, world):
    row = receive(session, post(session, issued(session), qty=2))
    with pytest.raises(Conflict, match="only an inspected return"):
        with transaction(session):
            lifecycle.close(session, "clerk:gd", row.code)


# ---------------------------------------------------------------- the overdue sweep

def test_the_sweep_makes_past_due_returns_overdue_and_charges_them(session, world):
    late = issued(session, days_ago=31)
    fresh = issued(session, days_ago=5, ticket="T2")
    swept = sweep(session)
    assert [r.requisition_id for r in swept] == [late.id]
    [row] = expected_of(session, late)
    assert (row.status, row.overdue_at is not None) == ("overdue", True)
    assert [r.status for r in expected_of(session, fresh)] == ["expected"]
    assert charges(session) == [("overdue", Decimal("250.00"), "SP0001")]


def test_the_sweep_run_twice_charges_once(session, world):
    issued(session, days_ago=31)
    assert len(sweep(session)) == 1
    assert sweep(session) == []
    assert sweep(session, utcnow() + 10 * DAY) == []
    assert charges(session) == [("overdue", Decimal("250.00"), "SP0001")]


def test_a_return_shipped_in_time_is_never_overdue(session, world):
    req = issued(session, days_ago=31)
    post(session, req, qty=2, now=utcnow() - 2 * DAY)
    assert sweep(session) == [] and charges(session) == []


def test_a_return_is_overdue_only_once_its_due_date_has_passed(session, world):
    [row] = expected_of(session, issued(session, days_ago=1))
    assert sweep(session, row.due_by) == []
    assert len(sweep(session, row.due_by + timedelta(seconds=1))) == 1


def test_an_overdue_part_may_still_come_back_and_its_charge_stands(session, world):
    req = issued(session, days_ago=31)
    sweep(session)
    row = post(session, req, qty=2)
    assert row.status == "shipped" and row.overdue_at is not None
    inspect(session, receive(session, row), "wrong_part")
    assert charges(session) == [("overdue", Decimal("250.00"), "SP0001")]  # one missing part, one charge


def test_concurrent_sweeps_charge_once(sessions, world):
    with sessions() as session:
        issued(session, days_ago=31)
        issued(session, days_ago=40, ticket="T2")

    def job(_):
        with sessions() as s:
            return len(sweep(s))

    results = race(4, job)
    assert sorted(results) == [0, 0, 0, 2]
    with sessions() as session:
        assert len(charges(session)) == 2


# ---------------------------------------------------------------- settlement and the report

def test_settlement_of_a_ticket_waits_for_its_old_parts(session, world):
    req = issued(session, lines=((PUMP, 1), (MOTOR, 1)), ticket="T7")
    assert not settlement.settlement_ready(session, "T7")
    pump = post(session, req, sku=PUMP)
    motor = post(session, req, sku=MOTOR)
    receive(session, pump)
    held = settlement.settlement(session, "T7")
    assert not held.ready and [r.code for r in held.waiting] == [motor.code]
    assert [s.ticket for s in settlement.held_settlements(session)] == ["T7"]
    receive(session, motor)
    assert settlement.settlement_ready(session, "T7") and settlement.held_settlements(session) == []


def test_an_overdue_old_part_keeps_the_settlement_held(session, world):
    issued(session, days_ago=31, ticket="T8")
    sweep(session)
    assert not settlement.settlement_ready(session, "T8")
    assert [s.ticket for s in settlement.held_settlements(session, center="GD")] == ["T8"]
    assert settlement.held_settlements(session, center="HB") == []


def test_a_ticket_without_returnable_parts_settles_at_once(session, world):
    issued(session, lines=((REMOTE, 1),), ticket="T3")
    assert settlement.settlement_ready(session, "T3") and settlement.settlement_ready(session, "NO-SUCH")


def test_the_monthly_report_gives_each_center_its_return_rate_overdue_count_and_charges(session, world):
    kept = issued(session, when=MARCH, ticket="T1")                      # 2 due 31 March, sent in time
    post(session, kept, qty=2, now=MARCH + 20 * DAY)
    issued(session, when=MARCH, ticket="T2", lines=((PUMP, 1),))         # 1 due 31 March, never sent
    four = issued(session, when=MARCH, ticket="T4", lines=((PUMP, 3),))  # 1 back unused, 2 never sent
    post(session, four, qty=1, kind="unused", now=MARCH + DAY)
    issued(session, principal=OTHER_POINT, ship_to="SP0003", ticket="T3", when=MARCH + 10 * DAY)  # due 10 April
    sweep(session, APRIL + 4 * DAY)
    sweep(session, APRIL + 14 * DAY)
    march = {r.center: r for r in report.monthly_report(session, "2025-03")}
    assert (march["GD"].due_units, march["GD"].returned_units, march["GD"].return_rate) == (5, 2, Decimal("0.4000"))
    assert (march["GD"].unused_units, march["GD"].overdue_count, march["GD"].charges) == (1, 0, Decimal("0.00"))
    assert (march["HB"].due_units, march["HB"].return_rate) == (0, None)
    april = {r.center: r for r in report.monthly_report(session, "2025-04")}
    assert (april["GD"].due_units, april["GD"].overdue_count) == (0, 2)
    assert (april["GD"].charges, april["GD"].charges_by_kind) == (Decimal("375.00"), {"overdue": Decimal("375.00")})
    assert (april["HB"].due_units, april["HB"].returned_units, april["HB"].return_rate) == (2, 0, Decimal("0.0000"))
    assert (april["HB"].overdue_count, april["HB"].charges) == (1, Decimal("250.00"))


def test_the_month_follows_the_beijing_calendar(session, world):
    late_evening = datetime(2025, 2, 28, 17, tzinfo=timezone.utc)  # 1 March 01:00 in Beijing
    assert report.month_bounds("2025-03")[0] == datetime(2025, 2, 28, 16, tzinfo=timezone.utc)
    assert report.month_bounds("2025-12")[1] == datetime(2025, 12, 31, 16, tzinfo=timezone.utc)
    issued(session, when=late_evening - 30 * DAY, ticket="T5")  # due at late_evening + 1 minute
    assert {r.center: r.due_units for r in report.monthly_report(session, "2025-03")}["GD"] == 2


def test_a_month_with_nothing_due_reports_zeros(session, world):
    issued(session)
    rows = report.monthly_report(session, "2001-01")
    assert [(r.center, r.due_units, r.overdue_count, r.charges) for r in rows] == [
        ("GD", 0, 0, Decimal("0.00")), ("HB", 0, 0, Decimal("0.00"))]


def test_a_malformed_month_is_refused(session, world):
    with pytest.raises(InvalidInput, match="YYYY-MM"):
        report.monthly_report(session, "2026-13x")


def test_the_ledger_stays_equal_to_the_balances_through_a_whole_lifecycle(session, world):
    req = issued(session, principal=DEALER, ticket="T9", lines=((PUMP, 3),))
    good = receive(session, post(session, req, qty=1, kind="unused", principal=DEALER))
    bad = receive(session, post(session, req, qty=2, principal=DEALER))
    inspect(session, good, "no_fault_found")
    inspect(session, bad, "defective_confirmed")
    for row in (good, bad):
        with transaction(session):
            lifecycle.close(session, "clerk:gd", row.code)
    assert on_hand(session) == 10 - 3 + 1
    assert ledger.ledger_differences(session) == []
