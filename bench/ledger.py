"""Reservations per second on PostgreSQL, next to pgbench's one-row UPDATE on the same server.

    .venv/bin/python bench/ledger.py [--seconds 5] [--workers 1,8,32] [--rounds 1] [--skip-processes]

Each reservation is one transaction through the domain code: `ledger.reserve` (a
conditional UPDATE of the balance + a ledger INSERT) and a commit. pgbench runs one
`UPDATE ... SET x = x + 1 WHERE id = :id` per transaction on its own scratch database, at
the same client counts, over the same number of rows (so lock contention is comparable).
A second pgbench column runs the reservation's own SQL (BEGIN; the conditional UPDATE; the
ledger INSERT; COMMIT) on our database, to split the gap into "SQL shape" and "Python".
Two shapes: "spread" picks a random (warehouse, sku) row per call; "hot" hits one row
(every worker queues on the same row lock, as in a rush on one part).
Workers are threads (one session each) and, separately, processes (one engine each) to
show how much Python's GIL costs. On a shared or busy machine use `--rounds 3`: each cell
is measured that many times, interleaved with its neighbours, and the best figure kept. The server URL comes from BENCH_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/test); the two scratch databases are dropped after.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from inventory import migrate  # noqa: E402
from inventory.db import make_engine, make_session_factory, normalise_url, transaction  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
WAREHOUSES = ("HQ", "GD1", "HB1")
SKUS = 200
STOCK = 10_000_000


def bench_world() -> dict:
    """Three warehouses, SKUS parts, and far more stock than any run can reserve."""
    return {
        "centers": [{"code": "GD", "name": "广东服务中心", "province": "广东"},
                    {"code": "HB", "name": "湖北服务中心", "province": "湖北"}],
        "warehouses": [
            {"code": "HQ", "name": "总部配件中心", "kind": "hq", "center": None, "lat": 23.0, "lon": 113.1},
            {"code": "GD1", "name": "广州配件仓", "kind": "regional", "center": "GD", "lat": 23.1, "lon": 113.3},
            {"code": "HB1", "name": "武汉配件仓", "kind": "regional", "center": "HB", "lat": 30.6, "lon": 114.3},
        ],
        "parts": [{"sku": f"BENCH-{i:04d}", "name": f"配件 {i}", "unit_price": "10.00", "unit_cost": "5.00",
                   "weight_kg": 1.0, "key_component": False, "returnable": False, "family": "bench"}
                  for i in range(SKUS)],
        "stock": [{"warehouse": w, "sku": f"BENCH-{i:04d}", "qty": STOCK} for w in WAREHOUSES for i in range(SKUS)],
    }


ROWS = [(w, f"BENCH-{i:04d}") for w in WAREHOUSES for i in range(SKUS)]
HOT = [ROWS[0]]


class ScratchDatabase:
    """A database of its own on the server, dropped on exit (like tests/databases.py)."""

    def __init__(self, server_url: str, prefix: str):
        server = make_url(normalise_url(server_url))
        self.name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        self._admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = server.set(database=self.name).render_as_string(hide_password=False)
        self.server = server

    def libpq_args(self) -> list[str]:
        s = self.server
        args = ["-h", s.host or "127.0.0.1", "-p", str(s.port or 5432)]
        if s.username:
            args += ["-U", s.username]
        return args + [self.name]

    def drop(self) -> None:
        with self._admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self._admin.dispose()


# --- our side: reservations through the domain ----------------------------------------

def _reserve_loop(sessions, rows, start: float, stop: float, seed: int, cpu: list | None = None) -> int:
    from inventory.warehouses import ledger

    rng, done = random.Random(seed), 0
    with sessions() as session:
        for _ in range(3):  # warm up: connect, let psycopg prepare its statements
            warehouse, sku = rng.choice(rows)
            with transaction(session):
                ledger.reserve(session, warehouse, sku, 1, actor="bench")
        while time.perf_counter() < start:
            time.sleep(0.001)
        cpu_start = time.thread_time()
        while time.perf_counter() < stop:
            warehouse, sku = rng.choice(rows)
            with transaction(session):
                ledger.reserve(session, warehouse, sku, 1, actor="bench")
            done += 1
        if cpu is not None:
            cpu.append((time.thread_time() - cpu_start) / max(done, 1))
    return done


def run_threads(url: str, workers: int, rows, seconds: float, cpu: list | None = None) -> float:
    engine = make_engine(url, pool_size=workers, max_overflow=0)
    sessions = make_session_factory(engine)
    start = time.perf_counter() + 1.0 + workers * 0.02
    stop = start + seconds
    counts = [0] * workers

    def work(i):
        counts[i] = _reserve_loop(sessions, rows, start, stop, seed=i, cpu=cpu)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    return sum(counts) / seconds


def _process_worker(url, rows, barrier, seconds, seed, results):
    engine = make_engine(url, pool_size=1, max_overflow=0)
    sessions = make_session_factory(engine)
    barrier.wait()
    start = time.perf_counter() + 0.5
    results.put(_reserve_loop(sessions, rows, start, start + seconds, seed))
    engine.dispose()


def run_processes(url: str, workers: int, rows, seconds: float) -> float:
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(workers), ctx.Queue()
    procs = [ctx.Process(target=_process_worker, args=(url, rows, barrier, seconds, i, results))
             for i in range(workers)]
    for p in procs:
        p.start()
    total = sum(results.get(timeout=120 + seconds) for _ in procs)
    for p in procs:
        p.join()
    return total / seconds


# --- pgbench's side --------------------------------------------------------------------

def one_row_update(rows: int) -> str:
    return f"\\set id random(1, {rows})\nUPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = :id;\n"


def reservation_sql(rows: int) -> str:
    """What `ledger.reserve` + commit sends, as a pgbench script on the bench's own tables."""
    pick = ("\\set i random(0, 199)\n\\set w random(0, 2)\n" if rows > 1 else "\\set i 0\n\\set w 0\n")
    where = "(ARRAY['HQ','GD1','HB1'])[:w + 1]", "'BENCH-' || lpad(:i::text, 4, '0')"
    return (pick + "BEGIN;\n"
            f"UPDATE stock_balance SET reserved = reserved + 1 WHERE warehouse_code = {where[0]} "
            f"AND sku = {where[1]} AND on_hand - reserved >= 1;\n"
            "INSERT INTO stock_movement (at, warehouse_code, sku, kind, on_hand_delta, reserved_delta, "
            f"in_transit_delta, actor, reason) VALUES (now(), {where[0]}, {where[1]}, 'reservation', 0, 1, 0, "
            "'pgbench', 'reservation');\nEND;\n")


