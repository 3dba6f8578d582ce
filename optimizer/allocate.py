"""The exact allocation of OPTIMIZER.md: a min-cost flow per sku, solved with OR-Tools.

Skus never share stock, so each sku is its own transportation problem: stock rows supply
units, lines take them, and the arc from a stock row to a line costs minus the profit of one
unit shipped that way, in integer cents. Only arcs with positive profit exist, and a bypass
arc lets stock stay home, so supplies balance and shipping nothing is always possible.
Small graphs solve far faster than one big one, so skus are solved one (or a few small ones)
at a time. Large instances split the skus into runs that forked workers build and solve in
parallel, since solve() holds the GIL.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from time import perf_counter, process_time

import numpy as np
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

from .check import check_plan
from .instance import Instance, InstanceError, Plan

INT64_MAX = 2**63 - 1
BLOCK_ARCS = 2_000           # small skus share a graph up to this many arcs
POOL_MIN_ARCS = 300_000      # below this a process pool costs more than it saves
RUNS_PER_WORKER = 4


class SolverError(RuntimeError):
    """OR-Tools did not prove a graph optimal, or the plan failed its check; never expected."""


@dataclass(frozen=True, eq=False)
class SkuOrder:
    """Usable stock rows and lines sorted by sku; `*_start[k]` is where sku k's rows begin."""

    stock_rows: np.ndarray
    lines: np.ndarray
    stock_start: np.ndarray
    line_start: np.ndarray

    @classmethod
    def of(cls, instance: Instance) -> "SkuOrder":
        stock_rows = np.flatnonzero(instance.stock_qty > 0)
        stock_rows = stock_rows[np.argsort(instance.stock_sku[stock_rows], kind="stable")]
        lines = np.flatnonzero(instance.line_qty > 0)
        lines = lines[np.argsort(instance.line_sku[lines], kind="stable")]
        skus = np.arange(len(instance.skus) + 1)
        return cls(stock_rows, lines, np.searchsorted(instance.stock_sku[stock_rows], skus),
                   np.searchsorted(instance.line_sku[lines], skus))

    def pairs_per_sku(self) -> np.ndarray:
        """Stock rows times lines of each sku: the arcs before lanes and profit prune them."""
        return np.diff(self.stock_start) * np.diff(self.line_start)


@dataclass(frozen=True, eq=False)
class Arcs:
    """Worthwhile shipments of a run of skus: stock row -> line, profit of one unit in cents.

    `stock` and `line` are positions in the SkuOrder; `start[k - first_sku]` is where sku k's
    arcs begin.
    """

    stock: np.ndarray
    line: np.ndarray
    profit: np.ndarray
    start: np.ndarray


@dataclass(frozen=True, eq=False)
class Solved:
    """A run's answer: instance line and warehouse indices with units, and its solver figures."""

    line: np.ndarray
    warehouse: np.ndarray
    qty: np.ndarray
    cost: int
    arcs: int
    build_cpu: float      # CPU seconds of the process that solved the run
    flow_cpu: float


def solve(instance: Instance, workers: int | None = None) -> Plan:
    """The plan of maximum objective, proven optimal sku by sku."""
    started = perf_counter()
    _prove_values_fit(instance)
    order = SkuOrder.of(instance)
    workers = _worker_count(workers)
    runs = _runs(order.pairs_per_sku(), workers)
    results = _run(instance, order, runs, workers)
    solved = perf_counter()
    plan = _plan(instance, results)
    check = check_plan(instance, plan)
    solver_objective = -sum(result.cost for result in results)
    if check.errors or check.objective_cents != solver_objective:
        raise SolverError(f"plan fails its own check: {check.errors[:1] or 'objective mismatch'}")
    finished = perf_counter()
    plan.summary.update(check.summary(finished - started))
    plan.seconds.update(
        build_and_flow=solved - started, check=finished - solved,
        build_cpu=sum(r.build_cpu for r in results), flow_cpu=sum(r.flow_cpu for r in results),
        arcs=sum(r.arcs for r in results))
    return plan


