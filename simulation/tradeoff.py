"""The trade-off curve: 2-day on-time rate against stock value as the base-stock cover varies,
and the stock plan's (policy `planned`) as its budget varies.

Each point is one simulation with the optimizer policy, the echelon purchase targets and the
regional transfer targets (`optimizer.targets`, `cover_factor`) both scaled by `cover`. A second
series keeps one cover and lowers `min_mean` (the policy's `regional_min_mean`), so regional
warehouses hold slower skus: stock placed near the points rather than more of the same. Every
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

from optimizer.targets import MIN_MEAN

from . import plots
from .engine import WAVES, SimConfig
from .report import cause_columns

COVERS = (0.5, 1.0, 2.0, 3.0, 4.0, 6.0)
EVENING = WAVES + (21.0,)  # a fourth pick wave, after the points' last requisitions at 20:00
# the settings of the curves in docs/sim/tradeoff/<scale>: all skus of the small network on two cores;
# the national curve on 1 % of the skus: covers, placement, an evening wave and the stock plan's budgets
PRESETS = {"small": {"covers": COVERS, "sku_share": 1.0, "workers": 2,
                     "budgets": (200_000.0, 400_000.0, 800_000.0, 1_600_000.0)},
           "national": {"covers": (1.0, 2.0, 4.0, 8.0), "sku_share": 0.01, "workers": 1,
                        "placement": ((4.0, 0.003), (4.0, 0.001), (2.0, 0.003), (4.0, 0.001, EVENING)),
                        "budgets": (10e6, 20e6, 30e6, 50e6)}}
PLACEMENT_COLOURS = ("#9467bd", "#17becf", "#8c564b", "#e377c2")
PLANNED_COLOUR = "#d62728"
PLANNED_LABEL = "stock plan (policy planned) at the budget labelled"
TARGETS = (0.99, 0.999)
PEAK_START = date(2025, 5, 15)  # warm-up in late spring, measured through the air-conditioner summer


def preset(scale: str, sku_share: float | None = None) -> dict:
    """`run_tradeoff` settings of the published curve for `scale`, with another sku share if given."""
    return {**PRESETS[scale], **({} if sku_share is None else {"sku_share": sku_share})}


def point(config: SimConfig, warmup: int) -> dict:
    from .run import simulate

    r = simulate(replace(config, warmup_days=warmup))
    measured = r.lines.submitted_day >= warmup
    t = r.per_sku(measured)  # sampled skus stand for their strata (all weights 1 without sampling)
    _, regional, _ = r.daily_stock()
    return {"cover": config.cover, "policy": config.policy, "budget": config.budget, "lines": int(measured.sum()), "on_time_lines": int(r.lines.on_time[measured].sum()),
            "on_time_rate": t.rate, "on_time_rate_se": t.rate_se, "avg_stock_value": t.total("stock"),
            "regional_stock_value": float(regional[warmup:].mean()) if r.world.sku_share >= 1 else None,
            "transfer_cost": t.total("transfer_cost"), "seconds": round(r.seconds, 1),
            "cpu_seconds": round(r.cpu_seconds, 1), "code": r.code, "min_mean": config.min_mean,
            **({} if config.waves == WAVES else {"waves": list(config.waves)}),
            "late_causes": {c: v["share"] for c, v in r.late_causes(measured).items()}}


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
                 covers=COVERS, placement=(), budgets=(), workers: int = 2, sku_share: float = 1.0,
                 start: date = PEAK_START, progress: bool = False, done: dict | None = None) -> dict:
    """Run a point per cover, and per (cover, min_mean[, waves]) of `placement`, and write the
    curves; `done`, an earlier tradeoff.json of the same setting, keeps its points (and their
    time) and only the points it lacks are run."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    started = perf_counter()
    base = SimConfig(days=days, seed=seed, scale=scale, policy="optimizer", sku_share=sku_share, tickets=False,
                     opening="targets", start=start)
    summary = {"scale": scale, "seed": seed, "days": days, "warmup_days": warmup, "start": str(start),
               "sku_share": sku_share, "workers": workers, "points": [], "seconds": 0.0}
    earlier = 0.0
    if done:
        same = all(done.get(k) == v for k, v in summary.items() if k not in ("points", "seconds", "workers"))
        if not same:
            raise ValueError("the earlier curve was run with another setting")
        summary["points"], earlier = list(done["points"]), float(done["seconds"])
    have = {_key(p) for p in summary["points"]}
    wanted = ([(c, MIN_MEAN, WAVES, None) for c in covers]
              + [(float(p[0]), float(p[1]), tuple(p[2]) if len(p) > 2 else WAVES, None) for p in placement]
              + [(1.0, MIN_MEAN, WAVES, float(b)) for b in budgets])
    configs = [replace(base, cover=c, min_mean=m, waves=w, budget=b, policy="optimizer" if b is None else "planned")
               for c, m, w, b in dict.fromkeys(wanted) if (c, m, w, b) not in have]
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(point, c, warmup) for c in configs]
        for config, future in zip(configs, futures):
            r = future.result()
            summary["points"].append(r)
            summary["seconds"] = round(earlier + perf_counter() - started, 1)
            if progress:
                print(f"  {_label(config)}: on time {r['on_time_rate']:.3%} ± {r['on_time_rate_se']:.3%}, "
                      f"stock {r['avg_stock_value']:,.0f} RMB, {r['seconds']:.0f} s (CPU {r['cpu_seconds']:.0f} s); "
                      f"{summary['seconds'] / 60:.1f} min so far", flush=True)
            if config is not configs[-1]:  # a partial curve on disk after every point
                render({**summary, "partial": True}, out)
    return render(summary, out)


