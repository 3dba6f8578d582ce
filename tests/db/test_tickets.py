"""Repair tickets: event ingestion, parts-wait causes from real requisitions, attribution, the month.

Times are hours after 2026-10-05 09:00 Beijing. SP0001 (广东, urban) is served by GD1 in 12 h,
HQ in 20 h, HB1 in 60 h; the promise is 48 h, so HQ must ship by hour submit + 28.
"""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from inventory.access import Principal
from inventory.attribution import PartsWait
from inventory.db import transaction
from inventory.errors import InvalidInput, NotFound
from inventory.policy import Policy
from inventory.requisitions import service as requisitions
from inventory.requisitions.service import LineRequest
from inventory.requisitions.wrong_part import WrongPart
from inventory.tickets import build_ticket_input, penalties_for_month, record_event, ticket_view
from inventory.tickets.models import RepairTicket, TicketEvent
from inventory.tickets.waits import AllocationFacts, LineFacts, line_cause, parts_waits
from inventory.warehouses import ledger

from ..race import race

BEIJING = timezone(timedelta(hours=8))
T0 = datetime(2026, 10, 5, 9, 0, tzinfo=BEIJING)
CLOCK = T0 + timedelta(days=40)  # the server's clock while events arrive: everything is past
POINT = Principal("service_point", "SP0001")
HUBEI_POINT = Principal("service_point", "SP0003")
CALL_CENTER = Principal("call_center")
POLICY = Policy()


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def post(session, ticket: str, kind: str, at: float, until: float | None = None, **fields):
    with transaction(session):
        return record_event(session, ticket, kind, h(at), None if until is None else h(until),
                            principal=CALL_CENTER, now=CLOCK, **fields)


def flow_events(point="SP0001", completed: float | None = 60.0, visited: float = 5.0) -> list[tuple]:
    """(type, at, until, fields) of an ordinary ticket: dispatched and contacted in minutes."""
    events = [("created", 0.0, None, {"family": "fully_automatic"}), ("dispatched_center", 0.1, None, {}),
              ("dispatched_point", 0.2, None, {"service_point": point}), ("contacted", 0.5, None, {}),
              ("visited", visited, None, {})]
    if completed is not None:
        events.append(("completed", completed, None, {}))
    return events


def post_all(session, ticket: str, events) -> None:
    for kind, at, until, fields in events:
        post(session, ticket, kind, at, until, **fields)


def requisition(session, ticket: str, sku: str = "WM-PUMP-01", qty: int = 1, *, submitted: float = 1.0,
                shipped: float | None = None, received: float | None = None, principal=POINT) -> str:
    with transaction(session):
        code = requisitions.submit(session, principal, ship_to=principal.code, lines=[LineRequest(sku, qty)],
                           ticket=ticket, policy=POLICY, now=h(submitted)).code
    if shipped is not None:
        with transaction(session):
            requisitions.ship(session, "hq", code, at=h(shipped), now=h(shipped))
    if received is not None:
        with transaction(session):
            requisitions.receive(session, principal, code, at=h(received), now=h(received))
    return code


def regional_warehouse_empty(session, sku="WM-PUMP-01", warehouse="GD1", qty=10) -> None:
    with transaction(session):
        ledger.reserve(session, warehouse, sku, qty, actor="test")


def view(session, ticket: str, now: float = 24 * 30) -> dict:
    return ticket_view(session, ticket, POLICY, now=h(now))


def causes(session, ticket: str) -> list[str]:
    return [w.cause for w in build_ticket_input(session, ticket, now=h(24 * 30)).parts_waits]


def rows(result: dict) -> list[tuple]:
    return [(r["party"], r["reason"], r["hours"], r["fine"]) for r in result["attribution"]]


# -- ingestion ------------------------------------------------------------------------------------

def test_an_identical_event_posted_twice_is_stored_once(session, world):
    first = post(session, "T1", "created", 0.0, service_point="SP0001")
    again = post(session, "T1", "created", 0.0, service_point="SP0001")
    assert again.id == first.id
    assert session.scalar(select(func.count()).select_from(TicketEvent)) == 1


def test_the_same_instant_in_another_offset_is_the_same_event(session, world):
    post(session, "T1", "created", 0.0)
    with transaction(session):
        record_event(session, "T1", "created", h(0).astimezone(timezone.utc), principal=CALL_CENTER, now=CLOCK)
    assert session.scalar(select(func.count()).select_from(TicketEvent)) == 1


