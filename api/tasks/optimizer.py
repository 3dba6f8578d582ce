"""Optimizer runs as Celery tasks: snapshot once, solve sku shards in parallel, merge and apply.

Each task takes ids, reads what it needs from the database and writes its result keyed by run
id (and shard), so a task redelivered after a worker died (acks_late) redoes the same work
without duplicating anything; `finish_run` applies a run once.
"""
from __future__ import annotations

from celery import chord, group, shared_task
from sqlalchemy.exc import OperationalError

from inventory import planning
from inventory.db import make_session_factory, transaction
from optimizer import runs

from ..extensions import db

TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True}


def _sessions():
    return make_session_factory(db.engine)


@shared_task(name="optimizer.nightly_run", autoretry_for=(OperationalError,), retry_backoff=30,
             retry_backoff_max=900, max_retries=8, **TASK_OPTIONS)
def nightly_run(shards: int = 2) -> str:
    """Beat's nightly job: record a run and start it (retried while the database is away)."""
    sessions = _sessions()
    with sessions() as session, transaction(session):
        run = planning.create_run(session, trigger="nightly", actor="system:beat", shards=shards)
        run_id = run.id
    start_run.delay(run_id)
    return run.code


@shared_task(name="optimizer.start_run", bind=True, **TASK_OPTIONS)
def start_run(self, run_id: int) -> None:
    """Start a queued run. The message's id takes the run (`planning.claim`): a second message
    for it (re-sent by `runs.requeue_stalled`) does nothing, this one redelivered redoes it."""
    sessions = _sessions()
    with sessions() as session:
        shards = planning.get_run(session, run_id).shards
    if shards <= 1:
        runs.execute_run(sessions, run_id, task_id=self.request.id)
        return
    try:
        if runs.take_snapshot(sessions, run_id, store=True, task_id=self.request.id) is None:
            return
    except Exception as exc:
        runs.fail_run(sessions, run_id, exc)
        raise
    chord(group(solve_shard.s(run_id, shard, shards) for shard in range(shards)))(merge_run.s(run_id))


@shared_task(name="optimizer.solve_shard", **TASK_OPTIONS)
def solve_shard(run_id: int, shard: int, shards: int) -> int:
    sessions = _sessions()
    try:
        with sessions() as session:
            document = planning.load_input(session, run_id)
        allocations, seconds = runs.solve_document(runs.shard_of(document, shard, shards), workers=1)
        with sessions() as session, transaction(session):
            planning.store_shard(session, run_id, shard, allocations, seconds)
            session.flush()
            done = len(planning.shard_results(session, run_id))
            planning.mark_shard_solved(planning.get_run(session, run_id, lock=True), done, shards)
    except Exception as exc:
        runs.fail_run(sessions, run_id, exc)
        raise
    return shard


@shared_task(name="optimizer.merge_run", **TASK_OPTIONS)
def merge_run(_shards_done, run_id: int) -> str:
    sessions = _sessions()
    try:
        with sessions() as session:
            document = planning.load_input(session, run_id)
            results = planning.shard_results(session, run_id)
            allocations = [a for r in results for a in _json(r.allocations)]
            seconds = max((r.solve_seconds for r in results), default=0.0)
        return runs.finish_run(sessions, run_id, document, allocations, seconds).code
    except Exception as exc:
        runs.fail_run(sessions, run_id, exc)
        raise


def _json(text: str):
    import json

    return json.loads(text)
