"""The attribution engine, ticket by hand-worked ticket (seed 000 四, 处罚规定 / 上门及时奖励).

Times are hours after the ticket was created (2026-11-02 09:00 Beijing). Default policy: HQ and
centre 15 min, contact 1 h, visit 24 h urban / 72 h remote, point budget 72 h, 7 days 168 h;
fines HQ 30, centre 30, HQ parts group and regional warehouse 30 per order, point 50 / 200,
the centre's three roles 50 each for a ticket over 7 days through its cause;
bonus 10 twin-tub, 20 fully automatic and others. Each comment shows the arithmetic.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.attribution import (CAUSES, CENTER_ROLES, EXCUSES, SPANS, WAREHOUSE_CAUSES, Event, PartsWait, Ticket,
                                   attribute)
from inventory.errors import InvalidInput
from inventory.policy import Policy

BEIJING = timezone(timedelta(hours=8))
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=BEIJING)
POINT = "service_point:SP0001"
CENTER = "center:GD"


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def flow(dc=0.1, dp=0.2, ct=0.5, vi=5.0, co=6.0) -> list[Event]:
    """Stage events at hours after creation; None leaves the stage out (or the ticket open)."""
    stages = {"created": 0, "dispatched_center": dc, "dispatched_point": dp, "contacted": ct,
              "visited": vi, "completed": co}
    return [Event(kind, h(at)) for kind, at in stages.items() if at is not None]


def excuse(kind: str, at: float, until: float) -> Event:
    return Event(kind, h(at), h(until))


def wait(req: str, submitted: float, promised: float, delivered: float | None, cause: str,
         warehouse: str | None = None) -> PartsWait:
    return PartsWait(req, h(submitted), h(promised), None if delivered is None else h(delivered), cause, warehouse)


def wrong_dispatch(at: float, until: float) -> Event:
    return Event("wrong_dispatch", h(at), h(until))


# 因省级服务中心原因造成超7: one 50.00 row per role, money only (0 hours).
CENTER_FINES = [(CENTER, "center_over_7_days", 0.0, "50.00")] * 3


def make_ticket(events, waits=(), distance="urban", family="fully_automatic") -> Ticket:
    return Ticket("T1", "SP0001", "GD", distance, family, tuple(events), tuple(waits))


@dataclass
class Case:
    id: str
    events: list
    rows: list  # (party, reason, hours, fine)
    late: bool = False
    late_hours: float = 0.0
    bonus: str = "20.00"
    waits: list = field(default_factory=list)
    distance: str = "urban"
    family: str = "fully_automatic"
    now: float | None = None
    extra: dict = field(default_factory=dict)


CASES = [
    # 1 Everything within its allowance; visit 4.5 h <= 24 h.
    Case("an_on_time_fully_automatic_ticket_owes_nothing_and_earns_20", flow(), rows=[],
         extra={"within_3_days": True, "within_7_days": True, "elapsed_hours": 6.0, "point_hours": 5.8}),
    # 2 Same flow, twin-tub unit: 10 RMB.
    Case("a_timely_twin_tub_visit_earns_10", flow(), rows=[], bonus="10.00", family="twin_tub"),
    # 3 A family the seed does not name gets bonus_visit_other.
    Case("a_timely_visit_to_another_family_earns_the_other_bonus", flow(), rows=[], family="dryer"),
    # 4 HQ took 45 min: 30 min over the 15 min allowance; fined per dispatch even though on time.
    Case("hq_dispatching_after_45_minutes_is_charged_30_minutes_and_fined",
         flow(dc=0.75, dp=0.85, ct=1.0), rows=[("hq_dispatch", "hq_dispatch", 0.5, "30.00")]),
    # 5 Centre took 0.1 -> 1.1 = 1 h: 45 min over.
    Case("a_centre_dispatching_after_an_hour_is_charged_45_minutes_and_fined",
         flow(dp=1.1, ct=1.5), rows=[(CENTER, "center_dispatch", 0.75, "30.00")]),
    # 6 Contact 0.2 -> 3.2 = 3 h, 2 over; no fine of its own and the visit (3.2 -> 5) still earns.
    Case("a_late_contact_is_charged_to_the_point_without_a_fine", flow(ct=3.2),
         rows=[(POINT, "contact", 2.0, "0.00")]),
    # 7 Urban visit 0.5 -> 30.5 = 30 h, 6 over: no bonus; point time 32 - 0.2 = 31.8 < 72, no fine.
    Case("an_urban_visit_after_30_hours_loses_the_bonus", flow(vi=30.5, co=32),
         rows=[(POINT, "visit", 6.0, "0.00")], bonus="0.00"),
    # 7b Contact 0.2 -> 30.2 (29 h over), visit an hour later: 31 h from dispatch to the visit, so
    #    not 24小时内上门: no bonus, though no visit time was charged.
    Case("a_visit_31_hours_after_dispatch_earns_no_bonus_however_quick_after_the_call", flow(ct=30.2, vi=31.2, co=32),
         rows=[(POINT, "contact", 29.0, "0.00")], bonus="0.00"),
    # 7c Contact in 1 h and visit 24 h after it: each within its allowance, 25 h from dispatch: no bonus.
    Case("a_visit_25_hours_after_dispatch_earns_no_bonus", flow(ct=1.2, vi=25.2, co=26), rows=[], bonus="0.00"),
    # 8 Remote visit after 60 h is within 72 h: bonus, no rows.
    Case("a_remote_visit_after_60_hours_is_timely", flow(vi=60.5, co=61), rows=[], distance="remote"),
    # 9 The same 60 h visit in town is 36 h over: no bonus; point time 60.8 < 72, no fine.
    Case("an_urban_visit_after_60_hours_is_36_hours_late", flow(vi=60.5, co=61),
         rows=[(POINT, "visit", 36.0, "0.00")], bonus="0.00"),
    # 10 Point holds 0.2 -> 80.2 = 80 h: budget runs out at 72.2, repair charged 8 h, fined 50.
    #    Ticket 80.2 h > 72: late by 8.2. The visit itself was timely: bonus stays.
    Case("a_point_repairing_after_80_hours_of_its_own_is_fined_for_72_hours",
         flow(vi=10.5, co=80.2), rows=[(POINT, "repair", 8.0, "50.00")], late=True, late_hours=8.2,
         extra={"point_hours": 80.0, "within_3_days": False, "within_7_days": True}),
    # 11 Point holds 180 h: repair charged 180 - 72 = 108 h; 7-day fine 200 replaces 50.
    Case("a_point_repairing_after_180_hours_gets_the_7_day_fine_instead",
         flow(vi=10.5, co=180.2), rows=[(POINT, "repair", 108.0, "200.00")], late=True, late_hours=108.2,
         extra={"over_7_days": True, "within_7_days": False}),
    # 12 Urban visit 80 h: charged from 24 h on = 56 h; the 72 h budget ran out during the visit,
    #    so the 50 fine sits on the visit row; repair 80.5 -> 81.5 is all past the budget: 1 h.
    Case("the_point_fine_sits_on_the_segment_where_its_72_hours_ran_out",
         flow(vi=80.5, co=81.5), rows=[(POINT, "visit", 56.0, "50.00"), (POINT, "repair", 1.0, "0.00")],
         late=True, late_hours=9.5, bonus="0.00"),
    # 13 Remote visit 80 h: the 72 h budget (0.3 used by contact) runs out at 71.7 h of visit, before
    #    the 72 h visit allowance: visit charged 80 - 71.7 = 8.3; repair 0.5 charged; fine 50.
    Case("a_remote_point_past_its_72_hour_budget_during_the_visit_is_charged_from_there",
         flow(vi=80.5, co=81), rows=[(POINT, "visit", 8.3, "50.00"), (POINT, "repair", 0.5, "0.00")],
         late=True, late_hours=9.0, bonus="0.00", distance="remote"),
    # 14 Regional shortage: promised 54, delivered 100: 46 h to the centre; ticket 102 h, late by 30
    #    but within 7 days, so the centre's three roles are not fined (only 超7 is). Point's own
    #    time 0.3 + 4.5 + 1 + 2 = 7.8: exempt.
    Case("a_regional_shortage_on_a_ticket_late_but_within_7_days_records_the_centre_without_a_fine",
         flow(co=102), waits=[wait("R1", 6, 54, 100, "regional_shortage")],
         rows=[(CENTER, "regional_shortage", 46.0, "0.00")], late=True, late_hours=30.0,
         extra={"point_hours": 7.8, "parts_wait_hours": 94.0, "center_hours": 46.0,
                "over_7_days_center_cause": False}),
    # 15 Shortage 10 h past the promise, but the ticket closed at 42 h: recorded, no fine.
    Case("an_on_time_ticket_that_had_a_shortage_costs_no_fine",
         flow(co=42), waits=[wait("R1", 6, 30, 40, "regional_shortage")],
         rows=[(CENTER, "regional_shortage", 10.0, "0.00")], extra={"within_3_days": True}),
    # 16 HQ shortage 96 h past the promise: HQ planning recorded at 0.00; neither point (7.8 h) nor
    #    centre charged; without HQ's 96 h the ticket took 56 h, so it does not count against the centre.
    Case("an_hq_shortage_exempts_the_point_and_the_centre",
         flow(co=152), waits=[wait("R1", 6, 54, 150, "hq_shortage")],
         rows=[("hq_parts_planning", "hq_shortage", 96.0, "0.00")], late=True, late_hours=80.0,
         extra={"late_excluding_hq": False, "point_hours": 7.8}),
    # 17 HQ parts group shipped 30 h late on a late ticket (86 h): 30 per order.
    Case("a_late_hq_shipment_fines_the_parts_group_per_order",
         flow(co=86), waits=[wait("R1", 6, 54, 84, "hq_late_shipment")],
         rows=[("hq_parts_group", "hq_late_shipment", 30.0, "30.00")], late=True, late_hours=14.0),
    # 18 Wrong part twice: R1 30 -> 50 (20 h), re-ordered R2 promised 74, delivered 90 (16 h):
    #    36 h, two orders x 30.
    Case("two_wrong_parts_cost_the_parts_group_two_fines",
         flow(co=92), waits=[wait("R1", 6, 30, 50, "hq_wrong_part"), wait("R2", 50, 74, 90, "hq_wrong_part")],
         rows=[("hq_parts_group", "hq_wrong_part", 36.0, "60.00")], late=True, late_hours=20.0),
    # 19 Customer put the visit off 1 -> 41: visit net 50 - 40 = 10 h, bonus; elapsed 51.5 - 40.
    Case("a_customer_reschedule_is_excused_from_the_visit",
         flow(vi=50.5, co=51.5) + [excuse("rescheduled_by_customer", 1, 41)], rows=[],
         extra={"excused_hours": 40.0, "elapsed_hours": 11.5}),
    # 20 Force majeure 0 -> 24 while at HQ: HQ's net time 0.1 h, nothing charged.
    Case("force_majeure_is_excused_even_from_hq_dispatch",
         flow(dc=24.1, dp=24.2, ct=24.5, vi=29, co=30) + [excuse("force_majeure", 0, 24)], rows=[],
         extra={"excused_hours": 24.0, "elapsed_hours": 6.0}),
    # 21 Force majeure 60 -> 80 inside the shortage overrun 54 -> 100: centre charged 26 h;
    #    elapsed 102 - 20 = 82, late by 10; within 7 days, so no fine.
    Case("force_majeure_during_a_shortage_is_taken_off_the_centre",
         flow(co=102) + [excuse("force_majeure", 60, 80)], waits=[wait("R1", 6, 54, 100, "regional_shortage")],
         rows=[(CENTER, "regional_shortage", 26.0, "0.00")], late=True, late_hours=10.0),
    # 22 Reschedule 1 -> 20 and force majeure 10 -> 30 overlap: excused is the union, 29 h.
    Case("overlapping_excuses_are_counted_once", flow(vi=35, co=36)
         + [excuse("rescheduled_by_customer", 1, 20), excuse("force_majeure", 10, 30)], rows=[],
         extra={"excused_hours": 29.0, "elapsed_hours": 7.0}),
    # 23 R1 regional (6, promise 30, in 70) and R2 HQ late (10, promise 40, in 60):
    #    30-40 regional (R2 still in promise), 40-60 both late -> HQ parts group first, 60-70 regional.
    #    Regional 20 h, HQ 20 h, parts 64 h counted once; late 8 h so the parts group is fined per
    #    order; the centre is not (within 7 days).
    Case("overlapping_waits_are_a_union_owned_by_the_most_at_fault",
         flow(co=80), waits=[wait("R1", 6, 30, 70, "regional_shortage"), wait("R2", 10, 40, 60, "hq_late_shipment")],
         rows=[(CENTER, "regional_shortage", 20.0, "0.00"), ("hq_parts_group", "hq_late_shipment", 20.0, "30.00")],
         late=True, late_hours=8.0, extra={"parts_wait_hours": 64.0, "point_hours": 15.8}),
    # 24 Visit at 80.5 (56 h over, budget gone in the visit) and a regional shortage 105 -> 135:
    #    centre 30 h recorded (136 h is within 7 days); point visit 56 h fined 50, repair
    #    0.5 + 1 = 1.5 h past its budget.
    Case("a_ticket_late_for_two_reasons_charges_both_parties",
         flow(vi=80.5, co=136), waits=[wait("R1", 81, 105, 135, "regional_shortage")],
         rows=[(CENTER, "regional_shortage", 30.0, "0.00"), (POINT, "visit", 56.0, "50.00"),
               (POINT, "repair", 1.5, "0.00")], late=True, late_hours=64.0, bonus="0.00"),
    # 25 Still at HQ 2 h after creation: 1.75 h over, fined; nothing completed.
    Case("a_ticket_still_at_hq_is_charged_up_to_now", flow(dc=None, dp=None, ct=None, vi=None, co=None),
         rows=[("hq_dispatch", "hq_dispatch", 1.75, "30.00")], bonus="0.00", now=2,
         extra={"completed_at": None, "within_3_days": False}),
    # 26 Open and waiting for a regional part promised at 54; at 100 h: 46 h, late; no fine yet.
    Case("an_open_ticket_waiting_for_a_part_is_charged_up_to_now", flow(co=None),
         waits=[wait("R1", 6, 54, None, "regional_shortage")], now=100,
         rows=[(CENTER, "regional_shortage", 46.0, "0.00")], late=True, late_hours=28.0),
    # 27 HQ shortage open for 91 days (2184 h) after submission: flagged for exchange (三包).
    Case("a_ticket_waiting_91_days_for_an_hq_shortage_is_flagged_for_exchange", flow(co=None),
         waits=[wait("R1", 6, 54, None, "hq_shortage")], now=2190,
         rows=[("hq_parts_planning", "hq_shortage", 2136.0, "0.00")], late=True, late_hours=2118.0,
         extra={"exchange_flag": True, "over_7_days": True, "over_7_days_excluding_hq": False}),
    # 28 Exactly 90 days (2160 h) of waiting is not more than 90 days.
    Case("a_wait_of_exactly_90_days_is_not_flagged", flow(co=2167),
         waits=[wait("R1", 6, 54, 2166, "hq_shortage")],
         rows=[("hq_parts_planning", "hq_shortage", 2112.0, "0.00")], late=True, late_hours=2095.0,
         extra={"exchange_flag": False}),
    # 29 A part late with cause none (the regional stock was there and shipped in time; a slow
    #    carrier): 26 h unexplained, charged to nobody, not the point's time.
    Case("a_late_delivery_without_a_cause_is_charged_to_nobody", flow(co=82),
         waits=[wait("R1", 6, 54, 80, "none")], rows=[], late=True, late_hours=10.0,
         extra={"unexplained_parts_hours": 26.0, "point_hours": 7.8}),
    # 30 No contacted event: the contact segment runs to the visit (0.2 -> 3.2), 2 h over.
    Case("a_missing_contact_collapses_onto_the_visit", flow(ct=None, vi=3.2, co=4),
         rows=[(POINT, "contact", 2.0, "0.00")]),
    # 31 No visited event: nothing to reward, though the point was quick.
    Case("an_unrecorded_visit_earns_no_bonus", flow(vi=None), rows=[], bonus="0.00"),
    # 32 Completed at 100 h but 30 h rescheduled: 70 h, on time; point 0.3 + 9.5 + 60 = 69.8 h.
    Case("excused_time_can_bring_a_ticket_back_within_3_days",
         flow(vi=40, co=100) + [excuse("rescheduled_by_customer", 6, 36)], rows=[],
         extra={"within_3_days": True, "elapsed_hours": 70.0, "point_hours": 69.8}),
    # 33 Completed at exactly 72 h of non-excused time: within 3 days, not late.
    Case("a_ticket_done_in_exactly_72_hours_is_not_late", flow(co=72), rows=[],
         extra={"within_3_days": True, "point_hours": 71.8}),

    # -- 因省级服务中心原因造成超7 (seed 000 四 处罚规定 2): 6, 7 and 8 days with the centre's shortage.
    #    Shortage promised at 54 and delivered 2 h before completion; the point's own time stays 7.8 h.
    # 34 6 days (144 h): shortage 54 -> 142 = 88 h recorded; not over 7 days: no fine.
    Case("a_6_day_ticket_through_the_centres_shortage_does_not_fine_its_roles",
         flow(co=144), waits=[wait("R1", 6, 54, 142, "regional_shortage")],
         rows=[(CENTER, "regional_shortage", 88.0, "0.00")], late=True, late_hours=72.0,
         extra={"over_7_days": False, "over_7_days_center_cause": False, "point_hours": 7.8}),
    # 35 Exactly 7 days (168 h) is not over 7 days (超7): no fine.
    Case("a_ticket_of_exactly_7_days_through_the_centres_shortage_does_not_fine_its_roles",
         flow(co=168), waits=[wait("R1", 6, 54, 166, "regional_shortage")],
         rows=[(CENTER, "regional_shortage", 112.0, "0.00")], late=True, late_hours=96.0,
         extra={"over_7_days": False, "within_7_days": True, "over_7_days_center_cause": False}),
    # 36 8 days (192 h): shortage 136 h; without it the ticket took 56 h <= 168: the centre caused the
    #    overrun. Its service director, parts admin and chase clerk are fined 50 each.
    Case("an_8_day_ticket_through_the_centres_shortage_fines_each_of_its_three_roles",
         flow(co=192), waits=[wait("R1", 6, 54, 190, "regional_shortage")],
         rows=[(CENTER, "regional_shortage", 136.0, "0.00"), *CENTER_FINES], late=True, late_hours=120.0,
         extra={"over_7_days": True, "over_7_days_center_cause": True, "center_hours": 136.0,
                "point_hours": 7.8}),
    # 37 8 days, all the point's (case 11's shape): the centre is not fined.
    Case("an_8_day_ticket_the_point_held_does_not_fine_the_centre",
         flow(vi=10.5, co=192.2), rows=[(POINT, "repair", 120.0, "200.00")], late=True, late_hours=120.2,
         extra={"over_7_days": True, "over_7_days_center_cause": False, "center_hours": 0.0}),
    # 38 8 days, the centre dispatched 1 h late (45 min over, its 30 fine) but the point took the rest:
    #    without the centre's 0.75 h the ticket still took 191.45 h > 168: not the centre's cause.
    Case("an_8_day_ticket_with_a_late_centre_dispatch_is_not_over_7_days_through_the_centre",
         flow(dp=1.1, ct=1.5, vi=10.5, co=192.2),
         rows=[(CENTER, "center_dispatch", 0.75, "30.00"), (POINT, "repair", 119.1, "200.00")],
         late=True, late_hours=120.2, extra={"over_7_days_center_cause": False, "center_hours": 0.75}),
    # 39 8 days through an HQ shortage (54 -> 190): HQ's cause, not the centre's.
    Case("an_8_day_ticket_through_an_hq_shortage_does_not_fine_the_centre",
         flow(co=192), waits=[wait("R1", 6, 54, 190, "hq_shortage")],
         rows=[("hq_parts_planning", "hq_shortage", 136.0, "0.00")], late=True, late_hours=120.0,
         extra={"over_7_days": True, "over_7_days_center_cause": False}),
    # 40 8.5 days: the point visited at 160.5 (visit charged from 24 h: 136 h, its 72 h budget gone
    #    there: 50) and a 30 h shortage after (172 -> 202); repair 0.5 + 2 h past the budget.
    #    204 - 30 = 174 h > 168 without the centre's time: the point, not the centre, made it 超7.
    Case("a_centre_shortage_the_ticket_would_have_been_over_7_days_without_is_not_fined",
         flow(vi=160.5, co=204), waits=[wait("R1", 161, 172, 202, "regional_shortage")],
         rows=[(CENTER, "regional_shortage", 30.0, "0.00"), (POINT, "visit", 136.0, "50.00"),
               (POINT, "repair", 2.5, "0.00")],
         late=True, late_hours=132.0, bonus="0.00", extra={"over_7_days_center_cause": False}),
    # -- a wrong dispatch (派单错误) is the centre's time
    # 41 The centre sent the ticket to the wrong point at 0.2 and re-dispatched at 30.2: 30 h to the
    #    centre (no fine of its own: within 7 days); the point's contact 0.2 -> 30.5 nets 0.3 h.
    Case("time_lost_to_a_wrong_dispatch_is_the_centres_and_not_the_points",
         flow(ct=30.5, vi=35, co=36) + [wrong_dispatch(0.2, 30.2)],
         rows=[(CENTER, "wrong_dispatch", 30.0, "0.00")], extra={"point_hours": 5.8, "center_hours": 30.0}),
    # 42 A wrong dispatch 0.2 -> 150.2 on a 180 h ticket: without the centre's 150 h it took 30: fined.
    #    The point's own 0.3 + 4.5 + 25 = 29.8 h are within its allowances and budget.
    Case("a_wrong_dispatch_that_makes_the_ticket_over_7_days_fines_the_centres_three_roles",
         flow(ct=150.5, vi=155, co=180) + [wrong_dispatch(0.2, 150.2)],
         rows=[(CENTER, "wrong_dispatch", 150.0, "0.00"), *CENTER_FINES],
         late=True, late_hours=108.0, extra={"over_7_days_center_cause": True}),
    # 43 A wrong dispatch recorded from before the centre held the ticket counts from its dispatch on:
    #    HQ dispatched at 2 (1.75 h over); the span 1 -> 20 is the centre's from 2 on = 18 h.
    Case("a_wrong_dispatch_counts_only_from_the_centres_holding_of_the_ticket",
         flow(dc=2, dp=2.1, ct=20.5, vi=25, co=26) + [wrong_dispatch(1, 20)],
         rows=[("hq_dispatch", "hq_dispatch", 1.75, "30.00"), (CENTER, "wrong_dispatch", 18.0, "0.00")]),
    # -- a regional warehouse's slow pick (迟发) or wrong shipment (错发) is charged to it
    # 44 GD1 shipped late: promised 54, delivered 84 on an 86 h (late) ticket: 30 h and 30 per order.
    Case("a_regional_warehouses_slow_pick_on_a_late_ticket_is_charged_and_fined_per_order",
         flow(co=86), waits=[wait("R1", 6, 54, 84, "regional_late_shipment", "GD1")],
         rows=[("warehouse:GD1", "regional_late_shipment", 30.0, "30.00")], late=True, late_hours=14.0,
         extra={"unexplained_parts_hours": 0.0, "center_hours": 0.0}),
    # 45 The same slow pick on an on-time ticket: recorded, no fine.
    Case("a_regional_warehouses_slow_pick_on_an_on_time_ticket_is_recorded_without_a_fine",
         flow(co=70), waits=[wait("R1", 6, 54, 64, "regional_late_shipment", "GD1")],
         rows=[("warehouse:GD1", "regional_late_shipment", 10.0, "0.00")]),
    # 46 GD1 shipped the wrong part (30 -> 50) and the re-order from HB1 was slow too (74 -> 90):
    #    each warehouse its own row and its own fine.
    Case("a_regional_wrong_part_and_another_warehouses_slow_pick_are_each_charged",
         flow(co=92), waits=[wait("R1", 6, 30, 50, "regional_wrong_part", "GD1"),
                             wait("R2", 50, 74, 90, "regional_late_shipment", "HB1")],
         rows=[("warehouse:HB1", "regional_late_shipment", 16.0, "30.00"),
               ("warehouse:GD1", "regional_wrong_part", 20.0, "30.00")], late=True, late_hours=20.0),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_attribution_matches_the_hand_worked_ticket(case: Case):
    ticket = make_ticket(case.events, case.waits, case.distance, case.family)
    result = attribute(ticket, Policy(), now=h(case.now) if case.now is not None else h(10_000))

    rows = [(c.party, c.reason, c.hours, str(c.fine)) for c in result.attribution]
    assert rows == case.rows
    assert (result.late, result.late_hours) == (case.late, case.late_hours)
    assert str(result.visit_bonus) == case.bonus
    for name, expected in case.extra.items():
        assert getattr(result, name) == expected, name


def test_the_table_covers_every_party_reason_and_excuse():
    reasons = {row[1] for case in CASES for row in case.rows}
    excuses = {e.type for case in CASES for e in case.events if e.type in EXCUSES}
    causes = {w.cause for case in CASES for w in case.waits}
    assert len(CASES) >= 25
    assert reasons == {"hq_dispatch", "center_dispatch", "wrong_dispatch", "regional_shortage", "hq_shortage",
                       "hq_late_shipment", "hq_wrong_part", "regional_late_shipment", "regional_wrong_part",
                       "contact", "visit", "repair", "center_over_7_days"}
    assert excuses == set(EXCUSES)
    assert causes == set(CAUSES)


def test_an_order_both_late_and_wrong_is_fined_once_per_order():
    """迟发、错发 … 30元/单: R1 has a line shipped late and a line shipped wrong, R2 a late line."""
    waits = [wait("R1", 6, 54, 150, "hq_late_shipment"), wait("R1", 6, 54, 120, "hq_wrong_part"),
             wait("R2", 60, 108, 140, "hq_late_shipment")]
    result = attribute(make_ticket(flow(co=155), waits), Policy(), h(500))
    group = [c for c in result.attribution if c.party == "hq_parts_group"]
    assert {c.reason for c in group} == {"hq_late_shipment", "hq_wrong_part"}
    assert sum(c.fine for c in group) == Decimal("60.00")  # two orders, not three rows of orders


def test_the_centers_three_fines_each_name_the_role_they_are_paid_from():
    ticket = make_ticket(flow(co=192), [wait("R1", 6, 54, 190, "regional_shortage")])
    fines = [c for c in attribute(ticket, Policy(), h(500)).attribution if c.reason == "center_over_7_days"]
    assert [(c.party, c.role, c.hours, c.fine) for c in fines] == [
        (CENTER, role, 0.0, Decimal("50.00")) for role in ("service_director", "parts_admin", "chase_clerk")]
    assert tuple(c.role for c in fines) == CENTER_ROLES


def test_the_centers_fine_per_role_is_a_policy_value():
    ticket = make_ticket(flow(co=192), [wait("R1", 6, 54, 190, "regional_shortage")])
    result = attribute(ticket, Policy({"fine_center_over_7d_per_role": Decimal("80.00")}), h(500))
    assert result.fine_total == Decimal("240.00")


def test_an_open_ticket_already_over_7_days_through_the_center_shows_its_fines_as_of_now():
    ticket = make_ticket(flow(co=None), [wait("R1", 6, 54, None, "regional_shortage")])
    assert attribute(ticket, Policy(), h(160)).over_7_days_center_cause is False
    assert attribute(ticket, Policy(), h(170)).over_7_days_center_cause is True


@pytest.mark.parametrize("cause", sorted(WAREHOUSE_CAUSES))
def test_a_regional_warehouse_cause_must_name_the_warehouse(cause):
    with pytest.raises(InvalidInput) as error:
        wait("R1", 6, 54, 90, cause)
    assert error.value.details["field"] == "warehouse"


def test_only_a_regional_warehouse_cause_names_a_warehouse():
    with pytest.raises(InvalidInput) as error:
        wait("R1", 6, 54, 90, "regional_shortage", "GD1")
    assert error.value.details["field"] == "warehouse"


def test_a_wrong_dispatch_needs_until():
    with pytest.raises(InvalidInput, match="until"):
        Event("wrong_dispatch", h(1))


def test_policy_overrides_move_allowances_and_fines():
    policy = Policy({"hq_dispatch_minutes": 30, "fine_hq_dispatch": Decimal("45.00")})
    result = attribute(make_ticket(flow(dc=0.75, dp=0.85, ct=1.0)), policy, now=h(100))
    assert [(c.hours, str(c.fine)) for c in result.attribution] == [(0.25, "45.00")]


def test_the_same_instants_in_another_offset_give_the_same_result():
    utc = [replace(e, at=e.at.astimezone(timezone.utc)) for e in flow(co=102)]
    waits = [wait("R1", 6, 54, 100, "regional_shortage")]
    policy, now = Policy(), h(200)
    assert attribute(make_ticket(utc, waits), policy, now) == attribute(make_ticket(flow(co=102), waits), policy, now)


def test_a_completed_ticket_ignores_now():
    ticket = make_ticket(flow(co=80.2))
    assert attribute(ticket, Policy(), now=h(81)) == attribute(ticket, Policy(), now=h(5000))


def test_a_ticket_without_a_created_event_is_refused():
    with pytest.raises(InvalidInput, match="created"):
        make_ticket([Event("completed", h(1))])


def test_a_naive_now_is_refused():
    with pytest.raises(InvalidInput, match="now"):
        attribute(make_ticket(flow()), Policy(), now=datetime(2026, 11, 3))


# --- properties over random tickets -------------------------------------------------------

offsets = st.integers(min_value=0, max_value=400 * 60).map(lambda m: h(m / 60))


@st.composite
def tickets(draw):
    events = [Event("created", T0)]
    for kind in ("dispatched_center", "dispatched_point", "contacted", "visited", "completed"):
        events.extend(Event(kind, draw(offsets)) for _ in range(draw(st.integers(0, 2))))
    for _ in range(draw(st.integers(0, 2))):
        at, until = sorted((draw(offsets), draw(offsets)))
        events.append(Event(draw(st.sampled_from(SPANS)), at, until))
    waits = []
    for i in range(draw(st.integers(0, 3))):
        submitted, promised = sorted((draw(offsets), draw(offsets)))
        delivered = draw(st.none() | offsets.filter(lambda t, s=submitted: t >= s))
        cause = draw(st.sampled_from(CAUSES))
        warehouse = draw(st.sampled_from(["GD1", "HB1"])) if cause in WAREHOUSE_CAUSES else None
        waits.append(PartsWait(f"R{i}", submitted, promised, delivered, cause, warehouse))
    return events, waits, draw(st.sampled_from(["urban", "remote"]))


@settings(max_examples=200, deadline=None)
@given(tickets(), st.randoms(use_true_random=False), st.lists(st.integers(0, 20), max_size=4))
def test_the_result_is_the_same_whatever_order_and_duplication_the_events_arrive_in(drawn, rnd, repeats):
    events, waits, distance = drawn
    policy, now = Policy(), h(500)
    expected = attribute(make_ticket(events, waits, distance), policy, now)

    shuffled = events + [events[i % len(events)] for i in repeats]
    rnd.shuffle(shuffled)
    shuffled_waits = waits + waits[:1]
    rnd.shuffle(shuffled_waits)
    assert attribute(make_ticket(shuffled, shuffled_waits, distance), policy, now) == expected


@settings(max_examples=200, deadline=None)
@given(tickets())
def test_every_instant_is_labelled_exactly_once_and_charges_never_exceed_the_elapsed_time(drawn):
    events, waits, distance = drawn
    result = attribute(make_ticket(events, waits, distance), Policy(), h(500))
    pieces = result.segments
    assert all(a.end == b.start for a, b in zip(pieces, pieces[1:]))
    assert all(p.start < p.end for p in pieces)
    end = result.completed_at or max([h(500), *(e.at for e in events if e.type not in SPANS)])
    assert sum((p.duration for p in pieces), timedelta(0)) == end - T0
    charged = sum(c.hours for c in result.attribution)
    assert charged <= result.elapsed_hours + 0.01 * len(result.attribution)
    assert result.late == (result.late_hours > 0)


def test_a_fine_rounds_half_up_to_the_fen_as_every_money_column_does():
    """A policy saved before fines were held to the fen (50.125) must round as db.to_money does."""
    ticket = make_ticket(flow(dc=0.75, dp=0.85, ct=1.0))
    result = attribute(ticket, Policy({"fine_hq_dispatch": Decimal("30.125")}), h(500))
    assert [str(c.fine) for c in result.attribution] == ["30.13"]


@pytest.mark.parametrize("warehouse, fined", [("GD1", True), ("HB1", False)])
def test_the_centres_own_warehouse_shipping_late_past_7_days_is_the_centres_cause(warehouse, fined):
    """省中心原因 (缺件、派单错误等): a late pick at the centre's own parts warehouse is its cause as
    much as its shortage is; another centre's warehouse is not."""
    waits = [wait("R1", 6, 54, 200, "regional_late_shipment", warehouse)]
    ticket = Ticket("T1", "SP0001", "GD", "urban", "fully_automatic", tuple(flow(co=203)), tuple(waits),
                    center_warehouses=("GD1",))
    result = attribute(ticket, Policy(), h(500))
    assert result.over_7_days_center_cause is fined
    assert result.center_hours == (146.0 if fined else 0.0)
    assert (f"warehouse:{warehouse}", "regional_late_shipment", 146.0, Decimal("30.00")) in [
        (c.party, c.reason, c.hours, c.fine) for c in result.attribution]
    assert [c.role for c in result.attribution if c.reason == "center_over_7_days"] == (
        list(CENTER_ROLES) if fined else [])