def test_an_event_that_differs_in_any_fact_is_a_new_event(session, world):
    post(session, "T1", "contacted", 1.0)
    post(session, "T1", "contacted", 1.0, note="again")
    post(session, "T1", "contacted", 1.5)
    assert session.scalar(select(func.count()).select_from(TicketEvent)) == 3


def test_an_event_before_created_opens_a_stub_that_is_attributed_once_created_arrives(session, world):
    post(session, "T1", "dispatched_point", 0.2, service_point="SP0001")
    stub = view(session, "T1")
    assert stub["attribution"] == [] and stub["late"] is None
    assert "created" in stub["attribution_unavailable"]
    post(session, "T1", "created", 0.0)
    assert view(session, "T1")["attribution_unavailable"] is None


def test_the_ticket_row_is_derived_from_the_events_not_their_order(session, world):
    post(session, "T1", "dispatched_point", 5.0, service_point="SP0002")
    post(session, "T1", "dispatched_point", 1.0, service_point="SP0001")
    post(session, "T1", "completed", 30.0)
    post(session, "T1", "completed", 20.0)
    ticket = session.get(RepairTicket, "T1")
    assert ticket.service_point_code == "SP0002"  # the later reassignment (转派) wins
    assert ticket.completed_at == h(20)
    assert ticket.created_at is None


@pytest.mark.parametrize("kind, at, until, fields, field", [
    ("opened", 0.0, None, {}, "type"),
    ("rescheduled_by_customer", 1.0, None, {}, "until"),
    ("force_majeure", 1.0, 1.0, {}, "until"),
    ("force_majeure", 2.0, 1.0, {}, "until"),
    ("contacted", 1.0, 2.0, {}, "until"),
    ("created", 24 * 41, None, {}, "at"),
    ("created", 0.0, None, {"service_point": "SP9999"}, "service_point"),
    ("created", 0.0, None, {"family": "Fully Automatic!"}, "family"),
])
def test_a_bad_event_is_refused_naming_the_field(session, world, kind, at, until, fields, field):
    with pytest.raises(InvalidInput) as error:
        post(session, "T1", kind, at, until, **fields)
    assert error.value.details["field"] == field
    assert session.scalar(select(func.count()).select_from(TicketEvent)) == 0


@pytest.mark.parametrize("code", ["", "has space", "x" * 65, "tab\there"])
def test_a_malformed_ticket_code_is_refused(session, world, code):
    with pytest.raises(InvalidInput):
        post(session, code, "created", 0.0)


def test_an_unknown_ticket_is_not_found(session, world):
    with pytest.raises(NotFound):
        view(session, "T-NOPE")


# -- causes from real requisitions -------------------------------------------------------------------

def test_a_part_delivered_within_the_promise_has_no_cause(session, world):
    post_all(session, "T1", flow_events())
    requisition(session, "T1", submitted=1, shipped=2, received=20)
    assert causes(session, "T1") == ["none"]


def test_a_late_part_the_regional_warehouse_lacked_while_hq_had_it_is_a_regional_shortage(session, world):
    regional_warehouse_empty(session)
    post_all(session, "T1", flow_events(completed=100))
    requisition(session, "T1", submitted=1, shipped=2, received=70)  # HQ shipped in time; the carrier was slow
    assert causes(session, "T1") == ["regional_shortage"]
    assert view(session, "T1")["requisitions"][0]["lines"][0] | {"promised_by": None} == {
        "line": 1, "sku": "WM-PUMP-01", "qty": 1, "backordered_qty": 0, "stock_seen": "hq", "shortage": True,
        "wrong_part": False, "promised_by": None, "delivered_at": h(70).astimezone(timezone.utc).isoformat(),
        "cause": "regional_shortage", "cause_warehouse": None, "cause_status": "automatic",
        "automatic_cause": "regional_shortage", "cause_confirmed_by": None, "cause_confirmed_at": None,
        "cause_note": None, "in_warranty": False, "warranty_basis": "no_appliance", "warranty_until": None,
        "warranty_overridden": False, "warranty_computed": False, "warranty_override_by": None,
        "warranty_override_at": None, "warranty_override_reason": None}