def _key(p: dict) -> tuple[float, float, tuple[float, ...], float | None]:
    return p["cover"], p.get("min_mean", MIN_MEAN), tuple(p.get("waves", WAVES)), p.get("budget")


def _label(config: SimConfig) -> str:
    if config.policy == "planned":
        return f"stock plan at {config.budget / 1e6:g} M RMB"
    return f"cover {config.cover:g}x, min_mean {config.min_mean:g}, waves {_hours(config.waves)}"


def _hours(waves) -> str:
    return "/".join(f"{h:02.0f}" for h in waves)


def series(points: list[dict]) -> list[tuple[str, list[dict]]]:
    """The curves in the points: more cover at the usual min_mean, then, per cover with lower
    min_means, that cover holding ever slower skus regionally (its usual point first), then the
    same with other pick waves."""
    planned = sorted((p for p in points if _key(p)[3] is not None), key=lambda p: p["budget"])
    points = [p for p in points if _key(p)[3] is None]
    usual = sorted((p for p in points if _key(p)[1:3] == (MIN_MEAN, WAVES)), key=lambda p: p["cover"])
    out = [(f"more cover (regional_min_mean {MIN_MEAN:g})", usual)] if usual else []
    for waves in sorted({_key(p)[2] for p in points}, key=lambda w: (w != WAVES, w)):
        for cover in sorted({p["cover"] for p in points if _key(p)[2] == waves and _key(p)[1] != MIN_MEAN}):
            held = sorted((p for p in points if p["cover"] == cover and _key(p)[2] == waves
                           and (_key(p)[1] != MIN_MEAN or waves == WAVES)), key=lambda p: -_key(p)[1])
            extra = "" if waves == WAVES else f", pick waves {_hours(waves)}"
            out.append((f"{cover:g}x cover{extra}, slower skus held regionally: regional_min_mean as labelled", held))
    if planned:
        out.append((PLANNED_LABEL, planned))
    return out


