"""How the night's transfers share a sku that HQ holds too little of (optimizer.targets).

Lane costs in cents: HQ -> NEAR is cheap, HQ -> FAR dear. NEAR's target is 8, FAR's 4."""
from __future__ import annotations

import itertools

import pytest

from optimizer import targets
from optimizer.targets import _fair_tiers, _least_cost_moves

COST = {("HQ", "NEAR"): 100, ("HQ", "FAR"): 900, ("X", "NEAR"): 300, ("X", "FAR"): 200}


def test_a_short_sku_lifts_the_emptiest_warehouse_first_not_the_cheapest_lane():
    gaps, shares = {"NEAR": 6, "FAR": 4}, {"NEAR": (2, 8), "FAR": (0, 4)}
    assert _least_cost_moves({"HQ": 1}, gaps, COST) == [("HQ", "NEAR", 1)]                  # by cost alone
    assert _least_cost_moves({"HQ": 1}, gaps, COST, shares=shares) == [("HQ", "FAR", 1)]     # FAR is at 0 of 4
    # with 4 units: FAR's first (0 of 4) before NEAR's third (2 of 8), then by share again
    assert sorted(_least_cost_moves({"HQ": 4}, gaps, COST, shares=shares)) == [("HQ", "FAR", 2), ("HQ", "NEAR", 2)]


def test_when_supply_covers_every_gap_the_cheapest_lanes_decide_as_before():
    gaps, shares = {"NEAR": 6, "FAR": 4}, {"NEAR": (2, 8), "FAR": (0, 4)}
    supply = {"HQ": 6, "X": 4}
    assert sorted(_least_cost_moves(supply, gaps, COST, shares=shares)) == sorted(_least_cost_moves(supply, gaps, COST))


@pytest.mark.parametrize("position,gap,target", [(0, 4, 4), (2, 6, 8), (0, 1, 1), (3, 10, 5), (0, 7, 3), (5, 3, 20)])
def test_the_bands_count_every_unit_of_the_gap_once_in_order_of_the_share_it_lifts_from(position, gap, target):
    tiers = _fair_tiers({"W": gap}, {"W": (position, target)})
    assert sum(tiers.values()) == gap
    expected = [min(targets.FAIR_TIERS - 1, targets.FAIR_TIERS * p // target) for p in range(position, position + gap)]
    assert tiers == {("W", k): len(list(g)) for k, g in itertools.groupby(expected)}


def test_rationing_moves_no_more_than_the_supply_and_fills_no_gap_beyond_itself():
    gaps = {"A": 5, "B": 3, "C": 9}
    shares = {"A": (0, 5), "B": (1, 4), "C": (0, 9)}
    cost = {("HQ", w): c for w, c in zip("ABC", (500, 100, 300))}
    for units in range(0, 20):
        moves = _least_cost_moves({"HQ": units}, gaps, cost, shares=shares)
        moved = {d: q for _, d, q in moves}
        assert sum(moved.values()) == min(units, sum(gaps.values()))
        assert all(moved[d] <= gaps[d] for d in moved)
        # the lowest share any warehouse is left at is as high as a unit count allows: no unit
        # goes to a warehouse while another stands a full band below it
        if 0 < units < sum(gaps.values()):
            band = {d: targets.FAIR_TIERS * (shares[d][0] + moved.get(d, 0)) // shares[d][1] for d in gaps}
            fed = [d for d in moved if moved[d] > 0]
            assert all(band[d] <= min(band[e] for e in gaps if moved.get(e, 0) < gaps[e]) + 1 for d in fed)