def test_hq_shipping_after_its_lane_could_keep_the_promise_is_a_late_shipment(session, world):
    regional_warehouse_empty(session)
    post_all(session, "T1", flow_events(completed=100))
    requisition(session, "T1", submitted=1, shipped=40, received=60)  # last ship time was 1 + 48 - 20 = 29
    assert causes(session, "T1") == ["hq_late_shipment"]


def test_hq_still_not_shipping_past_its_last_ship_time_is_a_late_shipment(session, world):
    regional_warehouse_empty(session)
    post_all(session, "T1", flow_events(completed=None))
    requisition(session, "T1", submitted=1)
    assert [w.cause for w in build_ticket_input(session, "T1", now=h(20)).parts_waits] == ["regional_shortage"]
    assert [w.cause for w in build_ticket_input(session, "T1", now=h(30)).parts_waits] == ["hq_late_shipment"]


def test_a_part_in_stock_only_beyond_the_promise_is_an_hq_shortage(session, world):
    post_all(session, "T1", flow_events(point="SP0003", completed=100))
    # AC-REMOTE-01 is only at GD1, 60 h from SP0003: late_only
    requisition(session, "T1", "AC-REMOTE-01", submitted=1, shipped=2, received=65, principal=HUBEI_POINT)
    assert causes(session, "T1") == ["hq_shortage"]


def test_a_part_short_everywhere_is_an_hq_shortage_and_stays_open_while_backordered(session, world):
    post_all(session, "T1", flow_events(completed=None))
    # HQ has 5 of 7 and ships them late too: the line waits for the 2 nobody has
    requisition(session, "T1", "WM-MOTOR-01", qty=7, submitted=1, shipped=40, received=60)
    (wait,) = build_ticket_input(session, "T1", now=h(24 * 30)).parts_waits
    assert (wait.cause, wait.delivered_at) == ("hq_shortage", None)


def test_a_regional_warehouse_picking_too_late_to_keep_the_promise_is_charged_to_it(session, world):
    post_all(session, "T1", flow_events(completed=100))
    code = requisition(session, "T1", submitted=1, shipped=45, received=60)  # GD1's last ship time: 49 - 12 = 37
    assert causes(session, "T1") == ["regional_late_shipment"]
    result = view(session, "T1")
    assert result["unexplained_parts_hours"] == 0.0
    assert rows(result) == [("warehouse:GD1", "regional_late_shipment", 11.0, "30.00")]  # promised 49, in at 60
    assert result["attribution"][0]["requisitions"] == [code]
    assert result["requisitions"][0]["lines"][0]["cause_warehouse"] == "GD1"
    assert result["engine_input"]["parts_waits"][0]["warehouse"] == "GD1"
    assert result["engine_input"]["center_warehouses"] == ["GD1"]  # GD's own: its time if it made the ticket 超7


def test_the_centres_own_warehouse_shipping_so_late_the_ticket_passes_7_days_fines_the_centre(session, world):
    post_all(session, "T1", flow_events(completed=200))
    requisition(session, "T1", submitted=1, shipped=150, received=195)  # GD1 ships 113 h after its last ship time
    result = view(session, "T1")
    assert (result["over_7_days_center_cause"], result["center_hours"]) == (True, 146.0)
    from inventory.centers import center_month
    (row,) = center_month(session, "GD", "2026-10", POLICY, now=CLOCK)["tickets"]
    assert (row["center_cause"], row["center_reasons"]) == (True, ["regional_late_shipment", "center_over_7_days"])
    assert rows(result)[1:] == [("center:GD", "center_over_7_days", 0.0, "50.00")] * 3


def test_a_regional_part_shipped_in_time_that_the_carrier_landed_late_is_unexplained(session, world):
    post_all(session, "T1", flow_events(completed=100))
    requisition(session, "T1", submitted=1, shipped=30, received=60)  # shipped before 37: the carrier's delay
    assert causes(session, "T1") == ["none"]
    result = view(session, "T1")
    assert result["unexplained_parts_hours"] == 11.0
    assert rows(result) == []


def test_a_regional_warehouse_still_not_shipping_past_its_last_ship_time_is_late(session, world):
    post_all(session, "T1", flow_events(completed=None))
    requisition(session, "T1", submitted=1)
    assert [w.cause for w in build_ticket_input(session, "T1", now=h(30)).parts_waits] == ["none"]
    (late,) = build_ticket_input(session, "T1", now=h(60)).parts_waits
    assert (late.cause, late.warehouse) == ("regional_late_shipment", "GD1")


