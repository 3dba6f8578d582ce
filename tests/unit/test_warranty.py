"""The warranty engine, rule by rule from DOMAIN.md "Warranty and 三包" and the seeds.

Seed defaults (policy): washer household 12 months whole unit, 36 key components (主要部件),
3 months for a part fitted at an earlier repair; washer commercial 3 / 6 / 1; household air
conditioner parts free for life (零配件终身免费更换), compressor 72; commercial air conditioner
72 / 72. Periods from purchase run to the same day N months on (the month's last day when that
day does not exist) plus the whole days of earlier repairs; a report on that day is covered.
三包: at most 7 days after purchase return or exchange, at most 15 exchange, the same fault
visited 3 times before exchange. Each expected date below is worked from those words.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.errors import InvalidInput
from inventory.policy import Policy
from inventory.warranty import Case, Decision, Repair, decide, in_sanbao_period, sanbao_until, terms_for

BOUGHT = date(2026, 3, 1)
DEFAULTS = Policy()


def case(reported: date, *, line="washer", use="household", bought: date | None = BOUGHT, key=False,
         fitted: date | None = None, repairs=(), fault="E21", proof=None) -> Case:
    return Case(product_line=line, use=use, purchased_on=bought, reported_on=reported, fault=fault,
                key_component=key, fitted_on=fitted, repairs=tuple(repairs), proof=proof, sku="WM-MOTOR-01")


def repair(reported: date, completed: date | None, fault="E21", visited=True) -> Repair:
    return Repair(reported, completed, fault, visited)


def answer(c: Case, policy: Policy = DEFAULTS) -> tuple:
    d = decide(c, policy)
    return d.in_warranty, d.basis, d.until


# -- washer, household: 12 / 36 / 3 -----------------------------------------------------------

def test_an_ordinary_part_is_covered_on_the_last_day_of_the_whole_unit_year():
    assert answer(case(date(2027, 3, 1))) == (True, "unit", date(2027, 3, 1))


def test_an_ordinary_part_is_not_covered_the_day_after_the_whole_unit_year():
    assert answer(case(date(2027, 3, 2))) == (False, "expired", date(2027, 3, 1))


def test_a_key_component_is_covered_for_three_years():
    assert answer(case(date(2029, 3, 1), key=True)) == (True, "key_component", date(2029, 3, 1))


def test_a_key_component_is_not_covered_the_day_after_three_years():
    assert answer(case(date(2029, 3, 2), key=True)) == (False, "expired", date(2029, 3, 1))


def test_a_key_component_in_the_first_year_is_covered_by_its_own_longer_term():
    # the whole unit covers it to 2027-03-01 too, but the key-component rule reaches further
    assert answer(case(date(2026, 6, 1), key=True)) == (True, "key_component", date(2029, 3, 1))


def test_a_part_fitted_at_an_earlier_repair_has_three_months_of_its_own_after_the_unit_year():
    # fitted 2027-02-10, inside the unit year; its own term runs to 2027-05-10
    assert answer(case(date(2027, 5, 10), fitted=date(2027, 2, 10))) == (True, "fitted_part", date(2027, 5, 10))
    assert answer(case(date(2027, 5, 11), fitted=date(2027, 2, 10))) == (False, "expired", date(2027, 5, 10))


def test_a_part_fitted_after_the_unit_year_still_has_its_own_three_months():
    # a paid repair on 2027-08-20 fitted it: covered to 2027-11-20 though the unit expired
    assert answer(case(date(2027, 11, 20), fitted=date(2027, 8, 20))) == (True, "fitted_part", date(2027, 11, 20))


def test_a_fitted_part_early_in_the_unit_year_is_covered_by_the_unit_year_that_runs_longer():
    # fitted 2026-04-01: own term to 2026-07-01; the unit year runs to 2027-03-01
    assert answer(case(date(2026, 8, 1), fitted=date(2026, 4, 1))) == (True, "unit", date(2027, 3, 1))


def test_a_fitted_key_component_keeps_the_longest_of_its_three_rules():
    # unit to 2027-03-01, key to 2029-03-01, fitted 2028-12-15 + 3 = 2029-03-15
    result = answer(case(date(2029, 3, 10), key=True, fitted=date(2028, 12, 15)))
    assert result == (True, "fitted_part", date(2029, 3, 15))


# -- washer, commercial: 3 / 6 / 1 ------------------------------------------------------------

def test_a_commercial_washer_covers_ordinary_parts_for_three_months():
    assert answer(case(date(2026, 6, 1), use="commercial")) == (True, "unit", date(2026, 6, 1))
    assert answer(case(date(2026, 6, 2), use="commercial")) == (False, "expired", date(2026, 6, 1))


def test_a_commercial_washer_covers_key_components_for_half_a_year():
    assert answer(case(date(2026, 9, 1), use="commercial", key=True)) == (True, "key_component", date(2026, 9, 1))
    assert answer(case(date(2026, 9, 2), use="commercial", key=True)) == (False, "expired", date(2026, 9, 1))


def test_a_commercial_washers_fitted_part_has_one_month():
    fitted = date(2026, 10, 5)
    assert answer(case(date(2026, 11, 5), use="commercial", fitted=fitted)) == (True, "fitted_part", date(2026, 11, 5))
    assert answer(case(date(2026, 11, 6), use="commercial", fitted=fitted)) == (False, "expired", date(2026, 11, 5))


# -- air conditioners (seed 001 1.2) -----------------------------------------------------------

def test_a_household_air_conditioners_ordinary_parts_are_free_for_life():
    assert answer(case(date(2056, 3, 1), line="ac")) == (True, "lifetime", None)


def test_a_household_air_conditioners_compressor_is_covered_for_six_years():
    assert answer(case(date(2032, 3, 1), line="ac", key=True)) == (True, "key_component", date(2032, 3, 1))
    assert answer(case(date(2032, 3, 2), line="ac", key=True)) == (False, "expired", date(2032, 3, 1))


def test_an_air_conditioners_fitted_part_has_no_term_of_its_own():
    # a compressor fitted in 2031 is still bound by the six years from purchase
    result = answer(case(date(2032, 6, 1), line="ac", key=True, fitted=date(2031, 12, 1)))
    assert result == (False, "expired", date(2032, 3, 1))


def test_a_commercial_air_conditioner_covers_every_part_for_six_years():
    assert answer(case(date(2032, 3, 1), line="ac", use="commercial")) == (True, "unit", date(2032, 3, 1))
    assert answer(case(date(2032, 3, 2), line="ac", use="commercial")) == (False, "expired", date(2032, 3, 1))


def test_a_key_component_of_a_commercial_air_conditioner_is_named_for_its_own_rule_on_a_tie():
    assert answer(case(date(2030, 1, 1), line="ac", use="commercial", key=True)) == \
        (True, "key_component", date(2032, 3, 1))


# -- the month's last day ----------------------------------------------------------------------

def test_a_leap_day_purchase_runs_to_the_last_day_of_february():
    assert answer(case(date(2025, 2, 28), bought=date(2024, 2, 29))) == (True, "unit", date(2025, 2, 28))
    assert answer(case(date(2025, 3, 1), bought=date(2024, 2, 29))) == (False, "expired", date(2025, 2, 28))


def test_a_fitted_part_from_the_31st_runs_to_the_month_end():
    # bought 2026-10-01: the unit's three months end 2027-01-01; fitted 2027-01-31 + 1 month
    result = answer(case(date(2027, 2, 28), use="commercial", bought=date(2026, 10, 1), fitted=date(2027, 1, 31)))
    assert result == (True, "fitted_part", date(2027, 2, 28))


def test_a_purchase_on_the_31st_runs_to_the_30th_three_months_on():
    assert answer(case(date(2026, 11, 30), use="commercial", bought=date(2026, 8, 31))) == \
        (True, "unit", date(2026, 11, 30))


# -- days in earlier repairs (三包使用期扣除修理占用和待修时间) ------------------------------------

def test_domain_md_example_extends_the_key_components_term_by_three_repair_days():
    earlier = [repair(date(2026, 6, 1), date(2026, 6, 4))]
    d = decide(case(date(2026, 11, 20), key=True, repairs=earlier), DEFAULTS)
    assert d == Decision(True, "key_component", date(2029, 3, 4), None, unit_covered=True)


def test_repair_days_move_the_last_day_of_the_whole_unit_year():
    earlier = [repair(date(2026, 6, 1), date(2026, 6, 4))]
    assert answer(case(date(2027, 3, 4), repairs=earlier)) == (True, "unit", date(2027, 3, 4))
    assert answer(case(date(2027, 3, 5), repairs=earlier)) == (False, "expired", date(2027, 3, 4))


def test_repair_days_of_several_repairs_add_up():
    earlier = [repair(date(2026, 6, 1), date(2026, 6, 4), fault="E10"), repair(date(2026, 9, 1), date(2026, 9, 8))]
    assert answer(case(date(2027, 3, 11), repairs=earlier)) == (True, "unit", date(2027, 3, 11))


def test_overlapping_repairs_count_each_day_once():
    # 06-01..06-04 and 06-03..06-06: the appliance was away 06-01..06-06, five days
    earlier = [repair(date(2026, 6, 1), date(2026, 6, 4), fault="E10"), repair(date(2026, 6, 3), date(2026, 6, 6))]
    assert answer(case(date(2026, 12, 1), repairs=earlier)) == (True, "unit", date(2027, 3, 6))


def test_a_repair_completed_the_day_it_was_reported_adds_no_day():
    earlier = [repair(date(2026, 6, 1), date(2026, 6, 1))]
    assert answer(case(date(2027, 3, 2), repairs=earlier)) == (False, "expired", date(2027, 3, 1))


def test_an_earlier_repair_still_open_counts_up_to_this_report():
    earlier = [repair(date(2027, 2, 20), None, fault="E10")]
    # open 2027-02-20 .. 2027-03-05: 13 days -> 2027-03-14
    assert answer(case(date(2027, 3, 5), repairs=earlier)) == (True, "unit", date(2027, 3, 14))


def test_repair_days_are_added_after_the_month_end_is_taken():
    # 2024-02-29 + 12 months = 2025-02-28, + 2 days = 2025-03-02
    earlier = [repair(date(2024, 5, 1), date(2024, 5, 3))]
    assert answer(case(date(2025, 3, 2), bought=date(2024, 2, 29), repairs=earlier)) == \
        (True, "unit", date(2025, 3, 2))


def test_a_fitted_parts_own_term_is_not_extended_by_repair_days():
    # fitted 2027-02-10 (own term to 2027-05-10); nine repair days move only the unit year (to 2027-03-10)
    earlier = [repair(date(2027, 2, 1), date(2027, 2, 10))]
    result = answer(case(date(2027, 5, 11), fitted=date(2027, 2, 10), repairs=earlier))
    assert result == (False, "expired", date(2027, 5, 10))


# -- proof of purchase -------------------------------------------------------------------------

def test_without_proof_of_purchase_nothing_is_covered_and_there_is_no_sanbao():
    assert decide(case(date(2026, 3, 5), bought=None), DEFAULTS) == Decision(False, "no_proof", None, None)


def test_without_proof_a_lifetime_part_or_a_freshly_fitted_part_is_not_covered_either():
    assert decide(case(date(2030, 1, 1), line="ac", bought=None), DEFAULTS).basis == "no_proof"
    assert decide(case(date(2026, 3, 5), bought=None, fitted=date(2026, 3, 1)), DEFAULTS).in_warranty is False


@pytest.mark.parametrize("proof", ["invoice", "warranty_card"])
def test_an_invoice_and_a_warranty_card_prove_the_purchase_alike(proof):
    assert answer(case(date(2027, 3, 1), proof=proof)) == (True, "unit", date(2027, 3, 1))


# -- 三包 outcomes (seed 000 二.六, seed 003 八) --------------------------------------------------

@pytest.mark.parametrize("reported, outcome", [
    (date(2026, 3, 1), "return_or_exchange"),   # the day of purchase
    (date(2026, 3, 8), "return_or_exchange"),   # day 7
    (date(2026, 3, 9), "exchange"),             # day 8
    (date(2026, 3, 16), "exchange"),            # day 15
    (date(2026, 3, 17), None),                  # day 16
])
def test_the_sanbao_outcome_by_days_after_purchase(reported, outcome):
    assert decide(case(reported), DEFAULTS).sanbao == outcome


def test_the_same_fault_visited_three_times_before_gives_an_exchange():
    earlier = [repair(date(2026, m, 1), date(2026, m, 2)) for m in (5, 6, 7)]
    assert decide(case(date(2026, 8, 1), repairs=earlier), DEFAULTS).sanbao == "exchange"


def test_the_same_fault_visited_twice_before_gives_no_sanbao_yet():
    earlier = [repair(date(2026, m, 1), date(2026, m, 2)) for m in (5, 6)]
    assert decide(case(date(2026, 8, 1), repairs=earlier), DEFAULTS).sanbao is None


def test_visits_for_other_faults_or_without_a_visit_do_not_count_towards_the_third():
    earlier = [repair(date(2026, 5, 1), date(2026, 5, 2)), repair(date(2026, 6, 1), date(2026, 6, 2)),
               repair(date(2026, 7, 1), date(2026, 7, 2), fault="E10"),
               repair(date(2026, 7, 10), date(2026, 7, 11), visited=False)]
    assert decide(case(date(2026, 8, 1), repairs=earlier), DEFAULTS).sanbao is None


def test_the_repeat_rule_has_no_period_in_the_makers_promise():
    # seed 000 二.六 promises the exchange after three visits for the same fault with no period
    earlier = [repair(date(2027, m, 1), date(2027, m, 2)) for m in (5, 6, 7)]
    d = decide(case(date(2027, 8, 1), repairs=earlier), DEFAULTS)
    assert (d.in_warranty, d.sanbao) == (False, "exchange")


def test_a_fault_within_the_first_week_is_also_a_covered_repair():
    assert decide(case(date(2026, 3, 4)), DEFAULTS) == Decision(True, "unit", date(2027, 3, 1), "return_or_exchange", unit_covered=True)


# -- policy ------------------------------------------------------------------------------------

def test_hq_moves_the_months_through_the_policy_table():
    policy = Policy({"warranty_household_unit_months": 24})
    assert answer(case(date(2028, 3, 1)), policy) == (True, "unit", date(2028, 3, 1))


def test_when_hq_ends_free_parts_for_life_the_air_conditioners_unit_months_apply():
    policy = Policy({"warranty_ac_household_parts_for_life": False})
    assert answer(case(date(2032, 3, 2), line="ac"), policy) == (False, "expired", date(2032, 3, 1))


# -- cases that cannot have happened -----------------------------------------------------------

@pytest.mark.parametrize("build, field", [
    (lambda: case(date(2026, 2, 28)), "reported_on"),
    (lambda: case(date(2026, 5, 1), fitted=date(2026, 2, 1)), "part.fitted_on"),
    (lambda: case(date(2026, 5, 1), fitted=date(2026, 6, 1)), "part.fitted_on"),
    (lambda: case(date(2026, 5, 1), repairs=[repair(date(2026, 4, 3), date(2026, 4, 2))]), "repairs[0].completed_on"),
    (lambda: case(date(2026, 5, 1), repairs=[repair(date(2026, 2, 3), date(2026, 4, 2))]), "repairs[0].reported_on"),
    (lambda: case(date(2026, 5, 1), repairs=[repair(date(2026, 5, 2), None)]), "repairs[0].reported_on"),
    (lambda: case(date(2026, 5, 1), repairs=[repair(date(2026, 4, 20), date(2026, 5, 3))]), "repairs[0].completed_on"),
    (lambda: case(date(2026, 5, 1), line="fridge"), "product_line"),
    (lambda: case(date(2026, 5, 1), use="office"), "use"),
    (lambda: case(date(2026, 5, 1), bought=None, proof="invoice"), "proof"),
    (lambda: case(date(2026, 5, 1), proof="receipt"), "proof"),
    (lambda: case(datetime(2026, 5, 1, tzinfo=timezone.utc)), "reported_on"),
    (lambda: case(date(2026, 5, 1), fault=" "), "fault"),
])
def test_an_impossible_case_is_refused_naming_the_field(build, field):
    with pytest.raises(InvalidInput) as refused:
        build()
    assert refused.value.details["field"] == field
    assert refused.value.message.startswith(f"{field}: ")


# -- properties --------------------------------------------------------------------------------

days = st.integers(min_value=0, max_value=4000)
spans = st.lists(st.tuples(st.integers(0, 3000), st.integers(0, 60)), max_size=4)


@settings(max_examples=200, deadline=None)
@given(line=st.sampled_from(["washer", "ac"]), use=st.sampled_from(["household", "commercial"]),
       key=st.booleans(), age=days, spans=spans)
def test_covered_exactly_when_reported_on_or_before_until_and_repairs_never_shorten_it(line, use, key, age, spans):
    reported = date.fromordinal(BOUGHT.toordinal() + age + 3100)
    earlier = [repair(date.fromordinal(BOUGHT.toordinal() + s), date.fromordinal(BOUGHT.toordinal() + s + n))
               for s, n in spans]
    with_repairs = decide(case(reported, line=line, use=use, key=key, repairs=earlier), DEFAULTS)
    without = decide(case(reported, line=line, use=use, key=key), DEFAULTS)
    assert with_repairs.in_warranty == (with_repairs.until is None or reported <= with_repairs.until)
    if without.until is not None:
        assert with_repairs.until >= without.until


def test_the_sanbao_period_is_the_whole_units_extended_by_the_days_in_repair():
    terms = terms_for(DEFAULTS, "washer", "household")
    earlier = [repair(date(2026, 6, 1), date(2026, 6, 4))]  # three whole days in repair
    assert sanbao_until(case(date(2027, 3, 3), repairs=earlier), terms) == date(2027, 3, 4)
    assert in_sanbao_period(case(date(2027, 3, 4), repairs=earlier), terms)
    assert not in_sanbao_period(case(date(2027, 3, 5), repairs=earlier), terms)
    ac = terms_for(DEFAULTS, "ac", "household")  # parts free for life; the unit's six years bound its 三包 period
    assert in_sanbao_period(case(date(2032, 3, 1), line="ac"), ac)
    assert not in_sanbao_period(case(date(2032, 3, 2), line="ac"), ac)
