"""One simulation from configuration to report: world, database, engine, measurements, files."""
from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from time import perf_counter

import numpy as np

from . import metrics
from .calendar import at, months
from .engine import Engine, Log, SimConfig
from .setup import Database, World, build_world

CENT = Decimal("0.01")
DEFAULT_SKU_SHARE = {"small": 1.0, "national": 0.02}


@dataclass
class Results:
    """Everything a report needs; `summary()` is the contract's summary.json."""

    config: SimConfig
    world: World
    log: Log
    lines: metrics.LineTable
    avg_stock_value: float
    transfer_cost: Decimal
    transfer_count: int
    transfer_units: int
    delivery_cost: Decimal
    penalties: metrics.Penalties
    return_charges: dict[str, Decimal]
    centre_names: dict[str, str]
    hq: str
    seconds: float = 0.0
    phase_seconds: dict[str, float] = field(default_factory=dict)

    # -- the figures -------------------------------------------------------------------------

    @property
    def on_time_lines(self) -> int:
        return int(self.lines.on_time.sum())

    @property
    def on_time_rate(self) -> float:
        return self.on_time_lines / len(self.lines) if len(self.lines) else 0.0

    @property
    def backordered_lines(self) -> int:
        return int(np.isin(self.lines.id, np.fromiter(self.log.backordered_at_submit, np.int64)).sum())

    @property
    def open_lines(self) -> int:
        return int((~self.lines.delivered).sum())

    def daily_stock(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """On-hand value at HQ, at the regional warehouses, and in transit, per simulated day."""
        days = self.log.stock[: self.config.days]
        hq = np.array([d.get(self.hq, (0.0, 0.0))[0] for d in days])
        regional = np.array([sum(v[0] for w, v in d.items() if w != self.hq) for d in days])
        transit = np.array([sum(v[1] for v in d.values()) for d in days])
        return hq, regional, transit

    def by(self, keys: list[str]) -> dict[str, tuple[int, int]]:
        """(lines, on-time lines) per key (a month, a centre)."""
        out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for key, ok in zip(keys, self.lines.on_time.tolist()):
            out[key][0] += 1
            out[key][1] += ok
        return {k: (v[0], v[1]) for k, v in sorted(out.items())}

    def estimate(self) -> dict | None:
        """The whole catalogue's figures, when a sample of skus was simulated."""
        if self.world.sku_share >= 1.0:
            return None
        f, g = self.world.demand_factor, self.world.stock_factor
        return {"lines": round(len(self.lines) * f), "on_time_lines": round(self.on_time_lines * f),
                "backordered_lines": round(self.backordered_lines * f),
                "avg_stock_value": _money(self.avg_stock_value * g),
                "transfer_cost": _money(float(self.transfer_cost) * f),
                "penalties": {k: _money(float(self.penalties.fines[k]) * f) for k in _PENALTY_KEYS},
                "demand_factor": round(f, 4), "stock_factor": round(g, 4)}

    def summary(self) -> dict:
        summary = {
            "policy": self.config.policy, "days": self.config.days, "seed": self.config.seed,
            "lines": len(self.lines), "on_time_lines": self.on_time_lines,
            "on_time_rate": round(self.on_time_rate, 5), "backordered_lines": self.backordered_lines,
            "avg_stock_value": _money(self.avg_stock_value), "transfer_cost": str(self.transfer_cost.quantize(CENT)),
            "penalties": {k: str(self.penalties.fines[k].quantize(CENT)) for k in _PENALTY_KEYS},
            "seconds": round(self.seconds, 1),
            "scale": self.config.scale, "sku_share": self.world.sku_share,
        }
        estimate = self.estimate()
        if estimate:
            summary["estimate_all_skus"] = estimate
        return summary


_PENALTY_KEYS = ("hq_parts_planning", "center", "service_point")


def _money(value: float) -> str:
    return str(Decimal(repr(float(value))).quantize(CENT))


def simulate(config: SimConfig, out: str | Path | None = None) -> Results:
    """Run one simulation; with `out`, write report.md, the plots, summary.json and details.json."""
    started = perf_counter()
    phase = {}
    tick = perf_counter()
    world = build_world(config.scale, config.seed, config.sku_share, config.opening, config.cover, config.start)
    db = Database(config.database_url)
    try:
        db.load(world.simulated)
        phase["load"] = perf_counter() - tick
        if config.progress:
            print(f"simulating {config.days} days, {config.scale} network, {len(world.simulated['parts']):,} skus, "
                  f"policy {config.policy} (world loaded in {phase['load']:.1f} s)", file=sys.stderr, flush=True)
        engine = Engine(config, db, world)
        try:
            log = engine.run()
            phase["run"] = log.seconds["total"]
            tick = perf_counter()
            results = measure(config, world, engine, log)
            phase["measure"] = perf_counter() - tick
        finally:
            engine.close()
    finally:
        db.close()
    results.phase_seconds = phase
    results.seconds = perf_counter() - started
    if out is not None:
        from .report import write_report

        write_report(results, Path(out))
        results.seconds = perf_counter() - started
        results.phase_seconds["report"] = results.seconds - sum(phase.values())
        (Path(out) / "summary.json").write_text(json.dumps(results.summary(), ensure_ascii=False, indent=2) + "\n",
                                                 encoding="utf-8")
    return results


def measure(config: SimConfig, world: World, engine: Engine, log: Log) -> Results:
    s = engine.s
    lines = metrics.line_table(s, config.start)
    cost, count, units = metrics.transfer_cost(s)
    end = at(engine.last_day, 24.0, config.start)
    penalties = metrics.penalties(s, months(0, engine.last_day, config.start), engine.policy, end)
    days = log.stock[: config.days]
    avg = float(np.mean([sum(v[0] for v in d.values()) for d in days])) if days else 0.0
    return Results(config, world, log, lines, avg, cost, count, units, metrics.delivery_cost(s), penalties,
                   metrics.return_charges(s), metrics.center_names(s), engine.hq)


def config_dict(config: SimConfig) -> dict:
    return {k: str(v) if k == "start" else v for k, v in asdict(config).items() if k not in ("database_url", "progress")}
