"""The trade-off curve: 2-day on-time rate against stock value as the base-stock cover varies.

Each point is one simulation with the optimizer policy, the echelon purchase targets and the
regional transfer targets (`optimizer.targets`, `cover_factor`) both scaled by `cover`. Every
run starts from its own base stock at HQ (the first nights' transfers stock the regional
warehouses), runs a warm-up, and is measured afterwards: on-time rate of the lines submitted
after the warm-up, mean on-hand stock value over the same days. Tickets and old-part returns
do not move stock and are left out to save time. Runs are independent, so they go in parallel.
"""
from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path
from time import perf_counter

import numpy as np

from . import plots
from .engine import SimConfig

COVERS = (0.5, 1.0, 2.0, 3.0, 4.0, 6.0)
TARGETS = (0.99, 0.999)
PEAK_START = date(2025, 5, 15)  # warm-up in late spring, measured through the air-conditioner summer


def point(config: SimConfig, warmup: int) -> dict:
    from .run import simulate

    r = simulate(config)
    measured = r.lines.submitted_day >= warmup
    hq, regional, _ = r.daily_stock()
    scale = r.world.value_factor if r.world.sku_share < 1 else 1.0  # sampled skus: value of all skus
    hq, regional = hq * scale, regional * scale
    stock = (hq + regional)[warmup:]
    lines = int(measured.sum())
    on_time = int(r.lines.on_time[measured].sum())
    return {"cover": config.cover, "lines": lines, "on_time_lines": on_time,
            "on_time_rate": on_time / lines if lines else 0.0, "avg_stock_value": float(stock.mean()),
            "regional_stock_value": float(regional[warmup:].mean()), "transfer_cost": float(r.transfer_cost) * scale,
            "seconds": round(r.seconds, 1)}


def crossing(stock: list[float], rates: list[float], target: float) -> float | None:
    """Stock value at which the curve first reaches `target` (linear between points), or None."""
    order = np.argsort(stock)
    s, q = np.asarray(stock)[order], np.asarray(rates)[order]
    for i in range(len(s)):
        if q[i] >= target:
            if i == 0:
                return float(s[0])
            return float(s[i - 1] + (target - q[i - 1]) * (s[i] - s[i - 1]) / (q[i] - q[i - 1]))
    return None


def run_tradeoff(out: str | Path, *, scale: str = "small", seed: int = 1, days: int = 105, warmup: int = 28,
                 covers=COVERS, workers: int = 2, sku_share: float = 1.0, start: date = PEAK_START,
                 progress: bool = False) -> dict:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    started = perf_counter()
    base = SimConfig(days=days, seed=seed, scale=scale, policy="optimizer", sku_share=sku_share, tickets=False,
                     opening="targets", start=start)
    configs = [replace(base, cover=c) for c in covers]
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(point, c, warmup) for c in configs]
        results = []
        for config, future in zip(configs, futures):
            results.append(future.result())
            if progress:
                r = results[-1]
                print(f"  cover {config.cover:g}x: on time {r['on_time_rate']:.3%}, stock {r['avg_stock_value']:,.0f} RMB, "
                      f"{r['seconds']:.0f} s", flush=True)
    stock, rates = [r["avg_stock_value"] for r in results], [r["on_time_rate"] for r in results]
    marks = {t: crossing(stock, rates, t) for t in TARGETS}
    title = (f"On-time rate against stock - {scale} network, {days - warmup} days measured from "
             f"{date.fromordinal(start.toordinal() + warmup):%d %b}")
    image = plots.tradeoff(list(covers), stock, rates, marks, out / "tradeoff.png", title)
    summary = {"scale": scale, "seed": seed, "days": days, "warmup_days": warmup, "start": str(start),
               "sku_share": sku_share, "points": results,
               "stock_for": {str(t): marks[t] for t in TARGETS}, "seconds": round(perf_counter() - started, 1)}
    (out / "tradeoff.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    (out / "tradeoff.md").write_text(_markdown(summary, image), encoding="utf-8")
    return summary


def _markdown(t: dict, image: str) -> str:
    sample = ("" if t["sku_share"] >= 1 else
              f" Simulated {t['sku_share']:.0%} of the skus (stratified); stock values are scaled to all skus by "
              "annual demand at cost.")
    lines = [f"# Trade-off: 2-day on-time rate against stock ({t['scale']} network)", "",
             f"Optimizer policy; purchase (echelon) and regional base-stock targets scaled by the cover factor; "
             f"{t['days']} days from {t['start']}, the first {t['warmup_days']} a warm-up; seed {t['seed']}. "
             f"Each run starts with its base stock at HQ.{sample}", "",
             f"![trade-off]({image})", "", "| cover | avg stock (RMB) | regional stock (RMB) | lines | on time | rate |",
             "|---:|---:|---:|---:|---:|---:|"]
    for p in t["points"]:
        lines.append(f"| {p['cover']:g}x | {p['avg_stock_value']:,.0f} | {p['regional_stock_value']:,.0f} | "
                     f"{p['lines']:,} | {p['on_time_lines']:,} | {p['on_time_rate']:.3%} |")
    lines.append("")
    for target, value in t["stock_for"].items():
        share = float(target)
        lines.append(f"- {share:.1%} on time: " + (f"about {value:,.0f} RMB of stock" if value is not None
                                                     else "not reached within the covers tried"))
    return "\n".join(lines) + "\n"
