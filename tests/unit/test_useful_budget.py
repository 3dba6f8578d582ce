"""The self-correction's excess spread over the year (`stock_plan.useful_budget`): pure arithmetic,
checked against the drain written out by hand."""
import numpy as np
import pytest

from optimizer.stock_plan import hq_excess, useful_budget as _useful

HQ = 0


def useful_budget(budget, held, units, hq, levels, rate, value, **kw):
    return _useful(budget, held, hq_excess(units, hq, levels), rate, value, **kw)


def held(hq_units, regional_units):
    return np.array([[h, r] for h, r in zip(hq_units, regional_units)], dtype=float)


def test_no_excess_leaves_budget_and_stock_alone():
    units = held([2, 0], [3, 5])
    assert useful_budget(1000.0, 900.0, units, HQ, np.array([5.0, 5.0]), np.array([1.0, 1.0]),
                         np.array([10.0, 10.0])) == (1000.0, 900.0)


def test_excess_that_sells_within_the_horizon_counts_its_triangle():
    # 10 units above the level at HQ, selling 1 a day: gone in 10 of 100 days, 10*10/2 unit-days
    units = held([15], [0])
    budget, stock = useful_budget(1000.0, 800.0, units, HQ, np.array([5.0]), np.array([1.0]), np.array([20.0]),
                                  horizon=100.0)
    assert budget == pytest.approx(1000.0 - 20.0 * (10 * 10 / 2) / 100)
    assert stock == pytest.approx(800.0 - 20.0 * 10)


def test_excess_outlasting_the_horizon_counts_its_trapezoid():
    # 50 units above the level, selling 0.1 a day: after 100 days 40 remain; average 45
    units = held([50], [0])
    budget, stock = useful_budget(5000.0, 4000.0, units, HQ, np.array([0.0]), np.array([0.1]), np.array([10.0]),
                                  horizon=100.0)
    assert budget == pytest.approx(5000.0 - 10.0 * 45)
    assert stock == pytest.approx(4000.0 - 10.0 * 50)


def test_a_sku_nobody_asks_for_keeps_its_whole_excess_and_the_budget_keeps_half():
    units = held([100], [0])
    budget, stock = useful_budget(1000.0, 1500.0, units, HQ, np.array([0.0]), np.array([0.0]), np.array([10.0]))
    assert budget == 500.0            # 1000 of excess on average: never below half the budget
    assert stock == 500.0


def test_regional_stock_above_its_level_is_not_counted_again():
    # the placement already charges regional surplus: only what HQ holds of the excess counts
    units = held([4], [30])
    budget, stock = useful_budget(1000.0, 900.0, units, HQ, np.array([10.0]), np.array([0.0]), np.array([1.0]))
    assert (budget, stock) == (996.0, 896.0)


def test_a_budget_year_counts_the_excess_its_earlier_plans_found():
    # 10 units above the level selling 1 a day, 100 days left of a 400-day year, and 2,000 RMB x
    # days of excess the year's earlier plans found: the year's average is both over 400 days
    units = held([15], [0])
    value = np.array([20.0])
    budget, stock = useful_budget(1000.0, 800.0, units, HQ, np.array([5.0]), np.array([1.0]), value,
                                  horizon=100.0, spent=2000.0, year_days=400.0)
    ahead = 20.0 * (10 * 10 / 2)                     # RMB x days the 10 units hold while they sell
    assert budget == pytest.approx(1000.0 - (2000.0 + ahead) / 400.0)
    assert stock == pytest.approx(800.0 - 20.0 * 10)
    # the same excess on a rolling year counts only what lies ahead, and more of it per day
    rolling, _ = useful_budget(1000.0, 800.0, units, HQ, np.array([5.0]), np.array([1.0]), value, horizon=100.0)
    assert rolling == pytest.approx(1000.0 - ahead / 100.0)