def test_a_cancelled_requisition_is_not_a_wait(session, world):
    post_all(session, "T1", flow_events())
    code = requisition(session, "T1", submitted=1)
    with transaction(session):
        requisitions.cancel(session, POINT, code, now=h(2))
    assert causes(session, "T1") == []
    assert view(session, "T1")["requisitions"][0]["status"] == "cancelled"


def _line(**overrides) -> LineFacts:
    allocation = AllocationFacts("HQ", True, 1, "delivered", h(1), 20, h(2), h(30))
    values = dict(requisition="R1", requisition_status="delivered", service_point="SP0001", submitted_at=h(1),
                  line_no=1, sku="WM-PUMP-01", qty=1, part_family="fully_automatic", promised_by=h(49),
                  stock_seen="regional", backordered_qty=0, allocations=(allocation,))
    return LineFacts(**{**values, **overrides})


def _mis_shipped_by_hq(reported: float = 30) -> AllocationFacts:
    return AllocationFacts("HQ", True, 1, "released", h(1), 20, h(2), h(30), wrong_part_at=h(reported))


def test_a_wrong_part_waits_until_the_replacement_on_the_same_line_arrives():
    replacement = AllocationFacts("GD1", False, 1, "delivered", h(30), 12, h(31), h(44))
    wrong = _line(allocations=(_mis_shipped_by_hq(), replacement))
    assert wrong.wrong_part and line_cause(wrong, h(100)) == "hq_wrong_part"
    assert parts_waits([wrong], h(100))[0] == PartsWait("R1", h(1), h(49), h(44), "hq_wrong_part")


def test_a_wrong_part_waits_until_the_same_sku_arrives_on_a_later_requisition_if_that_is_sooner():
    backordered = _line(allocations=(_mis_shipped_by_hq(),), backordered_qty=1)
    later = _line(requisition="R2", submitted_at=h(40), promised_by=h(88),
                  allocations=(AllocationFacts("GD1", False, 1, "delivered", h(40), 12, h(41), h(60)),))
    assert parts_waits([backordered, later], h(100))[0] == PartsWait("R1", h(1), h(49), h(60), "hq_wrong_part")
    assert parts_waits([backordered], h(100))[0].delivered_at is None


def test_before_the_report_a_mis_shipped_line_looked_delivered():
    replacement = AllocationFacts("GD1", False, 1, "reserved", h(50), 12, None, None)
    line = _line(allocations=(_mis_shipped_by_hq(reported=50), replacement))
    before = line.as_of(h(40))
    assert not before.wrong_part and before.allocations == (
        AllocationFacts("HQ", True, 1, "delivered", h(1), 20, h(2), h(30)),)
    assert line.as_of(h(50)).wrong_part


def test_a_regional_warehouse_shipping_the_wrong_part_is_its_own_wrong_part_not_hqs():
    mis_shipped = AllocationFacts("GD1", False, 1, "released", h(1), 12, h(2), h(14), wrong_part_at=h(14))
    replacement = AllocationFacts("GD1", False, 1, "delivered", h(14), 12, h(15), h(60))
    line = _line(allocations=(mis_shipped, replacement))
    assert line.wrong_part and line_cause(line, h(100)) == "regional_wrong_part"
    assert parts_waits([line], h(100))[0] == PartsWait("R1", h(1), h(49), h(60), "regional_wrong_part", "GD1")


# -- attribution ---------------------------------------------------------------------------------

def test_a_regional_warehouse_reported_for_the_wrong_part_is_charged_until_the_right_one_arrives(session, world):
    post_all(session, "T1", flow_events(completed=100))
    code = requisition(session, "T1", submitted=1, shipped=2)  # from GD1
    with transaction(session):
        requisitions.receive(session, POINT, code, at=h(14), wrong_parts=[WrongPart(line=1, received_sku="AC-REMOTE-01")],
                     policy=POLICY, now=h(14))
    with transaction(session):
        requisitions.ship(session, "hq", code, at=h(40), now=h(40))
    with transaction(session):
        requisitions.receive(session, POINT, code, at=h(70), now=h(70))
    (wait,) = build_ticket_input(session, "T1", now=h(24 * 30)).parts_waits
    assert (wait.cause, wait.warehouse) == ("regional_wrong_part", "GD1")
    assert rows(view(session, "T1"))[0] == ("warehouse:GD1", "regional_wrong_part", 21.0, "30.00")


