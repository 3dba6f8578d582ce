"""A run whose task message the broker lost (Redis without persistence, or restarted), or that
a dead worker left running, is sent again by beat's sweep and finished by a real worker; the
lost message turning up late as well applies nothing twice.

Needs PostgreSQL and a Redis broker (CELERY_BROKER_URL, else redis://127.0.0.1:6379/0);
skips, saying why, without them.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from inventory import planning
from inventory.db import make_session_factory, transaction, utcnow
from inventory.warehouses.models import StockMovement
from optimizer import runs

from .conftest import ledger_clean
from .test_worker_killed import app_on_worker, late_reservation, wait_for, worker  # noqa: F401 - worker is the fixture

pytestmark = pytest.mark.postgres


def on_worker(worker, pg_database, pg_engine, monkeypatch):
    """A line reserved late (the run's work), the app sending to the test's worker, and sessions."""
    code = late_reservation(pg_engine)
    monkeypatch.setenv("CELERY_QUEUE", worker["queue"])
    return code, app_on_worker(pg_database.url, worker), make_session_factory(pg_engine)


def finished(sessions, run_id: int):
    """The run once it is done or failed, else None (for `wait_for`)."""
    with sessions() as session:
        found = planning.get_run(session, run_id)
        return found if found.status in ("done", "failed") else None


def applied_once(sessions, run_id: int, code: str, pg_engine, worker):
    """The run, after checking it is done once re-sent, moved the late line's 2 units to GD1
    exactly once, the ledger is clean and the worker lives on."""
    with sessions() as session:
        run = planning.get_run(session, run_id)
        assert (run.status, run.lines_changed, run.requeued) == ("done", 1, 1), run.error
        planned = session.scalars(select(StockMovement).where(
            StockMovement.ref_id == code, StockMovement.reason == f"planned by {run.code}",
            StockMovement.reserved_delta > 0)).all()
        assert [(m.warehouse_code, m.reserved_delta) for m in planned] == [("GD1", 2)]
    assert ledger_clean(pg_engine)
    assert worker["proc"].poll() is None
    return run


def test_a_run_whose_message_was_lost_is_sent_again_by_the_sweep_and_applied_once(
        worker, pg_database, pg_engine, pg_auth, monkeypatch):  # noqa: F811 - the fixture
    from api.tasks.optimizer import start_run
    from api.tasks.runs import requeue_stalled

    code, app, sessions = on_worker(worker, pg_database, pg_engine, monkeypatch)
    with sessions() as session, transaction(session):  # asked for 11 minutes ago; its message never came
        run = planning.create_run(session, trigger="api", actor="hq")
        run.created_at = utcnow() - timedelta(minutes=11)
        run_id = run.id
    with app.app_context():
        swept = requeue_stalled.apply().get()  # beat's sweep, here; the task it sends goes through Redis
        late = start_run.apply_async((run_id,))  # and the lost message turns up after all
    assert swept["requeued"] == [f"OR{run_id:06d}"]

    wait_for(lambda: finished(sessions, run_id), "the re-sent run to finish")
    with app.app_context():
        late.get(timeout=90)  # the second message done as well (one worker process: after the first)
    applied_once(sessions, run_id, code, pg_engine, worker)


def test_a_run_left_running_by_a_dead_worker_is_sent_again_by_the_sweep_and_applied_once(
        worker, pg_database, pg_engine, pg_auth, monkeypatch):  # noqa: F811 - the fixture
    from api.tasks.optimizer import start_run
    from api.tasks.runs import requeue_stalled

    code, app, sessions = on_worker(worker, pg_database, pg_engine, monkeypatch)
    with sessions() as session, transaction(session):
        run_id = planning.create_run(session, trigger="nightly", actor="system:beat").id
    # a worker took it and snapshotted it, then its machine died; its message never came back
    assert runs.take_snapshot(sessions, run_id, store=False, task_id="dead-worker") is not None
    with sessions() as session, transaction(session):
        planning.get_run(session, run_id).heartbeat_at = utcnow() - timedelta(minutes=16)
    with app.app_context():
        swept = requeue_stalled.apply().get()  # beat's sweep, here; the task it sends goes through Redis
    assert swept["requeued"] == [f"OR{run_id:06d}"]

    wait_for(lambda: finished(sessions, run_id), "the re-sent run to finish")
    with app.app_context():
        start_run.apply_async((run_id,), task_id="dead-worker").get(timeout=90)  # its message turns up at last
    run = applied_once(sessions, run_id, code, pg_engine, worker)
    assert run.task_id not in (None, "dead-worker") and run.heartbeat_at > run.requeued_at
