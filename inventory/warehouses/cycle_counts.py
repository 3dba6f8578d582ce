"""Cycle counts (循环盘点): ABC classes by yearly value, a due list per warehouse, blind counts,
and HQ approval of variances beyond the tolerance.

Why this shape:
- A sku's class comes from what the network issued of it over the last 365 days times its
  unit cost (the ledger's `issue` rows), so fast, dear parts are counted most often: the skus
  making the top `cycle_count_a_share` of value are A, the next `cycle_count_b_share` B, the
  rest (and anything never issued) C. Each class has its interval in days (policy).
- A warehouse's due list holds the skus it has on hand or moved within the year, never
  counted there or last counted longer ago than their class interval; the most overdue come
  first and at most `cycle_count_daily_lines` go on one day's count, so a backlog spreads
  over the following days instead of landing on one clerk at once.
- A count is blind: nothing here returns the book quantity of an open count's line; it is
  read (and kept) only when the clerk submits. A variance within the tolerance (value and
  share of the book) is posted at once through `ledger.adjust_to_count`, in the submit's
  transaction; beyond it the line waits for HQ, whose approval posts the variance on the
  then-current book (stock may have moved since) and whose rejection asks for a recount
  (the sku is due again). Both decisions are audited.
Functions never commit: the caller's `transaction()` owns the change.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String,
                        UniqueConstraint, func, select)
from sqlalchemy.orm import Mapped, Session, mapped_column

from .. import audit
from ..catalog import Part
from ..db import Base, Money, UTCDateTime, to_money, utcnow
from ..errors import Conflict, InvalidInput, NotFound
from ..network import Warehouse
from ..policy import Policy
from . import ledger
from .models import StockBalance, StockMovement

BigId = BigInteger().with_variant(Integer, "sqlite")
CLASSES = ("A", "B", "C")
YEAR = timedelta(days=365)
MAX_COUNTED = 10_000_000  # the web forms' ceiling too: a typo of extra digits is refused, not posted

COUNT_STATUSES = ("counting", "submitted", "closed")
LINE_STATUSES = ("to_count", "posted", "awaiting_approval", "approved", "rejected")


class CycleCount(Base):
    """One day's count of a warehouse: counting (the clerk at the shelves) -> submitted (lines wait for HQ)
    -> closed (every line posted or decided)."""

    __tablename__ = "cycle_count"
    __table_args__ = (
        CheckConstraint("status in ('counting', 'submitted', 'closed')", name="status"),
        Index("ix_cycle_count_warehouse_status", "warehouse_code", "status"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    warehouse_code: Mapped[str] = mapped_column(ForeignKey("warehouse.code"))
    status: Mapped[str] = mapped_column(String(16), default="counting")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_by: Mapped[str | None] = mapped_column(String(64))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CycleCountLine(Base):
    """One sku on a count. `book`, `variance` and the money stay empty while the count is open
    (blind); `within_tolerance` is what the submit found, kept for the accuracy report."""

    __tablename__ = "cycle_count_line"
    __table_args__ = (
        CheckConstraint("status in ('to_count', 'posted', 'awaiting_approval', 'approved', 'rejected')",
                        name="status"),
        CheckConstraint("abc_class in ('A', 'B', 'C')", name="abc_class"),
        CheckConstraint("counted IS NULL OR counted >= 0", name="counted"),
        CheckConstraint("book IS NULL OR book >= 0", name="book"),
        UniqueConstraint("count_id", "sku", name="uq_cycle_count_line_count_sku"),
        Index("ix_cycle_count_line_status", "status"),
        Index("ix_cycle_count_line_sku", "sku"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    count_id: Mapped[int] = mapped_column(BigId, ForeignKey("cycle_count.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(ForeignKey("part.sku"))
    abc_class: Mapped[str] = mapped_column(String(1))
    status: Mapped[str] = mapped_column(String(20), default="to_count")
    counted: Mapped[int | None] = mapped_column(Integer)
    book: Mapped[int | None] = mapped_column(Integer)
    variance: Mapped[int | None] = mapped_column(Integer)
    unit_cost: Mapped[Decimal | None] = mapped_column(Money)
    variance_value: Mapped[Decimal | None] = mapped_column(Money)  # |variance| x unit cost
    within_tolerance: Mapped[bool | None] = mapped_column(Boolean)
    posted_delta: Mapped[int | None] = mapped_column(Integer)  # what the ledger wrote (0: nothing)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(String(200))


# -- ABC classes ---------------------------------------------------------------------------------

def yearly_values(session: Session, *, now: datetime | None = None) -> dict[str, Decimal]:
    """Every sku's value issued across the network over the 365 days to `now` (units x unit cost)."""
    now = now or utcnow()
    issued = dict(session.execute(
        select(StockMovement.sku, -func.sum(StockMovement.on_hand_delta))
        .where(StockMovement.kind == "issue", StockMovement.at > now - YEAR, StockMovement.at <= now)
        .group_by(StockMovement.sku)).all())
    return {sku: to_money(cost * int(issued.get(sku) or 0))
            for sku, cost in session.execute(select(Part.sku, Part.unit_cost))}


