"""Every number HQ sets is checked against its key's range before it is saved: nothing negative
(hours, days, money, shares, counts), shares at most 1, an hour of the day at most 23."""
from __future__ import annotations

from decimal import Decimal

import pytest

from inventory.errors import InvalidInput
from inventory.policy import DEFAULTS, _in_range, parse_value


@pytest.mark.parametrize("key, raw, code", [
    ("promise_hours", "-5", "policy.below_least"),
    ("promise_hours", "0", "policy.below_least"),
    ("promise_hours", "100000", "policy.above_most"),
    ("stock_budget", "-1", "policy.below_least"),
    ("stock_budget", "0", "policy.below_least"),
    ("target_service_z", "1e9", "policy.above_most"),
    ("optimizer_nightly_hour_utc", "24", "policy.above_most"),
    ("seven_day_target", "1.5", "policy.above_most"),
    ("fine_point_over_7d", "-200.00", "policy.below_least"),
    ("return_due_days", "-1", "policy.below_least"),
    ("return_due_days", "0", "policy.below_least"),
    ("list_price_markup", "0", "policy.below_least"),
    ("hq_keep_days", "11", "policy.above_most"),
    ("fine_point_over_72h", "50.125", "policy.money_too_precise"),
    ("visit_fee_county", "22.001", "policy.money_too_precise"),
    ("stock_budget", "30000000.005", "policy.money_too_precise"),
    ("fine_point_over_7d", "1e27", "policy.above_most"),  # quantize raised beyond 28 digits: a 500 page
    ("stock_budget", "1e30", "policy.above_most"),
])
def test_a_value_out_of_its_keys_range_is_refused_with_its_code(key, raw, code):
    with pytest.raises(InvalidInput) as refused:
        _in_range(key, parse_value(key, raw))
    assert refused.value.code == code


@pytest.mark.parametrize("key, raw", [("promise_hours", "1"), ("optimizer_nightly_hour_utc", "0"),
                                      ("optimizer_nightly_hour_utc", "23"), ("seven_day_target", "1"),
                                      ("fine_point_over_7d", "0"), ("stock_budget", "20000000.00"),
                                      ("fine_point_over_72h", "50.1"), ("visit_fee_county", "22"), ("fine_point_over_72h", "50.100"),
                                      ("target_service_z", "1.655")])
def test_the_ends_of_a_range_are_taken(key, raw):
    assert _in_range(key, parse_value(key, raw)) == parse_value(key, raw)


def test_every_default_lies_within_its_own_range():
    for key, item in DEFAULTS.items():
        assert _in_range(key, item.default) == item.default, key


def test_no_number_is_left_without_a_floor():
    numbers = [k for k, i in DEFAULTS.items() if isinstance(i.default, (int, Decimal)) and not isinstance(i.default, bool)]
    assert numbers and all(
        pytest.raises(InvalidInput, _in_range, key, -1 if isinstance(DEFAULTS[key].default, int) else Decimal("-1"))
        for key in numbers)


def test_a_decimal_in_exponent_form_is_kept_as_a_plain_one():
    """The optimizer reads money as plain decimals: '1E+3' failed every nightly run."""
    assert str(parse_value("optimizer_value_on_time", "1e3")) == "1000"
    assert str(parse_value("target_service_z", "1.65")) == "1.65"


@pytest.mark.parametrize("raw", ['{"广东": "1.5"}', '{"广西": "-1"}', '{"湖南": "abc"}', '{"湖南": null}'])
def test_a_provinces_three_day_target_is_a_share(raw):
    with pytest.raises(InvalidInput) as refused:
        parse_value("three_day_targets", raw)
    assert refused.value.code == "policy.not_valid"
    assert parse_value("three_day_targets", '{"广东": "0.85", "云南": 0.7}') == {"广东": "0.85", "云南": 0.7}
