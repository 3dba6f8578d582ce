"""Requisition submits per second through the HTTP API (gunicorn on PostgreSQL), beside the ledger bench.

    .venv/bin/python bench/api.py [--seconds 10] [--clients 1,8,32] [--rounds 1] [--skus demand|uniform]
                                  [--gunicorn-workers 2] [--gunicorn-threads 8] [--skip-ledger]
                                  [--baseline REV]

A throwaway PostgreSQL database (bench.throwaway.postgres_db) gets the small demo world
(`generate_world('small')`) with every stock quantity multiplied so nothing runs out, and
one service-point API key per client, each for a different point, taken from the six
centres in turn (rate limits are per key; the default limit is raised anyway). gunicorn
serves `api.app:create_app()` on a free local port; once /healthz answers, N client threads
(one keep-alive HTTP connection and one key each) POST /api/v1/requisitions for
`--seconds`: ship_to the key's own point, a ticket, 1-3 lines of 1-2 units of stocked skus
drawn by annual demand. The demo's demand is Pareto (its top sku is 28% of it), so, as in
real traffic, the popular balance rows' locks are contended; `--skus uniform` draws evenly.
Each request is timed from send to the last byte of the answer; anything but a 201 is
counted and shown.

Beside each row, bench/ledger.py's own measuring function (`run_threads`: one
`ledger.reserve` + commit per transaction, threads, the "spread" shape) runs at the same
concurrency on its own throwaway database, and the ratio API submits/s / ledger
reservations/s is printed. A requisition reserves 1-3 lines (mean about 2), so the ratio
is "whole HTTP requisitions per single bare reservation", not like for like.

`--baseline REV` serves commit REV's code too (its files by `git archive`, a second gunicorn
on the same database) and measures it cell by cell beside this checkout, so before and after
are compared under the same load. The last table checks issue 20's goals at 8 clients for
each server: gunicorn CPU per submit <= 5 ms, API submits/s >= half the ledger's
reservations/s, p99 < 100 ms.

Client, gunicorn and PostgreSQL share this machine's CPUs; the CPU table splits each
submit's cost between them (from /proc). gunicorn is stopped and both databases dropped at
the end, also on error or Ctrl-C. The server URL comes from BENCH_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/test).
"""
from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench.throwaway import postgres_db  # noqa: E402
from inventory.db import make_engine, make_session_factory, transaction  # noqa: E402

STOCK_FACTOR = 1000          # every opening balance times this...
STOCK_FLOOR = 100_000        # ...and at least this many units (capped at the world file's maximum)
HEALTH_TIMEOUT = 60.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- the world and the keys ------------------------------------------------------------

def load_api_world(url: str, clients: int, pick: str = "demand") -> tuple[list[tuple[str, str]], list[str], list[float]]:
    """Small demo world with plenty of stock; (point, key) per client; skus and their pick weights."""
    from inventory.access import create_key
    from inventory.demo import generate_world
    from inventory.world import load_world
    from inventory.world_schema import MAX_QTY

    world = generate_world("small")
    for row in world["stock"]:
        row["qty"] = min(MAX_QTY, max(row["qty"] * STOCK_FACTOR, STOCK_FLOOR))
    points = _round_robin_by_centre(world["service_points"])
    if clients > len(points):
        sys.exit(f"{clients} clients but only {len(points)} service points for a key each")
    stocked = {row["sku"] for row in world["stock"] if row["qty"] > 0}
    parts = [p for p in world["parts"] if p["sku"] in stocked]
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with sessions() as session, transaction(session):
        load_world(session, world)
    with sessions() as session, transaction(session):
        keys = [(code, create_key(session, "service_point", code)) for code in points[:clients]]
    engine.dispose()
    weights = [1.0] * len(parts) if pick == "uniform" else [float(p["annual_demand"]) + 1.0 for p in parts]
    return keys, [p["sku"] for p in parts], weights


def _round_robin_by_centre(points: list[dict]) -> list[str]:
    """Point codes taking one centre's next point in turn, so N clients spread over the
    regional warehouses (the demo lists points centre by centre)."""
    by_centre: dict[str, list[str]] = {}
    for p in points:
        by_centre.setdefault(p["center"], []).append(p["code"])
    queues = list(by_centre.values())
    order = []
    while any(queues):
        for queue in queues:
            if queue:
                order.append(queue.pop(0))
    return order


