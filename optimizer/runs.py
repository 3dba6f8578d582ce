"""The nightly re-plan on the database: snapshot -> Instance -> solve -> apply, recorded as a run.

The snapshot is read in one short transaction; the solve happens outside any transaction; the
plan is applied in one transaction that moves reservations only for lines whose reservations
are still exactly as snapshotted (anything shipped, cancelled or re-reserved meanwhile is
left alone and counted as skipped). A plan that is not strictly better than what is already
reserved is not applied at all, so re-running on unchanged data changes nothing.

Replaced part numbers (替代件): the model plans one sku per line, so a line that holds units
of a substitute (a successor or interchangeable sku reserved at submit) is left out of the
re-plan as it stands, and a backordered line is re-planned on its own sku only: the nightly
run does not fill a backorder with a successor's stock (submit does, and so does the next
requisition for the sku). Its demand and stock stay as the ledger has them.
"""
from __future__ import annotations

import hashlib
import json
import math
import time
import zlib
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from time import perf_counter

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from inventory import planning
from inventory.db import retry_while_database_away, transaction, utcnow
from inventory.network import Lane
from inventory.policy import Policy, load_policy
from inventory.requisitions import replan
from inventory.requisitions.models import Allocation, Requisition, RequisitionLine
from inventory.requisitions.replan import Applied
from inventory.warehouses.models import StockBalance

from .allocate import solve
from .check import check_plan
from .heartbeat import Heartbeat
from .instance import Instance, Plan, parse_instance

OPEN_STATUSES = ("allocated", "partially_backordered", "backordered")
Progress = Callable[[str, float], None]
ACTOR = "system:optimizer"


