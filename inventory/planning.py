"""Records of optimizer runs (夜间配件调拨优化): status, progress, inputs, KPIs, shard results;
of stock plans (库存计划): each plan's figures and its base-stock level per warehouse and sku;
and of the runs that make plans on request (HQ on the web or API, the weekly job). The reads
HQ decides with (plans, totals per warehouse, levels) are here too, with money in Decimal.

A run is written by whoever executes it (CLI, Celery tasks, simulation), keyed by run id, so
a task that is retried after a crash rewrites the same rows instead of adding new ones.
"""
from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import (BigInteger, Float, ForeignKey, Integer, LargeBinary, String, Text, delete, func, select,
                        type_coerce, update)
from sqlalchemy.orm import Mapped, Session, mapped_column

from . import audit
from .catalog import Part
from .db import CENT, Base, Money, UTCDateTime, utcnow
from .errors import Conflict, InvalidInput, NotFound
from .network import Warehouse
from .policy import BUDGET_TEXT, MAX_BUDGET  # noqa: F401 - BUDGET_TEXT is read from here too

RUN_STATUSES = ("queued", "running", "done", "failed")
BigId = BigInteger().with_variant(Integer, "sqlite")
FIRST = -1  # a column's sort_order: before those of the class


class _RunRow:
    """What an optimizer run and a stock plan run both record: who asked and how, queued ->
    running -> done or failed (with the error), the task message that started it (`claim`), when
    the start running it last showed life (`heartbeat_at`) and how often the sweep re-sent it
    (`requeue_stalled`). FIRST: these columns before the run's own, as the migrations made the tables."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True, sort_order=FIRST)
    status: Mapped[str] = mapped_column(String(12), default="queued", sort_order=FIRST)
    trigger: Mapped[str] = mapped_column(String(16), sort_order=FIRST)
    created_by: Mapped[str] = mapped_column(String(64), sort_order=FIRST)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, sort_order=FIRST)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, sort_order=FIRST)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, sort_order=FIRST)
    error: Mapped[str | None] = mapped_column(Text)
    task_id: Mapped[str | None] = mapped_column(String(64))      # the task message that started it (`claim`)
    requeued: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # times the sweep re-sent it
    requeued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the running start's last sign of life

    @property
    def heartbeat_age(self) -> float | None:
        """Seconds since the start running it last showed life; None unless running."""
        last = self.heartbeat_at or self.started_at
        if self.status != "running" or last is None:
            return None
        return round(max(0.0, (utcnow() - last).total_seconds()), 1)


class OptimizerRun(_RunRow, Base):
    __tablename__ = "optimizer_run"
    as_of: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stage: Mapped[str] = mapped_column(String(40), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    shards: Mapped[int] = mapped_column(Integer, default=1)
    inputs_hash: Mapped[str | None] = mapped_column(String(64))
    kpis_before: Mapped[str | None] = mapped_column(Text)
    kpis_after: Mapped[str | None] = mapped_column(Text)
    solve_seconds: Mapped[float | None] = mapped_column(Float)
    lines_changed: Mapped[int] = mapped_column(Integer, default=0)
    lines_skipped: Mapped[int] = mapped_column(Integer, default=0)
    transfers_proposed: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def code(self) -> str:
        return format_run_code(self.id)

    def kpis(self) -> dict:
        return {"before": json.loads(self.kpis_before or "null"), "after": json.loads(self.kpis_after or "null")}


class OptimizerRunInput(Base):
    """The snapshot a run solved (gzip JSON), so shards on other machines solve the same data."""

    __tablename__ = "optimizer_run_input"
    run_id: Mapped[int] = mapped_column(ForeignKey("optimizer_run.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class OptimizerShardResult(Base):
    """One shard's allocations; written once per (run, shard), so a retried shard overwrites."""

    __tablename__ = "optimizer_shard_result"
    run_id: Mapped[int] = mapped_column(ForeignKey("optimizer_run.id", ondelete="CASCADE"), primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True)
    allocations: Mapped[str] = mapped_column(Text)
    solve_seconds: Mapped[float] = mapped_column(Float)


def format_run_code(number: int) -> str:
    return f"OR{number:06d}"


def parse_run_code(code: str) -> int | None:
    """`OR000042` -> 42; None for anything else."""
    return _parse(code, "OR")


def create_run(session: Session, *, trigger: str, actor: str, shards: int = 1) -> OptimizerRun:
    run = OptimizerRun(trigger=trigger, created_by=actor, created_at=utcnow(), shards=max(1, int(shards)))
    session.add(run)
    session.flush()
    return run


