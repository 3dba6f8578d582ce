"""Schemathesis against the served app: 1000 examples per operation and its stateful mode.

A throwaway PostgreSQL database (BENCH_DATABASE_URL, or `--private` for a cluster of our own
on port 5434) gets the tests' tiny world and one API key per role; gunicorn serves
`api.app:create_app()` on a free loopback port (embedded Celery: optimizer runs solve in the
request's process); `schemathesis run` then fuzzes every operation of /api/v1/openapi.json
with the checks the suite runs (every check but positive-data acceptance and negative-data
rejection, left out for the reasons tests/api/test_schemathesis.py gives) through the phases
examples, coverage, fuzzing and stateful. Each operation is called as the role that passes
its authorisation (bench/schemathesis_hooks.py). Exits with schemathesis's status.

    .venv/bin/python bench/schemathesis_run.py [--max-examples 1000] [--seed 21] [--private]
                                               [--phases examples,coverage,fuzzing,stateful]
                                               [--pg-port 5434] [--report-dir DIR]
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def seed_keys(url: str) -> dict:
    from inventory.db import make_engine
    from tests.api.conftest import seed

    engine = make_engine(url)
    try:
        return {name: header["Authorization"].removeprefix("Bearer ") for name, header in seed(engine).items()}
    finally:
        engine.dispose()


@contextlib.contextmanager
def database(private: bool, port: int = 5434):
    from bench import throwaway

    if not private:
        with throwaway.postgres_db() as url:
            yield url
        return
    from bench.stack import PrivatePostgres

    pg = PrivatePostgres(port)
    try:
        pg.start()
        throwaway.PG_SERVER = pg.url()
        with throwaway.postgres_db() as url:
            yield url
    finally:
        pg.remove()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--phases", default="examples,coverage,fuzzing,stateful")
    parser.add_argument("--workers", default="1", help="schemathesis's concurrent workers (threads)")
    parser.add_argument("--private", action="store_true", help="a PostgreSQL cluster of our own (--pg-port)")
    parser.add_argument("--pg-port", type=int, default=5434)
    parser.add_argument("--report-dir", default=None, help="keep schemathesis's JUnit and NDJSON reports here")
    parser.add_argument("--include-path-regex", default=None, help="only the operations whose path matches")
    args = parser.parse_args()

    from bench.soak import free_port, gunicorn

    with database(args.private, args.pg_port) as url, tempfile.TemporaryDirectory() as tmp:
        keys = Path(tmp) / "keys.json"
        keys.write_text(json.dumps(seed_keys(url)))
        port = free_port()
        with gunicorn(url, port, workers=2, threads=4, log=Path(tmp) / "gunicorn.log"):
            command = [str(Path(sys.executable).parent / "schemathesis"), "run",
                       f"http://127.0.0.1:{port}/api/v1/openapi.json", "--max-examples", str(args.max_examples),
                       "--seed", str(args.seed), "--phases", args.phases, "--workers", args.workers,
                       "--checks", "all", "--exclude-checks", "positive_data_acceptance,negative_data_rejection",
                       "--generation-database", "none", "--request-timeout", "60", "--no-color",
                       "--suppress-health-check", "all"]
            if args.include_path_regex:
                command += ["--include-path-regex", args.include_path_regex]
            if args.report_dir:
                command += ["--report", "junit,ndjson", "--report-dir", args.report_dir]
            print("$ " + " ".join(command), flush=True)
            started = time.monotonic()
            env = {**os.environ, "SCHEMATHESIS_HOOKS": "bench.schemathesis_hooks", "PARTS_FUZZ_KEYS": str(keys),
                   "PYTHONPATH": str(ROOT)}
            status = subprocess.run(command, env=env, cwd=ROOT).returncode
            print(f"schemathesis exited {status} after {time.monotonic() - started:.0f} s", flush=True)
        errors = [line for line in (Path(tmp) / "gunicorn.log").read_text().splitlines()
                  if "Traceback" in line or "ERROR" in line]
        print(f"errors in the server log: {len(errors)}")
        return status


if __name__ == "__main__":
    sys.exit(main())
