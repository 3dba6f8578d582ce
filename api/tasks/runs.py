"""Runs whose task message was lost, or whose worker died: beat's sweep sends their task again.

A Redis broker without persistence, or one restarted, loses the messages it held; an optimizer
or stock plan run whose `start_run` / `plan_run` was among them would stay queued for good.
Every `RUNS_REQUEUE_SWEEP_SECONDS` (5 minutes) the sweep finds runs queued longer than
`RUNS_REQUEUE_AFTER_SECONDS` (10 minutes) since they were asked for or last re-sent, counts
them re-sent on the run (`requeued`) and sends their task again. A run whose message was only
waiting behind a busy worker is started once all the same: the first message to arrive takes
it (`inventory.planning.claim`), the other finds it taken and does nothing.

A worker that dies running a run (its machine gone) leaves it `running`; if its unacknowledged
message never comes back (lost with the broker, or a visibility timeout longer than anyone
waits), nothing else would. A running start beats every 30 s (`optimizer.heartbeat`); a run
silent for `RUNS_STALLED_RUNNING_SECONDS` (15 minutes) goes back to `queued` and is sent again
the same way (a stock plan run asked for over 6 hours ago is failed instead). Its old start, if
only slow, finds it no longer its own (`inventory.planning.owns`) and applies nothing.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from flask import current_app

from inventory import planning
from inventory.db import make_session_factory, transaction

from ..extensions import db

REQUEUE_AFTER_SECONDS = planning.REQUEUE_AFTER.total_seconds()
STALLED_RUNNING_SECONDS = planning.STALLED_RUNNING.total_seconds()
SWEEP_SECONDS = 300.0
log = logging.getLogger(__name__)


def stalled_running_after(config) -> timedelta:
    """How long a running run may go without a heartbeat before the sweep takes it back (the
    app's `RUNS_STALLED_RUNNING_SECONDS`); the HQ pages warn by the same."""
    return timedelta(seconds=float(config.get("RUNS_STALLED_RUNNING_SECONDS", STALLED_RUNNING_SECONDS)))


@shared_task(name="runs.requeue_stalled", acks_late=True)
def requeue_stalled() -> dict:
    """Send again the task of every run queued too long, or running with no heartbeat too long;
    what it did, by run code."""
    from .optimizer import start_run
    from .planning import plan_run

    config = current_app.config
    after = timedelta(seconds=float(config.get("RUNS_REQUEUE_AFTER_SECONDS", REQUEUE_AFTER_SECONDS)))
    running_after = stalled_running_after(config)
    with make_session_factory(db.engine)() as session, transaction(session):
        stalled = planning.requeue_stalled(session, after=after, running_after=running_after)
    for code in stalled.abandoned:
        log.warning("stock plan run %s was lost (queued, or its worker died) and is older than %s: failed",
                    code, planning.STALE_RUN)
    for code in stalled.silent:
        log.warning("run %s was running with no heartbeat for over %s (its worker died?): back to queued",
                    code, running_after)
    sent, unsent = [], []
    for task, ids, code in ((start_run, stalled.optimizer_runs, "OR{:06d}"),
                            (plan_run, stalled.plan_runs, "SPR{:06d}")):
        for run_id in ids:
            try:
                task.apply_async((run_id,), ignore_result=True)
            except Exception:  # noqa: BLE001 - the broker is away again (the next sweep tries again), or eager: the run failed
                log.exception("re-sending the task of run %s failed", code.format(run_id))
                unsent.append(code.format(run_id))
                continue
            log.warning("run %s stayed queued over %s (its task message was lost?): task sent again",
                        code.format(run_id), after)
            sent.append(code.format(run_id))
    return {"requeued": sent, "unsent": unsent, "failed": stalled.abandoned}
