"""The stock plan as Celery tasks: forecast, place, keep it, propose HQ's purchase orders.

Each plan is made for a recorded run (`stock_plan_run`): the weekly job records its own, HQ's
requests (API, web page) record theirs and queue `plan_run`; both make the plan through
`optimizer.stock_plan.execute_plan_run`. The nightly optimizer runs after it lift the regional
warehouses to the plan's levels; HQ approves the proposed orders (web page or API). Re-running
a week's task makes a newer plan whose proposals supersede the older ones, so a redelivered
task does no harm; a redelivered `plan_run` finds its run done and does nothing, and a second
message for a run (`runs.requeue_stalled` re-sends one whose message was lost) finds it taken.
"""
from __future__ import annotations

import logging

from celery import shared_task
from kombu.exceptions import OperationalError as BrokerDown
from sqlalchemy.exc import OperationalError

from inventory.db import make_session_factory, transaction
from inventory.errors import Conflict
from inventory.planning import get_plan_run, request_plan
from optimizer.stock_plan import execute_plan_run, fail_plan_run

from ..extensions import db

TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True}
log = logging.getLogger(__name__)


def _sessions():
    return make_session_factory(db.engine)


def _summary(run) -> str:
    return f"{run.plan_code}: {run.purchase_orders_proposed} purchase orders proposed"


@shared_task(name="planning.weekly_plan", autoretry_for=(OperationalError,), retry_backoff=30,
             retry_backoff_max=900, max_retries=8, **TASK_OPTIONS)
def weekly_plan() -> str:
    """Beat's Monday job: record a run at the policy's budget and make its plan here."""
    sessions = _sessions()
    try:
        with sessions() as session, transaction(session):
            run_id = request_plan(session, actor="system:beat", trigger="weekly").id
    except Conflict as busy:  # HQ's own plan is being made this minute: it is this week's
        return f"skipped: {busy.message}"
    return _summary(execute_plan_run(sessions, run_id))


@shared_task(name="planning.plan_run", bind=True, **TASK_OPTIONS)
def plan_run(self, run_id: int) -> str:
    """A plan HQ asked for (its run records the budget and who asked). The message's id takes the
    run (`planning.claim`): a second message for it does nothing, this one redelivered redoes it."""
    return _summary(execute_plan_run(_sessions(), run_id, task_id=self.request.id))


def dispatch(run_id: int) -> str | None:
    """Queue a requested run's task. None once queued (without a broker the task runs here and
    then: the run says whether it is done or failed); else why the queue refused it, with the
    run marked failed so it blocks no later request."""
    try:
        plan_run.apply_async((run_id,), ignore_result=True)  # nobody waits on it: the run row says how it goes
    except Exception as exc:  # noqa: BLE001 - sorted below by what the run row says
        with _sessions()() as session:
            status = get_plan_run(session, run_id).status
        if status == "failed":  # run eagerly, and the plan itself failed: recorded on the run
            log.exception("stock plan run %s failed", run_id)
            return None
        if status == "queued" and isinstance(exc, (BrokerDown, OSError, RuntimeError)):
            fail_plan_run(_sessions(), run_id, f"queue unavailable: {exc}")
            return "the task queue is unavailable; try again shortly"
        raise
    return None
