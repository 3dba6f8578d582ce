"""Soak: mixed API traffic against gunicorn on loopback for N minutes; zero 5xx, ledger clean.

Builds a throwaway database (PostgreSQL at BENCH_DATABASE_URL by default, or SQLite) with the
demo network (opening stock and dealer quotas raised so the run does not simply run dry),
starts `gunicorn 'api.app:create_app()'` on 127.0.0.1, and drives it from client threads,
each a service point or a dealer with its own API key: part searches, part detail, submits,
cancels, quota reads, and HQ shipping and points receiving what was submitted. Counts status
codes, prints throughput and p50/p99 per operation, stops gunicorn, then recomputes every
balance from the ledger (`parts check-ledger`). Exits 1 on any 5xx, transport error or
ledger difference. Traffic goes to 127.0.0.1 only and stops at the deadline.

    .venv/bin/python bench/soak.py [--minutes 10] [--threads 16] [--workers 4] [--db postgres|sqlite]
"""
from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MIX = {"search": 22, "detail": 22, "submit": 20, "quota": 8, "ship": 10, "receive": 8, "cancel": 6, "get": 4}
STOCK_FACTOR = 200          # opening stock x200: ten minutes of submits must not just backorder
DEALER_QUOTA = "500000000.00"


def build(url: str, scale: str, threads: int) -> dict:
    """Load the demo network and make one key per client thread plus HQ's."""
    from sqlalchemy import select

    from inventory.access import create_key
    from inventory.db import make_engine, make_session_factory, transaction
    from inventory.demo import generate_world
    from inventory.network import dealer_ship_to
    from inventory.world import load_world

    world = generate_world(scale=scale, seed=3)
    for row in world["stock"]:
        row["qty"] = min(row["qty"] * STOCK_FACTOR, 10_000_000)
    for dealer in world["dealers"]:
        dealer["monthly_quota"] = DEALER_QUOTA
    engine = make_engine(url)
    rng = random.Random(5)
    clients = []
    with make_session_factory(engine)() as session, transaction(session):
        load_world(session, world)
        points = [p["code"] for p in world["service_points"]]
        ship_to = defaultdict(list)
        for dealer, point in session.execute(select(dealer_ship_to.c.dealer_code, dealer_ship_to.c.service_point_code)):
            ship_to[dealer].append(point)
        dealers = sorted(ship_to)
        for i in range(threads):
            if i % 4 == 3 and dealers:
                code = dealers[i // 4 % len(dealers)]
                clients.append({"role": "dealer", "code": code, "ship_to": sorted(ship_to[code]),
                                "key": create_key(session, "dealer", code)})
            else:
                code = rng.choice(points)
                clients.append({"role": "service_point", "code": code, "ship_to": [code],
                                "key": create_key(session, "service_point", code)})
        hq = create_key(session, "hq")
    engine.dispose()
    stocked = sorted({s["sku"] for s in world["stock"] if s["qty"] > 0})
    return {"clients": clients, "hq": hq, "skus": stocked, "all_skus": [p["sku"] for p in world["parts"]]}


class Client:
    """One keep-alive HTTP connection to the server; records (operation, status, seconds)."""

    def __init__(self, port: int, key: str, records: list):
        self.port, self.key, self.records = port, key, records
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, op: str, method: str, path: str, body=None, key: str | None = None):
        headers = {"Authorization": f"Bearer {key or self.key}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            payload = response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            payload, status = b"", 0  # a transport error counts as a failure
        self.records.append((op, status, time.perf_counter() - start))
        if status and payload and response.getheader("Content-Type", "").endswith("json"):
            return status, json.loads(payload)
        return status, None


def drive(port: int, setup: dict, me: dict, deadline: float, seed: int, records: list, samples: list) -> None:
    """One client thread: a weighted random walk over the traffic mix until the deadline."""
    rng = random.Random(seed)
    client = Client(port, me["key"], records)
    allocated, shipped = [], []
    ops, weights = zip(*MIX.items())
    while time.monotonic() < deadline:
        op = rng.choices(ops, weights)[0]
        if op == "search":
            q = rng.choice(setup["all_skus"])[: rng.randint(2, 7)]
            client.call(op, "GET", f"/api/v1/parts?q={q}&per_page=20")
        elif op == "detail":
            client.call(op, "GET", f"/api/v1/parts/{rng.choice(setup['all_skus'])}?"
                        + (f"ship_to={rng.choice(me['ship_to'])}" if me["role"] == "dealer" else ""))
        elif op == "submit":
            lines = [{"sku": sku, "qty": rng.randint(1, 3)} for sku in rng.sample(setup["skus"], rng.randint(1, 3))]
            status, body = client.call(op, "POST", "/api/v1/requisitions", {
                "ship_to": rng.choice(me["ship_to"]), "ticket": f"T{seed}-{len(records)}", "lines": lines})
            if status == 201 and body["status"] in ("allocated", "partially_backordered"):
                allocated.append(body["id"])
                if len(samples) < 5:
                    samples.append(body["id"])
        elif op == "quota" and me["role"] == "dealer":
            client.call(op, "GET", "/api/v1/quota")
        elif op == "ship" and allocated:
            code = allocated.pop(rng.randrange(len(allocated)))
            status, _ = client.call(op, "POST", f"/api/v1/requisitions/{code}/ship", key=setup["hq"])
            if status == 200:
                shipped.append(code)
        elif op == "receive" and shipped:
            client.call(op, "POST", f"/api/v1/requisitions/{shipped.pop(0)}/receive")
        elif op == "cancel" and allocated:
            client.call(op, "POST", f"/api/v1/requisitions/{allocated.pop(rng.randrange(len(allocated)))}/cancel")
        elif op == "get" and (allocated or shipped):
            client.call(op, "GET", f"/api/v1/requisitions/{rng.choice(allocated or shipped)}")
    client.conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(url: str, port: int, workers: int, threads: int, log: Path):
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "soak", "RATELIMIT_DEFAULT": "100000000 per minute",
           "PYTHONPATH": str(ROOT)}
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "RATELIMIT_STORAGE_URI"):
        env.pop(name, None)
    with open(log, "w") as out:
        proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "-k", "gthread",
                                 "--threads", str(threads), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                                 "--limit-request-line", "0",  # the app answers a too long URL (api/app.py)
                                 "--timeout", "60", "api.app:create_app()"], env=env, cwd=log.parent,
                                stdout=out, stderr=subprocess.STDOUT)
        try:
            for _ in range(150):
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                    conn.request("GET", "/healthz")
                    if conn.getresponse().status == 200:
                        break
                except OSError:
                    time.sleep(0.2)
            else:
                raise SystemExit(f"gunicorn did not start; see {log}")
            yield proc
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def report(records: list, seconds: float) -> int:
    statuses = Counter(status for _, status, _ in records)
    by_op = defaultdict(list)
    for op, status, latency in records:
        by_op[op].append((status, latency))
    print(f"\n{len(records)} requests in {seconds:.0f} s: {len(records) / seconds:.1f} req/s")
    latencies = [latency for _, _, latency in records]
    print(f"latency ms: p50 {pct(latencies, 0.5):.1f}  p90 {pct(latencies, 0.9):.1f}  "
          f"p99 {pct(latencies, 0.99):.1f}  max {max(latencies) * 1000:.1f}")
    print("status codes: " + ", ".join(f"{code or 'transport error'}: {n}" for code, n in sorted(statuses.items())))
    print(f"\n{'operation':<10}{'count':>8}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}  statuses")
    for op in sorted(by_op, key=lambda o: -len(by_op[o])):
        rows = by_op[op]
        lat = [latency for _, latency in rows]
        codes = Counter(status for status, _ in rows)
        print(f"{op:<10}{len(rows):>8}{len(rows) / seconds:>8.1f}{pct(lat, 0.5):>9.1f}{pct(lat, 0.99):>9.1f}  "
              + " ".join(f"{c}x{n}" for c, n in sorted(codes.items())))
    return sum(n for code, n in statuses.items() if code >= 500 or code == 0)


