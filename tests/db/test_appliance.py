"""The appliance on a ticket (issue #18, points 2 and 4): repair history by serial, a part fitted
at an earlier repair, lines decided again when the appliance arrives, and 三包 flags on live
tickets and in the month's report.

Times as in test_tickets: hours after 2026-10-05 09:00 Beijing (the current ticket's report).
"""
from __future__ import annotations

from datetime import date

import pytest

from inventory.audit import entries
from inventory.db import transaction
from inventory.errors import InvalidInput
from inventory.requisitions.models import Requisition
from inventory.tickets import penalties_for_month
from inventory.requisitions.warranty import record_appliance, record_ticket_event

from .test_tickets import CALL_CENTER, CLOCK, POLICY, flow_events, h, post, post_all, requisition, view

DAY = 24.0


def appliance(session, ticket, purchased_on: date | None, *, serial="SN-1", fault="E21", proof="invoice",
              product_line="washer", use="household", now=CLOCK):
    with transaction(session):
        return record_appliance(session, ticket, product_line=product_line, use=use, model="XQB60", serial=serial,
                                purchased_on=purchased_on, proof=proof if purchased_on else None, fault=fault,
                                actor="call_center", policy=POLICY, now=now)


def earlier_ticket(session, ticket, day: float, days_in_repair: float | None, *, serial="SN-1", fault="E21",
                   purchased_on=date(2025, 1, 1), visited=True):
    """Another ticket of the serial, reported `day` days after T0 (negative: before), completed
    `days_in_repair` later (None: still open)."""
    events = [("created", day * DAY, None, {}), ("dispatched_point", day * DAY + 0.2, None, {"service_point": "SP0001"})]
    if visited:
        events.append(("visited", day * DAY + 5, None, {}))
    if days_in_repair is not None:
        events.append(("completed", (day + days_in_repair) * DAY, None, {}))
    post_all(session, ticket, events)
    appliance(session, ticket, purchased_on, serial=serial, fault=fault)


def line(session, code):
    return session.get(Requisition, int(code[1:])).lines[0]


# -- repair history and fitted parts ----------------------------------------------------------------

def test_days_in_earlier_repairs_of_the_same_serial_extend_until(session, world):
    bought = date(2025, 10, 3)  # 12 months: 2026-10-03, two days before this report
    post_all(session, "T-B", flow_events(completed=None))
    appliance(session, "T-B", bought)
    assert (line(session, requisition(session, "T-B")).in_warranty,
            view(session, "T-B")["warranty"]["until"]) == (False, "2026-10-03")

    earlier_ticket(session, "T-A", -218, 5, purchased_on=bought)  # 2026-03-01 to 03-06: 5 days in repair
    earlier_ticket(session, "T-OTHER", -200, 30, serial="SN-OTHER", purchased_on=bought)  # another unit
    code = requisition(session, "T-B", "WM-MOTOR-01") and requisition(session, "T-B", "AC-REMOTE-01")
    decided = line(session, code)
    assert (decided.in_warranty, decided.warranty_basis, decided.warranty_until) == (True, "unit", date(2026, 10, 8))
    shown = view(session, "T-B")
    assert shown["warranty"] == {"in_warranty": True, "basis": "unit", "until": "2026-10-08", "sanbao": None}
    assert shown["repair_history"] == [{"ticket": "T-A", "reported_on": "2026-03-01", "completed_on": "2026-03-06",
                                        "fault": "E21", "visited": True}]


