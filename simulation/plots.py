"""PNG plots of a simulation (matplotlib, headless; Chinese centre names in Noto Sans CJK SC)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.ticker import FuncFormatter, PercentFormatter  # noqa: E402

# the first CJK font installed draws the Chinese (Debian: fonts-noto-cjk, or fonts-wqy-microhei)
FONT = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Droid Sans Fallback",
        "DejaVu Sans"]
COLOURS = {"none": "#9e9e9e", "greedy": "#e08214", "greedy + transfers": "#b35806", "optimizer": "#1f77b4",
           "planned": "#d62728"}
HQ_COLOUR, REGIONAL_COLOUR, TRANSIT_COLOUR = "#6a51a3", "#41ab5d", "#fdae6b"


CJK_FILE_NAMES = ("notosanscjk", "sourcehansans", "wqy-microhei", "wqy-zenhei", "droidsansfallback")


def learn_cjk_fonts() -> list[str]:
    """Add the CJK fonts matplotlib's font cache does not know. It lists the system's fonts once,
    the first time it runs on a machine (~/.cache/matplotlib), so a font installed after that
    (CI installs fonts-noto-cjk itself) is missing and the Chinese draws as boxes. Returns the
    files added; does nothing when the cache already knows one."""
    known = {entry.name for entry in font_manager.fontManager.ttflist}
    if any(name in known for name in FONT[:-1]):
        return []
    added = []
    for path in font_manager.findSystemFonts():
        if any(part in Path(path).name.lower() for part in CJK_FILE_NAMES):
            font_manager.fontManager.addfont(path)
            added.append(path)
    return added


def style() -> None:
    learn_cjk_fonts()
    plt.rcParams.update({"font.family": "sans-serif", "font.sans-serif": FONT, "axes.unicode_minus": False,
                         "figure.dpi": 110, "savefig.dpi": 110, "axes.grid": True, "grid.alpha": 0.3,
                         "axes.spines.top": False, "axes.spines.right": False})


def _millions(x, _pos=None) -> str:
    return f"{x / 1e6:,.1f} M"


def _save(fig, path: Path) -> str:
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path.name


def _rate_axis(ax, rates) -> None:
    finite = [r for r in rates if r == r]
    low = min(finite, default=0.9)
    ax.set_ylim(max(0.0, min(0.9, low - 0.02)), 1.0)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))


def on_time_by_month(months: list[str], rates: list[float], lines: list[int], policy: str, path: Path,
                     note: str = "") -> str:
    style()
    fig, ax = plt.subplots(figsize=(8, 4))
    x = np.arange(len(months))
    ax.bar(x, rates, color=COLOURS.get(policy, "#1f77b4"), width=0.65)
    for xi, r, n in zip(x, rates, lines):
        ax.annotate(f"{r:.1%}", (xi, r), ha="center", va="bottom", fontsize=7, xytext=(0, 2), textcoords="offset points")
    ax.axhline(1.0, color="black", lw=0.8)
    ax.set_xticks(x, [m[5:] + "月" for m in months])
    _rate_axis(ax, rates)
    ax.set_ylabel("2-day on-time rate (lines)")
    ax.set_title(f"2天到位率 by month{note} - policy {policy}")
    return _save(fig, path)


def on_time_by_center(labels: list[str], rates: list[float], lines: list[int], policy: str, path: Path,
                      note: str = "") -> str:
    style()
    order = np.argsort(rates)
    fig, ax = plt.subplots(figsize=(8, max(3.0, 0.26 * len(labels) + 1)))
    y = np.arange(len(labels))
    ax.barh(y, np.array(rates)[order], color=COLOURS.get(policy, "#1f77b4"))
    ax.set_yticks(y, [f"{labels[i]} ({lines[i]:,})" for i in order], fontsize=8)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    low = min(rates, default=0.9)
    ax.set_xlim(max(0.0, min(0.9, low - 0.02)), 1.0)
    ax.set_xlabel("2-day on-time rate (lines)" + ("; (n) = simulated lines" if note else ""))
    ax.set_title(f"2天到位率 by service centre{note} - policy {policy}", fontsize=11)
    return _save(fig, path)


def stock_over_time(hq: np.ndarray, regional: np.ndarray, transit: np.ndarray, policy: str, path: Path,
                    title_suffix: str = "") -> str:
    style()
    fig, ax = plt.subplots(figsize=(8, 4))
    days = np.arange(len(hq))
    ax.stackplot(days, hq, regional, transit, labels=["HQ 总部配件中心", "regional 配件储备仓", "in transit 在途"],
                 colors=[HQ_COLOUR, REGIONAL_COLOUR, TRANSIT_COLOUR], alpha=0.85)
    ax.yaxis.set_major_formatter(FuncFormatter(_millions))
    ax.set_xlabel("day")
    ax.set_ylabel("stock at cost (RMB)")
    ax.set_title(f"Stock value - policy {policy}{title_suffix}")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, fontsize=8, frameon=False)
    return _save(fig, path)


def forecast_vs_truth(months: list[str], skus: dict[str, dict], policy: str, path: Path) -> str:
    """A panel per sku: the truth's units per day in each month, the policy's forecast and HQ's
    master-data estimate."""
    style()
    n = max(1, len(skus))
    cols = 2 if n > 1 else 1
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 3.1 * rows), squeeze=False)
    x = np.arange(len(months))
    for ax, (sku, series) in zip(axes.flat, skus.items()):
        ax.plot(x, series["truth"], color="black", lw=2, marker="o", ms=3, label="truth 真实需求")
        ax.plot(x, series["forecast"], color=COLOURS.get(policy, "#1f77b4"), lw=1.6, marker="s", ms=3,
                label=f"forecast 预测 ({policy})")
        ax.plot(x, series["estimate"], color="#9e9e9e", lw=1.2, ls="--", label="master-data estimate 主数据估计")
        season = f", summer x{series['summer_amplitude']:.2f}" if series["summer_amplitude"] else ""
        ax.set_title(f"{sku} ({series['trend']}{season})", fontsize=9)
        ax.set_xticks(x, [m[5:] + "月" for m in months], fontsize=7)
        ax.set_ylabel("units per day 日均需求", fontsize=8)
        ax.set_ylim(bottom=0)
    for ax in list(axes.flat)[len(skus):]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.suptitle("Forecast against the hidden truth 预测与真实需求", fontsize=11)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.savefig(path)
    plt.close(fig)
    return path.name


def demand_and_backorders(submitted: np.ndarray, backorder_lines: np.ndarray, policy: str, path: Path) -> str:
    style()
    fig, ax = plt.subplots(figsize=(8, 4))
    days = np.arange(len(submitted))
    ax.plot(days, submitted, color="#555555", lw=0.9, label="lines requisitioned per day")
    ax.set_xlabel("day")
    ax.set_ylabel("lines per day")
    right = ax.twinx()
    right.plot(np.arange(len(backorder_lines)), backorder_lines, color="#d62728", lw=1.2, label="open backordered lines")
    right.set_ylabel("open backordered lines", color="#d62728")
    right.grid(False)
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    ax.legend(handles, [h.get_label() for h in handles], loc="upper left", fontsize=8)
    ax.set_title(f"Demand (air-conditioner summer peak) and backorders - policy {policy}")
    return _save(fig, path)


def penalties_by_party(parties: list[str], fines: list[float], hours: list[float], policy: str, path: Path) -> str:
    style()
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    y = np.arange(len(parties))
    left.barh(y, fines, color="#8c6d31")
    left.set_yticks(y, parties, fontsize=8)
    left.set_xlabel("fines (RMB)")
    right.barh(y, hours, color="#637939")
    right.set_yticks(y, [""] * len(parties))
    right.set_xlabel("hours charged beyond allowances")
    fig.suptitle(f"Penalties by party (seed 000 处罚规定) - policy {policy}")
    return _save(fig, path)


def lateness(hours: np.ndarray, promise: float, policy: str, path: Path) -> str:
    style()
    fig, ax = plt.subplots(figsize=(8, 3.6))
    done = hours[~np.isnan(hours)]
    ax.hist(np.clip(done, 0, 24 * 8), bins=np.arange(0, 24 * 8 + 6, 6), color=COLOURS.get(policy, "#1f77b4"))
    ax.axvline(promise, color="#d62728", lw=1.2)
    ax.annotate(f"promise {promise:.0f} h", (promise, ax.get_ylim()[1] * 0.9), color="#d62728", xytext=(4, 0),
                textcoords="offset points", fontsize=8)
    ax.set_yscale("log")
    ax.set_xlabel("hours from requisition to the last unit's arrival (clipped at 8 days)")
    ax.set_ylabel("lines")
    ax.set_title(f"Delivery times - policy {policy}")
    return _save(fig, path)


# -- comparisons and the trade-off curve ------------------------------------------------------

STYLES = {"none": (":", "v"), "greedy": ("--", "s"), "greedy + transfers": ("-.", "D"), "optimizer": ("-", "o")}


def compare_by_month(series: dict[str, tuple[list[str], list[float]]], path: Path, note: str = "") -> str:
    style()
    fig, ax = plt.subplots(figsize=(8, 4.2))
    rates = []
    for policy, (months, values) in series.items():
        line, marker = STYLES.get(policy, ("-", "o"))
        ax.plot([m[5:] + "月" for m in months], values, ls=line, marker=marker, ms=5, lw=1.6,
                color=COLOURS.get(policy), label=policy)
        rates += values
    _rate_axis(ax, rates)
    ax.set_ylabel("2-day on-time rate (lines)")
    ax.set_title(f"2天到位率 by month and policy{note}")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=len(series), fontsize=8, frameon=False)
    return _save(fig, path)


def compare_rate_vs_stock(points: dict[str, tuple[float, float]], path: Path,
                          errors: dict[str, float] | None = None) -> str:
    """One marker per policy; `errors` (one standard error of the rate) draws error bars."""
    style()
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for policy, (stock, rate) in points.items():
        _, marker = STYLES.get(policy, ("-", "o"))
        se = (errors or {}).get(policy)
        ax.errorbar([stock], [rate], yerr=[se] if se else None, fmt=marker, ms=8, capsize=4,
                    color=COLOURS.get(policy), zorder=3,
                    label=f"{policy}: {rate:.2%}" + (f" ± {se * 100:.2f} pt" if se else "") + f" at {stock / 1e6:,.2f} M RMB")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos=None: f"{x / 1e6:,.2f} M"))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("average stock value at cost (RMB)")
    ax.set_ylabel("2-day on-time rate" + (" (bars: ± 1 standard error)" if errors else ""))
    ax.set_title("On-time rate against stock, per policy")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=2, fontsize=8, frameon=False)
    return _save(fig, path)


LATE_TICKS = (0.7, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001, 0.0005, 0.0002)


@dataclass
class Curve:
    """One series of the trade-off plot: a point per run, labelled on the plot."""

    label: str
    point_labels: list[str]
    stock: list[float]
    rates: list[float]
    errors: list[float] | None = None
    colour: str = COLOURS["optimizer"]


def _point_labels(labels: list[str], stock, late) -> list[tuple[str, float, float]]:
    """Labels to draw: none for an empty label; a run of points with the same rate (a curve that
    has levelled off) gets one label, "first…last", on its first point."""
    out: list[list] = []
    for text, s_, l_ in zip(labels, stock, late):
        if not text:
            continue
        if out and abs(out[-1][2] - l_) < 1e-6:
            out[-1][0] = out[-1][0].split("…")[0] + "…" + text
            continue
        out.append([text, s_, l_])
    return [tuple(o) for o in out]


def tradeoff(curves: list[Curve], marks: dict[float, float | None], path: Path, title: str) -> str:
    """On-time rate against stock, on a log scale of the late share so 99 % and 99.9 % stand apart;
    each curve's `errors` (one standard error of each rate) draw error bars."""
    style()
    fig, ax = plt.subplots(figsize=(8, 4.8 + 0.22 * len(curves)))
    lows, highs = [0.0007], []
    for n, curve in enumerate(curves):
        late = np.maximum(1.0 - np.asarray(curve.rates, dtype=float), 1e-4)
        if curve.errors and any(curve.errors):
            se = np.asarray(curve.errors, dtype=float)
            lower = late - np.maximum(late - se, 1e-4)
            ax.errorbar(curve.stock, late, yerr=[lower, se], fmt="none", ecolor=curve.colour, elinewidth=0.9,
                        capsize=3, alpha=0.6, zorder=2)
            lows.append(float(np.maximum(late - se, 1e-4).min()) / 1.2)
        ax.plot(curve.stock, late, marker="o", color=curve.colour, lw=1.8, zorder=3, label=curve.label)
        for text, s_, l_ in _point_labels(curve.point_labels, curve.stock, late):
            ax.annotate(text, (s_, l_), xytext=(5, 4 if n % 2 == 0 else -11), textcoords="offset points",
                        fontsize=8, color=curve.colour)  # neighbouring curves label above and below
        lows.append(float(late.min()) / 1.5)
        highs.append(float(late.max()) * 1.3)
    low = min(lows)
    if any(c.errors and any(c.errors) for c in curves) or len(curves) > 1:
        note = " (bars: ± 1 standard error, sku sampling)" if any(c.errors and any(c.errors) for c in curves) else ""
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), fontsize=8, frameon=False,
                  title=note.strip(" ()") or None, title_fontsize=7)  # below the axes: the curves need the room
    ax.set_yscale("log")
    ax.set_ylim(min(0.9, max(highs)), low)  # inverted: better service is higher
    ticks = [t for t in LATE_TICKS if low <= t <= ax.get_ylim()[0]]
    ax.set_yticks(ticks, [f"{1 - t:.2%}" if t < 0.001 else f"{1 - t:.1%}" for t in ticks])
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda *_: ""))
    for target, colour in ((0.99, "#2ca02c"), (0.999, "#d62728")):
        ax.axhline(1 - target, color=colour, lw=0.9, ls="--")
        value = marks.get(target)
        text = f"{target:.1%} on time: " + (f"≈ {value / 1e6:,.2f} M RMB" if value else "not reached in this range")
        ax.annotate(text, (0.0, 1 - target), xycoords=("axes fraction", "data"), xytext=(4, 3),
                    textcoords="offset points", ha="left", color=colour, fontsize=8)
        if value:
            ax.axvline(value, color=colour, lw=0.7, ls=":")
    ax.xaxis.set_major_formatter(FuncFormatter(_millions))
    ax.set_xlabel("average stock value at cost (RMB)")
    ax.set_ylabel("2-day on-time rate (lines, log scale of the late share)")
    ax.set_title(title, fontsize=11)
    return _save(fig, path)
