"""The nightly re-plan on the database: snapshot -> Instance -> solve -> apply, recorded as a run.

The snapshot is read in one short transaction; the solve happens outside any transaction; the
plan is applied in one transaction that moves reservations only for lines whose reservations
are still exactly as snapshotted (anything shipped, cancelled or re-reserved meanwhile is
left alone and counted as skipped). A plan that is not strictly better than what is already
reserved is not applied at all, so re-running on unchanged data changes nothing.
"""
from __future__ import annotations

import hashlib
import json
import math
import zlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from time import perf_counter

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from inventory import planning
from inventory.db import transaction, utcnow
from inventory.errors import InsufficientStock
from inventory.network import Lane
from inventory.policy import Policy, load_policy
from inventory.requisitions.models import Allocation, Requisition, RequisitionEvent, RequisitionLine
from inventory.requisitions.service import refresh_status
from inventory.warehouses import ledger
from inventory.warehouses.models import StockBalance

from .allocate import solve
from .check import check_plan
from .instance import Instance, Plan, parse_instance

OPEN_STATUSES = ("allocated", "partially_backordered", "backordered")
Progress = Callable[[str, float], None]
ACTOR = "system:optimizer"
ID_CHUNK = 10_000


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
    document (OPTIMIZER.md) plus `current`: what each line has reserved where right now."""
    lines = session.execute(
        select(RequisitionLine.id, RequisitionLine.sku, RequisitionLine.qty, RequisitionLine.promised_by,
               Requisition.service_point_code, Requisition.created_at, Requisition.ticket)
        .join(Requisition, Requisition.id == RequisitionLine.requisition_id)
        .where(Requisition.status.in_(OPEN_STATUSES))).all()
    allocations = session.execute(
        select(Allocation.line_id, Allocation.warehouse_code, Allocation.qty, Allocation.status)
        .join(RequisitionLine, RequisitionLine.id == Allocation.line_id)
        .join(Requisition, Requisition.id == RequisitionLine.requisition_id)
        .where(Requisition.status.in_(OPEN_STATUSES), Allocation.status != "released")).all()
    gone: dict[int, int] = defaultdict(int)
    current: dict[int, dict[str, int]] = defaultdict(dict)
    for line_id, warehouse, qty, status in allocations:
        if status == "reserved":
            current[line_id][warehouse] = current[line_id].get(warehouse, 0) + qty
        else:
            gone[line_id] += qty
    open_lines, reserved_by_lines = [], defaultdict(int)
    for line_id, sku, qty, promised_by, point, accepted, ticket in lines:
        open_qty = qty - gone[line_id]
        if open_qty <= 0:
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
        for warehouse, sku, on_hand, reserved in session.execute(
                select(StockBalance.warehouse_code, StockBalance.sku, StockBalance.on_hand, StockBalance.reserved)
                .where(StockBalance.sku.in_(skus) if len(skus) < 5000 else StockBalance.on_hand > 0)):
            if sku not in skus:
                continue
            free = on_hand - reserved + reserved_by_lines.get((warehouse, sku), 0)
            if free > 0:
                stock.append({"warehouse": warehouse, "sku": sku, "qty": free})
    lanes = [{"from": f, "to": t, "hours": h, "unit_cost": str(c)} for f, t, h, c in session.execute(
        select(Lane.from_code, Lane.to_code, Lane.hours, Lane.unit_cost).where(Lane.to_kind == "service_point"))
        if t in points]
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


@dataclass
class Applied:
    changed: int = 0
    skipped: int = 0


def apply_plan(session: Session, document: dict, allocations: list[dict], *, now: datetime,
               run_code: str, actor: str = ACTOR) -> Applied:
    """Move reservations to the plan for lines still as snapshotted. Caller owns the transaction."""
    target: dict[str, dict[str, int]] = defaultdict(dict)
    for a in allocations:
        target[a["line"]][a["warehouse"]] = target[a["line"]].get(a["warehouse"], 0) + a["qty"]
    current = document["current"]
    meta = {line["id"]: line for line in document["lines"]}
    changed_ids = [lid for lid in meta if target.get(lid, {}) != current.get(lid, {})]
    result = Applied()
    if not changed_ids:
        return result
    lines = {}
    ids = [int(i) for i in changed_ids]
    for start in range(0, len(ids), ID_CHUNK):  # PostgreSQL takes at most 65,535 parameters
        lines.update((str(line.id), line) for line in session.scalars(
            select(RequisitionLine).where(RequisitionLine.id.in_(ids[start:start + ID_CHUNK]))
            .options(selectinload(RequisitionLine.allocations), selectinload(RequisitionLine.requisition))
            .execution_options(populate_existing=True)))
    ledger.lock_balances(session, {(w, meta[lid]["sku"]) for lid in changed_ids
                                   for w in set(target.get(lid, {})) | set(current.get(lid, {}))})
    lanes = dict(((f, t), (h, c)) for f, t, h, c in session.execute(
        select(Lane.from_code, Lane.to_code, Lane.hours, Lane.unit_cost)
        .where(Lane.to_code.in_({meta[lid]["service_point"] for lid in changed_ids}))))
    moves = []
    for lid in changed_ids:
        line = lines.get(lid)
        if line is None or not _still_as_snapshotted(line, current.get(lid, {}), meta[lid]["qty"]):
            result.skipped += 1
            continue
        moves.append((line, current.get(lid, {}), target.get(lid, {})))
    ref_of = lambda line: ledger.Ref("requisition", line.requisition.code)  # noqa: E731
    for line, have, want in moves:  # release first, so swapped stock is free for the other line
        for allocation in line.allocations:
            if allocation.status == "reserved" and have.get(allocation.warehouse_code) != want.get(allocation.warehouse_code):
                ledger.release(session, allocation.warehouse_code, line.sku, allocation.qty, actor=actor,
                               reason=f"re-planned by {run_code}", ref=ref_of(line))
                allocation.status = "released"
    for line, have, want in moves:
        for warehouse, qty in sorted(want.items()):
            if have.get(warehouse) == qty:
                continue
            qty = _reserve_up_to(session, warehouse, line.sku, qty, actor, run_code, ref_of(line))
            if qty:
                hours, cost = lanes[(warehouse, line.requisition.service_point_code)]
                line.allocations.append(Allocation(
                    warehouse_code=warehouse, qty=qty, status="reserved", promised_by=line.promised_by,
                    eta=now + _hours(hours), lane_hours=hours, unit_cost=cost, created_at=now))
        reserved = sum(a.qty for a in line.allocations if a.status == "reserved")
        line.backordered_qty = line.qty - reserved - sum(a.qty for a in line.allocations
                                                         if a.status in ("shipped", "delivered"))
        refresh_status(line.requisition)
        session.add(RequisitionEvent(requisition_id=line.requisition_id, at=now, kind="replanned", actor=actor,
                                     detail=json.dumps({"run": run_code, "sku": line.sku, "from": have, "to": want})))
        result.changed += 1
    session.flush()
    return result


def _hours(hours: int):
    from datetime import timedelta

    return timedelta(hours=hours)


def _still_as_snapshotted(line: RequisitionLine, snapshotted: dict[str, int], open_qty: int) -> bool:
    reserved: dict[str, int] = defaultdict(int)
    gone = 0
    for a in line.allocations:
        if a.status == "reserved":
            reserved[a.warehouse_code] += a.qty
        elif a.status in ("shipped", "delivered"):
            gone += a.qty
    return (dict(reserved) == snapshotted and line.qty - gone == open_qty
            and line.requisition.cancelled_at is None)


def _reserve_up_to(session, warehouse, sku, qty, actor, run_code, ref) -> int:
    """Reserve the planned units, or as many as are still there (someone took some meanwhile)."""
    try:
        ledger.reserve(session, warehouse, sku, qty, actor=actor, reason=f"planned by {run_code}", ref=ref)
        return qty
    except InsufficientStock:
        left = ledger.available(session, warehouse, sku)
        if left > 0:
            ledger.reserve(session, warehouse, sku, min(left, qty), actor=actor, reason=f"planned by {run_code}", ref=ref)
        return max(0, min(left, qty))


def execute_run(sessions: sessionmaker, run_id: int, *, now: datetime | None = None, workers: int | None = None,
                propose: bool = True, progress: Progress | None = None) -> planning.OptimizerRun:
    """Snapshot, solve in this process, apply and record. A failure marks the run failed."""
    tick = progress or (lambda stage, fraction: None)
    try:
        document = take_snapshot(sessions, run_id, now=now, store=False)
        tick("solving", 0.3)
        allocations, seconds = solve_document(document, workers)
        tick("applying", 0.8)
        run = finish_run(sessions, run_id, document, allocations, seconds, propose=propose)
        tick("done", 1.0)
        return run
    except Exception as exc:
        fail_run(sessions, run_id, exc)
        raise


def take_snapshot(sessions: sessionmaker, run_id: int, *, now: datetime | None = None, store: bool) -> dict:
    """Read the snapshot in one short transaction and mark the run running."""
    with sessions() as session, transaction(session):
        run = planning.get_run(session, run_id, lock=True)
        now = now or run.as_of or utcnow()
        document = snapshot(session, now, load_policy(session))
        document["as_of"] = now.isoformat()
        run.status, run.stage, run.progress, run.started_at, run.as_of = "running", "solving", 0.2, utcnow(), now
        run.inputs_hash = inputs_hash(document)
        if store:
            planning.store_input(session, run_id, document)
    return document


def finish_run(sessions: sessionmaker, run_id: int, document: dict, allocations: list[dict], seconds: float,
               *, propose: bool = True) -> planning.OptimizerRun:
    """Apply the merged plan and record KPIs, once: a run already done is left as it is."""
    from datetime import datetime as dt

    from .targets import propose_transfers

    now = dt.fromisoformat(document["as_of"])
    with sessions() as session, transaction(session):
        run = planning.get_run(session, run_id, lock=True)
        if run.status == "done":
            return run
        instance = instance_of(document)
        before = kpis(instance, current_allocations(document))
        after = kpis(instance, allocations)
        better = Decimal(after["objective"]) > Decimal(before["objective"])
        with session.no_autoflush:  # the ledger's statements need no pending ORM rows flushed first
            applied = apply_plan(session, document, allocations, now=now, run_code=run.code) if better else Applied()
        proposed = propose_transfers(session, now=now, policy=load_policy(session), run_id=run.code) if propose else []
        run.kpis_before, run.kpis_after = json.dumps(before), json.dumps(after if better else before)
        run.solve_seconds, run.lines_changed, run.lines_skipped = seconds, applied.changed, applied.skipped
        run.transfers_proposed = len(proposed)
        run.status, run.stage, run.progress, run.finished_at = "done", "done", 1.0, utcnow()
    return run


def fail_run(sessions: sessionmaker, run_id: int, exc: BaseException) -> None:
    with sessions() as session, transaction(session):
        run = planning.get_run(session, run_id, lock=True)
        if run.status != "done":
            run.status, run.stage, run.finished_at = "failed", "failed", utcnow()
            run.error = f"{type(exc).__name__}: {exc}"[:2000]


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
            "transfers_proposed": run.transfers_proposed, "error": run.error}


def open_line_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(RequisitionLine).join(Requisition)
                          .where(Requisition.status.in_(OPEN_STATUSES)))