def test_a_part_fitted_at_an_earlier_repair_is_found_from_that_tickets_requisition(session, world):
    bought = date(2025, 6, 1)  # the unit's 12 months ended in June
    earlier_ticket(session, "T-F1", -34, 2, purchased_on=bought)  # 2026-09-01, completed 09-03
    first = requisition(session, "T-F1", submitted=-34 * DAY + 1, shipped=-34 * DAY + 2, received=-33 * DAY)
    assert line(session, first).warranty_basis == "expired"  # the pump was paid for then
    post_all(session, "T-F2", flow_events(completed=None))
    appliance(session, "T-F2", bought)
    pump = line(session, requisition(session, "T-F2"))
    assert (pump.in_warranty, pump.warranty_basis, pump.warranty_until) == (True, "fitted_part", date(2026, 12, 3))
    motor = line(session, requisition(session, "T-F2", "WM-MOTOR-01"))  # never fitted: its own 36 months
    assert (motor.warranty_basis, motor.warranty_until) == ("key_component", date(2028, 6, 3))


def test_a_part_requisitioned_but_never_delivered_was_not_fitted(session, world):
    bought = date(2025, 6, 1)
    earlier_ticket(session, "T-F1", -34, 2, purchased_on=bought)
    requisition(session, "T-F1", submitted=-34 * DAY + 1, shipped=-34 * DAY + 2)  # shipped, never received
    post_all(session, "T-F2", flow_events(completed=None))
    appliance(session, "T-F2", bought)
    assert line(session, requisition(session, "T-F2")).warranty_basis == "expired"


# -- the appliance arrives after the requisition ------------------------------------------------------

def test_a_line_submitted_before_the_appliance_is_decided_again_when_it_is_recorded(session, world):
    post_all(session, "T1", flow_events(completed=None))
    waiting = requisition(session, "T1", submitted=1)
    issued = requisition(session, "T1", "WM-MOTOR-01", submitted=2, shipped=3)
    assert (line(session, waiting).warranty_basis, line(session, issued).warranty_basis) == ("no_appliance",) * 2
    appliance(session, "T1", date(2026, 5, 1))
    assert (line(session, waiting).in_warranty, line(session, waiting).warranty_basis) == (True, "unit")
    assert session.get(Requisition, int(waiting[1:])).in_warranty is True
    # issued as paid: its returns and credits followed that, so only HQ's override changes it now
    assert (line(session, issued).in_warranty, line(session, issued).warranty_basis) == (False, "no_appliance")


def test_a_created_event_arriving_after_the_requisition_decides_it_again_as_of_the_report(session, world):
    """The report's day decides the warranty: a line submitted before the call centre posted when
    the customer called was decided as of its submit, and is decided again once it is known."""
    with transaction(session):
        record_ticket_event(session, "T1", "dispatched_point", h(0.2), principal=CALL_CENTER, policy=POLICY,
                            service_point="SP0001", now=CLOCK)
    appliance(session, "T1", date(2025, 10, 5))            # the unit's 12 months end on the report's day
    waiting = requisition(session, "T1", submitted=50)      # two days later, the report not yet posted
    assert (line(session, waiting).in_warranty, line(session, waiting).warranty_basis) == (False, "expired")
    with transaction(session):
        record_ticket_event(session, "T1", "created", h(0), principal=CALL_CENTER, policy=POLICY, now=CLOCK)
    assert (line(session, waiting).in_warranty, line(session, waiting).warranty_basis) == (True, "unit")


def test_a_correction_is_audited_and_the_same_record_again_changes_nothing(session, world):
    post_all(session, "T1", flow_events(completed=None))
    appliance(session, "T1", date(2026, 5, 1))
    appliance(session, "T1", date(2026, 5, 1))
    assert entries(session, action="ticket.appliance") == []
    appliance(session, "T1", date(2026, 5, 1), serial="SN-2")
    (entry,) = entries(session, action="ticket.appliance")
    assert (entry.actor, entry.subject) == ("call_center", "ticket:T1")
    assert (entry.details["before"]["serial"], entry.details["after"]["serial"]) == ("SN-1", "SN-2")