def check_ledger(url: str) -> list:
    from inventory.db import make_engine, make_session_factory
    from inventory.warehouses.ledger import ledger_differences

    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return ledger_differences(session)
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=16, help="client threads (each its own key)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--worker-threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--scale", choices=("small", "national"), default="small")
    args = parser.parse_args()

    from bench.throwaway import postgres_db, sqlite_db

    with (postgres_db() if args.db == "postgres" else sqlite_db()) as url, tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        setup = build(url, args.scale, args.threads)
        print(f"database: {args.db} ({args.scale} demo network, stock x{STOCK_FACTOR}) built in "
              f"{time.perf_counter() - started:.1f} s")
        port, log = free_port(), Path(tmp) / "gunicorn.log"
        print(f"gunicorn: {args.workers} workers x {args.worker_threads} threads on 127.0.0.1:{port}; "
              f"{args.threads} client threads for {args.minutes:g} min; mix {MIX}", flush=True)
        records: list = []
        samples: list = []
        with gunicorn(url, port, args.workers, args.worker_threads, log):
            began = time.monotonic()
            deadline = began + args.minutes * 60
            pool = [threading.Thread(target=drive, args=(port, setup, me, deadline, i, records, samples), daemon=True)
                    for i, me in enumerate(setup["clients"])]
            for thread in pool:
                thread.start()
            for thread in pool:
                thread.join(args.minutes * 60 + 120)
            seconds = time.monotonic() - began
        failures = report(records, seconds)
        lines = log.read_text().splitlines()
        server_errors = [i for i, line in enumerate(lines) if "Traceback" in line or "ERROR" in line]
        diffs = check_ledger(url)
        print(f"\nparts check-ledger: {'clean: every balance equals its movements' if not diffs else diffs[:5]}")
        print(f"5xx or transport errors: {failures}; errors in the server log: {len(server_errors)}")
        if server_errors:
            print("  " + "\n  ".join(lines[server_errors[0]:server_errors[0] + 40]))
        return 1 if failures or diffs else 0


if __name__ == "__main__":
    sys.exit(main())
