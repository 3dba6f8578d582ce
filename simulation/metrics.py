"""What the simulation measures, read back from the database the services wrote.

Nothing here is counted on the side: on-time lines come from the allocations' delivery times
and each line's `promised_by`, stock value from the balances, transfer cost from the shipped
transfers and their lanes, penalties from `inventory.tickets.penalties_for_month`.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inventory.catalog import Part
from inventory.demo import HANDLING_HOURS
from inventory.network import Lane, ServicePoint, hq_code  # noqa: F401  (hq_code: the engine asks here)
from inventory.policy import Policy
from inventory.requisitions.models import Allocation, Requisition, RequisitionLine
from inventory.returns.models import ReturnCharge
from inventory.tickets import penalties_for_month
from inventory.warehouses.models import StockBalance, Transfer

from .calendar import BEIJING, START

OPEN = ("allocated", "partially_backordered", "backordered")
SHIPPED_TRANSFER = ("shipped", "partially_received", "received", "closed_with_discrepancy")
PARTY_CLASSES = ("hq_dispatch", "hq_parts_planning", "hq_parts_group", "center", "service_point")
ZERO = Decimal("0.00")


def stock_snapshot(session: Session) -> tuple[dict[str, tuple[float, float]], dict[str, float]]:
    """(on hand, in transit) value at cost per warehouse, and on-hand value per sku, in RMB."""
    rows = session.execute(
        select(StockBalance.warehouse_code, StockBalance.sku, StockBalance.on_hand, StockBalance.in_transit,
               Part.unit_cost)
        .join(Part, Part.sku == StockBalance.sku)
        .where((StockBalance.on_hand > 0) | (StockBalance.in_transit > 0)))
    value: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    by_sku: dict[str, float] = defaultdict(float)
    for warehouse, sku, on_hand, in_transit, cost in rows:
        value[warehouse][0] += on_hand * float(cost)
        value[warehouse][1] += in_transit * float(cost)
        by_sku[sku] += on_hand * float(cost)
    return {w: (v[0], v[1]) for w, v in value.items()}, dict(by_sku)


def open_backorders(session: Session) -> tuple[int, int]:
    """Open lines with units not reserved anywhere, and those units."""
    lines, units = session.execute(
        select(func.count(), func.coalesce(func.sum(RequisitionLine.backordered_qty), 0))
        .join(Requisition, Requisition.id == RequisitionLine.requisition_id)
        .where(Requisition.status.in_(OPEN), RequisitionLine.backordered_qty > 0)).one()
    return int(lines), int(units)


@dataclass
class LineTable:
    """One row per live requisition line (cancelled ones excluded), as numpy arrays."""

    id: np.ndarray
    sku: list[str]
    qty: np.ndarray
    submitted_day: np.ndarray
    month: list[str]
    center: list[str]
    dealer: np.ndarray          # bool: ordered by a dealer
    ticket: np.ndarray          # bool: linked to a repair ticket
    delivered: np.ndarray       # bool: every unit arrived
    on_time: np.ndarray         # bool: every unit arrived by promised_by
    hours: np.ndarray           # submit to last arrival, nan while open
    late_hours: np.ndarray      # arrival after promised_by (0 when on time), nan while open
    unit_cost: np.ndarray
    cause: np.ndarray = None    # str: why a late line was late (LATE_CAUSES), "" otherwise

    def __len__(self) -> int:
        return len(self.id)


# Why a late line was late, from the allocation that arrived last and where stock stood at submit
# (`RequisitionLine.stock_seen`), checked in this order:
LATE_CAUSES = {
    "carrier": "reserved and shipped in time for its lane, but the carrier took longer than the lane",
    "held": "arrived in time, confirmed with a later parcel of the same requisition",
    "nowhere": "not enough stock anywhere at submit (backordered)",
    "late_only": "stock at submit only on lanes over the promise",
    "reserved_late": "reserved after submit (re-plan, replacement, backorder filled) too late for its lane",
    "wave": "a lane within the promise, but the parcel waited for a pick wave past it",
}


@dataclass(frozen=True)
class Parcel:
    """The allocation of a line that arrived last: what decides whether the line was late."""

    id: int
    created_at: datetime
    eta: datetime
    shipped_at: datetime
    lane_hours: int
    delivered_at: datetime


def arrival(eta: datetime, shipped_at: datetime, lane_hours: int) -> datetime:
    """When a parcel lands: at its reservation's `eta` (lane hours include the handling time),
    or later by as much as it waited beyond that handling time for its pick wave."""
    return max(eta, shipped_at + timedelta(hours=lane_hours - HANDLING_HOURS))


def late_cause(stock_seen: str, promised: datetime, parcel: Parcel, delay_hours: float = 0.0) -> str:
    """One of LATE_CAUSES for a line whose last parcel, `parcel`, arrived after `promised`;
    `delay_hours`: how much later than its lane the carrier landed it."""
    on_paper = arrival(parcel.eta, parcel.shipped_at, parcel.lane_hours)
    if on_paper <= promised:
        if on_paper + timedelta(hours=delay_hours) > promised:
            return "carrier"
        return "held"  # late only because it was confirmed with a later parcel
    if stock_seen in ("nowhere", "late_only"):
        return stock_seen
    if parcel.eta > promised:
        return "reserved_late"
    return "wave"  # reserved in time for its lane, so it landed late by waiting to ship


def line_table(session: Session, start=START, carrier_delay: dict[int, float] | None = None) -> LineTable:
    """The lines; `carrier_delay` (allocation id: hours) names the parcels the carrier landed late."""
    carrier_delay = carrier_delay or {}
    centers = dict(session.execute(select(ServicePoint.code, ServicePoint.center_code)).all())
    cost = {sku: float(c) for sku, c in session.execute(select(Part.sku, Part.unit_cost))}
    last: dict[int, Parcel] = {}
    pending: set[int] = set()
    for line_id, status, *parcel in session.execute(
            select(Allocation.line_id, Allocation.status, Allocation.id, Allocation.created_at, Allocation.eta,
                   Allocation.shipped_at,
                   Allocation.lane_hours, Allocation.delivered_at)
            .where(Allocation.status != "released")):
        if status != "delivered":
            pending.add(line_id)
        elif line_id not in last or parcel[-1] > last[line_id].delivered_at:
            last[line_id] = Parcel(*parcel)
    rows = session.execute(
        select(RequisitionLine.id, RequisitionLine.sku, RequisitionLine.qty, RequisitionLine.backordered_qty,
               RequisitionLine.promised_by, RequisitionLine.stock_seen, Requisition.created_at,
               Requisition.service_point_code, Requisition.requester_role, Requisition.ticket)
        .join(Requisition, Requisition.id == RequisitionLine.requisition_id)
        .where(Requisition.status != "cancelled").order_by(RequisitionLine.id)).all()
    n = len(rows)
    t = LineTable(np.zeros(n, np.int64), [], np.zeros(n, np.int64), np.zeros(n, np.int64), [], [],
                  np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool),
                  np.full(n, np.nan), np.full(n, np.nan), np.zeros(n), np.full(n, "", dtype=object))
    for i, (line_id, sku, qty, back, promised, seen, created, point, role, ticket) in enumerate(rows):
        local = created.astimezone(BEIJING)
        t.id[i], t.qty[i], t.unit_cost[i] = line_id, qty, cost[sku]
        t.sku.append(sku)
        t.submitted_day[i] = (local.date() - start).days
        t.month.append(local.strftime("%Y-%m"))
        t.center.append(centers[point])
        t.dealer[i], t.ticket[i] = role == "dealer", bool(ticket)
        parcel = last.get(line_id)
        if back == 0 and line_id not in pending and parcel is not None:
            done = parcel.delivered_at
            t.delivered[i] = True
            t.on_time[i] = done <= promised
            t.hours[i] = (done - created).total_seconds() / 3600
            t.late_hours[i] = max(0.0, (done - promised).total_seconds() / 3600)
            if not t.on_time[i]:
                t.cause[i] = late_cause(seen, promised, parcel, carrier_delay.get(parcel.id, 0.0))
    return t


def transfer_cost(session: Session) -> tuple[Decimal, int, int, dict[str, Decimal]]:
    """Cost, count and units of every transfer that left its source, and the cost per sku."""
    rows = session.execute(
        select(Transfer.sku, Transfer.qty, Lane.unit_cost)
        .join(Lane, (Lane.from_code == Transfer.from_warehouse) & (Lane.to_code == Transfer.to_warehouse))
        .where(Transfer.status.in_(SHIPPED_TRANSFER))).all()
    by_sku: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for sku, qty, cost in rows:
        by_sku[sku] += cost * qty
    return sum(by_sku.values(), ZERO), len(rows), sum(qty for _, qty, _ in rows), dict(by_sku)


def delivery_cost(session: Session) -> Decimal:
    """Warehouse-to-point freight of every unit shipped."""
    rows = session.execute(select(Allocation.qty, Allocation.unit_cost)
                           .where(Allocation.status.in_(("shipped", "delivered")))).all()
    return sum((cost * qty for qty, cost in rows), ZERO)


def return_charges(session: Session) -> dict[str, Decimal]:
    charges: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for kind, amount in session.execute(select(ReturnCharge.kind, ReturnCharge.amount)):
        charges[kind] += amount
    return dict(charges)


def party_class(party: str) -> str:
    return party.split(":", 1)[0]


@dataclass
class Penalties:
    """Fines and charged hours per party class, per month, from the monthly penalty reports."""

    fines: dict[str, Decimal]
    hours: dict[str, float]
    by_month: dict[str, dict[str, Decimal]]
    tickets: int
    centers: dict[str, dict]
    exchange_flagged: int
    sanbao: dict[str, int] = field(default_factory=dict)    # tickets per 三包 flag, over the months
    warranty: dict[str, int] = field(default_factory=dict)  # ticketed lines free ("in") and paid ("out")


def penalties(session: Session, months: list[str], policy: Policy, now: datetime) -> Penalties:
    fines = {c: ZERO for c in PARTY_CLASSES}
    hours = {c: 0.0 for c in PARTY_CLASSES}
    by_month: dict[str, dict[str, Decimal]] = {}
    centers: dict[str, dict] = defaultdict(lambda: {"tickets": 0, "within_3_days": 0, "over_3_days": 0,
                                                    "over_7_days": 0, "bonus_cancelled_months": 0})
    tickets = flagged = 0
    sanbao: dict[str, int] = {}
    for month in months:
        report = penalties_for_month(session, month, policy, now=now)
        month_fines = {c: ZERO for c in PARTY_CLASSES}
        for party in report["parties"]:
            cls = party_class(party["party"])
            month_fines[cls] = month_fines.get(cls, ZERO) + Decimal(party["fines"])
            hours[cls] = hours.get(cls, 0.0) + float(party["hours"])
        for cls, amount in month_fines.items():
            fines[cls] = fines.get(cls, ZERO) + amount
        by_month[month] = month_fines
        for c in report["centers"]:
            entry = centers[c["center"]]
            for key in ("tickets", "within_3_days", "over_3_days", "over_7_days"):
                entry[key] += c[key]
            entry["bonus_cancelled_months"] += int(c["bonus_cancelled"])
        tickets += report["tickets"]
        flagged += len(report["exchange_flagged"])
        for flag, n in report["sanbao"]["flags"].items():
            sanbao[flag] = sanbao.get(flag, 0) + n
    warranty = {"in" if free else "out": n for free, n in session.execute(
        select(RequisitionLine.in_warranty, func.count()).join(Requisition, Requisition.id == RequisitionLine.requisition_id)
        .where(Requisition.ticket.is_not(None)).group_by(RequisitionLine.in_warranty))}
    return Penalties(fines, {k: round(v, 1) for k, v in hours.items()}, by_month, tickets, dict(centers), flagged,
                     sanbao, {"in": warranty.get("in", 0), "out": warranty.get("out", 0)})


def center_names(session: Session) -> dict[str, str]:
    from inventory.network import Center

    return dict(session.execute(select(Center.code, Center.name)).all())