@pytest.mark.parametrize("kwargs, field", [
    ({"purchased_on": date(2026, 10, 6)}, "purchased_on"),       # after the report
    ({"purchased_on": date(2026, 12, 1)}, "purchased_on"),       # after the server's today (CLOCK: 11-14)
    ({"purchased_on": date(2026, 5, 1), "product_line": "tv"}, "product_line"),
    ({"purchased_on": date(2026, 5, 1), "use": "rental"}, "use"),
    ({"purchased_on": date(2026, 5, 1), "serial": " "}, "serial"),
    ({"purchased_on": date(2026, 5, 1), "fault": ""}, "fault"),
])
def test_a_bad_appliance_is_refused_naming_the_field(session, world, kwargs, field):
    post_all(session, "T1", flow_events(completed=None))
    with pytest.raises(InvalidInput) as refused:
        appliance(session, "T1", **kwargs)
    assert refused.value.details["field"] == field


def test_proof_without_a_purchase_date_is_refused(session, world):
    with pytest.raises(InvalidInput, match="invoice without the purchase date"), transaction(session):
        record_appliance(session, "T1", product_line="washer", use="household", model="M", serial="S",
                         purchased_on=None, proof="invoice", fault="E1", actor="cc", now=CLOCK)


# -- 三包 flags on live tickets -----------------------------------------------------------------------

def sanbao(session, ticket, at_day: float = 1):
    return view(session, ticket, now=at_day * DAY)["sanbao"]


@pytest.mark.parametrize("bought, flags, outcome", [
    (date(2026, 9, 28), ["return_or_exchange_7_days"], "return_or_exchange"),   # 7 days before the report
    (date(2026, 9, 27), ["exchange_15_days"], "exchange"),                      # 8 days
    (date(2026, 9, 20), ["exchange_15_days"], "exchange"),                      # 15 days
    (date(2026, 9, 19), [], None),                                              # 16 days
])
def test_a_fault_soon_after_the_purchase_may_be_returned_or_exchanged(session, world, bought, flags, outcome):
    post_all(session, "T1", flow_events(completed=None))
    appliance(session, "T1", bought)
    assert sanbao(session, "T1") == {"outcome": outcome, "flags": flags, "why_none": None}


def test_the_same_fault_visited_three_times_before_is_an_exchange(session, world):
    bought = date(2026, 1, 1)
    for i, fault in enumerate(("E21", "e21 ", "E30")):
        earlier_ticket(session, f"T-R{i}", -90 + 10 * i, 2, fault=fault, purchased_on=bought)
    post_all(session, "T1", flow_events(completed=None))
    appliance(session, "T1", bought)
    assert sanbao(session, "T1")["flags"] == []  # two visits for E21, one for E30
    earlier_ticket(session, "T-R3", -30, 2, fault="E21", purchased_on=bought)
    earlier_ticket(session, "T-R4", -20, 2, fault="E21", purchased_on=bought, visited=False)  # no visit made
    assert sanbao(session, "T1") == {"outcome": "exchange", "flags": ["repeat_fault"], "why_none": None}


def test_a_ticket_unresolved_15_days_after_the_report_through_the_maker_is_an_exchange(session, world):
    post_all(session, "T1", flow_events(completed=None))
    appliance(session, "T1", date(2026, 5, 1))
    assert sanbao(session, "T1", at_day=14.9)["flags"] == []
    assert sanbao(session, "T1", at_day=15.1) == {"outcome": "exchange", "flags": ["unresolved_15_days"],
                                                  "why_none": None}


def test_the_customers_own_reschedule_is_not_the_makers_time(session, world):
    post_all(session, "T1", flow_events(completed=None))
    post(session, "T1", "rescheduled_by_customer", 6.0, 6.0 + 3 * DAY)
    appliance(session, "T1", date(2026, 5, 1))
    assert sanbao(session, "T1", at_day=17.5)["flags"] == []
    assert sanbao(session, "T1", at_day=18.5)["flags"] == ["unresolved_15_days"]