def build_arcs(instance: Instance, order: SkuOrder, first_sku: int = 0, last_sku: int | None = None) -> Arcs:
    """Every (stock row, line) pair of a sku in [first_sku, last_sku) with a lane and a profit."""
    last_sku = len(instance.skus) if last_sku is None else last_sku
    line_from, line_to = int(order.line_start[first_sku]), int(order.line_start[last_sku])
    lines = order.lines[line_from:line_to]
    line_sku = instance.line_sku[lines]
    holders = np.diff(order.stock_start)[line_sku]
    arc_line = np.repeat(np.arange(line_from, line_to, dtype=np.int64), holders)
    shift = np.repeat(np.cumsum(holders) - holders - order.stock_start[line_sku], holders)
    arc_stock = np.arange(len(arc_line), dtype=np.int64) - shift

    profit = _unit_profit(instance, order.stock_rows[arc_stock], order.lines[arc_line])
    keep = profit > 0
    arc_stock, arc_line, profit = arc_stock[keep], arc_line[keep], profit[keep]
    start = np.searchsorted(instance.line_sku[order.lines[arc_line]], np.arange(first_sku, last_sku + 1))
    return Arcs(arc_stock, arc_line, profit, start)


def _unit_profit(instance: Instance, stock_row: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Cents earned by one unit of each line shipped from each stock row; zero without a lane."""
    lane = instance.lane_of(instance.stock_warehouse[stock_row], instance.line_point[line])
    has_lane = lane >= 0
    lane[~has_lane] = 0
    weight = instance.line_weight[line]
    on_time = instance.lane_hours[lane] <= instance.line_hours_left[line]
    profit = weight * instance.value_late_cents
    profit += on_time * weight * (instance.value_on_time_cents - instance.value_late_cents)
    profit -= instance.lane_cost_cents[lane]
    profit[~has_lane] = 0
    return profit


def _prove_values_fit(instance: Instance) -> None:
    """weight x value must fit int64 before numpy multiplies them."""
    if len(instance.line_weight) and \
            int(instance.line_weight.max()) * instance.value_on_time_cents > INT64_MAX // 4:
        raise InstanceError("line weights times value_on_time are too large for exact integer cents")


def _prove_costs_fit(max_profit: int, nodes: int, supply: int) -> None:
    """OR-Tools scales costs by (nodes + 1) and refuses |cost| above INT64_MAX / (2 (nodes + 1));
    the optimal cost is at most the largest unit profit times the units supplied."""
    if max_profit * 2 * (nodes + 1) > INT64_MAX or max_profit * supply > INT64_MAX:
        raise InstanceError(
            f"profits up to {max_profit} cents on a graph of {nodes} nodes and {supply} units "
            "could overflow the solver's int64 costs")


def _worker_count(workers: int | None) -> int:
    if workers is not None:
        return max(1, workers)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return os.cpu_count() or 1


def _runs(pairs: np.ndarray, workers: int) -> list[tuple[int, int]]:
    """Consecutive sku ranges of about equal work; a big sku may make a run of its own."""
    share = max(1, int(pairs.sum()) // (workers * RUNS_PER_WORKER))
    runs, first, work = [], 0, 0
    for sku, count in enumerate(pairs.tolist()):
        if work and work + count > share:
            runs.append((first, sku))
            first, work = sku, 0
        work += count
    if work:
        runs.append((first, len(pairs)))
    return runs


def _run(instance: Instance, order: SkuOrder, runs: list[tuple[int, int]], workers: int) -> list[Solved]:
    """Solve the runs in forked workers when it pays, else here (also inside daemonic workers)."""
    pairs = order.pairs_per_sku()
    size = [int(pairs[first:last].sum()) for first, last in runs]
    if (workers == 1 or len(runs) < 2 or sum(size) < POOL_MIN_ARCS
            or "fork" not in multiprocessing.get_all_start_methods()
            or multiprocessing.current_process().daemon):
        return [solve_skus(instance, order, first, last) for first, last in runs]
    biggest_first = [run for _, run in sorted(zip(size, runs), reverse=True)]
    global _FORKED
    _FORKED = (instance, order)     # forked workers inherit the arrays: nothing to pickle
    try:
        with ProcessPoolExecutor(max_workers=min(workers, len(runs)),
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_solve_forked, biggest_first))
    finally:
        _FORKED = None


_FORKED: tuple[Instance, SkuOrder] | None = None


def _solve_forked(run: tuple[int, int]) -> Solved:
    return solve_skus(*_FORKED, *run)


def solve_skus(instance: Instance, order: SkuOrder, first_sku: int, last_sku: int) -> Solved:
    """Build and solve the skus in [first_sku, last_sku), a few graphs at a time."""
    started = process_time()
    arcs = build_arcs(instance, order, first_sku, last_sku)
    built = process_time()
    flows = np.zeros(len(arcs.profit), dtype=np.int64)
    cost = 0
    for first, last in _blocks(arcs.start):
        a0, a1 = int(arcs.start[first]), int(arcs.start[last])
        s0, s1 = (int(order.stock_start[first_sku + k]) for k in (first, last))
        l0, l1 = (int(order.line_start[first_sku + k]) for k in (first, last))
        flows[a0:a1], block_cost = _solve_block(
            instance.stock_qty[order.stock_rows[s0:s1]], instance.line_qty[order.lines[l0:l1]],
            arcs.stock[a0:a1] - s0, arcs.line[a0:a1] - l0, arcs.profit[a0:a1])
        cost += block_cost
    used = np.flatnonzero(flows)
    return Solved(line=order.lines[arcs.line[used]],
                  warehouse=instance.stock_warehouse[order.stock_rows[arcs.stock[used]]],
                  qty=flows[used], cost=cost, arcs=len(arcs.profit),
                  build_cpu=built - started, flow_cpu=process_time() - built)


def _blocks(start: np.ndarray) -> list[tuple[int, int]]:
    """Sku ranges (relative to the run) solved as one graph: a big sku alone, small ones together."""
    blocks, first, arcs = [], 0, 0
    for sku, count in enumerate(np.diff(start).tolist()):
        if arcs and arcs + count > BLOCK_ARCS:
            blocks.append((first, sku))
            first, arcs = sku, 0
        arcs += count
    if arcs:
        blocks.append((first, len(start) - 1))
    return blocks


def _solve_block(stock_qty, line_qty, arc_stock, arc_line, profit) -> tuple[np.ndarray, int]:
    """One balanced min-cost flow: stock -> line -> sink, plus stock -> sink for what stays home."""
    n_stock, n_lines = len(stock_qty), len(line_qty)
    _prove_costs_fit(int(profit.max()), n_stock + n_lines + 1, int(stock_qty.sum()))
    sink = n_stock + n_lines
    stock_nodes = np.arange(n_stock, dtype=np.int32)
    mcf = SimpleMinCostFlow()
    mcf.add_arcs_with_capacity_and_unit_cost(
        np.concatenate([arc_stock, stock_nodes, np.arange(n_stock, sink)]).astype(np.int32),
        np.concatenate([arc_line + n_stock, np.full(n_stock + n_lines, sink)]).astype(np.int32),
        np.concatenate([np.minimum(stock_qty[arc_stock], line_qty[arc_line]), stock_qty, line_qty]),
        np.concatenate([-profit, np.zeros(n_stock + n_lines, dtype=np.int64)]))
    mcf.set_nodes_supplies(np.append(stock_nodes, np.int32(sink)),
                           np.append(stock_qty, -int(stock_qty.sum())).astype(np.int64))
    status = mcf.solve()
    if status != SimpleMinCostFlow.OPTIMAL:
        raise SolverError(f"min-cost flow ended {status.name} instead of OPTIMAL")
    return np.asarray(mcf.flows(np.arange(len(profit), dtype=np.int32)), dtype=np.int64), mcf.optimal_cost()


def _plan(instance: Instance, results: list[Solved]) -> Plan:
    line = np.concatenate([r.line for r in results] + [np.zeros(0, np.int64)])
    warehouse = np.concatenate([r.warehouse for r in results] + [np.zeros(0, np.int64)])
    qty = np.concatenate([r.qty for r in results] + [np.zeros(0, np.int64)])
    order = np.lexsort((warehouse, line))
    return Plan(line=line[order], warehouse=warehouse[order], qty=qty[order],
                line_ids=instance.line_ids, warehouses=instance.warehouses)
