"""Stock placement: the model's optimum on networks small enough to enumerate, and its behaviour."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from optimizer import placement
from optimizer.placement import (MODES, NIGHTLY_BATCH_DAYS, Instance, Network, backup, fill, holder_sets, on_hand, reach,
                                 reserve_level, service, solve)


def line_network(hq_hours=(20.0, 60.0, 60.0), far_hours=(60.0, 20.0, 60.0), third=(60.0, 60.0, 20.0)) -> Network:
    """HQ and two regional warehouses; three regions of one point each, each near one warehouse."""
    hours = np.array([hq_hours, far_hours, third])
    return Network(["HQ", "R1", "R2"], 0, np.array([0, 1, 2]), np.ones(3), 3, hours, hours / 10,
                   np.array([0.0, 2.0, 2.0]), 14.0)


def test_a_lane_within_the_promise_less_the_evening_wait_is_always_on_time():
    assert reach(np.array([20.0, 40.0]))[0] == reach(np.array([40.0]))[0] == 1.0
    r = reach(np.array([41.0, 44.0, 48.0, 49.0]), evening_share=0.25)
    assert 0.75 < r[0] < 1.0 and r[1] == r[2] == 0.75 and r[3] == 0.0


def test_a_lane_whose_parcels_run_late_reaches_its_points_less_often():
    ratios = np.sort(np.random.default_rng(1).normal(0.0, 0.1, 2000))
    clockwork, late = reach(np.array([30.0, 46.0])), reach(np.array([30.0, 46.0]), late_ratios=ratios)
    assert late[0] == pytest.approx(clockwork[0], abs=0.01)          # 18 h to spare
    assert 0.3 < late[1] < clockwork[1] - 0.1                         # 2 h to spare on a 46 h lane


def test_a_lane_reaches_as_often_as_the_waits_history_shows_leave_it_time():
    hours = np.array([30.0, 40.0, 41.0, 44.0, 49.0])
    assert reach(hours, waits=np.zeros(100)).tolist() == [1.0, 1.0, 1.0, 1.0, 0.0]
    assert reach(hours, waits=np.full(100, 8.0)).tolist() == [1.0, 1.0, 0.0, 0.0, 0.0]
    half = reach(hours, waits=np.r_[np.zeros(50), np.full(50, 6.0)])
    assert half.tolist() == [1.0, 1.0, 1.0, 0.5, 0.0]
    # with no pick-wave waits at all (an evening wave) a 44 h lane is on time whenever its
    # carrier is: better than the evening-share model's 5-8 h for a quarter of the lines
    ratios = np.sort(np.random.default_rng(2).normal(0.0, 0.03, 2000))
    assert reach(np.array([44.0]), late_ratios=ratios, waits=np.zeros(10))[0] > 0.99
    assert reach(np.array([44.0]), late_ratios=ratios)[0] < 0.8
    # dealers' 17:00 orders wait the whole night: a sample of 8 h waits reaches less than 5-8 h
    nights = reach(np.array([42.0]), late_ratios=ratios, waits=np.r_[np.zeros(64), np.full(36, 8.0)])
    assert nights[0] < reach(np.array([42.0]), evening_share=0.36, late_ratios=ratios)[0]


def test_the_last_plans_hub_set_stays_while_it_covers_nearly_as_much():
    """Two warehouses cover the country but for one point each: a week's shift in the regions'
    demand makes the other one best by a little; the set the stock sits at stays unless the new
    one covers clearly more."""
    hours = np.array([[80.0, 80.0, 80.0],      # HQ, far from all
                      [10.0, 10.0, 80.0],      # A misses the third point
                      [80.0, 10.0, 10.0]])     # B misses the first
    net = Network(["HQ", "A", "B"], 0, np.array([0, 1, 2]), np.ones(3), 3, hours, hours / 10,
                  np.array([0.0, 2.0, 2.0]), 14.0)
    weight = np.array([0.34, 0.32, 0.34 - 0.005])   # A covers 0.66, B 0.655
    hub = dict(holder_sets(net, weight))["hubs:1"]
    assert hub.tolist() == [False, True, False]
    was_b = {1: np.array([False, False, True])}
    assert dict(holder_sets(net, weight, previous=was_b, keep_within=0.01))["hubs:1"].tolist() == [False, False, True]
    assert dict(holder_sets(net, weight, previous=was_b, keep_within=0.001))["hubs:1"].tolist() == [False, True, False]
    # a set with HQ in it is never kept over the new greedy one (HQ's levels are reserves too)
    with_hq = {1: np.array([True, False, False])}
    assert dict(holder_sets(net, weight, previous=with_hq, keep_within=1.0))["hubs:1"].tolist() == [False, True, False]


def test_poisson_base_stock_curves():
    mean = np.array([[2.0]])
    levels = np.arange(0, 30)[None, :]
    f = fill(levels, mean, (1.0,))
    assert f[0, 0] == 0.0 and f[0, 1] == pytest.approx(np.exp(-2.0)) and f[0, -1] == pytest.approx(1.0)
    h = on_hand(levels, mean)
    assert h[0, 0] == 0.0 and h[0, 1] == pytest.approx(np.exp(-2.0))  # one unit, on hand when nothing came
    assert h[0, -1] == pytest.approx(29 - 2.0)  # far above demand: S - mean
    assert (np.diff(h[0]) >= 0).all() and (np.diff(f[0]) >= 0).all()
    r = reserve_level(np.array([0.0, 0.5, 40.0]))
    assert r[0] == 0 and fill(r[1:, None], np.array([[0.5], [40.0]]), (1.0,)).min() >= 0.97


def test_each_point_is_served_by_its_best_holder():
    net = line_network()
    served, on_time = service(net, np.array([True, True, False]))
    assert served[0, 0] == 1 and served[1, 1] == 1 and served[2].sum() == 1  # region 2 still goes somewhere
    assert on_time[2].sum() == 0.0 and on_time[0, 0] == 1.0


def _model_value(inst: Instance, sets, choice) -> tuple[float, float]:
    """The model's on-time units a day and stock value of one full choice, computed directly:
    per sku (holder set, mode, levels of the holders)."""
    net, gain, cost = inst.network, 0.0, 0.0
    for j, (s, mode, levels) in enumerate(choice):
        _, holders = sets[s]
        served, on_time = service(net, holders, inst.evening_share, inst.promise_hours)
        lam, tau = inst.rate[j] @ served, inst.rate[j] @ on_time
        tau2 = placement.BACKUP_FILL * (inst.rate[j] @ backup(net, holders, inst.evening_share, inst.promise_hours))
        national = inst.rate[j].sum() * net.supplier_days
        if mode == "reserve":
            r = reserve_level(np.array([national]))[0]
            cycle = inst.rate[j].sum() * net.review_days / 2 if r > 0 else 0.0
            cost += inst.unit_cost[j] * (on_hand(np.array([[r]]), np.array([[national]]))[0, 0] + cycle)
            if holders[net.hq]:
                f = fill(np.array([[r]]), np.array([[national]]), inst.qty_shares)[0, 0]
                gain += tau2[net.hq] + (tau[net.hq] - tau2[net.hq]) * f
        for w, level in zip(np.flatnonzero(holders), levels):
            if (w == net.hq and mode == "reserve") or lam[w] <= 0:
                continue
            lead = net.supplier_days if w == net.hq else net.transfer_days[w] + (
                net.supplier_days if mode == "through" else 0.0)
            m = np.array([[lam[w] * lead]])
            batch = net.review_days if (mode == "through" or w == net.hq) else NIGHTLY_BATCH_DAYS
            f = fill(np.array([[level]]), m, inst.qty_shares)[0, 0]
            gain += tau2[w] + (tau[w] - tau2[w]) * f
            cost += inst.unit_cost[j] * (on_hand(np.array([[level]]), m)[0, 0] + (lam[w] * batch / 2 if level else 0))
    return gain, cost


def _enumerate(inst: Instance, max_level: int = 4) -> float:
    """The best on-time units a day over every holder set, mode and levels up to `max_level`."""
    net = inst.network
    weight = inst.rate.sum(axis=0) / inst.rate.sum()
    sets = holder_sets(net, weight, inst.evening_share, inst.promise_hours)
    values = []  # per sku: (gain, cost) of each of its options
    for j in range(len(inst.skus)):
        one = Instance(net, [inst.skus[j]], inst.unit_cost[j:j + 1], inst.rate[j:j + 1], inst.budget)
        options = [(s, mode, levels) for s, (_, holders) in enumerate(sets) for mode in MODES
                   for levels in itertools.product(range(max_level + 1), repeat=int(holders.sum()))]
        values.append(np.array([_model_value(one, sets, [o]) for o in options]))
    gain, cost = values[0][:, 0], values[0][:, 1]
    for more in values[1:]:
        gain = (gain[:, None] + more[None, :, 0]).ravel()
        cost = (cost[:, None] + more[None, :, 1]).ravel()
    return float(gain[cost <= inst.budget].max())


@pytest.mark.parametrize("lateral", [0.0, 0.8])
@pytest.mark.parametrize("budget", [60.0, 150.0, 400.0])
def test_the_placement_finds_the_enumerated_optimum_within_its_gap(budget, lateral, monkeypatch):
    monkeypatch.setattr(placement, "BACKUP_FILL", lateral)
    net = line_network()
    rate = np.array([[0.02, 0.01, 0.0], [0.0, 0.03, 0.02]])
    inst = Instance(net, ["A", "B"], np.array([100.0, 80.0]), rate, budget=budget)
    plan = solve(inst)
    optimum = _enumerate(inst)
    assert plan.stock_value <= budget + 1e-9
    assert plan.upper_bound >= optimum - 1e-9            # the bound is a bound
    assert plan.expected_on_time <= optimum + 1e-9       # the plan is a plan of the model
    assert plan.expected_on_time >= optimum * (1 - plan.gap) - 1e-9
    assert plan.expected_on_time == pytest.approx(optimum, rel=0.05)


def test_stock_for_a_far_region_sits_in_its_own_warehouse_not_at_hq():
    net = line_network()
    rate = np.array([[0.0, 0.0, 2.0]])  # all demand near R2, 60 h from HQ
    plan = solve(Instance(net, ["A"], np.array([50.0]), rate, budget=2000.0))
    targets = plan.targets()
    assert targets.get(("R2", "A"), 0) > 0 and plan.on_time_rate > 0.9


def test_a_slow_part_is_pooled_in_a_hub_when_the_budget_is_tight():
    hours = np.array([[20.0, 44.0, 70.0], [44.0, 20.0, 44.0], [70.0, 44.0, 20.0]])
    net = Network(["HQ", "MID", "FAR"], 0, np.array([0, 1, 2]), np.ones(3), 3, hours, hours / 10,
                  np.array([0.0, 2.0, 2.0]), 14.0)
    rate = np.array([[0.002, 0.002, 0.002]])  # one unit every half year in each region
    plan = solve(Instance(net, ["SLOW"], np.array([100.0]), rate, budget=100.0))
    assert plan.targets() == {("MID", "SLOW"): 1}  # the middle warehouse reaches all three in time


def test_more_budget_never_serves_fewer_lines_and_the_gap_stays_small():
    rng = np.random.default_rng(3)
    W, P, R, n = 6, 40, 4, 60
    here, there = rng.uniform(0, 10, (W, 2)), rng.uniform(0, 10, (P, 2))
    km = np.sqrt(((here[:, None] - there[None]) ** 2).sum(-1))
    region = rng.integers(0, R, P)
    share = 1.0 / np.bincount(region, minlength=R)[region]
    net = Network([f"W{i}" for i in range(W)], 0, region, share, R, 10 + 6 * km, 2 + km / 5, np.full(W, 2.0), 17.0)
    rate = rng.gamma(0.5, 0.2, (n, 1)) * rng.dirichlet(np.ones(R), n)
    cost = rng.uniform(50, 300, n)
    rates = []
    for budget, gap in ((2_000, 0.03), (8_000, 0.01), (30_000, 0.01), (100_000, 0.01)):
        plan = solve(Instance(net, [f"S{j}" for j in range(n)], cost, rate, budget=budget))
        assert plan.stock_value <= budget and plan.gap < gap  # a duality gap shrinks as skus are added
        rates.append(plan.on_time_rate)
    assert rates == sorted(rates) and rates[-1] > 0.95


def test_a_part_whose_minimum_order_outweighs_its_worth_is_not_bought_when_money_is_short():
    net = line_network()
    rate = np.array([[0.002, 0.002, 0.002], [0.5, 0.5, 0.5]])  # a part sold twice a year, and a busy one
    cost = np.array([50.0, 50.0])
    loose = solve(Instance(net, ["SLOW", "BUSY"], cost, rate, budget=3000.0))
    bound = solve(Instance(net, ["SLOW", "BUSY"], cost, rate, budget=3000.0, min_order=np.array([200.0, 1.0])))
    assert any(sku == "SLOW" for _, sku in loose.targets()) and loose.holders[0] != "none"
    assert bound.holders[0] == "none" and not any(sku == "SLOW" for _, sku in bound.targets())
    assert bound.stock_value <= 3000.0


def test_a_plans_figures_are_python_floats_for_json():
    """The curves are float32 to save memory; what a plan reports must still serialise."""
    import json

    rate = np.array([[0.2, 0.1, 0.0], [0.0, 0.3, 0.2]])
    plan = solve(Instance(line_network(), ["A", "B"], np.array([100.0, 80.0]), rate, budget=300.0))
    assert 0 < plan.stock_value <= 300.0
    json.dumps({"on_time": plan.on_time_rate, "stock": plan.stock_value, "bound": plan.upper_bound,
                "gap": plan.gap, "price": plan.price})


def test_stock_already_at_a_holder_is_used_rather_than_counted_as_surplus():
    """R1 reaches every point in time. The part sells once in half a year per region: on its
    own, one or two units at R1 are worth their money. With four already at R1 (bought for a
    season past), a level below four would keep them anyway (they sell too slowly to drain) and
    count them as surplus, so the plan's level at R1 takes all four."""
    hours = np.array([[60.0, 60.0, 60.0], [30.0, 30.0, 30.0], [60.0, 60.0, 30.0]])
    net = Network(["HQ", "R1", "R2"], 0, np.array([0, 1, 2]), np.ones(3), 3, hours, hours / 10,
                  np.array([0.0, 2.0, 2.0]), 14.0)
    rate = np.array([[0.002, 0.002, 0.002]])
    fresh = solve(Instance(net, ["SLOW"], np.array([100.0]), rate, budget=250.0))
    assert 1 <= fresh.targets().get(("R1", "SLOW"), 0) <= 2
    held = solve(Instance(net, ["SLOW"], np.array([100.0]), rate, budget=500.0,
                          held=np.array([[0.0, 4.0, 0.0]])))
    assert held.targets().get(("R1", "SLOW"), 0) >= 4 and held.stock_value <= 500.0
    # a budget below what already sits there: the least-cost plan, its stock reported honestly
    short = solve(Instance(net, ["SLOW"], np.array([100.0]), rate, budget=200.0,
                           held=np.array([[0.0, 4.0, 0.0]])))
    assert short.stock_value > 350.0