def get_run(session: Session, code_or_id, *, lock: bool = False) -> OptimizerRun:
    return _run_by_code(session, OptimizerRun, parse_run_code, code_or_id, lock, "optimizer run",
                        "optimizer_run.not_found")


def _run_by_code(session: Session, model, parse, code_or_id, lock: bool, what: str, code: str):
    """A run row by its code or id, fresh from the database (locked when asked); NotFound otherwise."""
    run_id = code_or_id if isinstance(code_or_id, int) else parse(code_or_id)
    stmt = select(model).where(model.id == (run_id or -1)).execution_options(populate_existing=True)
    run = session.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()
    if run is None:
        raise NotFound(f"no {what} {code_or_id}", code=code, run=code_or_id)
    return run


def list_runs(session: Session, *, limit: int = 50) -> list[OptimizerRun]:
    return list(session.scalars(select(OptimizerRun).order_by(OptimizerRun.id.desc()).limit(limit)))


def store_input(session: Session, run_id: int, document: dict) -> None:
    blob = gzip.compress(json.dumps(document, separators=(",", ":")).encode(), compresslevel=3)
    row = session.get(OptimizerRunInput, run_id)
    if row is None:
        session.add(OptimizerRunInput(run_id=run_id, data=blob))
    else:
        row.data = blob


def load_input(session: Session, run_id: int) -> dict:
    row = session.get(OptimizerRunInput, run_id)
    if row is None:
        raise NotFound(f"optimizer run {run_id} has no stored input", code="optimizer_run.no_input", run=run_id)
    return json.loads(gzip.decompress(row.data))


def store_shard(session: Session, run_id: int, shard: int, allocations: list, seconds: float) -> None:
    row = session.get(OptimizerShardResult, (run_id, shard))
    text = json.dumps(allocations, separators=(",", ":"))
    if row is None:
        session.add(OptimizerShardResult(run_id=run_id, shard=shard, allocations=text, solve_seconds=seconds))
    else:
        row.allocations, row.solve_seconds = text, seconds


def shard_results(session: Session, run_id: int) -> list[OptimizerShardResult]:
    return list(session.scalars(select(OptimizerShardResult).where(OptimizerShardResult.run_id == run_id)
                                .order_by(OptimizerShardResult.shard)))


# A run's status moves only through these (queued -> running -> done | failed), whoever executes
# it: the CLI, the Celery tasks, the API when the queue is down. The caller holds the row locked.

def owns(run, task_id: str | None) -> bool:
    """Whether the start under `task_id` (None: the CLI's) still has `run`: running under that
    message. A start the sweep gave up on (`requeue_stalled`: no heartbeat) has lost it, to the
    queue or to the message sent again, and must keep, apply or fail nothing; a run done is done."""
    return run.status == "running" and run.task_id == task_id


def record_heartbeat(session: Session, model, run_id: int, task_id: str | None, now: datetime | None = None) -> bool:
    """The start under `task_id` still works on run `run_id` (a long solve): whether it still has it.
    One UPDATE, no lock taken first (a row locked by its own apply waits, then finds it done)."""
    same_start = model.task_id.is_(None) if task_id is None else model.task_id == task_id
    result = session.execute(update(model).where(model.id == run_id, model.status == "running", same_start)
                             .values(heartbeat_at=now or utcnow()).execution_options(synchronize_session=False))
    return result.rowcount == 1


def claim(run, task_id: str | None) -> bool:
    """Whether this start of `run` (an optimizer or stock plan run, locked by the caller) may go
    on. A queued run is taken by the start, recorded as its `task_id` (the task message's id;
    None when the CLI runs it). A running run goes on only under the message that took it: that
    message redelivered after its worker died (acks_late). Any other start finds the run taken or
    finished and does nothing: a second message for the same run (the stall sweep re-sent it while
    the first waited behind a busy worker) never runs it twice."""
    if run.status == "queued":
        run.task_id = task_id
        return True
    return run.status == "running" and task_id is not None and run.task_id == task_id


def mark_running(run: OptimizerRun, *, as_of: datetime, inputs_hash: str) -> None:
    """The snapshot is taken: solving starts."""
    run.status, run.stage, run.progress, run.started_at, run.as_of = "running", "solving", 0.2, utcnow(), as_of
    run.inputs_hash, run.heartbeat_at = inputs_hash, run.started_at


