"""The report of one simulation: report.md with its PNG plots, and details.json for comparisons."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from . import plots
from .engine import WAVES
from .estimate import SkuTable
from .metrics import LATE_CAUSES, PARTY_CLASSES
from .results import Results, config_dict

PARTY_LABELS = {"hq_dispatch": "HQ dispatcher 总部派工", "hq_parts_planning": "HQ parts planning 总部配件计划",
                "hq_parts_group": "HQ parts group 总部配件组", "center": "provincial centres 省级服务中心",
                "service_point": "service points 特约维修网点"}


def _pct(x: float) -> str:
    return f"{x:.2%}"


def _rmb(x) -> str:
    return f"{float(x):,.2f}"


def month_rows(r: Results) -> list[dict]:
    """Per month: simulated lines and on-time lines, the simulated rate, and the rate for all skus
    (`on_time_rate_all_skus`, the same as the simulated one without sampling)."""
    return [{"month": m, "lines": n, "on_time_lines": ok, "on_time_rate": ok / n if n else None,
             "on_time_rate_all_skus": _num(w)} for m, (n, ok, w) in r.by(r.lines.month).items()]


def week_rows(r: Results) -> list[dict]:
    """Per week of the run (by the day a line came): lines, the rate for all skus and the share of
    the week's lines late for each cause. A month hides when a transition settles (the first
    weeks of January, a change of plan); a week shows it."""
    week = np.asarray(r.lines.submitted_day) // 7
    rates = r.by([f"{k:03d}" for k in week.tolist()])
    return [{"week": int(k) + 1, "lines": rates[f"{k:03d}"][0], "on_time_rate_all_skus": _num(rates[f"{k:03d}"][2]),
             "late_causes": {c: round(v["share"], 5) for c, v in r.late_causes(week == k).items()}}
            for k in sorted(set(week.tolist()))]


def _num(x: float) -> float | None:
    return None if x != x else round(x, 5)


def center_rows(r: Results) -> list[dict]:
    rows = []
    for c, (n, ok, w) in r.by(r.lines.center).items():
        p = r.penalties.centers.get(c, {})
        rows.append({"center": c, "name": r.center_names.get(c, c), "lines": n, "on_time_lines": ok,
                     "on_time_rate": ok / n if n else None, "on_time_rate_all_skus": _num(w), "tickets": p.get("tickets", 0),
                     "within_3_days": p.get("within_3_days", 0), "bonus_cancelled_months": p.get("bonus_cancelled_months", 0)})
    return rows


def details(r: Results) -> dict:
    hq, regional, transit = r.daily_stock()
    submitted = np.bincount(r.lines.submitted_day, minlength=r.config.days)[: r.config.days]
    return {
        "config": config_dict(r.config),
        "scope": {"skus_simulated": len(r.world.simulated["parts"]), "skus_total": len(r.world.full["parts"]),
                  "sku_share": r.world.sku_share,
                  "opening_stock_value": round(r.world.opening_value(r.world.simulated), 2),
                  "opening_stock_value_all_skus": round(r.world.opening_value(r.world.full), 2)},
        "summary": r.summary(),
        "open_lines_at_end": r.open_lines,
        "late_causes": r.late_causes(),
        "refused_lines": r.log.refused_lines,
        "transfers": {"count": r.transfer_count, "units": r.transfer_units, "cost": str(r.transfer_cost),
                      "refused_at_approval": r.log.transfers_refused},
        "delivery_cost": str(r.delivery_cost),
        "return_charges": {k: str(v) for k, v in r.return_charges.items()},
        "return_failures": r.log.return_failures,
        "penalties": {"fines": {k: str(v) for k, v in r.penalties.fines.items()}, "hours": r.penalties.hours,
                      "tickets": r.penalties.tickets, "exchange_flagged": r.penalties.exchange_flagged,
                      "sanbao": r.penalties.sanbao, "warranty_lines": r.penalties.warranty,
                      "by_month": {m: {k: str(v) for k, v in f.items()} for m, f in r.penalties.by_month.items()}},
        "by_month": month_rows(r),
        "by_week": week_rows(r),
        "by_centre": center_rows(r),
        "daily": {"hq_stock": np.round(hq, 2).tolist(), "regional_stock": np.round(regional, 2).tolist(),
                  "in_transit": np.round(transit, 2).tolist(), "lines_submitted": submitted.tolist(),
                  "open_backordered_lines": [b[0] for b in r.log.backorders[: r.config.days]],
                  "transfers": r.log.transfers[: r.config.days], "lines_replanned": r.log.replanned[: r.config.days]},
        "seconds": {"total": round(r.seconds, 1), **{k: round(v, 1) for k, v in r.phase_seconds.items()},
                    "events": {k: round(v, 2) for k, v in sorted(r.log.seconds.items()) if k != "total"},
                    "event_counts": dict(sorted(r.log.calls.items()))},
        "per_sku": r.per_sku().rows(),
        "forecast": r.forecast.details() if r.forecast is not None else None,
        "plans": [{k: float(v) if k == "gap" else v for k, v in p.items()} for p in r.plans],
    }


def cause_columns(heads: list[str], rows: list[tuple[list[str], dict[str, float]]], lead: str = "---") -> list[str]:
    """A Markdown table with a column per late cause: each row is its leading cells and the
    share of all lines late for each cause (compare runs or trade-off points side by side);
    `lead` aligns the leading columns ("---:" for numbers)."""
    lines = ["| " + " | ".join(heads + [LATE_CAUSES[c] for c in LATE_CAUSES]) + " |",
             "|" + f"{lead}|" * len(heads) + "---:|" * len(LATE_CAUSES)]
    for cells, shares in rows:
        lines.append("| " + " | ".join(cells + [f"{shares.get(c, 0.0):.2%}" for c in LATE_CAUSES]) + " |")
    return lines


def demand_tenths_section(d: dict) -> list[str]:
    """Where the late lines sit: the catalogue in tenths by demand, fastest first."""
    rows = SkuTable.from_rows(d["per_sku"]).by_demand_tenth()
    late = sum(r["late_lines"] for r in rows) or 1.0
    out = ["", "## Late lines by demand", "",
           "The catalogue in tenths by each sku's demand, fastest first (all skus, estimated): a tenth's "
           "lines, the share of them late, its share of all late lines and its average stock.", "",
           "| tenth | skus | lines | late | share of late lines | average stock (RMB) |", "|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['tenth']} | {r['skus']:,.0f} | {r['lines']:,.0f} | {_pct(r['late_share'])} | "
                   f"{_pct(r['late_lines'] / late)} | {r['stock']:,.0f} |")
    return out


def forecast_section(d: dict, images: dict[str, str]) -> list[str]:
    """The policy's monthly forecast against the hidden truth (WORLD.md), when it forecasts."""
    f = d["forecast"]
    if not f or f["mape"] is None:
        return ["", "## Forecast against the truth", "",
                "This policy keeps no forecast of its own (`forecast_mape` is null); the demand it meets is the "
                "hidden truth, not the master data's estimate."]
    return ["", "## Forecast against the truth", "",
            f"The policy's forecast of each month's units per sku and centre, made on the month's first night "
            f"from what the database holds, against the hidden truth's expected units: demand-weighted mean "
            f"absolute percentage error (`forecast_mape`) **{f['mape']:.1%}** over {len(f['months'])} months. "
            "The panels show a few skus nationally, in units per day of each month: truth, forecast, and HQ's "
            "master-data estimate.", "",
            f"![forecast against the truth]({images['forecast']})"]