def test_an_on_time_ticket_with_a_late_shortage_records_the_hours_but_no_fine(session, world):
    regional_warehouse_empty(session)
    post_all(session, "T1", flow_events(completed=60))
    requisition(session, "T1", submitted=1, shipped=2, received=55)
    result = view(session, "T1")
    assert result["late"] is False
    assert rows(result) == [("center:GD", "regional_shortage", 6.0, "0.00")]


def test_a_ticket_late_but_within_7_days_records_the_centers_shortage_without_a_fine(session, world):
    regional_warehouse_empty(session)
    post_all(session, "T1", flow_events(completed=100))
    code = requisition(session, "T1", submitted=1, shipped=2, received=90)
    result = view(session, "T1")
    assert result["late"] is True and result["late_hours"] == 28.0
    assert rows(result) == [("center:GD", "regional_shortage", 41.0, "0.00")]
    assert result["attribution"][0]["requisitions"] == [code]


def test_a_ticket_over_7_days_through_the_centers_shortage_fines_its_three_roles(session, world):
    regional_warehouse_empty(session)
    post_all(session, "T1", flow_events(completed=200))
    requisition(session, "T1", submitted=1, shipped=2, received=195)  # 146 h past the promise at 49
    result = view(session, "T1")
    assert rows(result) == [("center:GD", "regional_shortage", 146.0, "0.00")] + [
        ("center:GD", "center_over_7_days", 0.0, "50.00")] * 3
    assert [r.get("role") for r in result["attribution"]] == [None, "service_director", "parts_admin", "chase_clerk"]
    assert (result["over_7_days_center_cause"], result["fine_total"]) == (True, "150.00")


def test_time_lost_to_a_wrong_dispatch_is_the_centers(session, world):
    post_all(session, "T1", flow_events(completed=180, visited=175) + [
        ("wrong_dispatch", 0.2, 170.2, {"note": "派错网点: SP0002"})])
    result = view(session, "T1")
    assert rows(result) == [("center:GD", "wrong_dispatch", 170.0, "0.00")] + [
        ("center:GD", "center_over_7_days", 0.0, "50.00")] * 3
    assert "wrong_dispatch" in [e["type"] for e in result["timeline"]]


def test_a_ticket_dispatched_again_to_another_point_charges_the_time_between_to_the_centre(session, world):
    """SP0001 got the ticket at 0.2 h, the centre sent it on to SP0002 at 100 h, which came and
    fixed it within 4 hours: the 100 h are a wrong dispatch (派单错误), not SP0002's overrun."""
    post_all(session, "T1", [("created", 0.0, None, {"family": "fully_automatic"}), ("dispatched_center", 0.1, None, {}),
                             ("dispatched_point", 0.2, None, {"service_point": "SP0001"}),
                             ("dispatched_point", 100.0, None, {"service_point": "SP0002"}),
                             ("contacted", 100.5, None, {}), ("visited", 102.0, None, {}), ("completed", 104.0, None, {})])
    result = view(session, "T1")
    assert rows(result) == [("center:GD", "wrong_dispatch", 99.8, "0.00")]
    assert (result["service_point"], result["visit_bonus"], result["point_hours"]) == ("SP0002", "20.00", 4.0)
    assert "re-dispatched from SP0001 to SP0002" in [e.get("note") for e in result["engine_input"]["events"]]


def test_a_ticket_sent_away_and_back_charges_the_centre_only_for_the_time_away(session, world):
    """SP0001 held the ticket from 0.2 h and did nothing; the centre sent it to SP0002 at 100 h and
    back at 101 h: only that hour is the centre's; SP0001's own time stays SP0001's (its 72 h fine)."""
    post_all(session, "T1", [("created", 0.0, None, {"family": "fully_automatic"}), ("dispatched_center", 0.1, None, {}),
                             ("dispatched_point", 0.2, None, {"service_point": "SP0001"}),
                             ("dispatched_point", 100.0, None, {"service_point": "SP0002"}),
                             ("dispatched_point", 101.0, None, {"service_point": "SP0001"}),
                             ("contacted", 101.5, None, {}), ("visited", 102.0, None, {}), ("completed", 104.0, None, {})])
    result = view(session, "T1")
    assert ("center:GD", "wrong_dispatch", 1.0, "0.00") in rows(result)
    assert [r for r in rows(result) if r[0] == "service_point:SP0001" and r[3] != "0.00"] == [
        ("service_point:SP0001", "contact", 99.3, "50.00")]  # 100.3 h of contact less its hour
    assert result["visit_bonus"] == "0.00"