def mark_plan_running(run: "StockPlanRun") -> None:
    """A stock plan run taken by its start: reading and solving start."""
    run.status, run.started_at, run.error = "running", utcnow(), None
    run.heartbeat_at = run.started_at


def mark_shard_solved(run: OptimizerRun, done: int, shards: int) -> None:
    """Progress of a sharded run: the solve is 0.2 to 0.8 of it."""
    run.progress, run.stage = 0.2 + 0.6 * done / shards, f"solved {done}/{shards} shards"
    run.heartbeat_at = utcnow()


def mark_done(run: OptimizerRun, *, kpis_before: dict, kpis_after: dict, solve_seconds: float, lines_changed: int,
              lines_skipped: int, transfers_proposed: int) -> None:
    run.kpis_before, run.kpis_after = json.dumps(kpis_before), json.dumps(kpis_after)
    run.solve_seconds, run.lines_changed, run.lines_skipped = solve_seconds, lines_changed, lines_skipped
    run.transfers_proposed = transfers_proposed
    run.status, run.stage, run.progress, run.finished_at = "done", "done", 1.0, utcnow()


def mark_failed(run: OptimizerRun, error: str) -> None:
    """Failed, with why; a run already done stays done (a late failure of a redelivered task)."""
    if run.status != "done":
        run.status, run.stage, run.finished_at = "failed", "failed", utcnow()
        run.error = error[:2000]


class StockPlanRecord(Base):
    """One stock plan (`optimizer.stock_plan`): the budget asked for (a year's average stock),
    what it placed this week (`placed_budget`: the week's share, self-corrected; None for plans
    kept before it was recorded), what the model expects, and the stock HQ held above every
    level of the last plan (`excess_value`, which the budget year's later plans add up), and the
    stock held that the self-correction ran on (`held_value`: later plans compare it with what
    the plan before expected, `held_ratio`)."""

    __tablename__ = "stock_plan"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    budget: Mapped[Decimal] = mapped_column(Money)
    placed_budget: Mapped[Decimal | None] = mapped_column(Money)
    stock_value: Mapped[Decimal] = mapped_column(Money)
    expected_on_time_rate: Mapped[float] = mapped_column(Float)
    upper_bound_rate: Mapped[float] = mapped_column(Float)
    gap: Mapped[float] = mapped_column(Float)
    seconds: Mapped[float] = mapped_column(Float)
    forecast_units_per_day: Mapped[float] = mapped_column(Float)
    excess_value: Mapped[Decimal | None] = mapped_column(Money)
    held_value: Mapped[Decimal | None] = mapped_column(Money)

    @property
    def code(self) -> str:
        return f"SP{self.id:06d}"


class StockTarget(Base):
    """A plan's base-stock level for one (warehouse, sku); `keep` is what HQ holds back from
    transfers for its own points (0 elsewhere, and for HQ's reserve, which refills the others)."""

    __tablename__ = "stock_target"
    plan_id: Mapped[int] = mapped_column(ForeignKey("stock_plan.id", ondelete="CASCADE"), primary_key=True)
    warehouse_code: Mapped[str] = mapped_column(ForeignKey("warehouse.code"), primary_key=True)
    sku: Mapped[str] = mapped_column(ForeignKey("part.sku"), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    keep: Mapped[int] = mapped_column(Integer, default=0)


def latest_plan(session: Session) -> StockPlanRecord | None:
    return session.scalar(select(StockPlanRecord).order_by(StockPlanRecord.id.desc()).limit(1))


def list_plans(session: Session, *, limit: int = 20) -> list[StockPlanRecord]:
    return list(session.scalars(select(StockPlanRecord).order_by(StockPlanRecord.id.desc()).limit(limit)))


def targets_of(session: Session, plan_id: int) -> list[StockTarget]:
    return list(session.scalars(select(StockTarget).where(StockTarget.plan_id == plan_id)))


# -- plan runs: a plan asked for now, made by a task ------------------------------------------

STALE_RUN = timedelta(hours=6)          # a run queued or running this long has died; it blocks no new one


class StockPlanRun(_RunRow, Base):
    """A request for a stock plan and how it went: queued, running, done (with its plan and the
    purchase orders it proposed) or failed (with the error). `budget` None: the policy's."""

    __tablename__ = "stock_plan_run"
    budget: Mapped[Decimal | None] = mapped_column(Money)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("stock_plan.id", ondelete="SET NULL"))
    purchase_orders_proposed: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def code(self) -> str:
        return f"SPR{self.id:06d}"

    @property
    def plan_code(self) -> str | None:
        return None if self.plan_id is None else f"SP{self.plan_id:06d}"