def write_report(r: Results, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    d = details(r)
    images = draw(r, d, out)
    (out / "details.json").write_text(json.dumps(d, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (out / "report.md").write_text(markdown(r, d, images), encoding="utf-8")


def draw(r: Results, d: dict, out: Path) -> dict[str, str]:
    policy = "greedy + transfers" if r.config.policy == "greedy" and r.config.transfers else r.config.policy
    months = d["by_month"]
    centers = d["by_centre"]
    hq, regional, transit = r.daily_stock()
    parties = list(PARTY_CLASSES)
    note = "" if r.world.sku_share >= 1 else " (all skus, estimated)"
    return {
        "month": plots.on_time_by_month([m["month"] for m in months], [m["on_time_rate_all_skus"] or 0 for m in months],
                                        [m["lines"] for m in months], policy, out / "on_time_by_month.png", note),
        "centre": plots.on_time_by_center([c["name"] for c in centers],
                                          [c["on_time_rate_all_skus"] or 0 for c in centers],
                                          [c["lines"] for c in centers], policy, out / "on_time_by_centre.png", note),
        "stock": plots.stock_over_time(hq, regional, transit, policy, out / "stock_value.png",
                                       "" if r.world.sku_share >= 1 else f" (simulated skus, {r.world.sku_share:.0%} sample)"),
        "demand": plots.demand_and_backorders(np.array(d["daily"]["lines_submitted"]),
                                              np.array(d["daily"]["open_backordered_lines"]), policy,
                                              out / "demand_backorders.png"),
        "penalties": plots.penalties_by_party([PARTY_LABELS[p] for p in parties],
                                              [float(r.penalties.fines[p]) for p in parties],
                                              [r.penalties.hours[p] for p in parties], policy, out / "penalties.png"),
        "lateness": plots.lateness(r.lines.hours, 48.0, policy, out / "delivery_hours.png"),
        **({"forecast": plots.forecast_vs_truth(d["forecast"]["months"], d["forecast"]["skus"], policy,
                                                out / "forecast_vs_truth.png")} if d["forecast"] else {}),
    }


def markdown(r: Results, d: dict, images: dict[str, str]) -> str:
    c, s = r.config, r.summary()
    est = s.get("estimate_all_skus")
    scope = d["scope"]
    variant = "" if c.transfers is None else (" + base-stock transfers" if c.transfers else " without transfers")
    lines = [f"# Simulation: {c.days} days, {c.scale} network, policy `{c.policy}`{variant}, seed {c.seed}", ""]
    if est:
        lines += [ESTIMATOR.format(n=scope['skus_simulated'], total=scope['skus_total'], k=round(1 / r.world.sku_share)),
                  ""]
    lines += ["## Headline", "", "| figure | simulated | " + ("all skus (estimate) |" if est else ""),
              "|---|---:|" + ("---:|" if est else "")]

    def row(label, value, estimate=None):
        lines.append(f"| {label} | {value} |" + (f" {estimate} |" if est else ""))

    row("requisition lines (delivered or open)", f"{s['lines']:,}", f"{est['lines']:,}" if est else None)
    row("delivered within 48 h", f"{s['on_time_lines']:,}", f"{est['on_time_lines']:,}" if est else None)
    row("**2-day on-time rate**", f"**{_pct(s['on_time_rate'])}**",
        f"**{_pct(est['on_time_rate'])}** ± {est['on_time_rate_se'] * 100:.2f} pt" if est else None)
    row("lines backordered at submit", f"{s['backordered_lines']:,}", f"{est['backordered_lines']:,}" if est else None)
    row("lines still open at the end", f"{d['open_lines_at_end']:,}", "")
    row("average stock value at cost (RMB)", _rmb(s["avg_stock_value"]),
        f"{_rmb(est['avg_stock_value'])} ± {float(est['avg_stock_value_se']):,.0f}" if est else None)
    row("transfer cost (RMB)", f"{_rmb(s['transfer_cost'])} ({d['transfers']['count']:,} transfers, "
        f"{d['transfers']['units']:,} units)", _rmb(est["transfer_cost"]) if est else None)
    row("delivery freight to points (RMB)", _rmb(d["delivery_cost"]), "")
    row("purchases from suppliers at cost (RMB)", _rmb(s["purchase_cost"]), "")
    if s.get("budget"):
        last = d["plans"][-1] if d["plans"] else {}
        row("stock budget of the plan (RMB, all skus)", _rmb(s["budget"]), "")
        row("the last plan: expected on-time rate, optimality gap",
            f"{_pct(last.get('expected_on_time_rate', 0))}, {last.get('gap', 0):.4%} "
            f"({len(d['plans'])} plans, {sum(p['seconds'] for p in d['plans']):,.1f} s)", "")
        held = [p for p in d["plans"] if "regional_above_level" in p]
        if held:
            mean = (lambda key: sum(p[key] for p in held) / len(held))
            row("when plans were made: placed, held at HQ / regionally, regional above the levels "
                "(of it at warehouses the plan no longer uses for the sku), mean RMB all skus",
                f"{_rmb(mean('placed_budget'))}; {_rmb(mean('held_hq'))} / {_rmb(mean('held_regional'))}; "
                f"{_rmb(mean('regional_above_level'))} ({_rmb(mean('regional_unheld'))})", "")
    for key in ("hq_parts_planning", "center", "service_point"):
        row(f"penalties: {PARTY_LABELS[key]} (RMB)", _rmb(s["penalties"][key]),
            _rmb(est["penalties"][key]) if est else None)
    row("repair tickets completed", f"{d['penalties']['tickets']:,}", "")
    row("wall-clock time (s)", f"{s['seconds']:,.1f} (CPU {s.get('cpu_seconds', 0):,.1f} s of this process)", "")
    row("code (commit)", f"`{s.get('code', 'unknown')}`", "")
    lines += ["", f"![on-time by month]({images['month']})", "",
              "## 2-day on-time rate by month", "",
              "| month | lines | on time | rate | " + ("rate, all skus |" if est else ""),
              "|---|---:|---:|---:|" + ("---:|" if est else "")]
    for m in d["by_month"]:
        lines.append(f"| {m['month']} | {m['lines']:,} | {m['on_time_lines']:,} | {_pct(m['on_time_rate'] or 0)} |"
                     + (f" {_pct(m['on_time_rate_all_skus'] or 0)} |" if est else ""))
    lines += ["", "## Why late lines were late", "",
              "Each late line's cause, from the parcel that arrived last and where stock stood when the line was "
              "submitted (`simulation.metrics.late_cause`, checked in this order):", "",
              f"| cause | late lines (simulated) | share of all lines{' (all skus, estimated)' if est else ''} |",
              "|---|---:|---:|"]
    for cause, c in d["late_causes"].items():
        lines.append(f"| {LATE_CAUSES[cause]} | {c['lines']:,} | {_pct(c['share'])} |")
    lines += demand_tenths_section(d)
    lines += forecast_section(d, images)
    lines += ["", f"![demand and backorders]({images['demand']})", "",
              "## By service centre", "", f"![on-time by centre]({images['centre']})", "",
              "| centre | lines | on time | rate | " + ("rate, all skus | " if est else "")
              + "tickets | tickets within 3 days | months bonus lost |",
              "|---|---:|---:|---:|" + ("---:|" if est else "") + "---:|---:|---:|"]
    for row_ in sorted(d["by_centre"], key=lambda x: x["on_time_rate_all_skus"] or 0):
        lines.append(f"| {row_['center']} {row_['name']} | {row_['lines']:,} | {row_['on_time_lines']:,} | "
                     f"{_pct(row_['on_time_rate'] or 0)} | "
                     + (f"{_pct(row_['on_time_rate_all_skus'] or 0)} | " if est else "") + f"{row_['tickets']:,} | {row_['within_3_days']:,} | "
                     f"{row_['bonus_cancelled_months']} |")
    hq, regional, transit = r.daily_stock()
    lines += ["", "## Stock", "", f"![stock value]({images['stock']})", "",
              f"Average on-hand stock at cost: {_rmb(s['avg_stock_value'])} RMB (HQ {_rmb(hq.mean() if len(hq) else 0)}, "
              f"regional {_rmb(regional.mean() if len(regional) else 0)}; in transit on average "
              f"{_rmb(transit.mean() if len(transit) else 0)}). Opening stock of the simulated skus: "
              f"{_rmb(scope['opening_stock_value'])} RMB.", "",
              f"![delivery times]({images['lateness']})", "",
              "## Penalties by party", "", f"![penalties]({images['penalties']})", "",
              "From `inventory.tickets.penalties_for_month` for every month, tickets completed in the month.", "",
              "| party | fines (RMB) | hours charged |", "|---|---:|---:|"]
    for key in PARTY_CLASSES:
        lines.append(f"| {PARTY_LABELS[key]} | {_rmb(r.penalties.fines[key])} | {r.penalties.hours[key]:,.1f} |")
    charges = d["return_charges"]
    lines += ["", "Old-part return charges to service points (overdue or wrong part): "
              + (", ".join(f"{k} {_rmb(v)} RMB" for k, v in charges.items()) or "none")
              + f". Tickets flagged for a 三包 exchange (90 days waiting for parts): "
              f"{d['penalties']['exchange_flagged']}. 三包 rights of the months' tickets: "
              + (", ".join(f"{k} {n:,}" for k, n in d["penalties"]["sanbao"].items()) or "none")
              + f". Lines of repair tickets free / paid (the warranty engine's decision): "
              f"{d['penalties']['warranty_lines'].get('in', 0):,} / {d['penalties']['warranty_lines'].get('out', 0):,}.", "",
              "## Where the time went", "", "| phase | seconds | events |", "|---|---:|---:|"]
    for key, value in sorted(d["seconds"]["events"].items(), key=lambda kv: -kv[1]):
        lines.append(f"| {key} | {value:,.1f} | {d['seconds']['event_counts'].get(key, 0):,} |")
    lines += [f"| load world | {d['seconds'].get('load', 0):,.1f} | |",
              f"| measure | {d['seconds'].get('measure', 0):,.1f} | |",
              f"| **total** | **{s['seconds']:,.1f}** | |", "", model_notes(d["config"].get("waves") or WAVES)]
    return "\n".join(lines) + "\n"


ESTIMATOR = ("Simulated skus: {n:,} of {total:,}, one from each stratum of {k} neighbours when the catalogue is "
             "sorted by season and demand, over every warehouse, service point, dealer and lane. Each sampled sku "
             "stands for its stratum: its lines, backorders and transfer cost count as many times as the stratum's "
             "demand is its own, its stock as many times as the stratum has skus, so the "
             "'all skus' rates weight every stratum by its demand (± is one standard error of the sampling; "
             "penalties are scaled by lines).")


MODEL_NOTES = """## How the simulation works

- **Real service code.** Requisitions go through `requisitions.service.submit` (dealers' orders
  spend their monthly quota), `ship` and `receive`; repair-ticket events through
  `tickets.record_event`; old and unused parts through `returns.lifecycle`; purchases through
  `warehouses.ledger.receive`; transfers through `warehouses.transfers`; the nightly re-plan is
  `optimizer.runs.run_now` (policy `optimizer`) or the greedy baseline applied with
  `optimizer.runs.apply_plan` (policy `greedy`); base-stock transfers come from
  `optimizer.targets.propose_transfers` and are all approved. Every call gets the simulated
  time. Figures are read back from the database afterwards.
- **Demand.** Each day's line count is Poisson around the parts' `annual_demand` (the demo's
  Pareto profile) times seasonality (air-conditioner parts +60 % in mid-July, -60 % in
  January); each line picks its sku by demand weight and its service point by population.
  Half the demand of points that have a dealer is ordered by the dealer (one consolidated
  order a day per ship-to point); 75 % of the points' own lines are for a repair ticket, whose
  appliance (purchase date, proof, use, repeat faults) is drawn from a stream of its own and
  decides, through the warranty engine, whether the line is free. The same seed gives every
  policy the same demand.
- **Shipping.** Warehouses ship in pick waves at {waves} (Beijing); a parcel
  arrives at its reservation's `eta` (lane hours include 8 h of handling), later when it
  waited longer than that for its wave. Lines accepted after the {last} wave, dealers' orders
  and backorders wait for the nightly re-plan and ship next morning. The point confirms each
  warehouse's parcel when it lands (`receive` with `warehouse`). After the last day the clock
  runs on for a few days without demand so parcels in flight land.
- **Tickets.** Created, dispatched to the centre and to the point, contacted, visited (most
  within the allowances, a few late), requisition, repair after the parts arrive, completed;
  3 % of customers reschedule. 8 % of old parts never come back (overdue, charged); outcomes
  85 % defective, 12 % no fault found, 3 % wrong part; 2 % of parts come back unused.
- **Replenishment.** Every Monday HQ proposes and approves purchase orders through the
  product's purchasing code, up to an echelon level (policy `planned`: the stock plan's;
  the others: HQ's estimate over 14 + 7 days, z = 1.65), in the suppliers' minimum orders and
  packs; deliveries land 2 days before to 3 days after the supplier's stated 7-14 days.
- **Policies.** `none`: submit-time allocation only. `greedy`: the hand planner's nightly
  re-plan (heaviest line first, nearest holder) through the optimizer's apply path, no
  transfer model. `optimizer`: nightly min-cost-flow re-plan (`run_now`) plus the base-stock
  transfers (regional targets from demand history, lateral moves), all approved.
"""


def model_notes(waves) -> str:
    """MODEL_NOTES with the run's own pick waves (an evening wave changes what the notes say)."""
    hours = [f"{int(h):02d}:{round(h % 1 * 60):02d}" for h in sorted(waves)]
    said = hours[0] if len(hours) == 1 else ", ".join(hours[:-1]) + " and " + hours[-1]
    return MODEL_NOTES.replace("{waves}", said).replace("{last}", hours[-1])
