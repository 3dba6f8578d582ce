"""The national stock plan: forecast and placement for 36 warehouses x 20,000 skus, timed, with its gap.

    .venv/bin/python bench/placement.py                    # national network, default budget (30 M RMB)
    .venv/bin/python bench/placement.py --budget 20000000 --scale small

Loads the demo network into a fresh SQLite database, then makes the plan as the nightly job
does (`optimizer.stock_plan.make_plan`: read, forecast, place) and prints the time of each
step, the expected 2-day on-time rate, the stock value, the upper bound and the optimality gap,
and the plan's shape (holder sets and HQ modes). The acceptance limit is 5 minutes.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
from collections import Counter
from datetime import datetime, timezone
from time import perf_counter

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from inventory.policy import load_policy  # noqa: E402
from optimizer import stock_plan  # noqa: E402
from simulation.setup import Database, build_world  # noqa: E402

LIMIT_SECONDS = 5 * 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="national", choices=("small", "national"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--budget", type=float, nargs="*", default=None,
                        help="RMB of stock on hand (several: one plan each; default the policy's)")
    args = parser.parse_args()
    tick = perf_counter()
    world = build_world(args.scale, args.seed, 1.0).simulated
    db = Database()
    db.load(world)
    print(f"{args.scale} network loaded: {len(world['warehouses'])} warehouses, {len(world['parts']):,} skus, "
          f"{len(world['service_points']):,} points in {perf_counter() - tick:.1f} s")
    now = datetime(2025, 1, 1, 18, tzinfo=timezone.utc)
    with db.sessions() as session:
        policy = load_policy(session)
        for budget in args.budget or [None]:
            tick = perf_counter()
            plan = stock_plan.make_plan(session, now, policy, budget=budget)
            seconds = perf_counter() - tick
            p = plan.placement
            verdict = "ok" if seconds < LIMIT_SECONDS else "OVER 5 min"
            print(f"budget {p.budget:,.0f} RMB: expected on time {p.on_time_rate:.3%}, stock {p.stock_value:,.0f} RMB, "
                  f"bound {p.upper_bound / p.demand:.3%}, gap {p.gap:.4%}; placement {p.seconds:.1f} s, "
                  f"plan {seconds:.1f} s ({verdict})")
            print(f"  holder sets: {dict(Counter(p.holders).most_common())}; HQ modes: {dict(Counter(p.mode))}")
            print(f"  hubs: {p.extra['holder_sets']}")
    db.close()
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
