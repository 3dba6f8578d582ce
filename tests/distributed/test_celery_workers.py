"""A sharded optimizer run on real Celery workers (Redis broker, PostgreSQL), as in production.

Runs when CELERY_BROKER_URL names a reachable Redis and PostgreSQL is up (CI's second pass);
otherwise skips and says why. Two worker processes solve the shards; the merge applies once.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import pytest
from sqlalchemy import select

from inventory import planning
from inventory.db import make_session_factory, transaction, utcnow
from inventory.warehouses.ledger import ledger_differences
from optimizer import runs

from ..api.conftest import make_app, seed
from ..db.test_optimizer_runs import POINT  # noqa: F401  (same world conventions)


def _broker_or_skip() -> str:
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis://"):
        pytest.skip("no Redis broker configured (CELERY_BROKER_URL); the embedded run uses eager Celery")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"Redis broker unreachable at {url}: {exc}")
    return url


@pytest.fixture
def workers(pg_database, pg_engine):
    broker = _broker_or_skip()
    queue = f"parts-test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": pg_database.url, "CELERY_BROKER_URL": broker, "CELERY_QUEUE": queue}
    procs = [subprocess.Popen([sys.executable, "-m", "celery", "-A", "api.celery_app", "worker", "-Q", queue,
                               "-c", "1", "-n", f"w{i}-{queue}@%h", "--without-gossip", "--without-mingle",
                               "-l", "warning"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for i in range(2)]
    yield {"broker": broker, "queue": queue, "url": pg_database.url, "procs": procs}
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_for(sessions, run_id: int, timeout: float = 120) -> planning.OptimizerRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sessions() as session:
            run = planning.get_run(session, run_id)
            if run.status in ("done", "failed"):
                return run
        time.sleep(0.5)
    raise AssertionError(f"run {run_id} did not finish in {timeout} s")


def test_two_workers_solve_a_sharded_run_and_the_merge_applies_it_once(workers, pg_engine, monkeypatch):
    auth = seed(pg_engine)
    monkeypatch.setenv("CELERY_QUEUE", workers["queue"])
    from api.config import defaults

    app = make_app(workers["url"], CELERY={**defaults()["CELERY"], "broker_url": workers["broker"],
                                           "result_backend": workers["broker"], "task_always_eager": False,
                                           "task_default_queue": workers["queue"]})
    client = app.test_client()
    for sku, qty in (("WM-PUMP-01", 12), ("WM-MOTOR-01", 7), ("AC-REMOTE-01", 3)):
        r = client.post("/api/v1/requisitions", headers=auth["point"],
                        json={"ship_to": "SP0001", "ticket": "T1", "lines": [{"sku": sku, "qty": qty}]})
        assert r.status_code == 201
    started = client.post("/api/v1/optimizer/runs", headers=auth["hq"], json={"shards": 3})
    assert started.status_code == 202
    sessions = make_session_factory(pg_engine)
    run = wait_for(sessions, planning.parse_run_code(started.json["id"]))
    assert run.status == "done", run.error
    with sessions() as session:
        assert len(planning.shard_results(session, run.id)) == 3
        assert ledger_differences(session) == []
    # the same snapshot solved in one process gives the same objective
    with sessions() as session:
        document = planning.load_input(session, run.id)
    allocations, _ = runs.solve_document(document)
    assert runs.kpis(runs.instance_of(document), allocations)["objective"] == run.kpis()["after"]["objective"]
    assert all(p.poll() is None for p in workers["procs"])  # both workers still up
