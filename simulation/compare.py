"""The headline across policies: one table and two plots from the policies' output directories."""
from __future__ import annotations

import json
from pathlib import Path

from . import plots
from .estimate import SkuTable
from .report import cause_columns

ORDER = ("none", "greedy", "greedy_transfers", "optimizer", "planned")
LABELS = {"greedy_transfers": "greedy + transfers"}


def _load(directory: Path) -> tuple[dict, dict] | None:
    summary, details = directory / "summary.json", directory / "details.json"
    if not summary.exists() or not details.exists():
        return None
    return (json.loads(summary.read_text(encoding="utf-8")), json.loads(details.read_text(encoding="utf-8")))


def headline(root: str | Path) -> str:
    """Write ROOT/headline.md and the comparison plots for ROOT/<policy>/ runs; return the Markdown."""
    root = Path(root)
    runs = {p: loaded for p in ORDER if (loaded := _load(root / p))}
    if not runs:
        raise FileNotFoundError(f"no simulation results under {root}")
    any_summary = next(iter(runs.values()))[0]
    estimate = "estimate_all_skus" in any_summary
    month_png = plots.compare_by_month({LABELS.get(p, p): ([m["month"] for m in d["by_month"]],
                                            [_month_rate(m) for m in d["by_month"]]) for p, (_, d) in runs.items()},
                                       root / "on_time_by_month_policies.png",
                                       " (all skus, estimated)" if estimate else "")
    points = {LABELS.get(p, p): (_stock(s, estimate), _rate(s)) for p, (s, _) in runs.items()}
    errors = {LABELS.get(p, p): s["estimate_all_skus"]["on_time_rate_se"] for p, (s, _) in runs.items()
              if "on_time_rate_se" in s.get("estimate_all_skus", {})}
    stock_png = plots.compare_rate_vs_stock(points, root / "on_time_vs_stock_policies.png", errors)
    scope = ""
    if estimate:
        sc = next(iter(runs.values()))[1]["scope"]
        scope = (f" Simulated {sc['skus_simulated']:,} of {sc['skus_total']:,} skus, one from each stratum of "
                 f"{round(1 / sc['sku_share'])} neighbours by season and demand; each stands for its stratum, "
                 "weighted by the stratum's demand (stock: by its count of skus), so the figures are estimates for "
                 "all skus. ± is one standard error of that sampling.")
    lines = [f"Simulated {any_summary['days']} days of the {any_summary.get('scale', '')} network, seed "
             f"{any_summary['seed']}.{scope}", "",
             "| policy | lines | 2-day on-time rate | backordered lines | avg stock value (RMB) | transfer cost (RMB) "
             "| penalties HQ planning / centres / points (RMB) | simulated lines | run time (wall, CPU) |",
             "|---|---:|---:|---:|---:|---:|---|---:|---:|"]
    for p, (s, d) in runs.items():
        e = s.get("estimate_all_skus", s)
        pen = e["penalties"]
        se = f" ± {e['on_time_rate_se'] * 100:.2f} pt" if "on_time_rate_se" in e else ""
        lines.append(f"| {LABELS.get(p, p)} | {e['lines']:,} | **{_rate(s):.2%}**{se} | {e['backordered_lines']:,} | "
                     f"{float(e['avg_stock_value']):,.0f} | {float(e['transfer_cost']):,.0f} | "
                     f"{float(pen['hq_parts_planning']):,.0f} / {float(pen['center']):,.0f} / "
                     f"{float(pen['service_point']):,.0f} | {s['lines']:,} | {_minutes(s)} |")
    lines += _causes(runs, estimate)
    codes = sorted({s.get("code", "unknown") for s, _ in runs.values()})
    lines += ["", verdict(runs, estimate), "", _code_note(codes), "", f"![on-time by month]({month_png})", "",
              f"![on-time vs stock]({stock_png})", ""]
    text = "\n".join(lines)
    (root / "headline.md").write_text(text, encoding="utf-8")
    return text


def _causes(runs: dict, estimate: bool) -> list[str]:
    """Why late lines were late, per policy, as shares of all lines."""
    if not all("late_causes" in d for _, d in runs.values()):
        return []
    rows = [([LABELS.get(p, p)], {c: v["share"] for c, v in d["late_causes"].items()}) for p, (_, d) in runs.items()]
    return ["", "Late lines by cause, as a share of all lines" + (" (all skus, estimated)" if estimate else "")
            + " (`simulation.metrics.late_cause`):", "", *cause_columns(["policy"], rows)]


def _code_note(codes: list[str]) -> str:
    """Which commit the runs come from, and a warning when they do not all come from one clean tree."""
    if len(codes) == 1 and not codes[0].endswith("-dirty") and codes[0] != "unknown":
        return f"All runs from commit `{codes[0]}`."
    return f"**Runs from different or uncommitted code:** {', '.join(f'`{c}`' for c in codes)}."


def _minutes(summary: dict) -> str:
    cpu = summary.get("cpu_seconds")
    return f"{summary['seconds'] / 60:.1f} min" + (f" (CPU {cpu / 60:.1f})" if cpu else "")


def _month_rate(m: dict) -> float:
    rate = m.get("on_time_rate_all_skus", m["on_time_rate"])
    return rate if rate is not None else 0.0


def _rate(summary: dict) -> float:
    return summary.get("estimate_all_skus", summary)["on_time_rate"]


def _stock(summary: dict, estimate: bool) -> float:
    return float(summary["estimate_all_skus"]["avg_stock_value"] if estimate else summary["avg_stock_value"])


def verdict(runs: dict, estimate: bool) -> str:
    """How much better the optimizer is than greedy (and than greedy with the same transfers)."""
    text = []
    if "optimizer" in runs:
        text += [_versus(runs["optimizer"], runs[name], LABELS.get(name, name), estimate)
                 for name in ("greedy", "greedy_transfers") if name in runs]
    if "planned" in runs and "optimizer" in runs:
        text.append(_versus(runs["planned"], runs["optimizer"], "the optimizer with today's heuristic targets",
                            estimate, "The stock plan (planned)"))
    return "\n\n".join(text)


def _versus(opt: tuple[dict, dict], base: tuple[dict, dict], name: str, estimate: bool,
            first: str = "Optimizer") -> str:
    (o, od), (g, gd) = opt, base
    ro, rg = _rate(o), _rate(g)
    gain = ro - rg
    so, sg = _stock(o, estimate), _stock(g, estimate)
    late_g, late_o = 1 - rg, 1 - ro
    fewer = (late_g - late_o) / late_g if late_g else 0.0
    stock_word = "the same" if abs(so - sg) < 0.005 * sg else "lower" if so < sg else "higher"
    error = ""
    if estimate and "per_sku" in od and "per_sku" in gd:
        to, tg = SkuTable.from_rows(od["per_sku"]), SkuTable.from_rows(gd["per_sku"])
        se, sse = to.difference_se(tg), to.stock_difference_se(tg)
        z = gain / se if se else float("inf") if gain else 0.0
        error = (f" Sampling error of the difference (same skus, same demand): ± {se * 100:.3f} points on the rate "
                 f"({'a clear difference' if abs(z) >= 2 else 'within the sampling error'}, {abs(z):.1f} standard "
                 f"errors), ± {sse:,.0f} RMB on the stock.")
    return (f"{first} against {name}: on-time rate {ro:.3%} against {rg:.3%} "
            f"({gain * 100:+.3f} percentage points, {fewer:.1%} fewer late lines) at {stock_word} average stock "
            f"({so:,.0f} against {sg:,.0f} RMB, {(so - sg) / sg:+.2%}).{error}")
