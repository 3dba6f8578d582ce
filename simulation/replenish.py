"""HQ's weekly purchase review (采购) in the simulated year, through the product's own purchasing code.

Every Monday HQ proposes orders that lift each sku's network position (on hand less reserved,
plus in transit, plus on order, less backordered units; `inventory.purchasing.service`) to an
order-up-to level, rounded to the supplier's minimum order and pack size, approves them all,
and receives each delivery when it lands. The level is the stock plan's echelon level under
policy `planned`; the other policies keep today's heuristic, S = ceil(m + z sqrt(m)) with m
HQ's estimate of demand (the master data's `annual_demand` and season label, never the
simulated truth) over the longest lead time plus the review period, times the `cover` factor
the trade-off curve varies; when regional warehouses are told to hold slower skus than usual
(`min_mean` below `optimizer.targets.MIN_MEAN`), S is at least what their base-stock targets
add up to plus HQ's keep. When a delivery lands is the simulated supplier's business (the engine's).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import numpy as np
from sqlalchemy.orm import Session

from inventory.purchasing import service as purchasing
from optimizer.targets import HQ_KEEP_DAYS, MIN_MEAN, SERVICE_Z, base_stock_targets

from .hq_estimate import estimated_rate

LEAD_DAYS = (7, 14)        # the heuristic's planning horizon: the longest supplier lead time
REVIEW_DAYS = 7
REVIEW_WEEKDAY = 0         # Monday
ACTOR = "system:simulation:purchasing"


@dataclass(frozen=True)
class Delivery:
    """An approved order and when the simulated supplier lands it (the engine decides when)."""

    order: str
    supplier: str
    stated_days: int
    arrives: datetime | None = None


@dataclass
class Replenishment:
    parts: list[dict]
    start: object
    seed: int
    hq: str
    cover: float = 1.0
    min_mean: float = MIN_MEAN
    purchase_cost: Decimal = Decimal("0.00")

    @property
    def skus(self) -> list[str]:
        return [p["sku"] for p in self.parts]

    def targets(self, day: int) -> np.ndarray:
        horizon = LEAD_DAYS[1] + REVIEW_DAYS
        m = self.cover * sum(estimated_rate(self.parts, d, self.start) for d in range(day, day + horizon))
        return np.ceil(m + SERVICE_Z * np.sqrt(m) - 1e-9).astype(np.int64)

    def heuristic_levels(self, session: Session, day: int, now: datetime) -> dict[str, int]:
        targets = self.targets(day)
        if self.min_mean < MIN_MEAN:
            regional: dict[str, int] = {}
            for (_, sku), units in base_stock_targets(session, now, cover_factor=self.cover,
                                                      min_mean=self.min_mean).items():
                regional[sku] = regional.get(sku, 0) + units
            floor = np.array([math.ceil(regional.get(sku, 0) * (1 + HQ_KEEP_DAYS / 10)) for sku in self.skus])
            targets = np.maximum(targets, floor)
        return {sku: int(t) for sku, t in zip(self.skus, targets.tolist())}

    def review(self, session: Session, day: int, now: datetime,
               echelon: dict[str, int] | None = None) -> list[Delivery]:
        """Propose and approve this week's orders (to the plan's `echelon` levels when given)."""
        levels = echelon if echelon is not None else self.heuristic_levels(session, day, now)
        deliveries = []
        for order in purchasing.propose(session, levels, actor=ACTOR, now=now):
            purchasing.approve(session, order.code, actor=ACTOR, now=now)
            self.purchase_cost += sum((line.unit_price * line.qty for line in order.lines), Decimal("0.00"))
            deliveries.append(Delivery(order.code, order.supplier_code, (order.expected_at - now).days))
        return deliveries

    def arrive(self, session: Session, delivery: Delivery) -> None:
        """The supplier delivers what is still outstanding on the order."""
        order = purchasing.get(session, delivery.order)
        outstanding = {line.sku: line.outstanding for line in order.lines if line.outstanding}
        if outstanding and order.status in ("open", "partially_received"):
            purchasing.receive(session, delivery.order, outstanding, actor=ACTOR, now=delivery.arrives)