def test_stranded_stock_counts_against_the_budget():
    """Stock at a warehouse the plan cannot use still costs: with all the budget already sitting
    where it serves nothing, the plan places no more."""
    net = line_network()
    rate = np.array([[0.0, 0.0, 0.5]])           # all demand near R2
    held = np.array([[0.0, 10.0, 0.0]])          # ten units stranded at R1, 60 h from it
    free = solve(Instance(net, ["A"], np.array([100.0]), rate, budget=2000.0))
    counted = solve(Instance(net, ["A"], np.array([100.0]), rate, budget=2000.0, held=held))
    assert free.expected_on_time > 0
    assert counted.stock_value <= 2000.0 + 1e-9
    assert counted.stock_value >= 1000.0          # the stranded units are in the plan's stock
    assert counted.expected_on_time < free.expected_on_time
    assert counted.holders == ["hubs:1"]          # the stranded warehouse is not made a holder


def test_hq_stock_is_never_stranded():
    net = line_network()
    rate = np.array([[0.0, 0.0, 0.5]])
    held = np.array([[5.0, 0.0, 0.0]])
    a = solve(Instance(net, ["A"], np.array([100.0]), rate, budget=2000.0))
    b = solve(Instance(net, ["A"], np.array([100.0]), rate, budget=2000.0, held=held))
    assert a.targets() == b.targets() and a.stock_value == pytest.approx(b.stock_value)


