"""The weekly stock plan as a Celery task: forecast, place, keep it, propose HQ's purchase orders.

The nightly optimizer runs after it lift the regional warehouses to the plan's levels; HQ
approves the proposed orders (web page or API). Re-running a week's task makes a newer plan
whose proposals supersede the older ones, so a redelivered task does no harm.
"""
from __future__ import annotations

from celery import shared_task
from sqlalchemy.exc import OperationalError

from inventory.db import make_session_factory, transaction, utcnow
from inventory.policy import load_policy
from optimizer.stock_plan import plan_and_propose

from ..extensions import db

TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="planning.weekly_plan", autoretry_for=(OperationalError,), retry_backoff=30,
             retry_backoff_max=900, max_retries=8, **TASK_OPTIONS)
def weekly_plan() -> str:
    with make_session_factory(db.engine)() as session, transaction(session):
        record, orders = plan_and_propose(session, utcnow(), load_policy(session), actor="system:beat")
        return f"{record.code}: {len(orders)} purchase orders proposed"