def abc_classes(session: Session, policy: Policy, *, now: datetime | None = None) -> dict[str, str]:
    """sku -> 'A' | 'B' | 'C'. Ranked by yearly value (ties by sku); a sku is A while the value
    ranked above it is under the A share of the total, B under A + B shares, else C."""
    values = yearly_values(session, now=now)
    total = sum(values.values(), Decimal("0"))
    a_cut = total * Decimal(policy.cycle_count_a_share)
    b_cut = total * (Decimal(policy.cycle_count_a_share) + Decimal(policy.cycle_count_b_share))
    classes, above = {}, Decimal("0")
    for sku, value in sorted(values.items(), key=lambda item: (-item[1], item[0])):
        if value <= 0:
            classes[sku] = "C"
        elif above < a_cut:
            classes[sku] = "A"
        elif above < b_cut:
            classes[sku] = "B"
        else:
            classes[sku] = "C"
        above += value
    return classes


def interval(policy: Policy, abc_class: str) -> timedelta:
    return timedelta(days={"A": policy.cycle_count_days_a, "B": policy.cycle_count_days_b,
                           "C": policy.cycle_count_days_c}[abc_class])


# -- the due list ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Due:
    sku: str
    abc_class: str
    last_counted: datetime | None


def last_counted(session: Session, warehouse: str) -> dict[str, datetime]:
    """When each sku was last counted at `warehouse` (a rejected line asked for a recount: not counted)."""
    rows = session.execute(
        select(CycleCountLine.sku, func.max(CycleCount.submitted_at))
        .join(CycleCount, CycleCount.id == CycleCountLine.count_id)
        .where(CycleCount.warehouse_code == warehouse, CycleCountLine.counted.is_not(None),
               CycleCountLine.status != "rejected")
        .group_by(CycleCountLine.sku))
    return {sku: at for sku, at in rows if at is not None}


def due_list(session: Session, warehouse: str, policy: Policy, *, now: datetime | None = None,
             limit: int | None = None) -> list[Due]:
    """The skus due for counting at `warehouse` on `now`, most overdue first (never counted,
    then A before B before C, then the oldest count); `limit` defaults to the daily cap."""
    now = now or utcnow()
    held = select(StockBalance.sku).where(StockBalance.warehouse_code == warehouse, StockBalance.on_hand > 0)
    moved = select(StockMovement.sku).where(StockMovement.warehouse_code == warehouse,
                                            StockMovement.at > now - YEAR)
    candidates = set(session.scalars(held)) | set(session.scalars(moved.distinct()))
    on_open = set(session.scalars(
        select(CycleCountLine.sku).join(CycleCount, CycleCount.id == CycleCountLine.count_id)
        .where(CycleCount.warehouse_code == warehouse, CycleCountLine.status == "to_count")))
    classes = abc_classes(session, policy, now=now)
    last = last_counted(session, warehouse)
    due = [Due(sku, classes.get(sku, "C"), last.get(sku)) for sku in candidates - on_open
           if sku not in last or now - last[sku] >= interval(policy, classes.get(sku, "C"))]
    due.sort(key=lambda d: (d.last_counted is not None, d.abc_class, d.last_counted or now, d.sku))
    cap = policy.cycle_count_daily_lines if limit is None else limit
    return due[:cap]


