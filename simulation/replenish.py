"""Supplier replenishment into HQ (采购入库): a weekly order-up-to review of the whole network's stock.

Echelon base stock per sku: the network's position (on hand less reserved, plus in transit,
plus on order, less backordered units) is raised to S = ceil(m + z sqrt(m)), where m is
HQ's estimate of demand (the master data's `annual_demand` and season label, never the
simulated truth) over the longest lead time plus the review period, times the
`cover` factor the trade-off curve varies. When regional warehouses are told to hold slower
skus than usual (`min_mean` below `optimizer.targets.MIN_MEAN`), S is at least what their
base-stock targets add up to plus HQ's keep, so HQ buys the units it is asked to send out.
Each purchase line arrives after 7-14 days and goes on hand at HQ through `ledger.receive`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inventory.requisitions.models import Requisition, RequisitionLine
from optimizer.targets import HQ_KEEP_DAYS, MIN_MEAN, base_stock_targets
from inventory.warehouses import ledger
from inventory.warehouses.models import StockBalance

from .calendar import at
from .hq_estimate import estimated_rate

LEAD_DAYS = (7, 14)
REVIEW_DAYS = 7
REVIEW_WEEKDAY = 0         # Monday
SERVICE_Z = 1.65
ARRIVAL_HOUR = 10.0        # Beijing: suppliers deliver in the morning
PO_STREAM = 23
OPEN = ("allocated", "partially_backordered", "backordered")
ACTOR = "system:simulation:purchasing"


@dataclass(frozen=True)
class PurchaseLine:
    po: str
    sku: str
    qty: int
    arrives: datetime


@dataclass
class Replenishment:
    parts: list[dict]
    start: object
    seed: int
    hq: str
    cover: float = 1.0
    min_mean: float = MIN_MEAN
    on_order: dict[str, int] = field(default_factory=dict)
    purchase_cost: Decimal = Decimal("0.00")

    @property
    def skus(self) -> list[str]:
        return [p["sku"] for p in self.parts]

    def targets(self, day: int) -> np.ndarray:
        horizon = LEAD_DAYS[1] + REVIEW_DAYS
        m = self.cover * sum(estimated_rate(self.parts, d, self.start) for d in range(day, day + horizon))
        return np.ceil(m + SERVICE_Z * np.sqrt(m) - 1e-9).astype(np.int64)

    def positions(self, session: Session) -> dict[str, int]:
        pos: dict[str, int] = {}
        for sku, units in session.execute(
                select(StockBalance.sku, func.sum(StockBalance.on_hand - StockBalance.reserved + StockBalance.in_transit))
                .group_by(StockBalance.sku)):
            pos[sku] = int(units or 0)
        for sku, short in session.execute(
                select(RequisitionLine.sku, func.sum(RequisitionLine.backordered_qty))
                .join(Requisition, Requisition.id == RequisitionLine.requisition_id)
                .where(Requisition.status.in_(OPEN), RequisitionLine.backordered_qty > 0)
                .group_by(RequisitionLine.sku)):
            pos[sku] = pos.get(sku, 0) - int(short or 0)
        return pos

    def review(self, session: Session, day: int, now: datetime,
               echelon: dict[str, int] | None = None) -> list[PurchaseLine]:
        """Order what lifts each sku's position to its target (a stock plan's `echelon` levels when
        given); returns the purchase lines placed."""
        targets = self.targets(day)
        if echelon is not None:
            targets = np.array([echelon.get(sku, 0) for sku in self.skus])
        elif self.min_mean < MIN_MEAN:
            regional: dict[str, int] = {}
            for (_, sku), units in base_stock_targets(session, now, cover_factor=self.cover,
                                                      min_mean=self.min_mean).items():
                regional[sku] = regional.get(sku, 0) + units
            floor = np.array([math.ceil(regional.get(sku, 0) * (1 + HQ_KEEP_DAYS / 10)) for sku in self.skus])
            targets = np.maximum(targets, floor)
        pos = self.positions(session)
        rng = np.random.default_rng([self.seed, PO_STREAM, day])
        po = f"PO{day:04d}"
        lines = []
        for i, sku in enumerate(self.skus):
            lead = int(rng.integers(LEAD_DAYS[0], LEAD_DAYS[1] + 1))
            qty = int(targets[i]) - pos.get(sku, 0) - self.on_order.get(sku, 0)
            if qty > 0:
                self.on_order[sku] = self.on_order.get(sku, 0) + qty
                self.purchase_cost += Decimal(str(self.parts[i]["unit_cost"])) * qty
                lines.append(PurchaseLine(po, sku, qty, at(day + lead, ARRIVAL_HOUR, self.start)))
        return lines

    def arrive(self, session: Session, line: PurchaseLine) -> None:
        ledger.receive(session, self.hq, line.sku, line.qty, actor=ACTOR, reason=f"purchase order {line.po}",
                       ref=ledger.Ref("purchase_order", line.po), at=line.arrives)
        self.on_order[line.sku] -= line.qty
