"""The monthly penalty report: centre rules at and around their thresholds (seed 000 四, 处罚规定 2),
tickets still open at the month's end, and each centre role's fines."""
from __future__ import annotations

import json
import time
from dataclasses import replace
from decimal import Decimal

import pytest

from inventory.attribution import CENTER_ROLES, Attribution, Charge
from inventory.errors import InvalidInput
from inventory.penalty_report import monthly_report, report_to_dict
from inventory.policy import Policy

ON_TIME = Attribution(
    ticket="T", service_point="SP0001", late=False, late_hours=0.0, attribution=(), completed_at=None,
    elapsed_hours=6.0, excused_hours=0.0, point_hours=5.8, parts_wait_hours=0.0, unexplained_parts_hours=0.0,
    within_3_days=True, within_7_days=True, over_7_days=False, late_excluding_hq=False,
    over_7_days_excluding_hq=False, visit_bonus=Decimal("0.00"), exchange_flag=False, segments=(),
)
OVER_3 = replace(ON_TIME, late=True, late_hours=10.0, within_3_days=False, late_excluding_hq=True)
OVER_7 = replace(OVER_3, late_hours=100.0, within_7_days=False, over_7_days=True, over_7_days_excluding_hq=True)
LATE_BY_HQ = replace(ON_TIME, late=True, late_hours=80.0, within_3_days=False)
# Over 7 days through the centre's shortage: the shortage hours, then one 50.00 fine per role.
CENTER_FINES = tuple(Charge("center:GD", "center_over_7_days", 0.0, Decimal("50.00"), role=role)
                     for role in CENTER_ROLES)
OVER_7_BY_CENTER = replace(OVER_7, over_7_days_center_cause=True, attribution=(
    Charge("center:GD", "regional_shortage", 10.0, Decimal("0.00")), *CENTER_FINES))
# Still open at the month's end, attributed as of then: not completed, so never "within" by the flags.
OPEN_YOUNG = replace(ON_TIME, within_3_days=False, within_7_days=False)
OPEN_OVER_3 = replace(OVER_3, within_7_days=False)
OPEN_OVER_7 = replace(OVER_7, attribution=CENTER_FINES, over_7_days_center_cause=True, visit_bonus=Decimal("20.00"))


def month(*groups: tuple[int, Attribution], center="GD", province="广东"):
    """`(count, result)` groups for one centre, tickets numbered in order."""
    rows, n = [], 0
    for count, result in groups:
        for _ in range(count):
            n += 1
            rows.append((replace(result, ticket=f"{center}-{n}"), center, province))
    return rows


def only_center(rows, policy=None):
    report = monthly_report(rows, policy or Policy())
    (center,) = report.centers
    return center


@pytest.mark.parametrize("over, cancelled", [(20, False), (21, False), (22, True)])
def test_a_center_loses_the_bonus_only_above_21_percent_over_3_days(over, cancelled):
    center = only_center(month((over, OVER_3), (100 - over, ON_TIME)))
    assert center.bonus_cancelled is cancelled
    assert center.cancelled_because == (("over_3_days_rate",) if cancelled else ())
    assert center.fines == {}


def test_one_late_ticket_in_four_is_over_21_percent_but_one_in_five_is_not():
    assert only_center(month((1, OVER_3), (3, ON_TIME))).bonus_cancelled is True
    assert only_center(month((1, OVER_3), (4, ON_TIME))).bonus_cancelled is False


@pytest.mark.parametrize("over, cancelled", [(4, False), (5, False), (6, True)])
def test_more_than_5_tickets_over_7_days_cancels_the_bonus_and_fines_the_three_roles(over, cancelled):
    center = only_center(month((over, OVER_7), (100 - over, ON_TIME)))
    assert center.bonus_cancelled is cancelled
    assert ("over_7_days_count" in center.cancelled_because) is cancelled
    expected = {"service_director": Decimal("200.00"), "parts_admin": Decimal("100.00"),
                "chase_clerk": Decimal("100.00")} if cancelled else {}
    assert center.fines == expected


