"""What `parts simulate` does (the click command in `api.cli` only parses and calls this)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from .engine import WAVES, SimConfig
from .policies import VARIANTS
from .run import DEFAULT_SKU_SHARE, simulate

TRADEOFF_DAYS = 105


def simulate_command(*, days: int | None, seed: int, scale: str | None, policy: str, out: str,
                     sku_share: float | None, cover: float, tradeoff: bool, quiet: bool,
                     budget: float | None = None, shards: int = 1, waves: str | None = None) -> None:
    days = days if days is not None else (TRADEOFF_DAYS if tradeoff else 365)
    scale = scale or ("small" if tradeoff else "national")
    if days < 1:
        raise click.BadParameter("must be at least 1", param_hint="--days")
    if policy not in VARIANTS:
        raise click.BadParameter(f"one of {', '.join(VARIANTS)}", param_hint="--policy")
    if budget is not None and (policy != "planned" or not 0 < budget < 1e12):
        raise click.BadParameter("a positive amount, with --policy planned" if policy == "planned"
                                 else "only with --policy planned", param_hint="--budget")
    share = DEFAULT_SKU_SHARE[scale] if sku_share is None else sku_share
    if not 0 < share <= 1:
        raise click.BadParameter("must be in (0, 1]", param_hint="--sku-share")
    pick_waves = parse_waves(waves)
    if tradeoff and waves is not None:
        raise click.BadParameter("not with --tradeoff (its curve has its own evening-wave points)", param_hint="--waves")
    if tradeoff:
        from .tradeoff import preset, run_tradeoff

        result = run_tradeoff(out, scale=scale, seed=seed, days=days, progress=not quiet, **preset(scale, sku_share))
        click.echo(f"each point: {days} days of the {scale} network, optimizer policy; see tradeoff.md")
        for target, value in result["stock_for"].items():
            reached = f"{value:,.0f} RMB of stock" if value is not None else "not reached"
            click.echo(f"{float(target):.1%} on time: {reached}")
        click.echo(f"trade-off curve written to {Path(out) / 'tradeoff.png'} in {result['seconds']:.1f} s")
        return
    night, transfers = VARIANTS[policy]
    config = SimConfig(days=days, seed=seed, scale=scale, policy=night, transfers=transfers, sku_share=share,
                       cover=cover, budget=budget, waves=pick_waves, database_url=os.environ.get("DATABASE_URL") or None,
                       progress=not quiet)
    if shards > 1:
        from .shards import simulate_sharded

        results = simulate_sharded(config, shards, out)
    else:
        results = simulate(config, out)
    s = results.summary()
    click.echo(f"{s['lines']:,} lines, {s['on_time_rate']:.3%} on time within 48 h, {s['backordered_lines']:,} "
               f"backordered, average stock {float(s['avg_stock_value']):,.2f} RMB, transfers "
               f"{float(s['transfer_cost']):,.2f} RMB")
    if share < 1:
        click.echo(f"(simulated {share:.0%} of the skus; the report also scales figures to all skus)")
    click.echo(f"report: {Path(out) / 'report.md'}")
    click.echo(f"simulated {days} days in {s['seconds']:.1f} s", file=sys.stdout)


def parse_waves(text: str | None) -> tuple[float, ...]:
    """`--waves 9,13,17,21`: distinct Beijing hours in [0, 24), at most 12, sorted."""
    if text is None:
        return WAVES
    try:
        hours = sorted({float(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise click.BadParameter("Beijing hours separated by commas, e.g. 9,13,17,21", param_hint="--waves") from None
    if not hours or len(hours) > 12 or hours[0] < 0 or hours[-1] >= 24:
        raise click.BadParameter("one to 12 hours from 0 to 23.99, e.g. 9,13,17,21", param_hint="--waves")
    return tuple(hours)