def _parse(code, prefix: str) -> int | None:
    match = re.fullmatch(prefix + r"(\d{1,15})", code) if isinstance(code, str) else None
    return int(match.group(1)) if match else None


def parse_plan_code(code: str) -> int | None:
    """`SP000012` -> 12; None for anything else."""
    return _parse(code, "SP")


def parse_plan_run_code(code: str) -> int | None:
    """`SPR000003` -> 3; None for anything else."""
    return _parse(code, "SPR")


def check_budget(budget: Decimal | None) -> Decimal | None:
    """A budget HQ may ask for: positive RMB, at most `MAX_BUDGET`, in cents."""
    if budget is None:
        return None
    if not isinstance(budget, Decimal) or not budget.is_finite() or not 0 < budget <= MAX_BUDGET:
        raise InvalidInput(f"a budget must be more than 0.00 and at most {MAX_BUDGET:,} RMB", code="plan.budget_out_of_range",
                           field="budget", most=f"{MAX_BUDGET:,}")
    return budget.quantize(CENT, rounding=ROUND_HALF_UP)


def busy_run(session: Session, now: datetime) -> StockPlanRun | None:
    """A run queued or running (and not stale): a plan is being made already."""
    return session.scalar(select(StockPlanRun).where(StockPlanRun.status.in_(("queued", "running")),
                                                     StockPlanRun.created_at > now - STALE_RUN)
                          .order_by(StockPlanRun.id.desc()).limit(1))


def request_plan(session: Session, *, actor: str, trigger: str, budget: Decimal | None = None,
                 now: datetime | None = None) -> StockPlanRun:
    """Record a run for a new plan under `budget` (audited). Refused while another plan is being
    made: a national plan takes minutes and gigabytes, and two at once would only race."""
    now = now or utcnow()
    budget = check_budget(budget)
    running = busy_run(session, now)
    if running is not None:
        raise Conflict(f"stock plan run {running.code} is {running.status}; wait for it to finish",
                       code="plan.run_busy", run=running.code, status=running.status)
    run = StockPlanRun(trigger=trigger, created_by=actor, created_at=now, budget=budget)
    session.add(run)
    session.flush()
    audit.record(session, actor, "stock_plan.request", run.code, budget=budget, trigger=trigger)
    return run


def get_plan_run(session: Session, code_or_id, *, lock: bool = False) -> StockPlanRun:
    return _run_by_code(session, StockPlanRun, parse_plan_run_code, code_or_id, lock, "stock plan run",
                        "stock_plan_run.not_found")


def plan_run_page(session: Session, *, offset: int = 0, limit: int = 10) -> tuple[list[StockPlanRun], int]:
    """Plan runs newest first, one page of them, and how many there are."""
    total = session.scalar(select(func.count()).select_from(StockPlanRun))
    runs = session.scalars(select(StockPlanRun).order_by(StockPlanRun.id.desc()).offset(offset).limit(limit))
    return list(runs), total


# -- runs whose task message was lost, or whose worker died -------------------------------------

REQUEUE_AFTER = timedelta(minutes=10)   # queued this long since asked for (or last re-sent): its message was lost
HEARTBEAT_EVERY = timedelta(seconds=30)  # a running start's heartbeat while it solves (optimizer.heartbeat)
STALLED_RUNNING = timedelta(minutes=15)  # running this long without a heartbeat: its worker died
FAIL_RETRY_SECONDS = 60.0               # recording a run failed waits this long for a database that went away


@dataclass(frozen=True)
class Stalled:
    """What one sweep found: runs whose task is to be sent again (ids), stock plan runs given up
    on (codes), and which of the runs sent again had been running when their worker died (codes)."""

    optimizer_runs: list[int]
    plan_runs: list[int]
    abandoned: list[str]
    silent: tuple[str, ...] = ()


def _locked(session: Session, model, *where) -> list:
    return list(session.scalars(select(model).where(*where).order_by(model.id)
                                .with_for_update(skip_locked=True).execution_options(populate_existing=True)))


def _stalled(session: Session, model, cutoff: datetime) -> list:
    since_asked = (model.requeued_at.is_(None) & (model.created_at < cutoff)) | (model.requeued_at < cutoff)
    return _locked(session, model, model.status == "queued", since_asked)


def _silent(session: Session, model, cutoff: datetime) -> list:
    """Runs running with no sign of life since `cutoff` (rows from before heartbeats: since started)."""
    last = func.coalesce(model.heartbeat_at, model.started_at, model.created_at)
    return _locked(session, model, model.status == "running", last < cutoff)