def line_weight(age_hours: float, hours_left: float, has_ticket: bool) -> int:
    """A line's priority: a day older adds one, already late adds five, a repair ticket two.

    So an old, already-late line outranks a fresh one (OPTIMIZER.md)."""
    weight = 1 + min(int(max(age_hours, 0) // 24), 10)
    if hours_left <= 0:
        weight += 5
    elif hours_left < 24:
        weight += 2
    return weight + (2 if has_ticket else 0)


def snapshot(session: Session, now: datetime, policy: Policy) -> dict:
    """Every open unshipped line, the stock free to re-plan, and the lanes, as an instance
    document (OPTIMIZER.md) plus `current`: what each line has reserved where right now.

    Bulk reads here and in `apply_plan` go through the session's Core connection: the same
    transaction without the ORM's per-row overhead (a quarter of the time at 200,000 rows)."""
    lines = session.connection().execute(
        select(RequisitionLine.id, RequisitionLine.sku, RequisitionLine.qty, RequisitionLine.promised_by,
               Requisition.service_point_code, Requisition.created_at, Requisition.ticket)
        .join(Requisition, Requisition.id == RequisitionLine.requisition_id)
        .where(Requisition.status.in_(OPEN_STATUSES))).all()
    allocations = session.connection().execute(
        select(Allocation.line_id, Allocation.warehouse_code, Allocation.qty, Allocation.status,
               Allocation.sku != RequisitionLine.sku)
        .join(RequisitionLine, RequisitionLine.id == Allocation.line_id)
        .join(Requisition, Requisition.id == RequisitionLine.requisition_id)
        .where(Requisition.status.in_(OPEN_STATUSES), Allocation.status != "released")).all()
    gone: dict[int, int] = defaultdict(int)
    current: dict[int, dict[str, int]] = defaultdict(dict)
    substituted = {line_id for line_id, _, _, status, other in allocations if other and status == "reserved"}
    for line_id, warehouse, qty, status, _ in allocations:
        if line_id in substituted:
            continue
        if status == "reserved":
            current[line_id][warehouse] = current[line_id].get(warehouse, 0) + qty
        else:
            gone[line_id] += qty
    open_lines, reserved_by_lines = [], defaultdict(int)
    for line_id, sku, qty, promised_by, point, accepted, ticket in lines:
        open_qty = qty - gone[line_id]
        if open_qty <= 0 or line_id in substituted:
            continue
        hours_left = (promised_by - now).total_seconds() / 3600
        age = (now - accepted).total_seconds() / 3600
        open_lines.append({"id": str(line_id), "service_point": point, "sku": sku, "qty": open_qty,
                           "weight": line_weight(age, hours_left, bool(ticket)), "hours_left": math.floor(hours_left)})
        for warehouse, q in current[line_id].items():
            reserved_by_lines[(warehouse, sku)] += q
    open_ids = {line["id"] for line in open_lines}
    skus = {line["sku"] for line in open_lines}
    points = {line["service_point"] for line in open_lines}
    stock = []
    if skus:
        for warehouse, sku, on_hand, reserved in session.connection().execute(
                select(StockBalance.warehouse_code, StockBalance.sku, StockBalance.on_hand, StockBalance.reserved)
                .where(StockBalance.sku.in_(skus) if len(skus) < 5000 else StockBalance.on_hand > 0)):
            if sku not in skus:
                continue
            free = on_hand - reserved + reserved_by_lines.get((warehouse, sku), 0)
            if free > 0:
                stock.append({"warehouse": warehouse, "sku": sku, "qty": free})
    to_points = Lane.to_code.in_(points) if len(points) < 5000 else Lane.to_kind == "service_point"
    lanes = [{"from": f, "to": t, "hours": h, "unit_cost": str(c)} for f, t, h, c in session.connection().execute(
        select(Lane.from_code, Lane.to_code, Lane.hours, Lane.unit_cost)
        .where(Lane.to_kind == "service_point", to_points)) if t in points] if points else []
    return {"params": {"value_on_time": str(policy.optimizer_value_on_time),
                       "value_late": str(policy.optimizer_value_late)},
            "stock": stock, "lanes": lanes, "lines": open_lines,
            "current": {str(k): v for k, v in current.items() if v and str(k) in open_ids}}


def inputs_hash(document: dict) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def instance_of(document: dict) -> Instance:
    return parse_instance({k: document[k] for k in ("params", "stock", "lanes", "lines")})


def shard_of(document: dict, shard: int, shards: int) -> dict:
    """The skus whose CRC32 falls in this shard: the problem splits exactly by sku."""
    if shards <= 1:
        return document
    mine = lambda sku: zlib.crc32(sku.encode()) % shards == shard  # noqa: E731
    return {**document, "stock": [s for s in document["stock"] if mine(s["sku"])],
            "lines": [line for line in document["lines"] if mine(line["sku"])]}


def solve_document(document: dict, workers: int | None = None) -> tuple[list[dict], float]:
    """The optimal allocations of a (shard of a) snapshot and the seconds it took."""
    start = perf_counter()
    if not document["lines"]:
        return [], 0.0
    plan = solve(instance_of(document), workers=workers)
    return plan.allocations(), perf_counter() - start


def _plan(instance: Instance, allocations: list[dict]) -> Plan:
    line_index = {lid: i for i, lid in enumerate(instance.line_ids)}
    warehouse_index = {w: i for i, w in enumerate(instance.warehouses)}
    rows = [(line_index[a["line"]], warehouse_index[a["warehouse"]], a["qty"]) for a in allocations
            if a["line"] in line_index and a["warehouse"] in warehouse_index and a["qty"] > 0]
    arr = np.array(rows, dtype=np.int64).reshape(-1, 3)
    return Plan(line=arr[:, 0], warehouse=arr[:, 1], qty=arr[:, 2], line_ids=instance.line_ids,
                warehouses=instance.warehouses)


def kpis(instance: Instance, allocations: list[dict]) -> dict:
    check = check_plan(instance, _plan(instance, allocations))
    return {"on_time_units": check.on_time_units, "late_units": check.late_units,
            "unshipped_units": check.unshipped_units, "value": str(check.value), "cost": str(check.cost),
            "objective": str(check.value - check.cost), "feasible": check.feasible}


def current_allocations(document: dict) -> list[dict]:
    return [{"line": lid, "warehouse": w, "qty": q} for lid, by in document["current"].items() for w, q in by.items()]


def apply_plan(session: Session, document: dict, allocations: list[dict], *, now: datetime,
               run_code: str, actor: str = ACTOR) -> Applied:
    """Hand the lines whose plan differs from what they hold to `requisitions.replan`, which
    moves them if still as snapshotted. Caller owns the transaction."""
    target: dict[str, dict[str, int]] = defaultdict(dict)
    for a in allocations:
        target[a["line"]][a["warehouse"]] = target[a["line"]].get(a["warehouse"], 0) + a["qty"]
    current = document["current"]
    planned = [replan.LineMove(int(line["id"]), current.get(line["id"], {}), line["qty"], target.get(line["id"], {}))
               for line in document["lines"] if target.get(line["id"], {}) != current.get(line["id"], {})]
    return replan.apply(session, planned, now=now, run_code=run_code, actor=actor)


def execute_run(sessions: sessionmaker, run_id: int, *, now: datetime | None = None, workers: int | None = None,
                propose: bool = True, progress: Progress | None = None,
                task_id: str | None = None) -> planning.OptimizerRun:
    """Snapshot, solve in this process (with a heartbeat), apply and record. A failure marks the
    run failed, unless the sweep gave it to another start meanwhile. A run this start may not take
    (`planning.claim`: started by another message, or finished) or has lost (`planning.owns`) is
    returned as it is, untouched."""
    tick = progress or (lambda stage, fraction: None)
    try:
        document = take_snapshot(sessions, run_id, now=now, store=False, task_id=task_id)
    except Exception as exc:
        fail_run(sessions, run_id, exc)
        raise
    if document is None:
        with sessions() as session:
            return planning.get_run(session, run_id)
    try:
        tick("solving", 0.3)
        with Heartbeat(sessions, planning.OptimizerRun, run_id, task_id):
            allocations, seconds = solve_document(document, workers)
        tick("applying", 0.8)
        run = finish_run(sessions, run_id, document, allocations, seconds, propose=propose, task_id=task_id)
        tick("done", 1.0)
        return run
    except Exception as exc:
        fail_run(sessions, run_id, exc, claimed=True, task_id=task_id)
        raise


def take_snapshot(sessions: sessionmaker, run_id: int, *, now: datetime | None = None, store: bool,
                  task_id: str | None = None) -> dict | None:
    """Read the snapshot in one short transaction and mark the run running; None, touching
    nothing, when this start may not take the run (`planning.claim`)."""
    with sessions() as session, transaction(session):
        run = planning.get_run(session, run_id, lock=True)
        if not planning.claim(run, task_id):
            return None
        now = now or run.as_of or utcnow()
        document = snapshot(session, now, load_policy(session))
        document["as_of"] = now.isoformat()
        planning.mark_running(run, as_of=now, inputs_hash=inputs_hash(document))
        if store:
            planning.store_input(session, run_id, document)
    return document


def finish_run(sessions: sessionmaker, run_id: int, document: dict, allocations: list[dict], seconds: float,
               *, propose: bool = True, task_id: str | None = None) -> planning.OptimizerRun:
    """Apply the merged plan and record KPIs, once, in one transaction with the run locked, by
    the start that still has the run (`planning.owns`, `task_id` the message that took it). A
    run already done, or sent again by the sweep since (this start was silent too long), is left
    as it is: nothing of this plan is applied."""
    from datetime import datetime as dt

    from .stock_plan import saved_targets
    from .targets import propose_transfers

    now = dt.fromisoformat(document["as_of"])
    with sessions() as session, transaction(session):
        run = planning.get_run(session, run_id, lock=True)
        if not planning.owns(run, task_id):
            return run
        instance = instance_of(document)
        before = kpis(instance, current_allocations(document))
        after = kpis(instance, allocations)
        better = Decimal(after["objective"]) > Decimal(before["objective"])
        applied = apply_plan(session, document, allocations, now=now, run_code=run.code) if better else Applied()
        plan = saved_targets(session) if propose else None  # the stock plan's levels, once there is one
        proposed = propose_transfers(session, now=now, policy=load_policy(session), run_id=run.code,
                                     targets=plan.regional if plan else None,
                                     hq_keep=plan.hq_keep if plan else None) if propose else []
        planning.mark_done(run, kpis_before=before, kpis_after=after if better else before, solve_seconds=seconds,
                           lines_changed=applied.changed, lines_skipped=applied.skipped,
                           transfers_proposed=len(proposed))
    return run


def fail_run(sessions: sessionmaker, run_id: int, exc: BaseException, *, claimed: bool = False,
             task_id: str | None = None, retry_seconds: float = planning.FAIL_RETRY_SECONDS,
             sleep: Callable[[float], None] = time.sleep) -> None:
    """Mark the run failed with why. A start that had `claimed` it (as `task_id`) fails it only
    while it still has it: once the sweep sent it again, the run is the next start's.

    A run often fails because the database went away (restarted, its connection terminated), and
    recording that then failed too: the run read `running` until the sweep's 15 minutes (the
    fault campaign's PostgreSQL restarts left one so each time). So it waits for the database
    (`retry_while_database_away`) for up to `retry_seconds`."""
    def record() -> None:
        with sessions() as session, transaction(session):
            run = planning.get_run(session, run_id, lock=True)
            if not claimed or planning.owns(run, task_id):
                planning.mark_failed(run, f"{type(exc).__name__}: {exc}")

    retry_while_database_away(record, seconds=retry_seconds, sleep=sleep)


def run_now(sessions: sessionmaker, *, now: datetime | None = None, trigger: str = "cli",
            actor: str = ACTOR, propose: bool = True, progress: Progress | None = None) -> dict:
    """Create and execute a run in this process; returns its record as a dict."""
    with sessions() as session, transaction(session):
        run_id = planning.create_run(session, trigger=trigger, actor=actor).id
    run = execute_run(sessions, run_id, now=now, propose=propose, progress=progress)
    return run_summary(run)


def run_summary(run: planning.OptimizerRun) -> dict:
    return {"id": run.code, "status": run.status, "trigger": run.trigger, "stage": run.stage,
            "progress": run.progress, "as_of": run.as_of.isoformat() if run.as_of else None,
            "inputs_hash": run.inputs_hash, "solve_seconds": run.solve_seconds, **run.kpis(),
            "lines_changed": run.lines_changed, "lines_skipped": run.lines_skipped,
            "transfers_proposed": run.transfers_proposed, "error": run.error,
            "heartbeat_at": run.heartbeat_at.isoformat() if run.heartbeat_at else None,
            "heartbeat_age_seconds": run.heartbeat_age, "requeued": run.requeued or 0}


def list_runs(session: Session, limit: int = 50, *,
              running_after: timedelta = planning.STALLED_RUNNING) -> list[dict]:
    """The latest runs for the HQ page: summary plus when each started, and what beat's sweep
    does to one running silent over `running_after` (`planning.silent_outcome`)."""
    return [{**run_summary(run), "started_at": run.started_at or run.created_at,
             "silent_outcome": planning.silent_outcome(run, running_after=running_after)}
            for run in planning.list_runs(session, limit=limit)]


def open_line_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(RequisitionLine).join(Requisition)
                          .where(Requisition.status.in_(OPEN_STATUSES)))