# -- counting --------------------------------------------------------------------------------------

def get_count(session: Session, count_id: int, *, warehouse: str | None = None, lock: bool = False) -> CycleCount:
    """A count; `warehouse` set (a clerk's view), another warehouse's count is not found either."""
    count = session.get(CycleCount, count_id, with_for_update=lock, populate_existing=lock)
    if count is None or (warehouse is not None and count.warehouse_code != warehouse):
        raise NotFound(f"no cycle count {count_id}", code="cycle_count.not_found", count=count_id)
    return count


def lines_of(session: Session, count_id: int) -> list[CycleCountLine]:
    return list(session.scalars(select(CycleCountLine).where(CycleCountLine.count_id == count_id)
                                .order_by(CycleCountLine.abc_class, CycleCountLine.sku)))


def open_count(session: Session, warehouse: str) -> CycleCount | None:
    return session.scalars(select(CycleCount).where(CycleCount.warehouse_code == warehouse,
                                                    CycleCount.status == "counting")).first()


def start_count(session: Session, warehouse: str, policy: Policy, *, actor: str,
                now: datetime | None = None) -> CycleCount:
    """Today's count of `warehouse` from its due list; one open count per warehouse at a time."""
    now = now or utcnow()
    # the warehouse row's lock queues two clerks starting at once (PostgreSQL), so one count opens
    if session.get(Warehouse, warehouse, with_for_update=True) is None:
        raise NotFound(f"no warehouse {warehouse}", code="warehouse.not_found", warehouse=warehouse)
    existing = open_count(session, warehouse)
    if existing is not None:
        raise Conflict(f"cycle count {existing.id} of {warehouse} is still open; submit it first",
                       code="count.still_open", count=existing.id, warehouse=warehouse)
    due = due_list(session, warehouse, policy, now=now)
    if not due:
        raise Conflict(f"nothing is due for counting at {warehouse} today", code="count.nothing_due", warehouse=warehouse)
    count = CycleCount(warehouse_code=warehouse, status="counting", created_by=actor, created_at=now)
    session.add(count)
    session.flush()
    session.add_all(CycleCountLine(count_id=count.id, sku=d.sku, abc_class=d.abc_class, status="to_count")
                    for d in due)
    session.flush()
    return count


