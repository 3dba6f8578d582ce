"""check_plan judges any plan from the instance alone: feasibility, units and money."""
from __future__ import annotations

from decimal import Decimal

import numpy as np

from optimizer.check import check_plan
from optimizer.generate import generate_instance
from optimizer.instance import Plan, parse_instance

DOC = {
    "params": {"value_on_time": "100.00", "value_late": "40.00"},
    "stock": [{"warehouse": "A", "sku": "P1", "qty": 3}, {"warehouse": "B", "sku": "P1", "qty": 1}],
    "lanes": [{"from": "A", "to": "SP1", "hours": 10, "unit_cost": "2.50"},
              {"from": "B", "to": "SP1", "hours": 60, "unit_cost": "1.00"}],
    "lines": [{"id": "L1", "service_point": "SP1", "sku": "P1", "qty": 2, "weight": 2, "hours_left": 48},
              {"id": "L2", "service_point": "SP2", "sku": "P1", "qty": 1, "weight": 1, "hours_left": 48}],
}


def plan_of(instance, *rows) -> Plan:
    """rows of (line id, warehouse, qty)."""
    return Plan(line=np.array([instance.line_index[l] for l, _, _ in rows], dtype=np.int64),
                warehouse=np.array([instance.warehouse_index[w] for _, w, _ in rows], dtype=np.int64),
                qty=np.array([q for _, _, q in rows], dtype=np.int64),
                line_ids=instance.line_ids, warehouses=instance.warehouses)


def test_counts_on_time_and_late_units_and_prices_them_in_exact_cents():
    instance = parse_instance(DOC)
    check = check_plan(instance, plan_of(instance, ("L1", "A", 1), ("L1", "B", 1)))
    assert check.feasible
    assert (check.on_time_units, check.late_units, check.unshipped_units) == (1, 1, 1)
    assert check.value == Decimal("280.00") and check.cost == Decimal("3.50")
    assert check.objective == Decimal("276.50")


def test_more_units_than_the_line_asks_for_is_infeasible():
    instance = parse_instance(DOC)
    check = check_plan(instance, plan_of(instance, ("L1", "A", 3)))
    assert check.errors == ["line 'L1': 3 units planned, qty is 2"]


def test_more_units_than_the_warehouse_holds_is_infeasible():
    instance = parse_instance(DOC)
    check = check_plan(instance, plan_of(instance, ("L1", "B", 2)))
    assert check.errors == ["warehouse 'B', sku 'P1': 2 units planned, stock is 1"]


def test_shipping_without_a_lane_is_infeasible():
    instance = parse_instance(DOC)
    check = check_plan(instance, plan_of(instance, ("L2", "A", 1)))
    assert check.errors == ["line 'L2' from warehouse 'A': no lane to the service point"]


def test_a_negative_quantity_is_infeasible():
    instance = parse_instance(DOC)
    assert "negative qty" in check_plan(instance, plan_of(instance, ("L1", "A", -1))).errors[0]


def test_the_empty_plan_is_feasible_and_leaves_every_unit_unshipped():
    instance = parse_instance(DOC)
    check = check_plan(instance, plan_of(instance))
    assert check.feasible and check.unshipped_units == 3 and check.objective == 0


def test_the_generator_is_deterministic_and_lays_every_lane():
    small = dict(n_warehouses=5, n_points=30, n_skus=50, n_lines=300)
    doc = generate_instance(**small, seed=4)
    assert doc == generate_instance(**small, seed=4) != generate_instance(**small, seed=5)
    assert len(doc["lanes"]) == 5 * 30 and len(doc["lines"]) == 300
    assert any(line["hours_left"] <= 0 for line in doc["lines"])
    assert {row["warehouse"] for row in doc["stock"]} >= {"HQ"}
    parse_instance(doc)


def test_tight_stock_holds_less_than_normal_stock():
    small = dict(n_warehouses=5, n_points=30, n_skus=50, n_lines=300, seed=2)
    normal = sum(r["qty"] for r in generate_instance(**small)["stock"])
    tight = sum(r["qty"] for r in generate_instance(**small, stock_factor=0.6)["stock"])
    assert 0.5 * normal < tight < 0.7 * normal
