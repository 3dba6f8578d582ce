"""The exact allocation is optimal: checked against an LP written here, from the raw file dict.

The LP relaxation of this transportation problem is totally unimodular, so its optimum (HiGHS)
equals the integer optimum; a plan more than 0.01 RMB below it is wrong.
"""
from __future__ import annotations

import random
from decimal import Decimal

import numpy as np
import pytest
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from optimizer import allocate
from optimizer.allocate import solve
from optimizer.check import check_plan
from optimizer.generate import generate_instance
from optimizer.greedy import greedy_plan
from optimizer.instance import Instance, InstanceError, parse_instance

TOLERANCE = Decimal("0.01")


# --- an independent reference, from the dict alone -------------------------------------------

def unit_profit(doc: dict, line: dict, warehouse: str) -> Decimal | None:
    """RMB earned by one unit of the line from the warehouse; None without a lane."""
    lane = next((l for l in doc["lanes"] if l["from"] == warehouse and l["to"] == line["service_point"]), None)
    if lane is None:
        return None
    params = doc.get("params", {})
    value = Decimal(str(params.get("value_on_time", "1000.00") if lane["hours"] <= line["hours_left"]
                        else params.get("value_late", "400.00")))
    return line["weight"] * value - Decimal(str(lane["unit_cost"]))


def lp_optimum(doc: dict) -> Decimal:
    """max sum profit x  s.t. units per line <= qty, units per stock row <= stock, x >= 0."""
    columns, profits, rows, limits = [], [], {}, []
    for i, line in enumerate(doc["lines"]):
        rows[("line", i)] = len(limits)
        limits.append(line["qty"])
    for j, stock in enumerate(doc["stock"]):
        rows[("stock", j)] = len(limits)
        limits.append(stock["qty"])
        for i, line in enumerate(doc["lines"]):
            profit = unit_profit(doc, line, stock["warehouse"]) if line["sku"] == stock["sku"] else None
            if profit is not None:
                columns.append((rows[("line", i)], rows[("stock", j)]))
                profits.append(float(profit))
    if not columns:
        return Decimal("0.00")
    r = [row for pair in columns for row in pair]
    c = [k for k in range(len(columns)) for _ in range(2)]
    a = coo_matrix((np.ones(len(r)), (r, c)), shape=(len(limits), len(columns)))
    result = linprog(-np.array(profits), A_ub=a, b_ub=limits, bounds=(0, None), method="highs")
    assert result.status == 0, result.message
    return Decimal(repr(-result.fun)).quantize(Decimal("0.01"))


def plan_value(doc: dict, plan) -> Decimal:
    """The plan's objective and feasibility, recomputed from the dict and the allocations."""
    lines = {line["id"]: line for line in doc["lines"]}
    stock = {(s["warehouse"], s["sku"]): s["qty"] for s in doc["stock"]}
    per_line, per_stock, total = {}, {}, Decimal(0)
    for a in plan.allocations():
        line = lines[a["line"]]
        profit = unit_profit(doc, line, a["warehouse"])
        assert profit is not None and a["qty"] > 0
        per_line[a["line"]] = per_line.get(a["line"], 0) + a["qty"]
        key = (a["warehouse"], line["sku"])
        per_stock[key] = per_stock.get(key, 0) + a["qty"]
        total += a["qty"] * profit
    assert all(units <= lines[l]["qty"] for l, units in per_line.items())
    assert all(units <= stock.get(key, 0) for key, units in per_stock.items())
    return total


def random_instance(seed: int) -> dict:
    """A small instance with gaps: missing lanes and stock, late lines, freight dearer than value."""
    rng = random.Random(seed)
    warehouses = [f"W{i}" for i in range(rng.randint(1, 4))]
    points = [f"SP{i}" for i in range(rng.randint(1, 4))]
    skus = [f"P{i}" for i in range(rng.randint(1, 3))]
    expensive = rng.random() < 0.3
    lanes = [{"from": w, "to": p, "hours": rng.randint(1, 60),
              "unit_cost": cents(rng.randint(0, 200_000 if expensive else 3_000))}
             for w in warehouses for p in points if rng.random() < 0.8]
    known = sorted({lane["from"] for lane in lanes})     # stock needs a lane out of its warehouse
    doc = {
        "lanes": lanes,
        "stock": [{"warehouse": w, "sku": k, "qty": rng.randint(0, 6)}
                  for w in known for k in skus if rng.random() < 0.6],
        "lines": [{"id": f"L{i}", "service_point": rng.choice(points + ["SP-none"] * (rng.random() < 0.1)),
                   "sku": rng.choice(skus + ["P-none"] * (rng.random() < 0.1)), "qty": rng.randint(0, 4),
                   "weight": rng.randint(1, 5), "hours_left": rng.randint(-20, 60)}
                  for i in range(rng.randint(0, 9))],
    }
    if rng.random() < 0.7:
        on_time = rng.randint(0, 150_000)
        doc["params"] = {"value_on_time": cents(on_time), "value_late": cents(rng.randint(0, on_time))}
    return doc