def render(summary: dict, out: str | Path) -> dict:
    """Write tradeoff.png, tradeoff.md and tradeoff.json from the points (also to redraw old runs)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    summary["points"] = sorted(summary["points"], key=lambda p: (_key(p)[3] is not None, _key(p)[3] or 0,
                                                                 _key(p)[2] != WAVES, _key(p)[1] != MIN_MEAN,
                                                                 p["cover"], -_key(p)[1]))
    curves, marks, by = [], {t: None for t in TARGETS}, {}
    for i, (label, points) in enumerate(series(summary["points"])):
        stock, rates = [p["avg_stock_value"] for p in points], [p["on_time_rate"] for p in points]
        names = ([f"{p['cover']:g}x" for p in points] if i == 0 else  # a placement curve's first point is on the first
                 [f"{p['budget'] / 1e6:g}M" for p in points] if label == PLANNED_LABEL else
                 ["" if _key(p)[1] == MIN_MEAN else f"{_key(p)[1]:g}" for p in points])
        errors = [p.get("on_time_rate_se") or 0.0 for p in points] if summary["sku_share"] < 1 else None
        colour = (plots.COLOURS["optimizer"] if i == 0 else PLANNED_COLOUR if label == PLANNED_LABEL
                  else PLACEMENT_COLOURS[(i - 1) % len(PLACEMENT_COLOURS)])
        curves.append(plots.Curve(label, names, stock, rates, errors, colour))
        for t in TARGETS:
            value = crossing(stock, rates, t)
            if value is not None and (marks[t] is None or value < marks[t]):
                marks[t], by[str(t)] = value, label
    summary["stock_for"] = {str(t): marks[t] for t in TARGETS}
    summary["reached_by"] = by
    start = date.fromisoformat(summary["start"])
    title = (f"On-time rate against stock - {summary['scale']} network, "
             f"{summary['days'] - summary['warmup_days']} days measured from "
             f"{date.fromordinal(start.toordinal() + summary['warmup_days']):%d %b}")
    image = plots.tradeoff(curves, marks, out / "tradeoff.png", title)
    (out / "tradeoff.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    (out / "tradeoff.md").write_text(_markdown(summary, image), encoding="utf-8")
    return summary


def _markdown(t: dict, image: str) -> str:
    sample = ("" if t["sku_share"] >= 1 else
              f" Simulated a stratified {t['sku_share']:.0%} of the skus (one per stratum of neighbours by season and "
              "demand); each stands for its stratum, weighted by the stratum's demand (stock: by its count of skus), "
              "so rates and stock values are estimates for all skus; ± is one standard error of that sampling. "
              "Every point uses the same skus and the same demand.")
    lines = [f"# Trade-off: 2-day on-time rate against stock ({t['scale']} network)", "",
             f"Optimizer policy: purchase (echelon) and regional base-stock targets scaled by the cover factor; "
             f"planned policy: the stock plan at the budget given; "
             f"{t['days']} days from {t['start']}, the first {t['warmup_days']} a warm-up; seed {t['seed']}. "
             f"Each run starts with its base stock at HQ.{sample}", "",
             f"![trade-off]({image})", "",
             "| policy | cover or budget | regional_min_mean | pick waves | avg stock (RMB) | regional stock (RMB) "
             "| simulated lines | on time | rate | run s (CPU s) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for p in t["points"]:
        regional = "" if p.get("regional_stock_value") is None else f"{p['regional_stock_value']:,.0f}"
        se = f" ± {p['on_time_rate_se'] * 100:.2f} pt" if p.get("on_time_rate_se") else ""
        run = f"{p['seconds']:,.0f}" + (f" ({p['cpu_seconds']:,.0f})" if p.get("cpu_seconds") else "")
        lever = f"{p['budget']:,.0f} RMB" if p.get("budget") else f"{p['cover']:g}x"
        lines.append(f"| {p.get('policy', 'optimizer')} | {lever} | {_key(p)[1]:g} | {_hours(_key(p)[2])} | "
                     f"{p['avg_stock_value']:,.0f} | {regional} | "
                     f"{p['lines']:,} | {p['on_time_lines']:,} | {p['on_time_rate']:.3%}{se} | {run} |")
    lines += _causes(t["points"])
    lines.append("")
    for target, value in t["stock_for"].items():
        share = float(target)
        how = t.get("reached_by", {}).get(target)
        lines.append(f"- {share:.1%} on time: " + (f"about {value:,.0f} RMB of stock" + (f" ({how})" if how else "")
                                                     if value is not None else "not reached within the points tried"))
    codes = sorted({p.get("code", "unknown") for p in t["points"]})
    lines += ["", f"Code: {', '.join(f'`{c}`' for c in codes)}."]
    workers = t.get("workers")
    lines += ["", f"The whole curve took {t['seconds'] / 60:,.1f} minutes"
              + (f" ({workers} worker process{'es' if workers != 1 else ''})." if workers else ".")]
    if t.get("partial"):
        lines += ["", "**Partial: the run was still going when this was written.**"]
    if t.get("notes"):
        lines += ["", t["notes"]]
    return "\n".join(lines) + "\n"


def _causes(points: list[dict]) -> list[str]:
    """Why the late lines were late at each point, as shares of all measured lines."""
    if not all("late_causes" in p for p in points):
        return []
    rows = [([f"{p['budget']:,.0f} RMB" if p.get("budget") else f"{p['cover']:g}x", f"{_key(p)[1]:g}",
              _hours(_key(p)[2])], p["late_causes"]) for p in points]
    return ["", "Why the late lines were late (`simulation.metrics.late_cause`), as a share of all measured lines:",
            "", *cause_columns(["cover or budget", "regional_min_mean", "pick waves"], rows, lead="---:")]


def _placement(text: str) -> tuple:
    cover, min_mean, *waves = text.split(":")
    return (float(cover), float(min_mean)) + ((tuple(float(h) for h in waves[0].split("+")),) if waves else ())


def main(argv: list[str] | None = None) -> None:
    """python -m simulation.tradeoff OUT [--scale national --sku-share 0.02 --covers 1,2,4 --workers 1 ...]"""
    import argparse

    parser = argparse.ArgumentParser(description="the on-time vs stock trade-off curve (optimizer policy)")
    parser.add_argument("out")
    parser.add_argument("--scale", default="small", choices=("small", "national"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=int, default=105)
    parser.add_argument("--warmup", type=int, default=28)
    parser.add_argument("--covers", default=",".join(f"{c:g}" for c in COVERS))
    parser.add_argument("--placement", default="",
                        help="COVER:MIN_MEAN[:WAVES] points, e.g. 4:0.003,2:0.001,4:0.001:9+13+17+21")
    parser.add_argument("--budgets", default="", help="stock budgets (RMB) for the planned policy's series, e.g. 2e7,3e7")
    parser.add_argument("--sku-share", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--redraw", action="store_true", help="only redraw OUT/tradeoff.json")
    parser.add_argument("--resume", action="store_true", help="keep the points of OUT/tradeoff.json, run the rest")
    args = parser.parse_args(argv)
    earlier = Path(args.out) / "tradeoff.json"
    if args.redraw:
        summary = render(json.loads((Path(args.out) / "tradeoff.json").read_text(encoding="utf-8")), args.out)
    else:
        summary = run_tradeoff(args.out, scale=args.scale, seed=args.seed, days=args.days, warmup=args.warmup,
                               covers=[float(c) for c in args.covers.split(",")], workers=args.workers,
                               placement=[_placement(p) for p in args.placement.split(",") if p],
                               budgets=[float(b) for b in args.budgets.split(",") if b],
                               sku_share=args.sku_share, progress=True,
                               done=json.loads(earlier.read_text(encoding="utf-8")) if args.resume and earlier.exists()
                               else None)
    for target, value in summary["stock_for"].items():
        print(f"{float(target):.1%} on time: " + (f"{value:,.0f} RMB of stock" if value is not None else "not reached"))
    print(f"trade-off curve: {Path(args.out) / 'tradeoff.png'}; computed in {summary['seconds'] / 60:.1f} min")


if __name__ == "__main__":
    main()