def _back_to_queue(session: Session, run) -> None:
    """A running run whose start died goes back to the queue, as it was asked for: its next start
    snapshots afresh (`as_of` cleared), and a sharded one solves all its shards again."""
    run.status = "queued"
    if isinstance(run, OptimizerRun):
        run.stage, run.progress, run.as_of, run.inputs_hash = "queued", 0.0, None, None
        session.execute(delete(OptimizerShardResult).where(OptimizerShardResult.run_id == run.id))


def _given_up(run, now: datetime) -> bool:
    """A stock plan run asked for over `STALE_RUN` ago blocks no new plan and may have a newer one
    after it: the sweep fails it rather than make it now."""
    return isinstance(run, StockPlanRun) and run.created_at <= now - STALE_RUN


def silent_outcome(run, *, running_after: timedelta = STALLED_RUNNING, now: datetime | None = None) -> str | None:
    """What beat's sweep (`requeue_stalled`) does to `run` as it stands: "requeue" when it is
    running with no heartbeat for over `running_after` (back to queued, its task sent again), "fail"
    when such a run is a stock plan run asked for over `STALE_RUN` ago; None while it beats, or is
    not running."""
    age = run.heartbeat_age
    if age is None or age <= running_after.total_seconds():
        return None
    return "fail" if _given_up(run, now or utcnow()) else "requeue"


def requeue_stalled(session: Session, *, now: datetime | None = None, after: timedelta = REQUEUE_AFTER,
                    running_after: timedelta = STALLED_RUNNING) -> Stalled:
    """Optimizer and stock plan runs still queued `after` since they were asked for or last
    re-sent: nothing started them, so their task message was lost (a broker without persistence,
    or restarted). And runs `running` with no heartbeat for `running_after`: the worker running
    them died and its message never came back (lost unacknowledged, or a visibility timeout
    longer than anyone waits); they go back to `queued`. Each is counted as re-sent (`requeued`,
    `requeued_at`) for the caller to send its task again once this commits; a run whose message is
    only waiting behind a busy worker gets a second message, and whichever comes second finds it
    taken (`claim`); a start that was only slow finds it no longer its own (`owns`) and applies
    nothing. Rows a start holds locked this moment (claiming, or applying) are skipped. A stock
    plan run created past `STALE_RUN` ago already blocks no new plan and may have a newer one
    after it: it is failed, not made now. Caller owns the transaction."""
    now = now or utcnow()
    cutoff = now - after
    optimizer_runs = _stalled(session, OptimizerRun, cutoff)
    plan_runs = _stalled(session, StockPlanRun, cutoff)
    silent_cutoff = now - running_after
    silent = _silent(session, OptimizerRun, silent_cutoff) + _silent(session, StockPlanRun, silent_cutoff)
    abandoned = []
    for run in plan_runs + silent:
        if _given_up(run, now):
            run.error = (f"its task was lost and it stayed queued over {STALE_RUN}" if run.status == "queued" else
                         f"its worker stopped: running with no heartbeat for over {running_after}, and asked "
                         f"for over {STALE_RUN} ago") + "; ask for a plan again"
            run.status, run.finished_at = "failed", now
            abandoned.append(run.code)
    for run in silent:
        if run.status == "running":
            _back_to_queue(session, run)
            (optimizer_runs if isinstance(run, OptimizerRun) else plan_runs).append(run)
    optimizer_runs, plan_runs = ([r for r in runs if r.status == "queued"] for runs in (optimizer_runs, plan_runs))
    for run in optimizer_runs + plan_runs:
        run.requeued, run.requeued_at = (run.requeued or 0) + 1, now
    return Stalled([r.id for r in optimizer_runs], [r.id for r in plan_runs], abandoned,
                   tuple(r.code for r in silent if r.status == "queued"))


# -- what HQ reads of the plans ------------------------------------------------------------

@dataclass(frozen=True)
class PlanFigures:
    """One plan as HQ decides with it."""

    id: int
    code: str
    created_at: datetime
    created_by: str
    budget: Decimal
    placed_budget: Decimal | None
    stock_value: Decimal
    expected_on_time_rate: float
    upper_bound_rate: float
    gap: float
    seconds: float
    forecast_units_per_day: float
    target_count: int | None = None


@dataclass(frozen=True)
class WarehouseTotal:
    """What a plan has one warehouse hold: skus with a level, units, value at today's cost."""

    warehouse: str
    name: str
    kind: str
    skus: int
    units: int
    value: Decimal


