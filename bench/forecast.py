"""Forecast accuracy on the simulated history: MASE and bias per ABC class, against baselines.

    .venv/bin/python bench/forecast.py                 # national catalogue, seed 1
    .venv/bin/python bench/forecast.py --scale small --sku-share 1

Draws a year of demand from the simulation's hidden truth (the demand model of `parts simulate`),
then at several dates forecasts the next four weeks per sku from the history so far and the
master data only (`optimizer.forecast.fit`, as the stock plan does) and scores it against what
the truth then drew. Baselines: HQ's master-data estimate (annual demand, season label), the
last 28 days repeated, and today's base-stock heuristic (28 days of history blended with 14 of
the estimate). MASE divides each sku's mean absolute weekly error by the mean absolute
week-to-week change of its own history (Hyndman and Koehler), RMSSE the same with squares (the
M5 competition's measure); bias is (forecast - actual) /
actual over the class. ABC classes by yearly value at cost (A: the top 80 %, B: 15 %, C: 5 %).
"""
from __future__ import annotations

import argparse
import os
import sys
from time import perf_counter

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from optimizer.forecast import History, fit  # noqa: E402
from simulation.calendar import day_of_year  # noqa: E402
from simulation.demand import Demand  # noqa: E402
from simulation.hq_estimate import estimated_rate  # noqa: E402
from simulation.setup import build_world  # noqa: E402

CHECKPOINTS = (91, 182, 273)   # 1 April, 2 July, 1 October
HORIZON_WEEKS = 4


def abc(parts: list[dict]) -> np.ndarray:
    value = np.array([float(p.get("annual_demand") or 0) * float(p["unit_cost"]) for p in parts])
    order = np.argsort(-value)
    share = np.cumsum(value[order]) / value.sum()
    classes = np.empty(len(parts), dtype="<U1")
    classes[order] = np.where(share <= 0.80, "A", np.where(share <= 0.95, "B", "C"))
    return classes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="national", choices=("small", "national"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sku-share", type=float, default=1.0)
    args = parser.parse_args()
    world = build_world(args.scale, args.seed, args.sku_share)
    parts = world.simulated["parts"]
    demand = Demand(world.simulated, args.seed)
    n, k = len(parts), len(demand.regions)
    tick = perf_counter()
    days = max(CHECKPOINTS) + 7 * HORIZON_WEEKS
    daily = np.zeros((days, n))
    events = []
    for day in range(days):
        today = demand.day(day)
        np.add.at(daily[day], today.sku, today.qty)
        events.append((np.full(len(today), day), today.sku, demand.point_region[today.point], today.qty))
    day_of, sku_of, region_of, qty_of = (np.concatenate(x) for x in zip(*events))
    print(f"{n:,} skus, {len(qty_of):,} lines drawn over {days} days in {perf_counter() - tick:.1f} s")
    prior = np.array([float(p.get("annual_demand") or 0) for p in parts]) / 365
    summer = np.array([p.get("season") == "summer" for p in parts])
    points = np.bincount(demand.point_region, minlength=k).astype(float)
    classes = abc(parts)
    scores: dict[str, dict[str, list]] = {}
    fit_seconds = []
    for today in CHECKPOINTS:
        past = day_of < today
        history = History(today - day_of[past], sku_of[past], region_of[past], qty_of[past].astype(float), today)
        tick = perf_counter()
        model = fit(history, prior, summer, points, day_of_year(today))
        fit_seconds.append(perf_counter() - tick)
        weeks = [range(today + 7 * w, today + 7 * w + 7) for w in range(HORIZON_WEEKS)]
        actual = np.stack([daily[list(w)].sum(axis=0) for w in weeks], axis=1)
        last28 = daily[today - 28:today].sum(axis=0) / 28
        forecasts = {
            "model": np.stack([model.units(7, start_offset=7 * w).sum(axis=1) for w in range(HORIZON_WEEKS)], axis=1),
            "master data": np.stack([sum(estimated_rate(parts, d) for d in w) for w in weeks], axis=1),
            "last 28 days": np.repeat(7 * last28[:, None], HORIZON_WEEKS, axis=1),
            "heuristic (28 + 14)": np.repeat((7 * (28 * last28 + 14 * prior) / 42)[:, None], HORIZON_WEEKS, axis=1),
        }
        weekly_history = daily[:today - today % 7].reshape(-1, 7, n).sum(axis=1)
        steps = np.diff(weekly_history, axis=0)
        scale = np.abs(steps).mean(axis=0)
        scale2 = (steps ** 2).mean(axis=0)
        for name, f in forecasts.items():
            entry = scores.setdefault(name, {c: [] for c in "ABC"})
            err = np.abs(f - actual).mean(axis=1)
            err2 = ((f - actual) ** 2).mean(axis=1)
            for c in "ABC":
                rows = (classes == c) & (scale > 0)
                entry[c].append((err[rows] / scale[rows], f[classes == c].sum(), actual[classes == c].sum(),
                                 np.sqrt(err2[rows] / scale2[rows])))
    print(f"fit: {np.mean(fit_seconds):.2f} s per forecast of {n:,} skus x {k} regions "
          f"(checkpoints: days {', '.join(map(str, CHECKPOINTS))}; {HORIZON_WEEKS} weeks ahead)")
    counts = {c: int((classes == c).sum()) for c in "ABC"}
    print(f"{'method':<22}" + "".join(f"{'MASE ' + c + f' ({counts[c]:,})':>18}{'RMSSE':>7}{'bias':>8}" for c in "ABC"))
    for name, entry in scores.items():
        cells = []
        for c in "ABC":
            mase = np.concatenate([e[0] for e in entry[c]])
            rmsse = np.concatenate([e[3] for e in entry[c]])
            bias = sum(e[1] for e in entry[c]) / max(sum(e[2] for e in entry[c]), 1e-9) - 1
            cells.append(f"{np.mean(mase):>18.3f}{np.mean(rmsse):>7.3f}{bias:>+8.1%}")
        print(f"{name:<22}" + "".join(cells))
    print("MASE rewards a forecast of the median week (zero for a slow part); RMSSE (the M5 competition's) "
          "rewards the mean, which is what a stock level is set from.")


if __name__ == "__main__":
    main()