def check_counted(sku: str, value) -> int:
    """A counted quantity: a whole number from 0 to MAX_COUNTED (never a float, a bool or text)."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_COUNTED:
        raise InvalidInput(f"{sku}: a counted quantity must be a whole number from 0 to {MAX_COUNTED}",
                           code="count.not_a_quantity", field=sku, sku=sku, most=MAX_COUNTED)
    return value


def within_tolerance(policy: Policy, variance: int, book: int, unit_cost: Decimal) -> bool:
    """No variance, or one small in money (|variance| x cost) and as a share of the book."""
    if variance == 0:
        return True
    value = abs(variance) * Decimal(unit_cost)
    return (book > 0 and value <= Decimal(policy.cycle_count_tolerance_value)
            and Decimal(abs(variance)) / book <= Decimal(policy.cycle_count_tolerance_rate))


def _reason(count: CycleCount) -> str:
    return f"cycle count {count.id}"


def _ref(count: CycleCount) -> ledger.Ref:
    return ledger.Ref("cycle_count", str(count.id))


def submit_count(session: Session, count_id: int, counted: dict[str, int], policy: Policy, *, actor: str,
                 warehouse: str | None = None, now: datetime | None = None) -> CycleCount:
    """Close the blind count: every line needs its counted quantity. Each variance is taken
    against the book now; within the tolerance it is posted at once, beyond it waits for HQ.
    All or nothing: a bad quantity, or one below what is reserved, refuses the whole submit."""
    now = now or utcnow()
    count = get_count(session, count_id, warehouse=warehouse, lock=True)
    if count.status != "counting":
        raise Conflict(f"cycle count {count.id} is {count.status}; it cannot be submitted again",
                       code="count.submitted_again", count=count.id, status=count.status)
    lines = lines_of(session, count.id)
    skus = {line.sku for line in lines}
    unknown = sorted(set(counted) - skus)
    if unknown:
        raise InvalidInput(f"{unknown[0]} is not on cycle count {count.id}", code="count.sku_not_on_count",
                           field=unknown[0], sku=unknown[0], count=count.id)
    missing = sorted(skus - set(counted))
    if missing:
        raise InvalidInput(f"{missing[0]}: enter the counted quantity of every line", code="count.line_missing",
                           field=missing[0], sku=missing[0])
    checked = {sku: check_counted(sku, value) for sku, value in counted.items()}
    costs = dict(session.execute(select(Part.sku, Part.unit_cost).where(Part.sku.in_(skus))).all())
    ledger.lock_balances(session, [(count.warehouse_code, sku) for sku in skus])
    waiting = False
    for line in lines:
        row = ledger.get_balance(session, count.warehouse_code, line.sku)
        book, reserved = (row.on_hand, row.reserved) if row else (0, 0)
        line.counted, line.book, line.unit_cost = checked[line.sku], book, to_money(costs[line.sku])
        line.variance = line.counted - book
        line.variance_value = to_money(abs(line.variance) * line.unit_cost)
        line.within_tolerance = within_tolerance(policy, line.variance, book, line.unit_cost)
        ledger.check_count(count.warehouse_code, line.sku, line.counted, reserved)  # as a plain count
        if line.within_tolerance:
            line.posted_delta = ledger.adjust_to_count(session, count.warehouse_code, line.sku, line.counted,
                                                       actor=actor, reason=_reason(count), ref=_ref(count))
            line.status = "posted"
        else:
            line.status, waiting = "awaiting_approval", True
    count.status = "submitted" if waiting else "closed"
    count.submitted_by, count.submitted_at = actor, now
    session.flush()
    return count


# -- a direct count (the clerk's stock-count page and its spreadsheet import) ----------------------

@dataclass(frozen=True)
class DirectCount:
    """What one directly counted sku did: posted (`posted_delta`, 0 when it matched the book) or
    waits for HQ on the one-off count `count_id`, line `line_id`."""

    sku: str
    counted: int
    book: int
    variance: int
    posted_delta: int | None = None
    count_id: int | None = None
    line_id: int | None = None

    @property
    def waiting(self) -> bool:
        return self.line_id is not None


def waiting_skus(session: Session, warehouse: str, skus) -> dict[str, int]:
    """sku -> the count whose line of it at `warehouse` awaits HQ's decision."""
    return dict(session.execute(
        select(CycleCountLine.sku, CycleCountLine.count_id)
        .join(CycleCount, CycleCount.id == CycleCountLine.count_id)
        .where(CycleCount.warehouse_code == warehouse, CycleCountLine.status == "awaiting_approval",
               CycleCountLine.sku.in_(set(skus)))).all())