@dataclass(frozen=True)
class TargetRow:
    warehouse: str
    sku: str
    name: str
    level: int
    keep: int
    unit_cost: Decimal
    value: Decimal


def rmb(amount: float) -> Decimal:
    """A float amount of RMB (as the placement computes it) to Decimal cents, explicitly."""
    return Decimal(repr(float(amount))).quantize(CENT, rounding=ROUND_HALF_UP)


def _figures(record: StockPlanRecord, count: int | None) -> PlanFigures:
    return PlanFigures(record.id, record.code, record.created_at, record.created_by, record.budget,
                       record.placed_budget, record.stock_value, record.expected_on_time_rate, record.upper_bound_rate, record.gap,
                       record.seconds, record.forecast_units_per_day, count)


def _target_counts(session: Session, plan_ids: list[int]) -> dict[int, int]:
    if not plan_ids:
        return {}
    return dict(session.execute(select(StockTarget.plan_id, func.count()).where(StockTarget.plan_id.in_(plan_ids))
                                .group_by(StockTarget.plan_id)).all())


def plan_history(session: Session, *, offset: int = 0, limit: int = 50,
                 counted: bool = True) -> tuple[list[PlanFigures], int]:
    """Plans newest first, one page of them, and how many there are; `counted` adds each plan's
    number of target rows (a count over the page's plans only)."""
    total = session.scalar(select(func.count()).select_from(StockPlanRecord))
    records = list(session.scalars(select(StockPlanRecord).order_by(StockPlanRecord.id.desc())
                                   .offset(offset).limit(limit)))
    counts = _target_counts(session, [r.id for r in records]) if counted else {}
    return [_figures(r, counts.get(r.id, 0) if counted else None) for r in records], total


def plan_figures(session: Session, code_or_id) -> PlanFigures:
    """One plan by its code (`SP000012`) or id; NotFound otherwise."""
    plan_id = code_or_id if isinstance(code_or_id, int) else parse_plan_code(code_or_id)
    record = session.get(StockPlanRecord, plan_id) if plan_id else None
    if record is None:
        raise NotFound(f"no stock plan {code_or_id}", code="stock_plan.not_found", plan=code_or_id)
    return _figures(record, _target_counts(session, [record.id]).get(record.id, 0))


def _cents(column):
    return type_coerce(column, BigInteger())


def warehouse_totals(session: Session, plan_id: int) -> list[WarehouseTotal]:
    """Per warehouse the plan holds stock in: skus, units and value at cost, by warehouse code."""
    rows = session.execute(
        select(Warehouse.code, Warehouse.name, Warehouse.kind, func.count(), func.sum(StockTarget.level),
               func.sum(StockTarget.level * _cents(Part.unit_cost)))
        .join(Warehouse, Warehouse.code == StockTarget.warehouse_code).join(Part, Part.sku == StockTarget.sku)
        .where(StockTarget.plan_id == plan_id, StockTarget.level > 0)
        .group_by(Warehouse.code, Warehouse.name, Warehouse.kind).order_by(Warehouse.code)).all()
    return [WarehouseTotal(code, name, kind, skus, int(units or 0), (Decimal(int(cents or 0)) / 100).quantize(CENT))
            for code, name, kind, skus, units, cents in rows]


def target_rows(session: Session, plan_id: int, *, warehouse: str | None = None, sku: str | None = None,
                offset: int = 0, limit: int = 50) -> tuple[list[TargetRow], int]:
    """A page of a plan's levels by warehouse and sku, and how many match. `warehouse` is a code;
    `sku` matches any part of the sku, ignoring case."""
    where = [StockTarget.plan_id == plan_id]
    if warehouse:
        where.append(StockTarget.warehouse_code == warehouse)
    if sku:
        where.append(func.upper(StockTarget.sku).contains(sku.upper(), autoescape=True))
    total = session.scalar(select(func.count()).select_from(StockTarget).where(*where))
    rows = session.execute(
        select(StockTarget.warehouse_code, StockTarget.sku, Part.name, StockTarget.level, StockTarget.keep,
               Part.unit_cost)
        .join(Part, Part.sku == StockTarget.sku).where(*where)
        .order_by(StockTarget.warehouse_code, StockTarget.sku).offset(offset).limit(limit)).all()
    return [TargetRow(w, s, name, level, keep, cost, cost * level) for w, s, name, level, keep, cost in rows], total
