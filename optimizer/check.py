"""A solver-independent check of any plan: is it feasible, and what is it worth, in integers.

The exact solver, the greedy baseline and the tests all judge plans here, so a wrong model
cannot hide behind its own arithmetic.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from operator import mul

import numpy as np

from .instance import Instance, Plan, cents_text

INT64_MAX = 2**63 - 1
MAX_ERRORS = 20


@dataclass(frozen=True)
class PlanCheck:
    """Feasibility errors (empty when feasible) and the plan's units and money."""

    errors: list[str]
    on_time_units: int
    late_units: int
    unshipped_units: int
    value_cents: int
    cost_cents: int

    @property
    def feasible(self) -> bool:
        return not self.errors

    @property
    def objective_cents(self) -> int:
        return self.value_cents - self.cost_cents

    @property
    def value(self) -> Decimal:
        return Decimal(self.value_cents).scaleb(-2)

    @property
    def cost(self) -> Decimal:
        return Decimal(self.cost_cents).scaleb(-2)

    @property
    def objective(self) -> Decimal:
        return Decimal(self.objective_cents).scaleb(-2)

    def summary(self, solve_seconds: float) -> dict:
        """The plan file's summary block (OPTIMIZER.md)."""
        return {"on_time_units": self.on_time_units, "late_units": self.late_units,
                "unshipped_units": self.unshipped_units, "value": cents_text(self.value_cents),
                "cost": cents_text(self.cost_cents), "objective": cents_text(self.objective_cents),
                "solve_seconds": round(solve_seconds, 3)}


def check_plan(instance: Instance, plan: Plan) -> PlanCheck:
    """Recompute the plan's feasibility and objective from the instance alone."""
    line = np.asarray(plan.line, dtype=np.int64)
    warehouse = np.asarray(plan.warehouse, dtype=np.int64)
    qty = np.asarray(plan.qty, dtype=np.int64)
    errors: list[str] = []
    known = (line >= 0) & (line < len(instance.line_ids)) \
        & (warehouse >= 0) & (warehouse < len(instance.warehouses))
    for i in np.flatnonzero(~known)[:MAX_ERRORS]:
        errors.append(f"allocation {i}: no such line or warehouse")
    line, warehouse, qty = line[known], warehouse[known], qty[known]
    for i in np.flatnonzero(qty < 0)[:MAX_ERRORS]:
        errors.append(f"{_label(instance, line[i], warehouse[i])}: negative qty {qty[i]}")
    lane = instance.lane_of(warehouse, instance.line_point[line])
    for i in np.flatnonzero((lane < 0) & (qty > 0))[:MAX_ERRORS]:
        errors.append(f"{_label(instance, line[i], warehouse[i])}: no lane to the service point")
    shipping = (lane >= 0) & (qty > 0)
    line, warehouse, qty, lane = line[shipping], warehouse[shipping], qty[shipping], lane[shipping]

    shipped = np.zeros(len(instance.line_ids), dtype=np.int64)
    np.add.at(shipped, line, qty)
    errors += _over_lines(instance, shipped)
    errors += _over_stock(instance, line, warehouse, qty)

    on_time = instance.lane_hours[lane] <= instance.line_hours_left[line]
    weight = instance.line_weight[line]
    value = (_dot(qty[on_time], weight[on_time]) * instance.value_on_time_cents
             + _dot(qty[~on_time], weight[~on_time]) * instance.value_late_cents)
    return PlanCheck(
        errors=errors[:MAX_ERRORS],
        on_time_units=int(qty[on_time].sum()),
        late_units=int(qty[~on_time].sum()),
        unshipped_units=int(np.maximum(instance.line_qty - shipped, 0).sum()),
        value_cents=value,
        cost_cents=_dot(qty, instance.lane_cost_cents[lane]),
    )


def _over_lines(instance: Instance, shipped: np.ndarray) -> list[str]:
    over = np.flatnonzero(shipped > instance.line_qty)[:MAX_ERRORS]
    return [f"line {instance.line_ids[l]!r}: {shipped[l]} units planned, qty is {instance.line_qty[l]}"
            for l in over]


def _over_stock(instance: Instance, line, warehouse, qty) -> list[str]:
    """Units planned per (warehouse, sku) against the free stock there (none without a row)."""
    n_skus = max(len(instance.skus), 1)
    planned_key = warehouse * n_skus + instance.line_sku[line]
    keys, where = np.unique(planned_key, return_inverse=True)
    planned = np.zeros(len(keys), dtype=np.int64)
    np.add.at(planned, where.ravel(), qty)
    stock_key = instance.stock_warehouse * n_skus + instance.stock_sku
    order = np.argsort(stock_key)
    at = np.searchsorted(stock_key[order], keys).clip(max=max(len(order) - 1, 0))
    has_row = (stock_key[order][at] == keys) if len(order) else np.zeros(len(keys), bool)
    available = np.where(has_row, instance.stock_qty[order][at] if len(order) else 0, 0)
    over = np.flatnonzero(planned > available)[:MAX_ERRORS]
    return [f"warehouse {instance.warehouses[keys[i] // n_skus]!r}, sku "
            f"{instance.skus[keys[i] % n_skus]!r}: {planned[i]} units planned, stock is {available[i]}"
            for i in over]


def _dot(a: np.ndarray, b: np.ndarray) -> int:
    """Exact sum of products of non-negative ints: numpy when int64 provably holds it."""
    if len(a) == 0:
        return 0
    if int(a.max()) * int(b.max()) * len(a) <= INT64_MAX:
        return int(np.dot(a, b))
    return sum(map(mul, a.tolist(), b.tolist()))


def _label(instance: Instance, line: int, warehouse: int) -> str:
    return f"line {instance.line_ids[line]!r} from warehouse {instance.warehouses[warehouse]!r}"
