"""The demand forecast: priors for new parts, learned levels, a known season, regions, change points."""
from __future__ import annotations

import numpy as np
import pytest

from optimizer.forecast import History, fit, season_curve


def history_of(rate_of_day, days: int, today_doy: int, seed: int = 0) -> History:
    """Poisson history over `days` days before today; `rate_of_day(doy)` -> (sku, region) units a day."""
    rng = np.random.default_rng(seed)
    age, sku, region, qty = [], [], [], []
    for a in range(1, days + 1):
        doy = (today_doy - 1 - a) % 365 + 1
        counts = rng.poisson(rate_of_day(doy))
        j, r = np.nonzero(counts)
        age.append(np.full(len(j), a))
        sku.append(j)
        region.append(r)
        qty.append(counts[j, r].astype(float))
    return History(*(np.concatenate(x) for x in (age, sku, region)), np.concatenate(qty), days)


def test_a_part_without_history_is_forecast_from_the_master_data():
    f = fit(History.empty(), np.array([0.5, 0.01]), np.array([False, False]), np.array([3.0, 1.0]), 100)
    assert f.national(100) == pytest.approx([0.5, 0.01])
    assert f.share[0] == pytest.approx([0.75, 0.25])


def test_a_busy_part_follows_its_history_and_a_slow_one_stays_near_its_estimate():
    true = np.array([[2.0, 2.0], [0.002, 0.002]])  # the first sells 4 a day, estimated at 1
    h = history_of(lambda doy: true, 200, 250)
    f = fit(h, np.array([1.0, 0.01]), np.zeros(2, bool), np.array([1.0, 1.0]), 250)
    assert f.national(250)[0] == pytest.approx(4.0, rel=0.1)
    assert 0.004 < f.national(250)[1] < 0.01   # a few sales: pulled from 0.01 towards 0.004, not onto it


def test_the_season_of_summer_parts_is_learned():
    n, amplitude = 40, 0.8
    base = np.linspace(0.5, 3.0, n)

    def rate(doy):
        return (base * (1 + amplitude * season_curve(doy)))[:, None] * np.ones((1, 2)) / 2

    h = history_of(rate, 300, 330, seed=1)
    f = fit(h, base, np.ones(n, bool), np.ones(2), 330)
    assert f.amplitude.mean() == pytest.approx(amplitude, abs=0.1)
    july, january = f.national(196), f.national(15)
    assert (july / january).mean() == pytest.approx((1 + amplitude) / (1 - amplitude), rel=0.25)


def test_a_flat_part_gets_no_season():
    h = history_of(lambda doy: np.array([[1.0]]), 120, 200)
    f = fit(h, np.array([1.0]), np.array([False]), np.ones(1), 200)
    assert f.amplitude[0] == 0.0 and f.national(196)[0] == f.national(15)[0]


def test_a_part_whose_demand_changed_is_followed_within_weeks():
    def rate(doy):  # a new model: nothing until 40 days ago, then 3 a day
        return np.array([[3.0 if doy > 160 else 0.0], [1.0]])

    h = history_of(rate, 150, 201, seed=2)
    f = fit(h, np.array([1.0, 1.0]), np.zeros(2, bool), np.ones(1), 201)
    assert f.national(201)[0] == pytest.approx(3.0, rel=0.2)
    assert f.national(201)[1] == pytest.approx(1.0, rel=0.2)


def test_a_region_that_buys_more_of_a_part_gets_more_of_its_forecast():
    true = np.array([[3.0, 1.0], [1.0, 1.0]])
    h = history_of(lambda doy: true, 120, 200, seed=3)
    f = fit(h, np.array([2.0, 2.0]), np.zeros(2, bool), np.array([1.0, 1.0]), 200)
    assert f.share[0, 0] == pytest.approx(0.75, abs=0.06) and f.share[1, 0] == pytest.approx(0.5, abs=0.08)


def test_units_over_a_horizon_sum_the_daily_rates():
    f = fit(History.empty(), np.array([1.0]), np.array([True]), np.ones(1), 100)
    assert f.units(30).sum() == pytest.approx(sum(f.national((100 + d - 1) % 365 + 1)[0] for d in range(30)))


def test_a_part_without_an_estimate_follows_its_history():
    h = history_of(lambda doy: np.array([[2.0], [0.5]]), 60, 200, seed=0)
    f = fit(h, np.array([0.0, 0.5]), np.zeros(2, bool), np.ones(1), 200)
    assert f.national(200)[0] == pytest.approx(2.0, rel=0.2)


def test_history_that_contradicts_the_estimate_wins_quickly():
    h = history_of(lambda doy: np.array([[2.0]]), 30, 200, seed=5)  # estimated at one a month
    f = fit(h, np.array([1 / 30]), np.zeros(1, bool), np.ones(1), 200)
    assert f.national(200)[0] == pytest.approx(2.0, rel=0.25)


def test_what_is_not_yet_known_shrinks_with_history():
    prior = np.array([1.0, 1.0])
    short = fit(history_of(lambda doy: np.ones((2, 1)), 7, 200), prior, np.zeros(2, bool), np.ones(1), 200)
    long = fit(history_of(lambda doy: np.ones((2, 1)), 200, 200), prior, np.zeros(2, bool), np.ones(1), 200)
    assert (long.dispersion < short.dispersion).all()
