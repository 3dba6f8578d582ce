"""A simulated year per policy, timed, and the headline table across policies.

    .venv/bin/python bench/simulate.py                      # national year, all three policies
    .venv/bin/python bench/simulate.py --scale small --days 60 --policies optimizer
    .venv/bin/python bench/simulate.py --policies greedy_transfers   # greedy re-plan + the same transfers
    .venv/bin/python bench/simulate.py --headline-only      # rebuild the table from earlier runs
    .venv/bin/python bench/simulate.py --tradeoff           # the on-time vs stock curve, national (~25 min)
    .venv/bin/python bench/simulate.py --tradeoff --scale small   # the same for the small network (~9 min)

Each policy writes docs/sim/<scale>/<policy>/ (report.md, plots, summary.json, details.json);
the comparison goes to docs/sim/<scale>/headline.md. Prints the wall-clock time of every run:
the acceptance limit for a national year is 30 minutes.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from time import perf_counter

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from simulation import DEFAULT_SKU_SHARE, SimConfig, simulate  # noqa: E402
from simulation.compare import headline  # noqa: E402
from simulation.policies import VARIANTS  # noqa: E402

LIMIT_SECONDS = 30 * 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="national", choices=("small", "national"))
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--policies", default="none,greedy,optimizer")
    parser.add_argument("--sku-share", type=float, default=None)
    parser.add_argument("--out", default="docs/sim")
    parser.add_argument("--headline-only", action="store_true")
    parser.add_argument("--tradeoff", action="store_true")
    parser.add_argument("--shards", type=int, default=1, help="processes per year (simulation.shards)")
    args = parser.parse_args()
    root = Path(args.out) / args.scale
    if args.tradeoff:
        from simulation.tradeoff import preset, run_tradeoff

        result = run_tradeoff(Path(args.out) / "tradeoff" / args.scale, scale=args.scale, seed=args.seed,
                              progress=True, **preset(args.scale, args.sku_share))
        print(f"trade-off: {result['stock_for']} in {result['seconds']:.0f} s")
        return
    if not args.headline_only:
        share = DEFAULT_SKU_SHARE[args.scale] if args.sku_share is None else args.sku_share
        print(f"{'policy':<18}{'days':>6}{'lines':>9}{'on time':>10}{'avg stock RMB':>16}{'seconds':>10}  limit")
        for name in args.policies.split(","):
            start = perf_counter()
            policy, transfers = VARIANTS[name]
            config = SimConfig(days=args.days, seed=args.seed, scale=args.scale, policy=policy, sku_share=share,
                               transfers=transfers, progress=True)
            if args.shards > 1:
                from simulation.shards import simulate_sharded

                s = simulate_sharded(config, args.shards, root / name).summary()
            else:
                s = simulate(config, root / name).summary()
            seconds = perf_counter() - start
            verdict = "ok" if seconds < LIMIT_SECONDS else "OVER 30 min"
            print(f"{name:<18}{args.days:>6}{s['lines']:>9,}{s['on_time_rate']:>10.3%}"
                  f"{float(s['avg_stock_value']):>16,.0f}{seconds:>10.1f}  {verdict}", flush=True)
    print(headline(root))


if __name__ == "__main__":
    main()