def test_hqs_spare_stock_goes_to_the_holders_at_no_extra_cost(monkeypatch):
    """HQ reaches nothing in time; R1 reaches every point. A slow part: with a budget too small
    for a unit bought fresh, the plan cannot hold it. Four units already at HQ are paid for:
    counted as HQ's spare spread over the option's regional holders, a level at R1 up to them
    costs nothing more, so the plan sends them where they serve, and its stock says they exist."""
    hours = np.array([[60.0, 60.0, 60.0], [30.0, 30.0, 30.0], [60.0, 60.0, 30.0]])
    net = Network(["HQ", "R1", "R2"], 0, np.array([0, 1, 2]), np.ones(3), 3, hours, hours / 10,
                  np.array([0.0, 2.0, 2.0]), 14.0)
    rate = np.array([[0.002, 0.002, 0.002]])
    at_hq = np.array([[4.0, 0.0, 0.0]])
    monkeypatch.setattr(placement, "HQ_SPARE_IN_PLACE", False)
    before = solve(Instance(net, ["SLOW"], np.array([100.0]), rate, budget=50.0, held=at_hq))
    assert before.targets().get(("R1", "SLOW"), 0) == 0
    monkeypatch.setattr(placement, "HQ_SPARE_IN_PLACE", True)
    spare = solve(Instance(net, ["SLOW"], np.array([100.0]), rate, budget=500.0, held=at_hq))
    assert spare.targets().get(("R1", "SLOW"), 0) >= 1 and spare.expected_on_time > before.expected_on_time
    assert spare.stock_value >= 350.0                 # the four units are in the plan's stock
    # nothing at HQ: the same plan as before the rule
    none = Instance(net, ["SLOW"], np.array([100.0]), rate, budget=250.0, held=np.zeros((1, 3)))
    with_rule = solve(none)
    monkeypatch.setattr(placement, "HQ_SPARE_IN_PLACE", False)
    assert solve(none).targets() == with_rule.targets()


