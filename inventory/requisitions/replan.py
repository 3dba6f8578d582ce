"""Apply a re-plan (the nightly optimizer's) to requisitions: the one writer of allocations,
backorders, statuses and history beside submit, sharing its builders (`reserving.allocation_values`,
`history.event_values`, `history.status_of`). Callers own the transaction.

Reservations move only for lines still exactly as the plan's snapshot saw them (anything
shipped, cancelled or re-reserved meanwhile is left alone and counted as skipped), read with
their requisitions locked (in id order, before any stock row, as ship and cancel lock them).
Works in bulk statements (a national night moves tens of thousands of lines): releases first,
so stock freed by one line is there for another, then reservations granted up to what is
available (a submit may have taken the planned units since the snapshot: a line then asks back
what it released, `_keep_what_was_released`), then the lines' backorders, their requisitions'
statuses and history, which record what each line holds now (`to`) beside the plan when they
differ (`planned`); a line the run wrote no ledger row for is skipped, not changed.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import bulk
from ..network import Lane
from ..warehouses import ledger
from .models import Allocation, Requisition, RequisitionEvent, RequisitionLine, format_code
from .history import event_values, status_of
from .reserving import allocation_values


@dataclass(frozen=True)
class LineMove:
    """One line's planned change: what it had reserved where at the snapshot, its open units
    then, and where the plan wants them."""

    line_id: int
    snapshotted: dict[str, int]
    open_qty: int
    target: dict[str, int]


@dataclass
class Applied:
    changed: int = 0
    skipped: int = 0


@dataclass
class LineState:
    """A line as the database has it now, to compare with the snapshot."""

    id: int
    requisition_id: int
    sku: str
    qty: int
    promised_by: datetime
    service_point: str
    cancelled: bool
    reserved: dict = field(default_factory=lambda: defaultdict(list))  # warehouse -> [(allocation id, qty)]
    gone: int = 0  # units shipped or delivered
    substituted: bool = False  # holds reserved units of another sku (left to submit's reservation)

    @property
    def ref(self) -> ledger.Ref:
        return ledger.Ref("requisition", format_code(self.requisition_id))

    def as_snapshotted(self, snapshotted: dict[str, int], open_qty: int) -> bool:
        reserved = {w: sum(q for _, q in allocs) for w, allocs in self.reserved.items()}
        return (reserved == snapshotted and self.qty - self.gone == open_qty and not self.cancelled
                and not self.substituted)


def apply(session: Session, planned: list[LineMove], *, now: datetime, run_code: str, actor: str) -> Applied:
    """Move each planned line's reservations to its target, through the ledger in bulk."""
    result = Applied()
    if not planned:
        return result
    _lock_requisitions(session, [p.line_id for p in planned])
    state = _line_states(session, [p.line_id for p in planned])
    moves = []
    for p in planned:
        st = state.get(p.line_id)
        if st is None or not st.as_snapshotted(p.snapshotted, p.open_qty):
            result.skipped += 1
            continue
        moves.append((st, p.snapshotted, p.target))
    if not moves:
        return result
    ledger.lock_balances(session, {(w, st.sku) for st, have, want in moves for w in set(have) | set(want)})
    released = [(aid, w, st.sku, q, st.ref) for st, have, want in moves
                for w, allocs in st.reserved.items() if have.get(w) != want.get(w) for aid, q in allocs]
    ledger.release_many(session, [(w, sku, q, ref) for _, w, sku, q, ref in released], actor=actor,
                        reason=f"re-planned by {run_code}", at=now)
    _mark_released(session, [aid for aid, *_ in released])
    wanted = [(st, w, q) for st, have, want in moves for w, q in sorted(want.items()) if have.get(w) != q and q > 0]
    granted = ledger.reserve_many(session, [(w, st.sku, q, st.ref) for st, w, q in wanted], actor=actor,
                                  reason=f"planned by {run_code}", at=now)  # up to what is still there
    untouched = {st.id: {w: q for w, q in have.items() if want.get(w) == q} for st, have, want in moves}
    held = {line: defaultdict(int, kept_as_is) for line, kept_as_is in untouched.items()}
    for (st, w, _), g in zip(wanted, granted):
        held[st.id][w] += g
    kept = _keep_what_was_released(moves, held)
    regained = ledger.reserve_many(session, [(w, st.sku, q, st.ref) for st, w, q in kept], actor=actor,
                                   reason=f"planned by {run_code}", at=now) if kept else []
    for (st, w, _), g in zip(kept, regained):
        held[st.id][w] += g
    _insert_allocations(session, [(st, w, g) for (st, w, _), g in [*zip(wanted, granted), *zip(kept, regained)] if g],
                        now)
    moved = [(st, have, want) for st, have, want in moves if _wrote(have, want, held[st.id], untouched[st.id])]
    result.skipped += len(moves) - len(moved)  # planned stock taken since the snapshot, and nothing released
    _set_backorders(session, {st.id: st.qty - st.gone - sum(held[st.id].values()) for st, _, _ in moved})
    _refresh_statuses(session, {st.requisition_id for st, _, _ in moved})
    bulk.insert_rows(session, RequisitionEvent.__table__, [
        event_values(st.requisition_id, "replanned", actor, now, run=run_code, sku=st.sku,
                     **{"from": have, "to": _units(held[st.id]),
                        **({"planned": want} if _units(held[st.id]) != want else {})})
        for st, have, want in moved])
    result.changed = len(moved)
    return result