def test_a_report_as_of_a_day_before_the_re_dispatch_knows_nothing_of_it(session, world):
    from inventory.tickets.service import ticket_facts

    post_all(session, "T1", [("created", 0.0, None, {"family": "fully_automatic"}), ("dispatched_center", 0.1, None, {}),
                             ("dispatched_point", 0.2, None, {"service_point": "SP0001"}),
                             ("dispatched_point", 100.0, None, {"service_point": "SP0002"})])
    facts = ticket_facts(session, "T1")
    assert [e.type for e in facts.as_of(h(50)).engine_ticket(h(50)).events if e.type == "wrong_dispatch"] == []
    assert [e.type for e in facts.engine_ticket(h(120)).events if e.type == "wrong_dispatch"] == ["wrong_dispatch"]


def test_dispatches_to_one_point_only_are_no_wrong_dispatch(session, world):
    post_all(session, "T1", flow_events(completed=20) + [("dispatched_point", 0.3, None, {"service_point": "SP0001"})])
    assert rows(view(session, "T1")) == []


def test_an_hq_late_shipment_fines_the_hq_parts_group_per_order(session, world):
    regional_warehouse_empty(session)
    post_all(session, "T1", flow_events(completed=100))
    requisition(session, "T1", submitted=1, shipped=40, received=90)
    assert rows(view(session, "T1"))[0] == ("hq_parts_group", "hq_late_shipment", 41.0, "30.00")


def test_hq_shipping_the_wrong_part_fines_the_parts_group_until_the_replacement_arrives(session, world):
    regional_warehouse_empty(session)
    post_all(session, "T1", flow_events(completed=100))
    code = requisition(session, "T1", submitted=1, shipped=2)
    with transaction(session):
        requisitions.receive(session, POINT, code, at=h(22), wrong_parts=[WrongPart(line=1, received_sku="WM-MOTOR-01")],
                     policy=POLICY, now=h(22))
    with transaction(session):
        requisitions.ship(session, "hq", code, at=h(23), now=h(23))
    with transaction(session):
        requisitions.receive(session, POINT, code, at=h(70), now=h(70))
    assert causes(session, "T1") == ["hq_wrong_part"]
    result = view(session, "T1")
    assert rows(result)[0] == ("hq_parts_group", "hq_wrong_part", 21.0, "30.00")  # promised by 49, right part at 70
    line = result["requisitions"][0]["lines"][0]
    assert (line["wrong_part"], line["cause"]) == (True, "hq_wrong_part")
    assert line["delivered_at"] == h(70).astimezone(timezone.utc).isoformat()


def test_the_view_shows_the_timeline_in_event_order_and_the_point_from_the_events(session, world):
    post_all(session, "T1", list(reversed(flow_events())))
    result = view(session, "T1")
    assert [e["type"] for e in result["timeline"]] == [
        "created", "dispatched_center", "dispatched_point", "contacted", "visited", "completed"]
    assert (result["service_point"], result["center"], result["distance_class"], result["family"]) == (
        "SP0001", "GD", "urban", "fully_automatic")
    assert result["status"] == "completed" and result["visit_bonus"] == "20.00"


def test_without_a_point_on_the_events_the_requisitioning_point_and_part_family_are_used(session, world):
    post(session, "T1", "created", 0.0)
    post(session, "T1", "completed", 10.0)
    requisition(session, "T1", "WM-MOTOR-01", submitted=1, shipped=2, received=20)
    ticket = build_ticket_input(session, "T1", now=h(100))
    assert (ticket.service_point, ticket.center, ticket.family) == ("SP0001", "GD", "twin_tub")


def _normalised(result: dict, codes: list[str]) -> dict:
    """The view without its stored-event ids, the ticket's own codes replaced: comparable across tickets."""
    text = json.dumps({k: v for k, v in result.items() if k != "timeline"}, ensure_ascii=False)
    for i, code in enumerate(codes):
        text = text.replace(f'"{code}"', f'"<{i}>"')
    return json.loads(text)


