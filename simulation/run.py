"""One simulation from configuration to report: world, database, engine, measurements, files."""
from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from time import perf_counter, process_time

import numpy as np

from . import metrics
from .calendar import at, months
from .engine import Engine, Log, SimConfig
from .estimate import SkuTable
from .forecast_check import ForecastCheck
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
    transfer_by_sku: dict[str, Decimal]
    transfer_count: int
    transfer_units: int
    delivery_cost: Decimal
    penalties: metrics.Penalties
    return_charges: dict[str, Decimal]
    centre_names: dict[str, str]
    hq: str
    forecast: ForecastCheck | None = None
    purchase_cost: Decimal = Decimal("0.00")
    budget: Decimal | None = None      # `planned`: the stock budget the plan placed
    plans: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    phase_seconds: dict[str, float] = field(default_factory=dict)
    code: str = "unknown"

    # -- the figures -------------------------------------------------------------------------

    @property
    def on_time_lines(self) -> int:
        return int(self.lines.on_time.sum())

    @property
    def on_time_rate(self) -> float:
        return self.on_time_lines / len(self.lines) if len(self.lines) else 0.0

    @property
    def backordered(self) -> np.ndarray:
        """Per line: some of it was backordered when it was submitted."""
        return np.isin(self.lines.id, np.fromiter(self.log.backordered_at_submit, np.int64))

    @property
    def backordered_lines(self) -> int:
        return int(self.backordered.sum())

    def line_weights(self) -> np.ndarray:
        """How many lines of the whole catalogue each simulated line stands for (1 without sampling)."""
        w = self.world.weights
        return np.array([w.get(sku, 1.0) for sku in self.lines.sku])

    def late_causes(self, measured: np.ndarray | None = None) -> dict[str, dict]:
        """Per cause (`metrics.LATE_CAUSES`): the simulated late lines, and the share of all lines
        late for it (weighted: an estimate for all skus when sampled)."""
        keep = np.ones(len(self.lines), bool) if measured is None else measured
        w, cause = self.line_weights()[keep], self.lines.cause[keep]
        total = w.sum()
        return {c: {"lines": int((cause == c).sum()), "share": float(w[cause == c].sum() / total) if total else 0.0}
                for c in metrics.LATE_CAUSES}

    def per_sku(self, measured: np.ndarray | None = None) -> SkuTable:
        """Each simulated sku's weights and figures, in stratum order (`measured`: the lines counted)."""
        sample = self.world.sample
        skus = sorted(sample.stratum, key=sample.stratum.get)
        pos = {sku: i for i, sku in enumerate(skus)}
        n = len(skus)
        keep = np.ones(len(self.lines), bool) if measured is None else measured
        at = np.array([pos[sku] for sku in self.lines.sku], dtype=np.int64)[keep]
        count = lambda values: np.bincount(at, weights=values[keep].astype(float), minlength=n)  # noqa: E731
        days = max(self.log.sku_stock_days, 1)
        return SkuTable(skus, np.array([sample.stratum[s] for s in skus]),
                        np.array([sample.weights[s] for s in skus]), np.array([sample.stock_weights[s] for s in skus]),
                        np.array([sample.stratum_demand[s] for s in skus]),
                        np.array([sample.stratum_stock[s] for s in skus]),
                        count(np.ones(len(self.lines))), count(self.lines.on_time), count(self.backordered),
                        np.array([self.log.sku_stock.get(s, 0.0) / days for s in skus]),
                        np.array([float(self.transfer_by_sku.get(s, 0)) for s in skus]), sample.share)

    def weighted_stock(self) -> float:
        """Mean on-hand value of all skus (after any warm-up): sampled skus weighted by opening stock."""
        return self.per_sku().total("stock")

    def weighted_on_time_rate(self) -> float:
        w = self.line_weights()
        return float((w * self.lines.on_time).sum() / w.sum()) if len(w) else 0.0

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

    def by(self, keys: list[str]) -> dict[str, tuple[int, int, float]]:
        """(lines, on-time lines, on-time rate for all skus) per key (a month, a centre); the rate
        weights each line by its sku's weight, so it is the simulated rate without sampling."""
        out: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0, 0.0])
        for key, ok, w in zip(keys, self.lines.on_time.tolist(), self.line_weights().tolist()):
            row = out[key]
            row[0] += 1
            row[1] += ok
            row[2] += w
            row[3] += w * ok
        return {k: (v[0], v[1], v[3] / v[2] if v[2] else float("nan")) for k, v in sorted(out.items())}

    def estimate(self) -> dict | None:
        """The whole catalogue's figures when a sample of skus was simulated (`estimate`);
        penalties scale with the lines."""
        if self.world.sku_share >= 1.0:
            return None
        t = self.per_sku()
        lines = t.total("lines")
        per_line = lines / len(self.lines) if len(self.lines) else 0.0
        return {"lines": round(lines), "on_time_lines": round(t.total("on_time")),
                "on_time_rate": round(t.rate, 5), "on_time_rate_se": round(t.rate_se, 5),
                "backordered_lines": round(t.total("backordered")),
                "avg_stock_value": _money(t.total("stock")), "avg_stock_value_se": _money(t.stock_se()),
                "transfer_cost": _money(t.total("transfer_cost")),
                "penalties": {k: _money(float(self.penalties.fines[k]) * per_line) for k in _PENALTY_KEYS},
                "lines_per_simulated_line": round(per_line, 4)}

    def summary(self) -> dict:
        summary = {
            "policy": self.config.policy, "days": self.config.days, "seed": self.config.seed,
            "lines": len(self.lines), "on_time_lines": self.on_time_lines,
            "on_time_rate": round(self.on_time_rate, 5), "backordered_lines": self.backordered_lines,
            "avg_stock_value": _money(self.avg_stock_value), "transfer_cost": str(self.transfer_cost.quantize(CENT)),
            "penalties": {k: str(self.penalties.fines[k].quantize(CENT)) for k in _PENALTY_KEYS},
            "seconds": round(self.seconds, 1), "cpu_seconds": round(self.cpu_seconds, 1),
            "scale": self.config.scale, "sku_share": self.world.sku_share, "code": self.code,
            "forecast_mape": None if self.forecast is None or self.forecast.mape is None
            else round(self.forecast.mape, 4),
            "purchase_cost": str(self.purchase_cost.quantize(CENT)),
        }
        if self.budget is not None:
            summary["budget"] = str(self.budget.quantize(CENT))
        estimate = self.estimate()
        if estimate:
            summary["estimate_all_skus"] = estimate
        return summary