def test_monthly_center_fines_are_added_to_the_center_party_total():
    report = monthly_report(month((6, OVER_7_BY_CENTER), (94, ON_TIME)), Policy())
    (party,) = report.parties
    # six tickets x 3 roles x 50 = 900, and the monthly 200 + 100 + 100 of 超七单据超过5张
    assert (party.party, party.tickets, party.fines, party.hours) == ("center:GD", 6, Decimal("1300.00"), 60.0)


def test_each_role_of_the_center_sees_its_per_ticket_and_monthly_fines():
    center = only_center(month((6, OVER_7_BY_CENTER), (94, ON_TIME)))
    assert center.tickets_fined == 6
    assert center.ticket_fines == {role: Decimal("300.00") for role in CENTER_ROLES}
    assert center.role_totals() == {"service_director": Decimal("500.00"), "parts_admin": Decimal("400.00"),
                                    "chase_clerk": Decimal("400.00")}


def test_a_ticket_over_7_days_for_another_cause_fines_no_center_role():
    center = only_center(month((1, OVER_7), (9, ON_TIME)))
    assert (center.tickets_fined, center.ticket_fines) == (0, {})
    assert center.role_totals() == dict.fromkeys(CENTER_ROLES, Decimal("0.00"))


# -- tickets still open at the month's end: counted by their age then ---------------------------------

def test_tickets_open_at_the_month_end_count_by_their_age_in_the_centers_rules():
    completed = month((4, ON_TIME))
    still_open = month((1, OPEN_YOUNG), (1, OPEN_OVER_3), (1, OPEN_OVER_7))
    center = only_center_with_open(completed, still_open)
    assert (center.tickets, center.completed, center.open_at_month_end) == (7, 4, 3)
    assert (center.over_3_days, center.over_7_days) == (2, 1)
    # the young one is within 3 days so far; the others already are not
    assert (center.within_3_days, center.within_7_days) == (5, 6)
    assert center.bonus_cancelled is True  # 2 of 7 over 3 days is more than 21 %


def test_without_the_open_tickets_the_same_month_would_have_kept_the_bonus():
    assert only_center(month((4, ON_TIME))).bonus_cancelled is False


def test_more_than_5_tickets_over_7_days_counts_those_still_open():
    center = only_center_with_open(month((3, OVER_7), (90, ON_TIME)), month((3, OPEN_OVER_7)))
    assert center.over_7_days == 6 and "over_7_days_count" in center.cancelled_because
    assert center.fines["service_director"] == Decimal("200.00")


def test_an_open_tickets_fines_and_bonus_wait_for_its_completion():
    report = monthly_report([], Policy(), open_rows=month((1, OPEN_OVER_7)))
    assert report.parties == ()  # nothing booked: it is attributed again in the month it completes
    (center,) = report.centers
    assert (center.ticket_fines, center.tickets_fined, center.open_at_month_end) == ({}, 0, 1)


def test_an_open_ticket_is_not_listed_among_the_completed_exchange_flags():
    report = monthly_report([], Policy(), open_rows=month((1, replace(OPEN_OVER_7, exchange_flag=True))))
    assert report.exchange_flagged == ()


def only_center_with_open(rows, open_rows):
    (center,) = monthly_report(rows, Policy(), open_rows=open_rows).centers
    return center


def test_tickets_late_only_because_of_hq_do_not_count_against_the_center():
    center = only_center(month((50, LATE_BY_HQ), (50, ON_TIME)))
    assert center.over_3_days == 0
    assert center.bonus_cancelled is False
    assert center.within_3_days == 50  # the customer's rate still counts them