def cents(amount: int) -> str:
    return f"{amount // 100}.{amount % 100:02d}"


def assert_optimal(doc: dict, instance: Instance | None = None, **solve_args):
    instance = instance or parse_instance(doc)
    plan = solve(instance, **solve_args)
    check = check_plan(instance, plan)
    assert check.feasible, check.errors
    optimum = lp_optimum(doc)
    assert abs(check.objective - optimum) <= TOLERANCE
    assert plan_value(doc, plan) == check.objective == Decimal(plan.summary["objective"])
    return plan


# --- optimality ------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(300))
def test_the_plan_is_optimal_on_a_random_small_instance(seed):
    assert_optimal(random_instance(seed))


@pytest.mark.parametrize("stock_factor", [1.0, 0.6, 0.2])
def test_the_plan_is_optimal_on_a_generated_regional_instance(stock_factor):
    doc = generate_instance(n_warehouses=6, n_points=40, n_skus=60, n_lines=400,
                            stock_factor=stock_factor, seed=7)
    assert_optimal(doc)


def test_the_process_pool_finds_the_same_optimum_as_one_process(monkeypatch):
    doc = generate_instance(n_warehouses=6, n_points=40, n_skus=80, n_lines=600, stock_factor=0.7, seed=3)
    instance = parse_instance(doc)
    alone = solve(instance, workers=1)
    monkeypatch.setattr(allocate, "POOL_MIN_ARCS", 0)
    monkeypatch.setattr(allocate, "BLOCK_ARCS", 50)
    pooled = assert_optimal(doc, instance, workers=2)
    assert pooled.summary["objective"] == alone.summary["objective"]


def test_the_lane_lookup_without_a_dense_matrix_gives_the_same_optimum(monkeypatch):
    monkeypatch.setattr("optimizer.instance.DENSE_LANE_LIMIT", 0)
    for seed in range(20):
        assert_optimal(random_instance(seed))


# --- behaviours of the objective -------------------------------------------------------------

def one_sku(lanes, stock, lines, params=None) -> dict:
    doc = {"lanes": [{"from": w, "to": p, "hours": h, "unit_cost": c} for w, p, h, c in lanes],
           "stock": [{"warehouse": w, "sku": "P1", "qty": q} for w, q in stock],
           "lines": [{"id": i, "service_point": p, "sku": "P1", "qty": q, "weight": wt, "hours_left": h}
                     for i, p, q, wt, h in lines]}
    if params:
        doc["params"] = params
    return doc


def test_ships_nothing_when_freight_costs_more_than_the_line_is_worth():
    doc = one_sku([("W1", "SP1", 10, "500.00")], [("W1", 5)], [("L1", "SP1", 2, 1, 48)],
                  params={"value_on_time": "400.00", "value_late": "100.00"})
    plan = assert_optimal(doc)
    assert plan.allocations() == [] and plan.summary["unshipped_units"] == 2


def test_a_shipment_worth_exactly_its_freight_is_left_unshipped():
    doc = one_sku([("W1", "SP1", 10, "400.00")], [("W1", 5)], [("L1", "SP1", 2, 1, 48)],
                  params={"value_on_time": "400.00", "value_late": "100.00"})
    plan = assert_optimal(doc)
    assert plan.allocations() == [] and plan.summary["objective"] == "0.00"


def test_an_already_late_line_is_still_served_at_the_late_value():
    doc = one_sku([("W1", "SP1", 10, "3.00")], [("W1", 5)], [("L1", "SP1", 1, 2, -6)])
    plan = assert_optimal(doc)
    assert plan.summary["late_units"] == 1 and plan.summary["objective"] == "797.00"


def test_prefers_the_warehouse_that_keeps_the_promise_over_a_cheaper_late_one():
    doc = one_sku([("NEAR", "SP1", 20, "30.00"), ("FAR", "SP1", 60, "2.00")],
                  [("NEAR", 1), ("FAR", 1)], [("L1", "SP1", 1, 1, 48)])
    assert assert_optimal(doc).allocations() == [{"line": "L1", "warehouse": "NEAR", "qty": 1}]


