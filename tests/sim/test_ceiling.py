"""The ceiling the simulated truth sets on the on-time rate, whatever the stock."""
from __future__ import annotations

import numpy as np
import pytest

from simulation.ceiling import Parcels, best_k, ceilings, cheapest_in_promise, lane_reach, wait_beyond_handling
from simulation.setup import build_world


def test_a_line_waits_beyond_handling_only_after_the_last_wave():
    waits = wait_beyond_handling(np.array([8.5, 12.0, 16.9, 17.0, 18.0, 20.0]))
    # within the day's waves a line ships within the handling time its lane already holds;
    # at 17:00 the wave has gone (the engine queues it first) and the line ships at 09:00
    assert waits.tolist() == pytest.approx([0.0, 0.0, 0.0, 8.0, 7.0, 5.0])
    assert wait_beyond_handling(np.array([20.0]), waves=(9.0, 13.0, 17.0, 21.0)).tolist() == [0.0]


def test_short_lanes_always_arrive_long_ones_never_and_between_less_the_longer():
    parcels = Parcels.draw(20_000, dealer_share=0.15, seed=3)
    assert parcels.on_time(12.0) == 1.0          # 12 h + 8 h night wait + 24 h hold still fits
    assert parcels.on_time(49.0) < 0.5 and parcels.on_time(72.0) == 0.0  # a fast carrier saves a 49 h lane at times
    assert parcels.on_time(np.inf) == 0.0
    shares = [parcels.on_time(h) for h in (24.0, 32.0, 38.0, 44.0, 47.0)]
    assert shares == sorted(shares, reverse=True) and shares[-1] < 0.5 < shares[0] < 1.0
    evening = Parcels.draw(20_000, dealer_share=0.15, seed=3, waves=(9.0, 13.0, 17.0, 21.0))
    assert evening.on_time(38.0) > parcels.on_time(38.0)   # an evening wave saves the night's wait


def test_best_k_takes_the_warehouse_that_covers_most_then_the_one_that_adds_most():
    reach = np.array([[1.0, 1.0, 0.0, 0.0],    # covers the two heavy points
                      [0.0, 0.0, 1.0, 0.5],
                      [0.0, 1.0, 1.0, 1.0]])
    weight = np.array([0.4, 0.3, 0.2, 0.1])
    out = best_k(reach, weight, ks=(1, 2))
    assert out[1] == (pytest.approx(0.7), [0])
    assert out[2] == (pytest.approx(1.0), [0, 2])
    hours = np.array([[10.0, np.inf], [47.0, 10.0]])
    assert lane_reach(hours, Parcels.draw(1000, 0.0, seed=1)).tolist()[0] == [1.0, 0.0]


def test_the_cheapest_holder_in_the_promise_serves_a_point_even_when_a_dearer_one_lands_more_in_time():
    reach = np.array([[0.6, 1.0], [0.9, 0.0], [1.0, 1.0]])
    hours = np.array([[44.0, 10.0], [30.0, 60.0], [20.0, 12.0]])
    cost = np.array([[1.0, 1.0], [2.0, 1.0], [3.0, 2.0]])
    weight = np.array([0.5, 0.5])
    # point 0: member 0 is cheapest within 48 h (0.6) though member 1 lands 0.9; point 1: member 0 (1.0)
    assert cheapest_in_promise(reach, hours, cost, weight, [0, 1]) == pytest.approx(0.5 * 0.6 + 0.5 * 1.0)
    assert cheapest_in_promise(reach, hours, cost, weight, [1]) == pytest.approx(0.5 * 0.9)  # point 1: none in 48 h
    reach[1, 1] = 0.2  # a fast carrier lands a 60 h lane in time at times: the late option, the fastest, is taken
    assert cheapest_in_promise(reach, hours, cost, weight, [1]) == pytest.approx(0.5 * 0.9 + 0.5 * 0.2)
    assert cheapest_in_promise(reach, hours, cost, weight, [1, 2]) == pytest.approx(0.5 * 0.9 + 0.5 * 1.0)


def test_the_national_ceiling_matches_the_lanes_and_lies_below_them():
    out = ceilings(build_world("national", 1, 1.0).simulated, samples=20_000)
    # on the lanes' nominal hours seven warehouses reach all that any reaches (issue 17's figure)
    assert out["best_k_nominal"][7] == pytest.approx(out["every_warehouse_nominal"])
    assert out["every_warehouse_nominal"] == pytest.approx(0.9994, abs=0.0002)
    rates = [rate for rate, _ in out["best_k"].values()]
    assert rates == sorted(rates) and rates[-1] <= out["every_warehouse"] < out["every_warehouse_nominal"]
    assert out["hq_only"] < rates[0] and out["best_k"][1][1] == ["HB1"]
    # the lanes' costs follow their hours: submit's cheapest holder is nearly always the one that lands most
    for k, (rate, _) in out["best_k"].items():
        assert rate - 0.002 < out["best_k_cheapest"][k] <= rate + 1e-12
    assert 0.05 < out["dealer_share"] < 0.5


def test_the_reports_notes_name_the_runs_own_pick_waves():
    """A run with an evening wave must not be described with three waves."""
    from simulation.report import model_notes

    three, four = model_notes((9.0, 13.0, 17.0)), model_notes((9.0, 13.0, 17.0, 21.0))
    assert "pick waves at 09:00, 13:00 and 17:00" in three and "after the 17:00 wave" in three
    assert "pick waves at 09:00, 13:00, 17:00 and 21:00" in four and "after the 21:00 wave" in four
    assert "{" not in four