def test_a_second_holder_in_reach_serves_a_line_the_first_cannot():
    """Two warehouses both reach every point: the point's own holder serves it, the other one
    catches what it cannot; a point only one of them reaches has no second chance."""
    hours = np.array([[30.0, 30.0, 70.0], [30.0, 30.0, 30.0], [70.0, 70.0, 70.0]])
    net = Network(["A", "B", "C"], 2, np.array([0, 1, 2]), np.ones(3), 3, hours, hours / 10, np.zeros(3), 14.0)
    second = backup(net, np.array([True, True, False]))
    assert second[0].sum() == pytest.approx(1.0) and second[1].sum() == pytest.approx(1.0)
    assert second[2].sum() == 0.0                      # only B reaches region 2's point
    assert backup(net, np.array([False, True, False])).sum() == 0.0


def test_lateral_service_raises_what_a_budget_buys(monkeypatch):
    rng = np.random.default_rng(5)
    W, P, R, n = 5, 30, 3, 40
    here, there = rng.uniform(0, 6, (W, 2)), rng.uniform(0, 6, (P, 2))
    km = np.sqrt(((here[:, None] - there[None]) ** 2).sum(-1))
    region = rng.integers(0, R, P)
    share = 1.0 / np.bincount(region, minlength=R)[region]
    net = Network([f"W{i}" for i in range(W)], 0, region, share, R, 10 + 6 * km, 2 + km / 5, np.full(W, 2.0), 17.0)
    rate = rng.gamma(0.5, 0.2, (n, 1)) * rng.dirichlet(np.ones(R), n)
    inst = Instance(net, [f"S{j}" for j in range(n)], rng.uniform(50, 300, n), rate, budget=5000.0)
    alone = solve(inst)
    monkeypatch.setattr(placement, "BACKUP_FILL", 0.8)
    pooled = solve(inst)
    assert pooled.stock_value <= 5000.0 and pooled.gap < 0.03
    assert pooled.on_time_rate > alone.on_time_rate