# --- gunicorn ----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(url: str, workers: int, threads: int, tree: Path = ROOT):
    """gunicorn serving the app from `tree` (this checkout, or an earlier commit's files)."""
    binary = ROOT / ".venv" / "bin" / "gunicorn"
    if not binary.exists():
        sys.exit(f"{binary} not found: .venv/bin/pip install gunicorn")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-not-secret", "PYTHONPATH": str(tree),
           "RATELIMIT_DEFAULT": "10000000 per minute", "RATELIMIT_STORAGE_URI": "memory://"}
    env.pop("CELERY_BROKER_URL", None)
    with tempfile.NamedTemporaryFile("w+", prefix="gunicorn_", suffix=".log") as log:
        proc = subprocess.Popen([str(binary), "-w", str(workers), "--threads", str(threads),
                                 "-b", f"127.0.0.1:{port}", "api.app:create_app()"],
                                cwd=tree, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            _wait_healthy(proc, port, log)
            yield proc, port, log
        finally:
            _stop(proc)


def _wait_healthy(proc, port: int, log) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}:\n{_tail(log)}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
            conn.close()
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz within {HEALTH_TIMEOUT:g} s:\n{_tail(log)}")


def _stop(proc) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()  # the master stops its workers gracefully on SIGTERM
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # our own session: the master and its workers only
        proc.wait(timeout=10)


def _tail(log, lines: int = 30) -> str:
    log.flush()
    with open(log.name, encoding="utf-8", errors="replace") as fh:
        return "".join(fh.readlines()[-lines:])


# --- CPU accounting from /proc -----------------------------------------------------------

def _cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return None


