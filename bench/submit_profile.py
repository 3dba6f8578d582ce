"""Where a requisition submit's server CPU goes: cProfile and SQL statements per request.

    .venv/bin/python bench/submit_profile.py [--submits 300] [--top 25] [--sqlite]

The small demo world (stock raised as in bench/api.py) goes into a throwaway PostgreSQL
database (BENCH_DATABASE_URL); the app from `create_app` takes POST /api/v1/requisitions
through Flask's test client, one service-point key, the same bodies as bench/api.py's
clients. Printed: CPU ms per submit (process time, so the machine's load does not inflate
it), SQL statements per submit (counted by a `before_cursor_execute` listener), and the
cProfile functions with the most cumulative time. No HTTP server or network: what is left is
the request's own cost in Flask, marshmallow, the ORM and the driver.
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import pstats
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from bench.api import Client, load_api_world  # noqa: E402
from bench.throwaway import postgres_db, sqlite_db  # noqa: E402


class StatementCounter:
    """Counts SQL statements on an engine, by their first words."""

    def __init__(self, engine):
        self.total = 0
        self.kinds: Counter = Counter()
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, conn, cursor, statement, parameters, context, executemany):
        self.total += 1
        self.kinds[" ".join(statement.split()[:4])[:70]] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submits", type=int, default=300)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--dump", help="write the cProfile stats to this file (for snakeviz or pstats)")
    parser.add_argument("--as-served", action="store_true",
                        help="the app as bench/api.py's gunicorn runs it: rate limits on (raised), counted in "
                             "--limits-store")
    parser.add_argument("--limits-store", default="memory://", help="the rate limits' store with --as-served")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(sqlite_db() if args.sqlite else postgres_db())
        keys, skus, weights = load_api_world(url, 1)
        from api.app import create_app
        from api.extensions import db

        served = {"RATELIMIT_DEFAULT": "10000000 per minute", "RATELIMIT_STORAGE_URI": args.limits_store}
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "CELERY_BROKER_URL": None,
                          **(served if args.as_served else {"RATELIMIT_ENABLED": False})})
        point, key = keys[0]
        client = Client(0, point, key, skus, weights, seed=7)
        http = app.test_client()

        def submit() -> int:
            body, _ = client.body()
            return http.post("/api/v1/requisitions", data=body, headers=client.headers).status_code

        with app.app_context():
            counter = StatementCounter(db.engine)
        for _ in range(20):  # warm up: imports, pools, statement caches
            assert submit() == 201
        n = args.submits
        counter.total, counter.kinds = 0, Counter()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        statuses = Counter(submit() for _ in range(n))
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        print(f"{n} submits ({dict(statuses)}): {cpu / n * 1000:.2f} ms CPU per submit in this process, "
              f"{wall / n * 1000:.2f} ms wall; {counter.total / n:.1f} SQL statements per submit:")
        for kind, count in counter.kinds.most_common():
            print(f"  {count / n:5.2f}  {kind}")
        profile = cProfile.Profile(time.process_time)  # CPU time: waits on PostgreSQL are not the app's cost
        cpu0, wall0 = time.process_time(), time.perf_counter()
        profile.enable()
        statuses = Counter(submit() for _ in range(args.submits))
        profile.disable()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        print(f"\nunder cProfile: {cpu / n * 1000:.2f} ms CPU per submit, {wall / n * 1000:.2f} ms wall "
              f"({dict(statuses)})")
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.top)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(rf"{ROOT}/(api|inventory)/", args.top)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(args.top)
        print(out.getvalue())
        if args.dump:
            profile.dump_stats(args.dump)


if __name__ == "__main__":
    main()
