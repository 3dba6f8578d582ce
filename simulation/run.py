"""One simulation from configuration to report: world, database, engine, measurements, files."""
from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from time import perf_counter, process_time

import numpy as np

from . import metrics
from .calendar import at, months
from .engine import Engine, Log, SimConfig
from .results import Results
from .setup import Database, World, build_world

CENT = Decimal("0.01")
DEFAULT_SKU_SHARE = {"small": 1.0, "national": 0.02}


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