def _children(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    if int(fh.read().rpartition(")")[2].split()[1]) == pid:
                        kids.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return kids


class CpuMeter:
    """CPU seconds of the bench process, the gunicorn master + workers, and the PostgreSQL
    backends connected to the API database, between start() and stop()."""

    def __init__(self, gunicorn_pid: int, db_url: str):
        self.gunicorn_pid = gunicorn_pid
        self.engine = make_engine(db_url, pool_size=1, max_overflow=0)

    def _backends(self) -> list[int]:
        with self.engine.connect() as conn:
            return list(conn.scalars(text("SELECT pid FROM pg_stat_activity "
                                          "WHERE datname = current_database() AND pid <> pg_backend_pid()")))

    def _sample(self) -> dict[str, dict[int, float]]:
        groups = {"gunicorn": [self.gunicorn_pid, *_children(self.gunicorn_pid)], "postgres": self._backends()}
        sample = {name: {pid: s for pid in pids if (s := _cpu_seconds(pid)) is not None}
                  for name, pids in groups.items()}
        sample["client"] = {0: time.process_time()}
        return sample

    def start(self) -> None:
        self.before = self._sample()

    def stop(self) -> dict[str, float]:
        after = self._sample()
        return {name: sum(v - self.before[name].get(pid, 0.0) for pid, v in after[name].items())
                for name in after}

    def close(self) -> None:
        self.engine.dispose()


# --- the clients -------------------------------------------------------------------------

class Client:
    def __init__(self, port: int, point: str, key: str, skus: list[str], weights: list[float], seed: int):
        self.port, self.point, self.skus, self.weights = port, point, skus, weights
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        self.rng = random.Random(seed)
        self.seq = 0
        self.conn = None

    def body(self) -> tuple[bytes, int]:
        self.seq += 1
        n = self.rng.randint(1, 3)
        chosen: list[str] = []
        while len(chosen) < n:
            sku = self.rng.choices(self.skus, self.weights)[0]
            if sku not in chosen:
                chosen.append(sku)
        payload = {"ship_to": self.point, "ticket": f"TB-{self.point}-{self.seq:07d}",
                   "lines": [{"sku": s, "qty": self.rng.randint(1, 2)} for s in chosen]}
        return json.dumps(payload).encode(), n

    def submit(self) -> tuple[int | str, float, int, bytes]:
        """One POST: (status or error name, seconds, lines, body)."""
        body, lines = self.body()
        t0 = time.perf_counter()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request("POST", "/api/v1/requisitions", body=body, headers=self.headers)
            response = self.conn.getresponse()
            data = response.read()
            status: int | str = response.status
            if response.getheader("Connection", "").lower() == "close":
                self._reset()
        except (OSError, http.client.HTTPException) as exc:
            self._reset()
            status, data = type(exc).__name__, str(exc).encode()
        return status, time.perf_counter() - t0, lines, data

    def _reset(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None


def run_api(port: int, keys, skus, weights, clients: int, seconds: float, meter: CpuMeter, round_no: int) -> dict:
    start = time.perf_counter() + 1.0 + clients * 0.02
    stop = start + seconds
    latencies: list[list[float]] = [[] for _ in range(clients)]
    statuses: list[Counter] = [Counter() for _ in range(clients)]
    line_counts = [0] * clients
    samples: dict = {}
    ready = threading.Barrier(clients + 1)

    def work(i: int) -> None:
        point, key = keys[i]
        client = Client(port, point, key, skus, weights, seed=1000 * round_no + i)
        try:
            for _ in range(3):  # warm up: connect, let the worker's pool and statements settle
                client.submit()
        finally:
            ready.wait()
        while time.perf_counter() < start:
            time.sleep(0.001)
        while time.perf_counter() < stop:
            status, elapsed, lines, data = client.submit()
            latencies[i].append(elapsed)
            statuses[i][status] += 1
            if status == 201:
                line_counts[i] += lines
            else:
                samples.setdefault(status, data[:300].decode(errors="replace"))
        client._reset()

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    ready.wait()
    while time.perf_counter() < start:
        time.sleep(0.001)
    meter.start()
    for t in threads:
        t.join()
    cpu = meter.stop()
    all_latencies = sorted(x for per in latencies for x in per)
    status = sum(statuses, Counter())
    ok = status.get(201, 0)
    return {"submits": ok / seconds, "requests": len(all_latencies),
            "p50": _percentile(all_latencies, 0.50), "p99": _percentile(all_latencies, 0.99),
            "bad": {k: v for k, v in status.items() if k != 201}, "samples": samples,
            "lines": sum(line_counts) / max(ok, 1), "cpu": {k: v / max(len(all_latencies), 1) for k, v in cpu.items()},
            "cpu_total": sum(cpu.values()) / seconds}


def _percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[max(0, math.ceil(p * len(sorted_values)) - 1)]


# --- the run -----------------------------------------------------------------------------

def _loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


GOAL_SERVER_CPU_MS = 5.0   # gunicorn CPU per submit (issue 20)
GOAL_LEDGER_SHARE = 0.5     # API submits/s against the ledger's bare reservations/s...
GOAL_AT_CLIENTS = 8         # ...at this many clients
GOAL_P99_MS = 100.0


@contextlib.contextmanager
def source_tree(rev: str):
    """The files of commit `rev` in a temporary directory (git archive), to serve beside this checkout."""
    with tempfile.TemporaryDirectory(prefix="bench_api_") as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        yield Path(tmp)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per cell (API and ledger each)")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--rounds", type=int, default=1, help="measure each cell N times, keep the best")
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--gunicorn-threads", type=int, default=8)
    parser.add_argument("--skus", choices=("demand", "uniform"), default="demand",
                        help="draw lines by annual demand (Pareto: popular rows' locks are contended) or uniformly")
    parser.add_argument("--skip-ledger", action="store_true")
    parser.add_argument("--baseline", metavar="REV",
                        help="also serve commit REV's code (git archive) on the same database and measure it in "
                             "the same run, cell by cell beside this checkout: before and after under one load")
    args = parser.parse_args()
    counts = [int(n) for n in args.clients.split(",")]

    print(f"API bench: {os.cpu_count()} CPUs, load average {_loadavg()} (1/5/15 min) at start; "
          f"gunicorn -w {args.gunicorn_workers} --threads {args.gunicorn_threads}, "
          f"{args.seconds:g} s per cell, best of {args.rounds}, skus drawn by {args.skus}; client, gunicorn and PostgreSQL on this machine",
          flush=True)
    with contextlib.ExitStack() as stack:
        api_url = stack.enter_context(postgres_db())
        t0 = time.perf_counter()
        keys, skus, weights = load_api_world(api_url, max(counts), args.skus)
        print(f"small demo world loaded in {time.perf_counter() - t0:.1f} s: {len(skus)} stocked skus, "
              f"stock x{STOCK_FACTOR} (at least {STOCK_FLOOR:,} a balance), {len(keys)} service-point keys", flush=True)
        ledger = None
        if not args.skip_ledger:
            from bench import ledger

            ledger_url = stack.enter_context(postgres_db())
            ledger._load(ledger_url)
        trees = [("this checkout", ROOT)]
        if args.baseline:
            trees.insert(0, (f"baseline {args.baseline[:12]}", stack.enter_context(source_tree(args.baseline))))
        servers = []
        for name, tree in trees:
            proc, port, _log = stack.enter_context(gunicorn(api_url, args.gunicorn_workers, args.gunicorn_threads, tree))
            meter = CpuMeter(proc.pid, api_url)
            stack.callback(meter.close)
            servers.append((name, port, meter))
            print(f"gunicorn ({name}) up on 127.0.0.1:{port} (pid {proc.pid})", flush=True)
        print(flush=True)

        rows = []
        for n in counts:
            best = {name: None for name, _, _ in servers}
            best_ledger = 0.0
            for r in range(args.rounds):
                for name, port, meter in servers:
                    result = run_api(port, keys, skus, weights, n, args.seconds, meter, r)
                    if best[name] is None or result["submits"] > best[name]["submits"]:
                        best[name] = result
                if ledger is not None:
                    best_ledger = max(best_ledger, ledger.run_threads(ledger_url, n, ledger.ROWS, args.seconds))
            for name, _, _ in servers:
                rows.append((n, name, best[name], best_ledger))
            print(f"  {n} clients done (load average {_loadavg()})", flush=True)

        from inventory.warehouses.ledger import ledger_differences

        check = make_engine(api_url, pool_size=1)
        with make_session_factory(check)() as session:
            diffs = ledger_differences(session)
        check.dispose()
        _print_tables(rows, ledger is not None)
        _print_goals(rows, ledger is not None)
        print(f"\ncheck-ledger on the API database after the run: "
              f"{'clean' if not diffs else f'{len(diffs)} differences!'}")
        print(f"load average at the end: {_loadavg()}")


def _print_tables(rows, with_ledger: bool) -> None:
    print("\nrequisition submits through the API (POST /api/v1/requisitions, 201s only) "
          "beside the ledger bench's threaded reservations (spread)")
    header = (f"{'clients':>7} | {'server':<22} | {'API submits/s':>13} | {'p50 ms':>7} | {'p99 ms':>7} | "
              f"{'lines/req':>9} | {'non-201':>7}")
    if with_ledger:
        header += f" | {'ledger res/s':>12} | {'API / ledger':>12}"
    print(header)
    print("-" * len(header))
    for n, name, r, led in rows:
        bad = sum(r["bad"].values())
        line = (f"{n:>7} | {name:<22} | {r['submits']:>13,.1f} | {r['p50'] * 1000:>7.1f} | {r['p99'] * 1000:>7.1f} | "
                f"{r['lines']:>9.2f} | {bad:>7}")
        if with_ledger:
            line += f" | {led:>12,.0f} | {r['submits'] / led if led else float('nan'):>12.1%}"
        print(line)
    for n, name, r, _ in rows:
        for status, count in r["bad"].items():
            print(f"  {n} clients, {name}: {count} x {status}: {r['samples'].get(status, '')!r}")

    print("\nCPU per request (ms) and CPUs busy during the API cells (from /proc)")
    header = (f"{'clients':>7} | {'server':<22} | {'client':>7} | {'gunicorn':>8} | {'postgres':>8} | {'total':>7} | "
              f"{'CPUs busy':>9}")
    print(header)
    print("-" * len(header))
    for n, name, r, _ in rows:
        c = r["cpu"]
        total = sum(c.values())
        print(f"{n:>7} | {name:<22} | {c['client'] * 1000:>7.2f} | {c['gunicorn'] * 1000:>8.2f} | "
              f"{c['postgres'] * 1000:>8.2f} | {total * 1000:>7.2f} | {r['cpu_total']:>9.2f}")


def _print_goals(rows, with_ledger: bool) -> None:
    """Issue 20's three figures for each server, at the goal's client count (else the nearest measured)."""
    measured = sorted({n for n, *_ in rows})
    at = min(measured, key=lambda n: (abs(n - GOAL_AT_CLIENTS), n))
    print(f"\ngoals at {at} clients: server (gunicorn) CPU <= {GOAL_SERVER_CPU_MS:g} ms a submit, "
          f"API submits/s >= {GOAL_LEDGER_SHARE:.0%} of the ledger's bare reservations/s, p99 < {GOAL_P99_MS:g} ms")
    for n, name, r, led in rows:
        if n != at:
            continue
        cpu_ms, p99_ms = r["cpu"]["gunicorn"] * 1000, r["p99"] * 1000
        share = r["submits"] / led if with_ledger and led else float("nan")
        verdict = lambda ok: "met" if ok else "NOT met"  # noqa: E731
        print(f"  {name:<22} server CPU {cpu_ms:6.2f} ms ({verdict(cpu_ms <= GOAL_SERVER_CPU_MS)}); "
              f"{r['submits']:,.1f} submits/s = {share:.1%} of the ledger's {led:,.0f} res/s "
              f"({verdict(share >= GOAL_LEDGER_SHARE) if with_ledger else 'no ledger measured'}); "
              f"p99 {p99_ms:.1f} ms ({verdict(p99_ms < GOAL_P99_MS)})")


if __name__ == "__main__":
    main()