_PENALTY_KEYS = ("hq_parts_planning", "center", "service_point")


def _money(value: float) -> str:
    return str(Decimal(repr(float(value))).quantize(CENT))


@lru_cache(maxsize=1)
def code_version() -> str:
    """The commit the figures come from, `-dirty` when code differs from it (docs/ is ignored,
    runs write there); read once per process, at its first run: the code that runs is what was
    imported then, whatever the tree becomes while a long chain of runs goes on."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", ".", ":!docs"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("-dirty" if dirty else "")


def simulate(config: SimConfig, out: str | Path | None = None) -> Results:
    """Run one simulation; with `out`, write report.md, the plots, summary.json and details.json."""
    started, cpu = perf_counter(), process_time()
    code = code_version()
    phase = {}
    tick = perf_counter()
    world = build_world(config.scale, config.seed, config.sku_share, config.opening, config.cover, config.start,
                        config.shard)
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
    results.phase_seconds, results.code = phase, code
    results.seconds, results.cpu_seconds = perf_counter() - started, process_time() - cpu
    if out is not None:
        from .report import write_report

        write_report(results, Path(out))
        results.seconds, results.cpu_seconds = perf_counter() - started, process_time() - cpu
        results.phase_seconds["report"] = results.seconds - sum(phase.values())
        (Path(out) / "summary.json").write_text(json.dumps(results.summary(), ensure_ascii=False, indent=2) + "\n",
                                                 encoding="utf-8")
    return results


def measure(config: SimConfig, world: World, engine: Engine, log: Log) -> Results:
    s = engine.s
    lines = metrics.line_table(s, config.start, log.carrier_delay)
    cost, count, units, cost_by_sku = metrics.transfer_cost(s)
    end = at(engine.last_day, 24.0, config.start)
    penalties = metrics.penalties(s, months(0, engine.last_day, config.start), engine.policy, end)
    days = log.stock[: config.days]
    avg = float(np.mean([sum(v[0] for v in d.values()) for d in days])) if days else 0.0
    return Results(config, world, log, lines, avg, cost, cost_by_sku, count, units, metrics.delivery_cost(s), penalties,
                   metrics.return_charges(s), metrics.center_names(s), engine.hq, engine.forecast_check,
                   engine.replenishment.purchase_cost.quantize(CENT), _budget(config, engine), engine.log.plans)


def _budget(config: SimConfig, engine: Engine) -> Decimal | None:
    if config.policy != "planned":
        return None
    return Decimal(str(config.budget)) if config.budget is not None else Decimal(engine.policy.stock_budget)


def config_dict(config: SimConfig) -> dict:
    return {k: str(v) if k == "start" else v for k, v in asdict(config).items() if k not in ("database_url", "progress")}
