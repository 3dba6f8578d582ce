"""The greedy baseline the exact plan is measured against: what a planner would do by hand.

Heaviest line first; each takes from the nearest warehouse (fewest lane hours, then cheapest)
that still holds the sku, and only where shipping is worth more than it costs.
"""
from __future__ import annotations

import numpy as np

from .allocate import SkuOrder, build_arcs
from .check import check_plan
from .instance import Instance, Plan


def greedy_plan(instance: Instance) -> Plan:
    """The baseline plan, checked like any other so its summary is comparable."""
    order = SkuOrder.of(instance)
    arcs = build_arcs(instance, order)
    line, stock_row = order.lines[arcs.line], order.stock_rows[arcs.stock]
    lane = instance.lane_of(instance.stock_warehouse[stock_row], instance.line_point[line])
    turn = np.lexsort((instance.lane_cost_cents[lane], instance.lane_hours[lane],
                       line, -instance.line_weight[line]))
    line, stock_row = line[turn].tolist(), stock_row[turn].tolist()

    left = instance.stock_qty.tolist()
    wanted = instance.line_qty.tolist()
    shipped: list[tuple[int, int, int]] = []
    for l, s in zip(line, stock_row):
        take = min(wanted[l], left[s])
        if take:
            shipped.append((l, s, take))
            wanted[l] -= take
            left[s] -= take
    return _plan(instance, shipped)


def _plan(instance: Instance, shipped: list[tuple[int, int, int]]) -> Plan:
    rows = np.array(shipped, dtype=np.int64).reshape(-1, 3)
    line, warehouse = rows[:, 0], instance.stock_warehouse[rows[:, 1]]
    order = np.lexsort((warehouse, line))
    plan = Plan(line=line[order], warehouse=warehouse[order], qty=rows[order, 2],
                line_ids=instance.line_ids, warehouses=instance.warehouses)
    plan.summary.update(check_plan(instance, plan).summary(0.0))
    return plan