def test_waiting_over_90_days_for_a_part_the_maker_lacks_is_an_exchange(session, world):
    post_all(session, "T1", flow_events(completed=None))
    requisition(session, "T1", "WM-MOTOR-01", qty=7, submitted=1)  # HQ has only 5: backordered
    appliance(session, "T1", date(2026, 5, 1))
    assert sanbao(session, "T1", at_day=95)["flags"] == ["unresolved_15_days", "parts_wait_90_days"]
    assert sanbao(session, "T1", at_day=80)["flags"] == ["unresolved_15_days"]


def test_a_90_day_wait_gives_the_laws_exchange_only_inside_the_sanbao_period(session, world):
    """Seed 003 八.4: 在三包使用期内 … 超出90日. A washer reported past its 12 months keeps the
    maker's own promise (15 days unresolved, seed 000) but not the law's 90-day exchange."""
    post_all(session, "T1", flow_events(completed=None))
    requisition(session, "T1", "WM-MOTOR-01", qty=7, submitted=1)  # HQ has only 5: backordered
    appliance(session, "T1", date(2025, 10, 4))  # 12 months ended the day before the report
    assert sanbao(session, "T1", at_day=95)["flags"] == ["unresolved_15_days"]
    assert view(session, "T1", now=95 * DAY)["exchange_flag"] is True  # the wait itself is still shown


def test_without_proof_of_purchase_there_is_no_sanbao(session, world):
    post_all(session, "T1", flow_events(completed=None))
    requisition(session, "T1", "WM-MOTOR-01", qty=7, submitted=1)
    assert sanbao(session, "T1", at_day=95) == {"outcome": None, "flags": [], "why_none": "no_appliance"}
    appliance(session, "T1", None)
    assert sanbao(session, "T1", at_day=95) == {"outcome": None, "flags": [], "why_none": "no_proof"}
    assert view(session, "T1", now=95 * DAY)["exchange_flag"] is True  # the wait itself is still shown


def test_a_completed_ticket_keeps_the_flags_it_earned(session, world):
    post_all(session, "T1", flow_events(completed=20 * DAY))
    appliance(session, "T1", date(2026, 9, 30))
    assert sanbao(session, "T1", at_day=30)["flags"] == ["return_or_exchange_7_days", "unresolved_15_days"]


# -- the month's report counts them ---------------------------------------------------------------

def test_the_monthly_report_counts_sanbao_rights_of_completed_and_open_tickets(session, world):
    post_all(session, "T-7", flow_events(completed=2 * DAY))       # completed in October, 7-day return
    appliance(session, "T-7", date(2026, 10, 1), serial="S7")
    post_all(session, "T-OPEN", flow_events(completed=None))     # open at October's end: 26 days unresolved
    appliance(session, "T-OPEN", date(2026, 9, 25), serial="S15")
    post_all(session, "T-PLAIN", flow_events(completed=DAY))      # a year-old unit, done in a day: no right
    appliance(session, "T-PLAIN", date(2025, 11, 1), serial="SP")
    post_all(session, "T-NOPROOF", flow_events(completed=None))  # unresolved, but no proof
    appliance(session, "T-NOPROOF", None, serial="SN")
    sanbao = penalties_for_month(session, "2026-10", POLICY, now=CLOCK)["sanbao"]
    assert (sanbao["tickets"], sanbao["open"], sanbao["outcomes"]) == (2, 1, {"return_or_exchange": 1,
                                                                              "exchange": 1})
    assert sanbao["flags"] == {"return_or_exchange_7_days": 1, "exchange_15_days": 1, "repeat_fault": 0,
                               "unresolved_15_days": 1, "parts_wait_90_days": 0}
    assert [(r["ticket"], r["open"], r["flags"]) for r in sanbao["sample"]] == [
        ("T-OPEN", True, ["exchange_15_days", "unresolved_15_days"]),
        ("T-7", False, ["return_or_exchange_7_days"])]