@pytest.mark.parametrize("province, within, meets", [
    ("广东", 85, True), ("广东", 84, False), ("云南", 70, True), ("云南", 69, False), ("西藏", 70, True),
])
def test_three_day_rates_are_measured_against_the_province_target(province, within, meets):
    center = only_center(month((within, ON_TIME), (100 - within, OVER_3), province=province))
    assert center.three_day_rate == Decimal(within) / 100
    assert center.meets_three_day_target is meets


def test_every_ticket_must_be_done_within_7_days():
    center = only_center(month((99, ON_TIME), (1, OVER_7)))
    assert (center.seven_day_rate, center.seven_day_target) == (Decimal("0.9900"), Decimal("1.00"))
    assert center.meets_seven_day_target is False


def test_party_totals_count_a_ticket_once_per_party_and_add_up_fines_and_bonuses():
    two_rows = (Charge("service_point:SP0001", "visit", 56.0, Decimal("50.00")),
                Charge("service_point:SP0001", "repair", 1.5, Decimal("0.00")),
                Charge("hq_dispatch", "hq_dispatch", 0.5, Decimal("30.00")))
    rows = month((2, replace(OVER_3, attribution=two_rows)), (3, replace(ON_TIME, visit_bonus=Decimal("20.00"))))
    totals = {t.party: (t.tickets, t.hours, t.fines, t.bonuses) for t in monthly_report(rows, Policy()).parties}
    assert totals == {"hq_dispatch": (2, 1.0, Decimal("60.00"), Decimal("0.00")),
                      "service_point:SP0001": (2, 115.0, Decimal("100.00"), Decimal("60.00"))}


def test_tickets_flagged_for_exchange_are_listed():
    rows = month((2, ON_TIME), (1, replace(OVER_7, exchange_flag=True)), (1, replace(OVER_7, exchange_flag=True)))
    assert monthly_report(rows, Policy()).exchange_flagged == ("GD-3", "GD-4")


def test_centers_are_reported_separately_in_code_order():
    rows = month((1, OVER_3), center="YN", province="云南") + month((1, ON_TIME))
    report = monthly_report(rows, Policy())
    assert [(c.center, c.three_day_target, c.bonus_cancelled) for c in report.centers] == [
        ("GD", Decimal("0.85"), False), ("YN", Decimal("0.70"), True)]


def test_a_center_in_two_provinces_is_refused():
    with pytest.raises(InvalidInput, match="center GD"):
        monthly_report(month((1, ON_TIME)) + month((1, ON_TIME), province="广西"), Policy())


def test_the_report_renders_as_json_with_decimal_strings():
    out = report_to_dict(monthly_report(month((6, OVER_7), (94, ON_TIME)), Policy()))
    json.dumps(out, ensure_ascii=False)
    (center,) = out["centers"]
    assert (center["three_day_rate"], center["over_3_days_rate"]) == ("0.9400", "0.0600")
    assert center["fines"] == {"service_director": "200.00", "parts_admin": "100.00", "chase_clerk": "100.00"}
    assert (center["completed"], center["open_at_month_end"], center["tickets_fined"]) == (100, 0, 0)
    assert center["role_totals"] == center["fines"] and center["ticket_fines"] == {}


def test_an_empty_month_reports_nothing():
    report = monthly_report([], Policy())
    assert (report.parties, report.centers, report.exchange_flagged) == ((), (), ())


def test_a_hundred_thousand_tickets_aggregate_in_a_few_seconds():
    charges = (Charge("center:GD", "regional_shortage", 46.0, Decimal("0.00")), *CENTER_FINES,
               Charge("service_point:SP0001", "visit", 6.0, Decimal("0.00")))
    late = replace(OVER_3, attribution=charges, visit_bonus=Decimal("0.00"))
    rows = [(late if i % 5 == 0 else ON_TIME, f"C{i % 32:02d}", "广东") for i in range(100_000)]
    started = time.perf_counter()
    report = monthly_report(rows, Policy())
    assert time.perf_counter() - started < 3.0
    assert sum(c.tickets for c in report.centers) == 100_000