def test_prefers_the_cheapest_warehouse_that_keeps_the_promise():
    doc = one_sku([("A", "SP1", 20, "30.00"), ("B", "SP1", 30, "2.00")],
                  [("A", 1), ("B", 1)], [("L1", "SP1", 1, 1, 48)])
    assert assert_optimal(doc).allocations() == [{"line": "L1", "warehouse": "B", "qty": 1}]


def test_an_old_heavy_line_outranks_a_fresh_one_when_stock_is_short():
    doc = one_sku([("W1", "SP1", 10, "3.00")], [("W1", 1)],
                  [("FRESH", "SP1", 1, 1, 40), ("OLD", "SP1", 1, 4, -10)])
    assert assert_optimal(doc).allocations() == [{"line": "OLD", "warehouse": "W1", "qty": 1}]


def test_serves_late_from_afar_the_line_the_near_stock_cannot_cover():
    doc = one_sku([("NEAR", "SP1", 10, "3.00"), ("FAR", "SP1", 70, "9.00")],
                  [("NEAR", 1), ("FAR", 5)], [("L1", "SP1", 2, 1, 48)])
    plan = assert_optimal(doc)
    assert plan.summary["on_time_units"] == 1 and plan.summary["late_units"] == 1


def test_a_line_at_a_point_without_a_lane_stays_unshipped():
    doc = one_sku([("W1", "SP1", 10, "3.00")], [("W1", 5)], [("L1", "SP9", 2, 1, 48)])
    assert assert_optimal(doc).summary["unshipped_units"] == 2


def test_lines_of_a_sku_without_stock_stay_unshipped():
    doc = one_sku([("W1", "SP1", 10, "3.00")], [], [("L1", "SP1", 2, 1, 48)])
    plan = assert_optimal(doc)
    assert plan.allocations() == [] and plan.summary["unshipped_units"] == 2


def test_an_instance_without_params_is_solved_at_the_policy_values():
    doc = one_sku([("W1", "SP1", 10, "3.00")], [("W1", 5)], [("L1", "SP1", 2, 1, 48)])
    assert assert_optimal(doc).summary["value"] == "2000.00"


def test_an_empty_instance_gives_an_empty_plan():
    plan = assert_optimal({"stock": [], "lanes": [], "lines": []})
    assert plan.allocations() == [] and plan.summary["objective"] == "0.00"


# --- integer safety --------------------------------------------------------------------------

def test_values_too_large_for_exact_integer_cents_are_refused_with_a_clear_error():
    doc = one_sku([("W1", "SP1", 10, "3.00")], [("W1", 5)], [("L1", "SP1", 2, 10**6, 48)],
                  params={"value_on_time": "99999999999.00", "value_late": "1.00"})
    with pytest.raises(InstanceError, match="too large for exact integer cents"):
        solve(parse_instance(doc))


def test_the_overflow_proof_refuses_costs_that_the_solver_would_scale_past_int64():
    with pytest.raises(InstanceError, match="could overflow"):
        allocate._prove_costs_fit(max_profit=10**14, nodes=50_000, supply=10)
    with pytest.raises(InstanceError, match="could overflow"):
        allocate._prove_costs_fit(max_profit=10**12, nodes=10, supply=10**8)
    allocate._prove_costs_fit(max_profit=10**7, nodes=400_000, supply=10**9)


# --- the greedy baseline ---------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(60))
def test_the_greedy_plan_is_feasible_and_never_beats_the_optimum(seed):
    doc = random_instance(seed)
    instance = parse_instance(doc)
    greedy = greedy_plan(instance)
    check = check_plan(instance, greedy)
    assert check.feasible, check.errors
    assert check.objective <= lp_optimum(doc) + TOLERANCE
    assert plan_value(doc, greedy) == check.objective


def test_greedy_serves_the_heaviest_line_first_from_the_nearest_holder():
    doc = one_sku([("NEAR", "SP1", 10, "30.00"), ("FAR", "SP1", 30, "1.00")],
                  [("NEAR", 1), ("FAR", 1)],
                  [("LIGHT", "SP1", 1, 1, 48), ("HEAVY", "SP1", 1, 3, 48)])
    assert greedy_plan(parse_instance(doc)).allocations() == [
        {"line": "LIGHT", "warehouse": "FAR", "qty": 1}, {"line": "HEAVY", "warehouse": "NEAR", "qty": 1}]
