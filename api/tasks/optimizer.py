"""Optimizer runs as Celery tasks: snapshot once, solve sku shards in parallel, merge and apply.

Each task takes ids, reads what it needs from the database and writes its result keyed by run
id (and shard), so a task redelivered after a worker died (acks_late) redoes the same work
without duplicating anything; `finish_run` applies a run once. A sharded run's shards and merge
carry the id of the message that took the run (`owner`): once beat's sweep has sent a silent run
again (`runs.requeue_stalled`), what its old start left in flight stores, applies and fails nothing.
"""
from __future__ import annotations

from celery import chord, group, shared_task
from sqlalchemy.exc import OperationalError

from inventory import planning
from inventory.db import make_session_factory, transaction
from optimizer import runs
from optimizer.heartbeat import Heartbeat

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
    owner = self.request.id
    try:
        if runs.take_snapshot(sessions, run_id, store=True, task_id=owner) is None:
            return
    except Exception as exc:
        runs.fail_run(sessions, run_id, exc)
        raise
    chord(group(solve_shard.s(run_id, shard, shards, owner) for shard in range(shards)))(merge_run.s(run_id, owner))


def _owner(sessions, run_id: int, owner: str | None) -> str | None:
    """The message a shard or merge works for; one sent before owners were passed works for
    whichever message has the run now."""
    if owner is not None:
        return owner
    with sessions() as session:
        return planning.get_run(session, run_id).task_id


@shared_task(name="optimizer.solve_shard", **TASK_OPTIONS)
def solve_shard(run_id: int, shard: int, shards: int, owner: str | None = None) -> int:
    sessions = _sessions()
    owner = _owner(sessions, run_id, owner)
    try:
        with sessions() as session:
            if not planning.owns(planning.get_run(session, run_id), owner):
                return shard  # sent again by the sweep, or finished: the run's new start solves it
            document = planning.load_input(session, run_id)
        with Heartbeat(sessions, planning.OptimizerRun, run_id, owner):
            allocations, seconds = runs.solve_document(runs.shard_of(document, shard, shards), workers=1)
        with sessions() as session, transaction(session):
            run = planning.get_run(session, run_id, lock=True)
            if not planning.owns(run, owner):
                return shard
            planning.store_shard(session, run_id, shard, allocations, seconds)
            session.flush()
            done = len(planning.shard_results(session, run_id))
            planning.mark_shard_solved(run, done, shards)
    except Exception as exc:
        runs.fail_run(sessions, run_id, exc, claimed=True, task_id=owner)
        raise
    return shard


@shared_task(name="optimizer.merge_run", **TASK_OPTIONS)
def merge_run(_shards_done, run_id: int, owner: str | None = None) -> str:
    sessions = _sessions()
    owner = _owner(sessions, run_id, owner)
    try:
        with sessions() as session:
            document = planning.load_input(session, run_id)
            results = planning.shard_results(session, run_id)
            allocations = [a for r in results for a in _json(r.allocations)]
            seconds = max((r.solve_seconds for r in results), default=0.0)
        return runs.finish_run(sessions, run_id, document, allocations, seconds, task_id=owner).code
    except Exception as exc:
        runs.fail_run(sessions, run_id, exc, claimed=True, task_id=owner)
        raise


def _json(text: str):
    import json

    return json.loads(text)
