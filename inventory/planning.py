"""Records of optimizer runs (夜间配件调拨优化): status, progress, inputs, KPIs, shard results;
and of stock plans (库存计划): each plan's figures and its base-stock level per warehouse and sku.

A run is written by whoever executes it (CLI, Celery tasks, simulation), keyed by run id, so
a task that is retried after a crash rewrites the same rows instead of adding new ones.
"""
from __future__ import annotations

import gzip
import json
from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, LargeBinary, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base, UTCDateTime, utcnow
from .errors import NotFound

RUN_STATUSES = ("queued", "running", "done", "failed")
BigId = BigInteger().with_variant(Integer, "sqlite")


class OptimizerRun(Base):
    __tablename__ = "optimizer_run"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    status: Mapped[str] = mapped_column(String(12), default="queued")
    trigger: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
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
    error: Mapped[str | None] = mapped_column(Text)

    @property
    def code(self) -> str:
        return f"OR{self.id:06d}"

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


def parse_run_code(code: str) -> int | None:
    if isinstance(code, str) and code.startswith("OR") and code[2:].isdigit() and len(code) <= 20:
        return int(code[2:])
    return None


def create_run(session: Session, *, trigger: str, actor: str, shards: int = 1) -> OptimizerRun:
    run = OptimizerRun(trigger=trigger, created_by=actor, created_at=utcnow(), shards=max(1, int(shards)))
    session.add(run)
    session.flush()
    return run


def get_run(session: Session, code_or_id, *, lock: bool = False) -> OptimizerRun:
    run_id = code_or_id if isinstance(code_or_id, int) else parse_run_code(code_or_id)
    stmt = select(OptimizerRun).where(OptimizerRun.id == (run_id or -1)).execution_options(populate_existing=True)
    run = session.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()
    if run is None:
        raise NotFound(f"no optimizer run {code_or_id}")
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
        raise NotFound(f"optimizer run {run_id} has no stored input")
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


class StockPlanRecord(Base):
    """One stock plan (`optimizer.stock_plan`): the budget it placed and what the model expects."""

    __tablename__ = "stock_plan"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    budget: Mapped[float] = mapped_column(Float)
    stock_value: Mapped[float] = mapped_column(Float)
    expected_on_time_rate: Mapped[float] = mapped_column(Float)
    upper_bound_rate: Mapped[float] = mapped_column(Float)
    gap: Mapped[float] = mapped_column(Float)
    seconds: Mapped[float] = mapped_column(Float)
    forecast_units_per_day: Mapped[float] = mapped_column(Float)

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
