"""A simulated year in shards: the sample's strata dealt over processes, the results merged.

Skus share no stock and lanes carry no capacity, so every n-th stratum of the sample can be
simulated in a process (and database) of its own; the merged results are those of one run
over the whole sample: lines, per-sku figures and stock add up, and the estimator for all skus
(`estimate`) works on the union as it would on one run. What couples skus in one run - a
dealer's daily order across skus and its monthly quota - is split by shard; with quotas far
above a sample's orders that changes nothing measured. Each shard's stock plan counts its skus
n times, so every shard plans for the whole budget as a 1-in-n sample of the catalogue.
"""
from __future__ import annotations

import copy
import json
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from time import perf_counter, process_time

import numpy as np

from . import metrics
from .engine import Log, SimConfig
from .metrics import LineTable, Penalties
from .run import Results, code_version, simulate
from .setup import build_world

LINE_ID_STRIDE = 10**9  # line ids of shard i are offset by i x this, so they stay unique when merged


def simulate_sharded(config: SimConfig, shards: int, out: str | Path | None = None, workers: int | None = None) -> Results:
    """Run `shards` shards of `config` in up to `workers` processes; merge and write as `simulate` does."""
    if shards < 2:
        return simulate(config, out)
    started, cpu = perf_counter(), process_time()
    code = code_version()
    configs = [replace(config, shard=(i, shards), progress=config.progress and i == 0) for i in range(shards)]
    with ProcessPoolExecutor(max_workers=workers or shards) as pool:
        parts = list(pool.map(simulate, configs))
    world = build_world(config.scale, config.seed, config.sku_share, config.opening, config.cover, config.start)
    merged = merge(config, world, parts)
    merged.code = code if all(p.code == code for p in parts) else ",".join(sorted({p.code for p in parts}))
    merged.seconds = perf_counter() - started
    merged.cpu_seconds = process_time() - cpu + sum(p.cpu_seconds for p in parts)
    merged.phase_seconds = {"shards": shards, **{f"shard {i}": round(p.seconds, 1) for i, p in enumerate(parts)}}
    if out is not None:
        from .report import write_report

        write_report(merged, Path(out))
        (Path(out) / "summary.json").write_text(json.dumps(merged.summary(), ensure_ascii=False, indent=2) + "\n",
                                                 encoding="utf-8")
    return merged


def merge(config: SimConfig, world, parts: list[Results]) -> Results:
    first = parts[0]
    lines = _lines([p.lines for p in parts])
    log = _log([p.log for p in parts])
    transfer_by_sku: dict[str, Decimal] = {}
    for p in parts:
        transfer_by_sku.update(p.transfer_by_sku)
    forecast = None
    if first.forecast is not None:
        forecast = copy.copy(first.forecast)  # the plotted skus are the first shard's
        forecast.abs_error = sum(p.forecast.abs_error for p in parts)
        forecast.true_units = sum(p.forecast.true_units for p in parts)
    charges: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for p in parts:
        for kind, amount in p.return_charges.items():
            charges[kind] += amount
    return Results(config, world, log, lines, sum(p.avg_stock_value for p in parts),
                   sum((p.transfer_cost for p in parts), Decimal("0.00")), transfer_by_sku,
                   sum(p.transfer_count for p in parts), sum(p.transfer_units for p in parts),
                   sum((p.delivery_cost for p in parts), Decimal("0.00")), _penalties([p.penalties for p in parts]),
                   dict(charges), first.center_names, first.hq, forecast,
                   sum((p.purchase_cost for p in parts), Decimal("0.00")), first.budget, first.plans)


def _lines(tables: list[LineTable]) -> LineTable:
    cat = lambda name: np.concatenate([getattr(t, name) for t in tables])  # noqa: E731
    joined = lambda name: [x for t in tables for x in getattr(t, name)]  # noqa: E731
    ids = np.concatenate([t.id + i * LINE_ID_STRIDE for i, t in enumerate(tables)])
    return LineTable(ids, joined("sku"), cat("qty"), cat("submitted_day"), joined("month"), joined("center"),
                     cat("dealer"), cat("ticket"), cat("delivered"), cat("on_time"), cat("hours"), cat("late_hours"),
                     cat("unit_cost"), cat("cause"))


def _log(logs: list[Log]) -> Log:
    out = Log()
    days = max(len(log.stock) for log in logs)
    for day in range(days):
        total: dict[str, tuple[float, float]] = defaultdict(lambda: (0.0, 0.0))
        for log in logs:
            for warehouse, (on_hand, transit) in (log.stock[day] if day < len(log.stock) else {}).items():
                a, b = total[warehouse]
                total[warehouse] = (a + on_hand, b + transit)
        out.stock.append(dict(total))
    for log in logs:
        out.sku_stock.update(log.sku_stock)
    out.sku_stock_days = logs[0].sku_stock_days
    out.backorders = [tuple(map(sum, zip(*rows))) for rows in zip(*[log.backorders for log in logs])]
    out.transfers = [sum(x) for x in zip(*[log.transfers for log in logs])]
    out.replanned = [sum(x) for x in zip(*[log.replanned for log in logs])]
    out.purchases = [sum(x) for x in zip(*[log.purchases for log in logs])]
    for i, log in enumerate(logs):
        out.backordered_at_submit |= {line + i * LINE_ID_STRIDE for line in log.backordered_at_submit}
        for key in ("refused_lines", "return_failures", "transfers_refused"):
            setattr(out, key, getattr(out, key) + getattr(log, key))
        for kind, seconds in log.seconds.items():
            out.seconds[kind] += seconds
        for kind, calls in log.calls.items():
            out.calls[kind] += calls
    out.plans = logs[0].plans
    return out


def _penalties(parts: list[Penalties]) -> Penalties:
    fines = {c: sum((p.fines.get(c, Decimal("0.00")) for p in parts), Decimal("0.00")) for c in metrics.PARTY_CLASSES}
    hours = {c: round(sum(p.hours.get(c, 0.0) for p in parts), 1) for c in metrics.PARTY_CLASSES}
    by_month: dict[str, dict[str, Decimal]] = {}
    for p in parts:
        for month, row in p.by_month.items():
            into = by_month.setdefault(month, {})
            for cls, amount in row.items():
                into[cls] = into.get(cls, Decimal("0.00")) + amount
    centers: dict[str, dict] = {}
    for p in parts:
        for code, row in p.centers.items():
            into = centers.setdefault(code, defaultdict(int))
            for key, value in row.items():
                into[key] += value
    return Penalties(fines, hours, by_month, sum(p.tickets for p in parts), {k: dict(v) for k, v in centers.items()},
                     sum(p.exchange_flagged for p in parts), _summed([p.sanbao for p in parts]),
                     _summed([p.warranty for p in parts]))


def _summed(counts: list[dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for part in counts:
        for key, n in part.items():
            total[key] = total.get(key, 0) + n
    return total