def direct_counts(session: Session, warehouse: str, counted: list[tuple[str, int, str]], policy: Policy, *,
                  actor: str, now: datetime | None = None) -> list[DirectCount]:
    """Counts a clerk enters outside a cycle count, `(sku, counted, reason)` each, under the same
    rule as a cycle count: a variance within the tolerance is posted at once; beyond it nothing
    is posted and the line waits for HQ on a one-off count (submitted, one line per such sku),
    which HQ approves or rejects like any cycle count line. A sku already waiting for HQ at the
    warehouse cannot be counted again until HQ decides (its approval would post on top).
    All or nothing, like a submit: any refusal raises and the caller's transaction rolls back."""
    now = now or utcnow()
    if session.get(Warehouse, warehouse) is None:
        raise NotFound(f"no warehouse {warehouse}", code="warehouse.not_found", warehouse=warehouse)
    skus = [sku for sku, _, _ in counted]
    if len(set(skus)) != len(skus):
        raise InvalidInput("each sku may be counted once", code="count.sku_twice", field="sku")
    for sku, value, reason in counted:
        check_counted(sku, value)
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidInput("a stock adjustment needs a reason", code="stock.adjustment_needs_reason", field="reason")
    costs = dict(session.execute(select(Part.sku, Part.unit_cost).where(Part.sku.in_(skus))).all())
    for sku in skus:
        if sku not in costs:
            raise NotFound(f"no part {sku}", code="part.not_found", sku=sku)
    ledger.lock_balances(session, [(warehouse, sku) for sku in skus])
    waiting = waiting_skus(session, warehouse, skus)
    if waiting:
        sku = sorted(waiting)[0]
        raise Conflict(f"a count of {sku} at {warehouse} already waits for HQ (cycle count {waiting[sku]}); "
                       "HQ decides it first", code="count.waits_for_hq", sku=sku, warehouse=warehouse,
                       count=waiting[sku])
    results, count, classes = [], None, None
    for sku, value, reason in counted:
        row = ledger.get_balance(session, warehouse, sku)
        book, reserved = (row.on_hand, row.reserved) if row else (0, 0)
        variance, cost = value - book, to_money(costs[sku])
        ledger.check_count(warehouse, sku, value, reserved)
        if within_tolerance(policy, variance, book, cost):
            delta = ledger.adjust_to_count(session, warehouse, sku, value, actor=actor, reason=reason.strip()[:200])
            results.append(DirectCount(sku, value, book, variance, posted_delta=delta))
            continue
        if count is None:
            count = CycleCount(warehouse_code=warehouse, status="submitted", created_by=actor, created_at=now,
                               submitted_by=actor, submitted_at=now)
            session.add(count)
            session.flush()
            classes = abc_classes(session, policy, now=now)
        line = CycleCountLine(count_id=count.id, sku=sku, abc_class=classes.get(sku, "C"),
                              status="awaiting_approval", counted=value, book=book, variance=variance,
                              unit_cost=cost, variance_value=to_money(abs(variance) * cost), within_tolerance=False,
                              note=reason.strip()[:200])
        session.add(line)
        session.flush()
        audit.record(session, actor, "cycle_count.direct", f"cycle_count:{count.id}/{sku}", warehouse=warehouse,
                     counted=value, book=book, variance=variance, value=str(line.variance_value),
                     reason=reason.strip()[:200])
        results.append(DirectCount(sku, value, book, variance, count_id=count.id, line_id=line.id))
    return results


# -- HQ's decision -----------------------------------------------------------------------------------

def _waiting_line(session: Session, line_id: int) -> tuple[CycleCountLine, CycleCount]:
    line = session.get(CycleCountLine, line_id, with_for_update=True, populate_existing=True)
    if line is None:
        raise NotFound(f"no cycle count line {line_id}", code="cycle_count.line_not_found", line=line_id)
    if line.status != "awaiting_approval":
        raise Conflict(f"cycle count line {line_id} is {line.status}; only a line awaiting approval can be decided",
                       code="count.line_not_waiting", line=line_id, status=line.status)
    return line, get_count(session, line.count_id, lock=True)


def _close_if_decided(session: Session, count: CycleCount) -> None:
    session.flush()
    if not any(line.status == "awaiting_approval" for line in lines_of(session, count.id)):
        count.status = "closed"