def test_events_arriving_out_of_order_and_repeated_give_the_in_order_attribution(session, world):
    regional_warehouse_empty(session)
    events = flow_events(completed=100) + [("rescheduled_by_customer", 6.0, 10.0, {}),
                                           ("force_majeure", 30.0, 34.0, {"note": "台风"})]
    results = []
    for n, order in enumerate([events, *(random.Random(seed).sample(events * 2, 2 * len(events))
                                         for seed in range(3))]):
        ticket = f"T{n}"
        post_all(session, ticket, order)
        code = requisition(session, ticket, submitted=1, shipped=2, received=90)
        results.append(_normalised(view(session, ticket), [ticket, code]))
    assert results[0]["late"] is True and results[0]["excused_hours"] == 8.0
    assert all(result == results[0] for result in results[1:])
    assert session.scalar(select(func.count()).select_from(TicketEvent)) == 4 * len(events)


# -- the month -----------------------------------------------------------------------------------

def test_the_month_counts_tickets_completed_within_the_beijing_month(session, world):
    inside = datetime(2026, 10, 31, 23, 30, tzinfo=BEIJING)
    outside = datetime(2026, 11, 1, 0, 10, tzinfo=BEIJING)  # still 31 October in UTC
    for code, done in (("T-IN", inside), ("T-OUT", outside)):
        post_all(session, code, flow_events(completed=None))
        with transaction(session):
            record_event(session, code, "completed", done, principal=CALL_CENTER, now=CLOCK)
    october = penalties_for_month(session, "2026-10", POLICY, now=CLOCK)
    november = penalties_for_month(session, "2026-11", POLICY, now=CLOCK)
    assert (october["tickets"], november["tickets"]) == (1, 1)
    assert october["from"] == "2026-09-30T16:00:00+00:00" and october["until"] == "2026-10-31T16:00:00+00:00"


def test_the_month_sums_fines_per_party_and_applies_the_center_rules(session, world):
    regional_warehouse_empty(session)
    for n in range(4):
        post_all(session, f"T{n}", flow_events(completed=60))
    post_all(session, "T-LATE", flow_events(completed=200))  # over 7 days through the centre's shortage
    requisition(session, "T-LATE", submitted=1, shipped=2, received=195)
    report = penalties_for_month(session, "2026-10", POLICY, now=CLOCK)
    (center,) = report["centers"]
    assert (center["center"], center["province"], center["tickets"], center["within_3_days"]) == ("GD", "广东", 5, 4)
    assert (center["three_day_rate"], center["three_day_target"], center["meets_three_day_target"]) == (
        "0.8000", "0.85", False)
    assert center["bonus_cancelled"] is False  # 1 of 5 over 3 days is 20 %, not more than 21 %
    parties = {p["party"]: p for p in report["parties"]}
    assert parties["center:GD"]["fines"] == "150.00"  # 3 roles x 50 for T-LATE
    assert center["ticket_fines"] == {"service_director": "50.00", "parts_admin": "50.00", "chase_clerk": "50.00"}
    assert center["tickets_fined"] == 1
    assert parties["service_point:SP0001"]["bonuses"] == "100.00"
    assert report["unattributed"] == {"count": 0, "sample": []}


def test_tickets_open_at_the_month_end_count_by_their_age_then(session, world):
    for n in range(3):
        post_all(session, f"T-DONE-{n}", flow_events(completed=10))
    post_all(session, "T-OPEN-OLD", flow_events(completed=None))  # created 5 October: 26 days old on the 31st
    with transaction(session):
        record_event(session, "T-OPEN-YOUNG", "created", datetime(2026, 10, 31, 20, 0, tzinfo=BEIJING),
                     principal=CALL_CENTER, now=CLOCK, service_point="SP0001")
    report = penalties_for_month(session, "2026-10", POLICY, now=CLOCK)
    (center,) = report["centers"]
    assert (report["tickets"], report["open_at_month_end"]) == (3, 2)
    assert (center["tickets"], center["completed"], center["open_at_month_end"]) == (5, 3, 2)
    assert (center["over_3_days"], center["over_7_days"], center["within_3_days"]) == (1, 1, 4)
    assert center["bonus_cancelled"] is False  # 1 of 5 is 20 %
    parties = {p["party"]: p for p in report["parties"]}
    assert parties["service_point:SP0001"]["bonuses"] == "60.00"  # the three completed only