def _units(held: dict[str, int]) -> dict[str, int]:
    return {w: q for w, q in sorted(held.items()) if q}


def _wrote(have: dict[str, int], want: dict[str, int], held: dict[str, int], untouched: dict[str, int]) -> bool:
    """Whether the run wrote ledger rows for the line: it released a reservation, or reserved
    (it holds more than the reservations it left untouched)."""
    return any(have.get(w) != want.get(w) for w in have) or _units(held) != untouched


def _keep_what_was_released(moves, held: dict[int, dict[str, int]]) -> list[tuple[LineState, str, int]]:
    """Where the plan's new warehouse no longer had the units (taken since the snapshot), the
    line asks back, up to its shortfall, for what it released: a re-plan must not leave a line
    worse off than it found it when the stock it gave up is still on the shelf."""
    back = []
    for st, have, want in moves:
        short = sum(want.values()) - sum(held[st.id].values())
        for w, q in sorted(have.items()):
            if short <= 0:
                break
            if want.get(w) != q:  # released above
                take = min(q, short)
                back.append((st, w, take))
                short -= take
    return back


def _lock_requisitions(session: Session, line_ids: list[int]) -> None:
    """Lock the planned lines' requisitions, in id order, before reading them: ship, cancel and
    receive lock a requisition first too, so none of them commits between this read and the
    moves (a shipment released and reserved again, shippable twice) or waits on a stock row
    this run holds while the run waits on its requisition (a deadlock)."""
    ids: set[int] = set()
    for match in bulk.in_ids(session, RequisitionLine.id, line_ids):
        ids.update(session.connection().execute(select(RequisitionLine.requisition_id).where(match)).scalars())
    for match in bulk.in_ids(session, Requisition.id, sorted(ids)):
        session.connection().execute(select(Requisition.id).where(match).order_by(Requisition.id).with_for_update())


def _line_states(session: Session, ids: list[int]) -> dict[int, LineState]:
    states: dict[int, LineState] = {}
    for match in bulk.in_ids(session, RequisitionLine.id, ids):
        for lid, rid, sku, qty, promised, point, cancelled in session.connection().execute(
                select(RequisitionLine.id, RequisitionLine.requisition_id, RequisitionLine.sku, RequisitionLine.qty,
                       RequisitionLine.promised_by, Requisition.service_point_code, Requisition.cancelled_at)
                .join(Requisition, Requisition.id == RequisitionLine.requisition_id)
                .where(match)):
            states[lid] = LineState(lid, rid, sku, qty, promised, point, cancelled is not None)
    for match in bulk.in_ids(session, Allocation.line_id, ids):
        for aid, lid, warehouse, qty, status, sku in session.connection().execute(
                select(Allocation.id, Allocation.line_id, Allocation.warehouse_code, Allocation.qty, Allocation.status,
                       Allocation.sku)
                .where(match)):
            if status == "reserved" and sku != states[lid].sku:
                states[lid].substituted = True
            elif status == "reserved":
                states[lid].reserved[warehouse].append((aid, qty))
            elif status in ("shipped", "delivered"):
                states[lid].gone += qty
    return states


def _mark_released(session: Session, allocation_ids: list[int]) -> None:
    table = Allocation.__table__
    for match in bulk.in_ids(session, table.c.id, allocation_ids):
        session.execute(table.update().where(match).values(status="released"))


def _insert_allocations(session: Session, rows: list[tuple[LineState, str, int]], now: datetime) -> None:
    lanes = dict(((f, t), (h, c)) for f, t, h, c in session.execute(
        select(Lane.from_code, Lane.to_code, Lane.hours, Lane.unit_cost)
        .where(Lane.to_code.in_({st.service_point for st, _, _ in rows}))))
    values = []
    for st, warehouse, qty in rows:
        hours, cost = lanes[(warehouse, st.service_point)]
        values.append({"line_id": st.id, **allocation_values(
            warehouse=warehouse, sku=st.sku, qty=qty, promised_by=st.promised_by, lane_hours=hours, unit_cost=cost,
            now=now), "shipped_at": None, "delivered_at": None, "on_time": None})
    bulk.insert_rows(session, Allocation.__table__, values)


def _set_backorders(session: Session, backorders: dict[int, int]) -> None:
    bulk.update_rows(session, RequisitionLine.__table__, ("id",), "backordered_qty", list(backorders.items()))


def _refresh_statuses(session: Session, requisition_ids: set[int]) -> None:
    """Recompute each touched requisition's status from all its lines and allocations."""
    ids = sorted(requisition_ids)
    backordered, statuses = defaultdict(int), defaultdict(list)
    for match in bulk.in_ids(session, RequisitionLine.requisition_id, ids):
        for rid, b in session.connection().execute(select(RequisitionLine.requisition_id, RequisitionLine.backordered_qty)
                                                   .where(match)):
            backordered[rid] += b
        for rid, status in session.connection().execute(
                select(RequisitionLine.requisition_id, Allocation.status)
                .join(Allocation, Allocation.line_id == RequisitionLine.id)
                .where(match)):
            statuses[rid].append(status)
    bulk.update_rows(session, Requisition.__table__, ("id",), "status",
                     [(rid, status_of(False, backordered[rid], statuses[rid])) for rid in ids])
