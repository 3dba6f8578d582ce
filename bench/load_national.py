"""How fast the national demo network loads: seconds and rows per second, SQLite and PostgreSQL.

    .venv/bin/python bench/load_national.py

Loads the national world (36 warehouses, 3,000 points, 20,000 skus, 109,260 lanes, ~45,600
opening stock rows written through the ledger) into a fresh database of each kind, then
loads it again to show the idempotent re-load is cheap and writes nothing.
"""
from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.throwaway import postgres_db, sqlite_db  # noqa: E402
from inventory.db import make_engine, make_session_factory, transaction  # noqa: E402
from inventory.demo import generate_world  # noqa: E402
from inventory.world import load_world  # noqa: E402


def timed_load(url: str, world: dict) -> tuple[float, int]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            start = time.perf_counter()
            with transaction(session):
                report = load_world(session, world)
            return time.perf_counter() - start, report.changed
    finally:
        engine.dispose()


def main() -> None:
    start = time.perf_counter()
    world = generate_world("national", seed=1)
    rows = sum(len(v) for v in world.values())
    print(f"generated the national world in {time.perf_counter() - start:.2f} s: {rows:,} records")
    print(f"{'database':<12}{'first load s':>14}{'rows/s':>12}{'re-load s':>12}{'rows written again':>20}")
    for name, make in (("SQLite", sqlite_db), ("PostgreSQL", postgres_db)):
        try:
            with make() as url:
                first, written = timed_load(url, world)
                again, rewritten = timed_load(url, world)
        except Exception as exc:  # noqa: BLE001 - a missing server is reported, not fatal
            print(f"{name:<12} skipped: {str(exc).splitlines()[0]}")
            continue
        print(f"{name:<12}{first:>14.2f}{written / first:>12,.0f}{again:>12.2f}{rewritten:>20}")


if __name__ == "__main__":
    main()