def test_a_ticket_open_at_one_month_end_counts_again_when_it_completes(session, world):
    post_all(session, "T1", flow_events(completed=None))
    with transaction(session):
        record_event(session, "T1", "completed", datetime(2026, 11, 3, 12, 0, tzinfo=BEIJING),
                     principal=CALL_CENTER, now=CLOCK)
    october = penalties_for_month(session, "2026-10", POLICY, now=CLOCK)
    november = penalties_for_month(session, "2026-11", POLICY, now=CLOCK)
    assert (october["tickets"], october["open_at_month_end"], october["centers"][0]["over_7_days"]) == (0, 1, 1)
    assert (november["tickets"], november["open_at_month_end"], november["centers"][0]["over_7_days"]) == (1, 0, 1)
    # the point's 7-day fine is booked once, in the month the ticket completed
    assert october["parties"] == []
    assert {p["party"]: p["fines"] for p in november["parties"]} == {"service_point:SP0001": "200.00"}


def test_a_ticket_without_a_created_event_is_listed_as_unattributed(session, world):
    post(session, "T-STUB", "completed", 10.0, service_point="SP0001")
    report = penalties_for_month(session, "2026-10", POLICY, now=CLOCK)
    assert report["tickets"] == 0 and report["unattributed"] == {"count": 1, "sample": ["T-STUB"]}


def test_an_open_ticket_waiting_over_90_days_for_a_part_hq_lacks_is_flagged_for_exchange(session, world):
    post_all(session, "T-WAIT", flow_events(completed=None))
    requisition(session, "T-WAIT", "WM-MOTOR-01", qty=7, submitted=1)  # HQ has only 5: backordered
    at_95_days = h(24 * 95)
    report = penalties_for_month(session, "2027-01", POLICY, now=at_95_days)
    assert report["exchange_flagged_open"] == ["T-WAIT"]
    assert penalties_for_month(session, "2026-12", POLICY, now=at_95_days)["exchange_flagged_open"] == []


def test_a_bad_month_is_refused(session, world):
    for month in ("2026-13", "2026-1", "26-10", "", "2026-10-01", "0001-01", "9999-12"):
        with pytest.raises(InvalidInput):
            penalties_for_month(session, month, POLICY)


# -- concurrency ---------------------------------------------------------------------------------

def test_the_same_event_posted_concurrently_by_retrying_systems_is_stored_once(sessions, world):
    workers = 6

    def worker(_):
        with sessions() as session, transaction(session):
            return record_event(session, "T-RACE", "created", h(0), principal=CALL_CENTER, now=CLOCK,
                                service_point="SP0001").id

    ids = race(workers, worker)
    assert len(ids) == workers and len(set(ids)) == 1
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(TicketEvent)) == 1
        assert session.scalar(select(func.count()).select_from(RepairTicket)) == 1


def test_a_fine_changed_later_does_not_restate_a_closed_month(session, world):
    """October's fines were paid in October's amounts: HQ raising the point's 72 h fine in November
    changes November's tickets, not October's report or an October ticket's view."""
    from inventory.centers import center_month
    from inventory.policy import load_policy, set_policy

    post_all(session, "T1", flow_events(completed=80.2, visited=10.5))  # 80 h of the point's own: 72 h fine
    with transaction(session):
        set_policy(session, "fine_point_over_72h", "80.00", actor="hq:boss")
    policy = load_policy(session)
    october = penalties_for_month(session, "2026-10", policy, now=CLOCK)
    assert {row["party"]: row["fines"] for row in october["parties"]} == {"service_point:SP0001": "50.00"}
    assert ticket_view(session, "T1", policy, now=CLOCK)["fine_total"] == "50.00"
    assert [t["fine_total"] for t in center_month(session, "GD", "2026-10", policy, now=CLOCK)["tickets"]] == [
        Decimal("50.00")]
    post_all(session, "T2", [(kind, at + 24 * 30, until, fields) for kind, at, until, fields in
                             flow_events(completed=80.2, visited=10.5)])  # completed in November, still open
    november = penalties_for_month(session, "2026-11", policy, now=h(24 * 30 + 81))
    assert {row["party"]: row["fines"] for row in november["parties"]} == {"service_point:SP0001": "80.00"}
