"""A Celery worker process is SIGKILLed in the middle of an optimizer run (inside the
transaction that moves reservations): the message was not acknowledged, so the run is redone,
and it finishes with every reservation and transfer once - no duplicate, nothing half-moved.

Needs PostgreSQL and a Redis broker (CELERY_BROKER_URL, else redis://127.0.0.1:6379/0);
skips, saying why, without them.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter

import pytest
from sqlalchemy import select, text

from inventory import planning
from inventory.access import Principal
from inventory.db import make_session_factory, transaction
from inventory.policy import load_policy
from inventory.requisitions import service as requisitions
from inventory.warehouses import ledger
from inventory.warehouses.models import StockMovement, Transfer
from optimizer import runs

from ..api.conftest import make_app
from ..processes import children
from .conftest import ledger_clean

pytestmark = pytest.mark.postgres
POINT = Principal("service_point", "SP0001")
WAIT = 90


def broker_or_skip() -> str:
    url = os.environ.get("CELERY_BROKER_URL", "")
    url = url if url.startswith("redis://") else "redis://127.0.0.1:6379/0"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure: skip and say why
        pytest.skip(f"Redis broker unreachable at {url}: {exc}")
    return url


@pytest.fixture
def worker(pg_database, pg_auth):
    broker = broker_or_skip()
    queue = f"parts-kill-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": pg_database.url, "CELERY_BROKER_URL": broker, "CELERY_QUEUE": queue,
           "CELERY_RESULT_BACKEND": broker}
    proc = subprocess.Popen([sys.executable, "-m", "celery", "-A", "api.celery_app", "worker", "-Q", queue,
                             "-c", "1", "-P", "prefork", "-n", f"{queue}@%h", "--without-gossip", "--without-mingle",
                             "--without-heartbeat", "-l", "warning"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    yield {"broker": broker, "queue": queue, "proc": proc}
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def late_reservation(engine) -> str:
    """A line reserved at HB1 (60 h, late) while GD1 (12 h) has stock again: the run moves it."""
    with make_session_factory(engine)() as session:
        with transaction(session):
            for wh in ("GD1", "HQ"):
                ledger.scrap(session, wh, "WM-PUMP-01", ledger.available(session, wh, "WM-PUMP-01"),
                             actor="test", reason="make GD1 and HQ empty")
        with transaction(session):
            code = requisitions.submit(session, POINT, ship_to="SP0001", ticket="T-1", policy=load_policy(session),
                               lines=[requisitions.LineRequest("WM-PUMP-01", 2)]).code
        with transaction(session):
            ledger.receive(session, "GD1", "WM-PUMP-01", 5, actor="test", reason="restocked")
    return code


def lock_waiters(engine) -> list[int]:
    """Backends of this database waiting for a lock (asked on a fresh connection: inside a
    transaction pg_stat_activity is a snapshot that never changes)."""
    with engine.connect() as conn:
        return conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND wait_event_type = 'Lock'")).scalars().all()


def wait_for(predicate, what: str, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def app_on_worker(url: str, worker: dict):
    """The app with its tasks sent to the test's own Redis broker and queue, not run eagerly."""
    celery = make_app(url).config["CELERY"]
    return make_app(url, CELERY={**celery, "broker_url": worker["broker"], "result_backend": worker["broker"],
                                 "task_always_eager": False, "task_default_queue": worker["queue"]})


def test_a_run_whose_worker_is_killed_mid_apply_is_redone_once_with_nothing_duplicated(
        worker, pg_database, pg_engine, pg_auth, monkeypatch):
    code = late_reservation(pg_engine)
    monkeypatch.setenv("CELERY_QUEUE", worker["queue"])
    app = app_on_worker(pg_database.url, worker)
    client = app.test_client()

    blocker = pg_engine.connect()
    held = blocker.begin()
    blocker.execute(text("SELECT 1 FROM stock_balance WHERE warehouse_code = 'GD1' AND sku = 'WM-PUMP-01' FOR UPDATE"))
    try:
        started = client.post("/api/v1/optimizer/runs", json={}, headers=pg_auth["hq"])
        assert started.status_code == 202, started.get_json()
        run_id = planning.parse_run_code(started.get_json()["id"])

        # the worker is inside finish_run's transaction, waiting for the balance row we hold
        waiting = wait_for(lambda: lock_waiters(pg_engine), "the worker to block inside its apply transaction")
        assert worker["proc"].poll() is None, worker["proc"].stderr.read()
        [child] = children(worker["proc"].pid)
        os.kill(child, signal.SIGKILL)
        wait_for(lambda: child not in children(worker["proc"].pid), "the killed process to be gone")
    finally:
        held.rollback()
        blocker.close()

    sessions = make_session_factory(pg_engine)

    def finished():
        with sessions() as session:
            run = planning.get_run(session, run_id)
            return run if run.status in ("done", "failed") else None

    run = wait_for(finished, "the redelivered run to finish")
    assert run.status == "done", run.error
    assert waiting  # it really was killed mid-transaction, then redone by a fresh process
    assert worker["proc"].poll() is None  # the worker itself lives on with a new pool process

    with sessions() as session:
        req = requisitions.get(session, Principal("hq"), code)
        live = [(a.warehouse_code, a.qty) for line in req.lines for a in line.allocations if a.status == "reserved"]
        assert live == [("GD1", 2)]
        planned = session.scalars(select(StockMovement).where(
            StockMovement.ref_id == code, StockMovement.kind == "reservation",
            StockMovement.reason == f"planned by {run.code}")).all()
        assert [(m.warehouse_code, m.reserved_delta) for m in planned] == [("GD1", 2)]
        assert ledger.get_balance(session, "GD1", "WM-PUMP-01").reserved == 2
        assert ledger.get_balance(session, "HB1", "WM-PUMP-01").reserved == 0
        drafts = session.execute(select(Transfer.from_warehouse, Transfer.to_warehouse, Transfer.sku)
                                 .where(Transfer.status == "draft")).all()
        assert all(n == 1 for n in Counter(drafts).values()), drafts
    assert ledger_clean(pg_engine)

    again = runs.run_now(sessions, trigger="test", propose=False)  # a re-run has nothing left to move
    assert again["status"] == "done" and again["lines_changed"] == 0
    assert ledger_clean(pg_engine)
