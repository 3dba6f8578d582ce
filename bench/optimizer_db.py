"""The nightly run from the database at national scale: snapshot, solve, apply, propose.

    .venv/bin/python bench/optimizer_db.py [--lines 200000] [--sqlite] [--no-baseline]

Loads the national network into a throwaway PostgreSQL database (or SQLite with --sqlite),
bulk-inserts `--lines` open backordered requisition lines (Pareto skus, random points,
promises from already late to two days out), then times one full optimizer run (the worst
case: every line is reserved in one night) and a second, nightly-like run over the applied
state, seconds later: only lines whose promise moved across a lane's transit time change.
Both run on copies of the same loaded database: once with this code's set-based statements
(inventory/bulk.py), once with the portable row-by-row statements SQLite uses, as the baseline.
With --lock-cost, once more without the apply's lock of the planned lines' requisitions
(`replan._lock_requisitions`, which keeps a ship from committing between the apply's read and its
moves): what that lock costs a national night.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import insert  # noqa: E402

from bench.throwaway import copy_of, postgres_db, sqlite_db  # noqa: E402
from inventory import bulk  # noqa: E402
from inventory.db import make_engine, make_session_factory, transaction, utcnow  # noqa: E402
from inventory.demo import generate_world  # noqa: E402
from inventory.requisitions import replan  # noqa: E402
from inventory.requisitions.models import Requisition, RequisitionLine  # noqa: E402
from inventory.world import load_world  # noqa: E402
from optimizer.runs import run_now  # noqa: E402


def open_lines(world: dict, n_lines: int, seed: int = 7):
    """Requisitions of two lines each, backordered (nothing reserved yet), as row dicts."""
    rng = np.random.default_rng(seed)
    parts = world["parts"]
    demand = np.array([p.get("annual_demand") or 0.01 for p in parts])
    sku_pick = rng.choice(len(parts), size=n_lines, p=demand / demand.sum())
    points = [p["code"] for p in world["service_points"]]
    now = utcnow()
    n_reqs = (n_lines + 1) // 2
    point_pick = rng.integers(0, len(points), size=n_reqs)
    age_hours = rng.uniform(0, 72, size=n_reqs)
    reqs, lines = [], []
    for r in range(n_reqs):
        created = now - timedelta(hours=float(age_hours[r]))
        reqs.append({"id": r + 1, "requester_role": "service_point", "dealer_code": None,
                     "service_point_code": points[point_pick[r]], "ticket": f"T{r:07d}", "in_warranty": True,
                     "status": "backordered", "value": Decimal("0.00"), "quota_period": None,
                     "created_at": created, "created_by": "bench", "cancelled_at": None})
    for i in range(n_lines):
        r = i // 2
        part = parts[sku_pick[i]]
        lines.append({"requisition_id": r + 1, "line_no": i % 2 + 1, "sku": part["sku"],
                      "qty": int(rng.integers(1, 4)), "unit_price": Decimal(part["unit_price"]), "backordered_qty": 0,
                      "promised_by": reqs[r]["created_at"] + timedelta(hours=48), "stock_seen": "nowhere"})
    for line in lines:
        line["backordered_qty"] = line["qty"]
    return reqs, lines


def timed_runs(url: str) -> dict:
    """The first run (every line reserved at once) and a second over the applied state."""
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    stages, last = {}, [0.0]

    def progress(stage: str, fraction: float) -> None:
        now = time.perf_counter()
        stages[stage] = now - last[0]
        last[0] = now

    start = last[0] = time.perf_counter()
    first = run_now(sessions, trigger="bench", progress=progress)
    total = time.perf_counter() - start
    start = time.perf_counter()
    second = run_now(sessions, trigger="bench")
    again = time.perf_counter() - start
    engine.dispose()
    return {"first": first, "total": total, "snapshot": stages.get("solving", 0), "solve": stages.get("applying", 0),
            "apply": stages.get("done", 0), "second": second, "again": again}


def report(name: str, r: dict) -> None:
    first = r["first"]
    print(f"{name}: first run {r['total']:.1f} s (snapshot {r['snapshot']:.1f} s, solve {r['solve']:.1f} s, "
          f"apply+proposals {r['apply']:.1f} s; solver {first['solve_seconds']:.2f} s), "
          f"lines changed {first['lines_changed']:,}, transfers proposed {first['transfers_proposed']:,}; "
          f"second run {r['again']:.1f} s, lines changed {r['second']['lines_changed']:,}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--no-baseline", action="store_true", help="skip the row-by-row baseline run")
    parser.add_argument("--lock-cost", action="store_true",
                        help="also run without the apply's requisition locks, to print what they cost")
    args = parser.parse_args()
    world = generate_world("national", seed=1)
    with (sqlite_db() if args.sqlite else postgres_db()) as url:
        engine = make_engine(url)
        start = time.perf_counter()
        with make_session_factory(engine)() as session, transaction(session):
            load_world(session, world)
            reqs, lines = open_lines(world, args.lines)
            for chunk in range(0, len(reqs), 20_000):
                session.execute(insert(Requisition), reqs[chunk:chunk + 20_000])
            for chunk in range(0, len(lines), 20_000):
                session.execute(insert(RequisitionLine), lines[chunk:chunk + 20_000])
        engine.dispose()
        print(f"{'PostgreSQL' if not args.sqlite else 'SQLite'}: national network + {len(lines):,} open lines "
              f"loaded in {time.perf_counter() - start:.1f} s; load average {os.getloadavg()[0]:.1f}", flush=True)
        with copy_of(url) as copy:
            result = timed_runs(copy)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        report("set-based (this code)", result)
        print(f"  before: {result['first']['before']}")
        print(f"  after:  {result['first']['after']}")
        print(f"  peak RSS {peak:.0f} MB", flush=True)
        if args.lock_cost:
            with copy_of(url) as copy, mock.patch.object(replan, "_lock_requisitions", lambda session, line_ids: None):
                unlocked = timed_runs(copy)
            report("without the requisition locks", unlocked)
            print(f"with / without the locks: first run {result['total'] / unlocked['total']:.2f} "
                  f"(apply {result['apply']:.1f} s / {unlocked['apply']:.1f} s), second run "
                  f"{result['again'] / unlocked['again']:.2f}; load average {os.getloadavg()[0]:.1f}", flush=True)
        if args.no_baseline or args.sqlite:
            return
        with copy_of(url) as copy, mock.patch.object(bulk, "on_postgresql", lambda session: False):
            baseline = timed_runs(copy)  # the portable statements SQLite uses: row-by-row, IN chunks
        report("baseline (row-by-row statements)", baseline)
        print(f"set-based / baseline: first run {result['total'] / baseline['total']:.2f}, "
              f"second run {result['again'] / baseline['again']:.2f}; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