def pgbench_tps(db: ScratchDatabase, clients: int, seconds: float, sql: str, script_dir: Path) -> float:
    script = script_dir / f"script_{uuid.uuid4().hex[:6]}.sql"
    script.write_text(sql)
    out = subprocess.run(["pgbench", "-n", "-M", "prepared", "-f", str(script), "-c", str(clients),
                          "-j", str(clients), "-T", str(int(seconds)), *db.libpq_args()],
                         capture_output=True, text=True, check=True).stdout
    return float(re.search(r"tps = ([\d.]+)", out).group(1))


# --- the run ---------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workers", default="1,8,32")
    parser.add_argument("--rounds", type=int, default=1, help="measure each cell N times, keep the best")
    parser.add_argument("--skip-processes", action="store_true")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    if not shutil.which("pgbench"):
        sys.exit("pgbench not found on PATH (it ships with PostgreSQL's client tools)")
    server = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)

    ours = ScratchDatabase(server, "parts_bench")
    theirs = ScratchDatabase(server, "pgbench_scratch")
    try:
        migrate.upgrade(ours.url)
        _load(ours.url)
        subprocess.run(["pgbench", "-i", "-q", "-s", "1", *theirs.libpq_args()], check=True,
                       capture_output=True, text=True)
        print(f"PostgreSQL bench: {os.cpu_count()} CPUs, {args.seconds:g} s per cell, "
              f"{len(ROWS)} balance rows, client and server on this machine", flush=True)
        with tempfile.TemporaryDirectory() as scratch:
            for shape, rows in (("spread", ROWS), ("hot", HOT)):
                _table(shape, rows, counts, args, ours, theirs, Path(scratch))
        with make_session_factory(make_engine(ours.url))() as session:
            from inventory.warehouses.ledger import ledger_differences
            diffs = ledger_differences(session)
        print(f"\ncheck-ledger after the run: {'clean' if not diffs else f'{len(diffs)} differences!'}")
    finally:
        ours.drop()
        theirs.drop()


def _load(url: str) -> None:
    from inventory.world import load_world

    engine = make_engine(url)
    with make_session_factory(engine)() as session, transaction(session):
        load_world(session, bench_world())
    engine.dispose()


def _table(shape, rows, counts, args, ours, theirs, scratch) -> None:
    title = (f"\n{shape}: each reservation on a random one of {len(rows)} rows" if len(rows) > 1
             else f"\n{shape}: every reservation on the same row")
    print(title)
    header = (f"{'workers':>7} | {'pgbench 1-row UPDATE tps':>24} | {'pgbench same-SQL tps':>20} | "
              f"{'threads res/s':>13} | {'ratio':>6}")
    if not args.skip_processes:
        header += f" | {'processes res/s':>15} | {'ratio':>6}"
    print(header)
    print("-" * len(header))
    cpu: list[float] = []
    for n in counts:
        best = {"tps": 0.0, "same_sql": 0.0, "threads": 0.0, "processes": 0.0}
        for _ in range(args.rounds):
            figures = {
                "tps": lambda: pgbench_tps(theirs, n, args.seconds, one_row_update(len(rows)), scratch),
                "same_sql": lambda: pgbench_tps(ours, n, args.seconds, reservation_sql(len(rows)), scratch),
                "threads": lambda: run_threads(ours.url, n, rows, args.seconds, cpu if n == 1 else None),
            }
            if not args.skip_processes:
                figures["processes"] = lambda: run_processes(ours.url, n, rows, args.seconds)
            for name, measure in figures.items():
                best[name] = max(best[name], measure())
        tps, threaded = best["tps"], best["threads"]
        line = (f"{n:>7} | {tps:>24,.0f} | {best['same_sql']:>20,.0f} | "
                f"{threaded:>13,.0f} | {threaded / tps:>6.1%}")
        if not args.skip_processes:
            line += f" | {best['processes']:>15,.0f} | {best['processes'] / tps:>6.1%}"
        print(line, flush=True)
    if cpu:
        per = min(cpu)
        print(f"client CPU per reservation (1 thread): {per * 1000:.2f} ms "
              f"-> at most {1 / per:,.0f} res/s per Python process (the GIL's ceiling for threads)")


if __name__ == "__main__":
    main()