def test_spare_units_at_hq_are_deployed_to_holders_for_nothing():
    """HQ reaches nothing in time; R1 reaches every point. A slow part with a budget too small for
    one unit bought fresh is not held; with three spare units at HQ (paid for, counted by the
    budget's excess spread, `stock_plan.useful_budget`) a level at R1 up to them costs nothing,
    so the plan holds them where they serve and its stock does not count them."""
    hours = np.array([[60.0, 60.0, 60.0], [30.0, 30.0, 30.0], [60.0, 60.0, 30.0]])
    net = Network(["HQ", "R1", "R2"], 0, np.array([0, 1, 2]), np.ones(3), 3, hours, hours / 10,
                  np.array([0.0, 2.0, 2.0]), 14.0)
    rate = np.array([[0.002, 0.002, 0.002]])
    without = solve(Instance(net, ["SLOW"], np.array([100.0]), rate, budget=50.0))
    assert without.targets() == {}
    spare = solve(Instance(net, ["SLOW"], np.array([100.0]), rate, budget=50.0, spare=np.array([3.0])))
    held = {w: q for (w, _), q in spare.targets().items() if w != "HQ"}
    assert 1 <= sum(held.values()) <= 3 and spare.expected_on_time > without.expected_on_time
    assert spare.stock_value < 50.0                    # the deployed units are not new stock
    # a level beyond the spare is paid for as before: one spare unit of a fast part frees about a
    # unit's worth of the budget, which buys one unit more at R1
    fast = np.array([[0.5, 0.5, 0.5]])
    paid = solve(Instance(net, ["FAST"], np.array([100.0]), fast, budget=3000.0))
    helped = solve(Instance(net, ["FAST"], np.array([100.0]), fast, budget=3000.0, spare=np.array([1.0])))
    assert helped.targets()[("R1", "FAST")] == paid.targets()[("R1", "FAST")] + 1
    assert helped.expected_on_time > paid.expected_on_time and helped.stock_value <= 3000.0


def test_whole_shares_split_units_by_weight_in_whole_units():
    shares = placement.whole_shares(np.array([5.0, 2.0, 3.0]), np.array([[1.0, 1, 1], [0, 0, 0], [0, 0.5, 0.2]]))
    assert shares.tolist() == [[2, 2, 1], [0, 0, 0], [0, 2, 1]]