def approve_line(session: Session, line_id: int, *, actor: str, now: datetime | None = None) -> CycleCountLine:
    """Post the counted variance on today's book (units moved since the count stay moved)."""
    line, count = _waiting_line(session, line_id)
    row = ledger.get_balance(session, count.warehouse_code, line.sku)
    current = row.on_hand if row else 0
    target = current + line.variance
    if target < 0:
        raise Conflict(f"{line.sku} at {count.warehouse_code} now has {current} on hand, fewer than the "
                       f"variance of {line.variance} takes away; reject it and count again",
                       code="count.variance_exceeds_stock", sku=line.sku, warehouse=count.warehouse_code,
                       current=current, variance=line.variance)
    line.posted_delta = ledger.adjust_to_count(session, count.warehouse_code, line.sku, target, actor=actor,
                                               reason=f"{_reason(count)} approved", ref=_ref(count))
    line.status, line.decided_by, line.decided_at = "approved", actor, now or utcnow()
    audit.record(session, actor, "cycle_count.approve", f"cycle_count:{count.id}/{line.sku}",
                 warehouse=count.warehouse_code, variance=line.variance, book_at_count=line.book,
                 book_now=current, posted=line.posted_delta, value=str(line.variance_value))
    _close_if_decided(session, count)
    return line


def reject_line(session: Session, line_id: int, *, actor: str, reason: str,
                now: datetime | None = None) -> CycleCountLine:
    """Nothing is posted; the sku is due again at the warehouse (a recount)."""
    if not reason or not reason.strip():
        raise InvalidInput("rejecting a count needs a reason", code="count.reject_needs_reason", field="reason")
    line, count = _waiting_line(session, line_id)
    line.status, line.decided_by, line.decided_at = "rejected", actor, now or utcnow()
    line.note = reason.strip()[:200]
    audit.record(session, actor, "cycle_count.reject", f"cycle_count:{count.id}/{line.sku}",
                 warehouse=count.warehouse_code, variance=line.variance, reason=line.note)
    _close_if_decided(session, count)
    return line


def awaiting_approval(session: Session, *, warehouse: str | None = None) -> list[tuple[CycleCountLine, CycleCount]]:
    stmt = (select(CycleCountLine, CycleCount).join(CycleCount, CycleCount.id == CycleCountLine.count_id)
            .where(CycleCountLine.status == "awaiting_approval")
            .order_by(CycleCount.submitted_at, CycleCountLine.id))
    if warehouse:
        stmt = stmt.where(CycleCount.warehouse_code == warehouse)
    return [(line, count) for line, count in session.execute(stmt)]


# -- accuracy ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Accuracy:
    warehouse: str
    abc_class: str
    lines: int
    within: int
    variance_value: Decimal

    @property
    def share_within(self) -> float | None:
        return self.within / self.lines if self.lines else None


def accuracy_report(session: Session, *, days: int, now: datetime | None = None) -> list[Accuracy]:
    """Per warehouse and class, the lines counted (submitted) in the last `days` days, how many
    were within the tolerance, and the absolute variance value at cost."""
    if days not in (30, 90):
        raise InvalidInput(f"days must be 30 or 90, got {days!r}", code="count.days_invalid", days=days)
    now = now or utcnow()
    rows = session.execute(
        select(CycleCount.warehouse_code, CycleCountLine.abc_class, CycleCountLine.within_tolerance,
               CycleCountLine.variance_value)
        .join(CycleCount, CycleCount.id == CycleCountLine.count_id)
        .where(CycleCountLine.counted.is_not(None), CycleCount.submitted_at > now - timedelta(days=days),
               CycleCount.submitted_at <= now))
    sums: dict[tuple[str, str], list] = {}
    for warehouse, abc, within, value in rows:
        acc = sums.setdefault((warehouse, abc), [0, 0, Decimal("0.00")])
        acc[0] += 1
        acc[1] += 1 if within else 0
        acc[2] += value or Decimal("0.00")
    return [Accuracy(w, c, n, ok, to_money(v)) for (w, c), (n, ok, v) in sorted(sums.items())]


def accuracy_total(rows: list[Accuracy]) -> Accuracy:
    return Accuracy("", "", sum(r.lines for r in rows), sum(r.within for r in rows),
                    to_money(sum((r.variance_value for r in rows), Decimal("0.00"))))
