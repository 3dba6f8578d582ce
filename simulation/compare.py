"""The headline across policies: one table and two plots from the policies' output directories."""
from __future__ import annotations

import json
from pathlib import Path

from . import plots

ORDER = ("none", "greedy", "greedy_transfers", "optimizer")
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
                                            [m["on_time_rate"] or 0 for m in d["by_month"]]) for p, (_, d) in runs.items()},
                                       root / "on_time_by_month_policies.png")
    points = {LABELS.get(p, p): (_stock(s, estimate), s["on_time_rate"]) for p, (s, _) in runs.items()}
    stock_png = plots.compare_rate_vs_stock(points, root / "on_time_vs_stock_policies.png")
    scope = ""
    if estimate:
        sc = next(iter(runs.values()))[1]["scope"]
        scope = (f" Simulated {sc['skus_simulated']:,} of {sc['skus_total']:,} skus (stratified sample); rates are "
                 "measured, counts and money are scaled to all skus.")
    lines = [f"Simulated {any_summary['days']} days of the {any_summary.get('scale', '')} network, seed "
             f"{any_summary['seed']}.{scope}", "",
             "| policy | lines | 2-day on-time rate | backordered lines | avg stock value (RMB) | transfer cost (RMB) "
             "| penalties HQ planning / centres / points (RMB) | simulated lines | run time |",
             "|---|---:|---:|---:|---:|---:|---|---:|---:|"]
    for p, (s, d) in runs.items():
        e = s.get("estimate_all_skus", s)
        pen = e["penalties"]
        lines.append(f"| {LABELS.get(p, p)} | {e['lines']:,} | **{s['on_time_rate']:.2%}** | {e['backordered_lines']:,} | "
                     f"{float(e['avg_stock_value']):,.0f} | {float(e['transfer_cost']):,.0f} | "
                     f"{float(pen['hq_parts_planning']):,.0f} / {float(pen['center']):,.0f} / "
                     f"{float(pen['service_point']):,.0f} | {s['lines']:,} | {s['seconds'] / 60:.1f} min |")
    lines += ["", verdict(runs, estimate), "", f"![on-time by month]({month_png})", "",
              f"![on-time vs stock]({stock_png})", ""]
    text = "\n".join(lines)
    (root / "headline.md").write_text(text, encoding="utf-8")
    return text


def _stock(summary: dict, estimate: bool) -> float:
    return float(summary["estimate_all_skus"]["avg_stock_value"] if estimate else summary["avg_stock_value"])


def verdict(runs: dict, estimate: bool) -> str:
    """How much better the optimizer is than greedy (and than greedy with the same transfers)."""
    if "optimizer" not in runs:
        return ""
    text = [_versus(runs["optimizer"][0], runs[name][0], LABELS.get(name, name), estimate)
            for name in ("greedy", "greedy_transfers") if name in runs]
    return "\n\n".join(text)


def _versus(o: dict, g: dict, name: str, estimate: bool) -> str:
    gain = o["on_time_rate"] - g["on_time_rate"]
    so, sg = _stock(o, estimate), _stock(g, estimate)
    late_g, late_o = 1 - g["on_time_rate"], 1 - o["on_time_rate"]
    fewer = (late_g - late_o) / late_g if late_g else 0.0
    stock_word = "the same" if abs(so - sg) < 0.005 * sg else "lower" if so < sg else "higher"
    return (f"Optimizer against {name}: on-time rate {o['on_time_rate']:.3%} against {g['on_time_rate']:.3%} "
            f"({gain * 100:+.3f} percentage points, {fewer:.1%} fewer late lines) at {stock_word} average stock "
            f"({so:,.0f} against {sg:,.0f} RMB, {(so - sg) / sg:+.2%}).")
