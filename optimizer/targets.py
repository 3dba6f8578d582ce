"""Base-stock targets per (regional warehouse, sku) and the transfers that close the gaps.

Model: each regional warehouse serves the service points of its centre. Its daily demand
rate for a sku blends the last `history_days` of requisitions from those points with a prior
from the part's annual demand shared by the points' count (so new or slow skus are not
forgotten). The target covers demand over the replenishment time from HQ plus one day of
review, with safety stock z * sqrt(mean) (Poisson demand): S = ceil(m + z * sqrt(m)), for
the skus whose mean m reaches `min_mean` there (a slow mover below it waits at HQ; a lower
`min_mean` holds more of the long tail near the points, at a price the trade-off curve shows).
A gap is S minus the warehouse's position (on hand - reserved + in transit). Gaps are closed
at least cost by a min-cost flow per sku from HQ (above its own two-day keep) and from
regional warehouses holding more than their own target (lateral transshipment).
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from ortools.graph.python import min_cost_flow
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from inventory import bulk, supersession
from inventory.catalog import Part
from inventory.network import Lane, ServicePoint, Warehouse, hq_code
from inventory.policy import DEFAULTS, Policy
from inventory.requisitions.models import Requisition, RequisitionLine
from inventory.warehouses import transfers
from inventory.warehouses.models import StockBalance, Transfer

# The policy table is their home (HQ may override them); these are its defaults, for callers
# without a policy at hand (the simulation's curves and replenishment).
HISTORY_DAYS = DEFAULTS["target_history_days"].default
PRIOR_DAYS = DEFAULTS["target_prior_days"].default
SERVICE_Z = float(DEFAULTS["target_service_z"].default)
MIN_MEAN = float(DEFAULTS["regional_min_mean"].default)  # least expected demand over the cover held regionally
HQ_KEEP_DAYS = DEFAULTS["hq_keep_days"].default
ACTOR = "system:optimizer"
FAIR_SHARE = True   # a short sku's units go first to the warehouses furthest below their target (_fair_tiers)
FAIR_TIERS = 4


def home_warehouses(session: Session) -> dict[str, str]:
    """Each service point's regional warehouse: its centre's, the fastest one if it has two."""
    by_center = defaultdict(list)
    for code, center in session.execute(select(Warehouse.code, Warehouse.center_code).where(Warehouse.kind == "regional")):
        by_center[center].append(code)
    hours = {(f, t): h for f, t, h in session.execute(
        select(Lane.from_code, Lane.to_code, Lane.hours).where(Lane.to_kind == "service_point"))}
    home = {}
    for point, center in session.execute(select(ServicePoint.code, ServicePoint.center_code)):
        options = by_center.get(center)
        if options:
            home[point] = min(options, key=lambda w: (hours.get((w, point), 10**6), w))
    return home


@dataclass
class Rates:
    """Forecast units per day: `per_day[i, j]` for regional warehouse `warehouses[i]` and sku `skus[j]`."""

    warehouses: list[str]
    skus: list[str]
    per_day: np.ndarray


def daily_rates(session: Session, now: datetime, policy: Policy | None = None) -> Rates:
    """Forecast units per day per (regional warehouse, sku): history blended with the prior.
    A replaced sku's requests count for its final successor (替代件: that is the part stocked).

    A dense warehouse x sku matrix (35 x 20,000 nationally): every pair has a prior, so numpy
    does in milliseconds what a Python loop over 700,000 pairs did in seconds."""
    home = home_warehouses(session)
    warehouses = sorted(set(home.values()))
    w_index = {w: i for i, w in enumerate(warehouses)}
    points = np.zeros(len(warehouses))
    for warehouse in home.values():
        points[w_index[warehouse]] += 1
    priors = session.execute(select(Part.sku, Part.annual_demand).order_by(Part.sku)).all()
    skus = [sku for sku, _ in priors]
    s_index = {sku: j for j, sku in enumerate(skus)}
    national = np.array([float(demand or 0.0) / 365.0 for _, demand in priors])
    seen = np.zeros((len(warehouses), len(skus)))
    policy = policy or Policy()
    history, prior_days = policy.target_history_days, policy.target_prior_days
    since = now - timedelta(days=history)
    finals = supersession.final_successors(supersession.load(session))
    for point, sku, qty in session.connection().execute(
            select(Requisition.service_point_code, RequisitionLine.sku, func.sum(RequisitionLine.qty))
            .join(Requisition, Requisition.id == RequisitionLine.requisition_id)
            .where(Requisition.created_at >= since, Requisition.created_at < now)
            .group_by(Requisition.service_point_code, RequisitionLine.sku)):
        sku = finals.get(sku, sku)
        if point in home and sku in s_index:
            seen[w_index[home[point]], s_index[sku]] += float(qty)
    prior = np.outer(points / max(1.0, points.sum()), national)
    return Rates(warehouses, skus, (seen + prior * prior_days) / (history + prior_days))


def base_stock_targets(session: Session, now: datetime, *, cover_factor: float = 1.0,
                       min_mean: float = MIN_MEAN, policy: Policy | None = None) -> dict[tuple[str, str], int]:
    """S per (regional warehouse, sku); `cover_factor` scales the days of cover and `min_mean`
    sets how slow a sku may be and still be held regionally (trade-off curves)."""
    hq = hq_code(session)
    lead = {t: h for t, h in session.execute(select(Lane.to_code, Lane.hours).where(Lane.from_code == hq))}
    policy = policy or Policy()
    rates = daily_rates(session, now, policy)
    z = float(policy.target_service_z)
    days = np.array([(lead.get(w, 48) / 24.0 + 1.0) * cover_factor for w in rates.warehouses])
    mean = rates.per_day * days[:, None]
    target = np.where((mean >= min_mean) & (mean > 0), np.ceil(mean + z * np.sqrt(mean)), 0).astype(np.int64)
    return {(rates.warehouses[i], rates.skus[j]): int(target[i, j]) for i, j in zip(*np.nonzero(target > 0))}


def propose_transfers(session: Session, *, now: datetime, policy: Policy, run_id: str | None = None,
                      cover_factor: float = 1.0, min_mean: float | None = None,
                      targets: dict[tuple[str, str], int] | None = None,
                      hq_keep: dict[str, int] | None = None) -> list[Proposal]:
    """Draft the least-cost transfers that lift regional stock to target; supersedes older drafts.
    `min_mean` defaults to the policy's `regional_min_mean`. A stock plan (`optimizer.stock_plan`)
    gives its own `targets` and what HQ keeps back per sku (`hq_keep`) instead of the heuristic."""
    if min_mean is None:
        min_mean = float(policy.regional_min_mean)
    session.execute(update(Transfer).where(Transfer.status == "draft", Transfer.proposal_run_id.is_not(None))
                    .values(status="rejected", closing_note=f"superseded by {run_id or 'a newer run'}",
                            closed_by=ACTOR, closed_at=now).execution_options(synchronize_session=False))
    if targets is None:
        targets = base_stock_targets(session, now, cover_factor=cover_factor, min_mean=min_mean, policy=policy)
    if not targets:
        return []
    hq = hq_code(session)
    skus = {sku for _, sku in targets}
    position = defaultdict(int)
    available = defaultdict(int)
    holders: dict[str, list[str]] = defaultdict(list)  # warehouses with stock of a sku
    for warehouse, sku, on_hand, reserved, in_transit in session.connection().execute(
            select(StockBalance.warehouse_code, StockBalance.sku, StockBalance.on_hand, StockBalance.reserved,
                   StockBalance.in_transit)
            .where((StockBalance.on_hand > 0) | (StockBalance.in_transit > 0))):  # reserved <= on_hand
        if sku in skus:
            position[(warehouse, sku)] = on_hand - reserved + in_transit
            available[(warehouse, sku)] = on_hand - reserved
            holders[sku].append(warehouse)
    national = defaultdict(float)
    for (_, sku), target in targets.items():
        national[sku] += target
    cost = {(f, t): int(c * 100) for f, t, c in session.execute(
        select(Lane.from_code, Lane.to_code, Lane.unit_cost).where(Lane.to_kind == "warehouse"))}
    by_sku: dict[str, dict[str, int]] = defaultdict(dict)
    for (w, sku), target in targets.items():
        by_sku[sku][w] = target
    drafts = []
    for sku in sorted(by_sku):
        sku_targets = by_sku[sku]
        gaps = {w: t - position[(w, sku)] for w, t in sku_targets.items() if t > position[(w, sku)]}
        if not gaps:
            continue
        supply = {}
        keep = hq_keep.get(sku, 0) if hq_keep is not None else math.ceil(national[sku] * policy.hq_keep_days / 10)
        hq_spare = available[(hq, sku)] - keep
        if hq_spare > 0:
            supply[hq] = hq_spare
        # surplus above target lends laterally; under a stock plan that includes the warehouses it
        # no longer uses for the sku (their target is 0), so stock left from an earlier placement moves
        lenders = holders.get(sku, ()) if hq_keep is not None else sku_targets
        for w in lenders:
            target = sku_targets.get(w, 0)
            if w != hq and w not in gaps and available[(w, sku)] - target > 0:
                supply[w] = min(available[(w, sku)] - target, position[(w, sku)] - target)
        supply = {w: q for w, q in supply.items() if q > 0}
        shares = {w: (sku_targets[w] - gap, sku_targets[w]) for w, gap in gaps.items()} if FAIR_SHARE else None
        for source, dest, qty in _least_cost_moves(supply, gaps, cost, shares=shares):
            drafts.append(Proposal(transfers.new_transfer_id(), source, dest, sku, qty))
    rows = [{"id": d.id, "from_warehouse": d.from_warehouse, "to_warehouse": d.to_warehouse, "sku": d.sku,
             "qty": d.qty, "qty_received": 0, "status": "draft", "reason": f"raise {d.to_warehouse} to its base-stock target",
             "created_by": ACTOR, "created_at": now, "proposal_run_id": run_id} for d in drafts]
    bulk.insert_rows(session, Transfer.__table__, rows)  # a national night proposes thousands
    return drafts


@dataclass(frozen=True)
class Proposal:
    """A drafted transfer (the row is in `transfer` with status draft)."""

    id: str
    from_warehouse: str
    to_warehouse: str
    sku: str
    qty: int


def _least_cost_moves(supply: dict[str, int], demand: dict[str, int], cost: dict,
                      shares: dict[str, tuple[int, int]] | None = None) -> list[tuple[str, str, int]]:
    """Max flow from supply to demand at least lane cost (a transportation problem).

    `shares` (each sink's position and target) ration a shortage fairly: a unit that lifts a
    sink from a lower share of its target comes first, whatever the lanes cost (`_fair_tiers`).
    Without it the cheapest lanes took all of a short sku and the far holders got none, though
    a first unit at an empty hub serves more lines than a fifth at a full one. When supply covers
    every gap the tiers all fill and the least lane cost decides, as before."""
    if shares is not None:
        tiers = _fair_tiers(demand, shares)
        step = max((cost[(s, d)] for s in supply for d in demand if (s, d) in cost), default=0) + 1
        tier_cost = {(s, (d, k)): cost[(s, d)] + k * step for s in supply for d, k in tiers if (s, d) in cost}
        moves = defaultdict(int)
        for source, (dest, _), qty in _least_cost_moves(supply, tiers, tier_cost):
            moves[(source, dest)] += qty
        return [(source, dest, qty) for (source, dest), qty in sorted(moves.items())]
    if not supply:
        return []
    sources, sinks = sorted(supply), sorted(demand)
    tails, heads, caps, costs = [], [], [], []
    for i, s in enumerate(sources):
        for j, d in enumerate(sinks):
            if (s, d) in cost:
                tails.append(i)
                heads.append(len(sources) + j)
                caps.append(min(supply[s], demand[d]))
                costs.append(cost[(s, d)])
    if not tails:
        return []
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(np.array(tails), np.array(heads), np.array(caps), np.array(costs))
    for i, s in enumerate(sources):
        flow.set_node_supply(i, supply[s])
    for j, d in enumerate(sinks):
        flow.set_node_supply(len(sources) + j, -demand[d])
    if flow.solve_max_flow_with_min_cost() != flow.OPTIMAL:
        return []
    moves = []
    for arc in arcs:
        qty = int(flow.flow(arc))
        if qty > 0:
            moves.append((sources[flow.tail(arc)], sinks[flow.head(arc) - len(sources)], qty))
    return moves


def _fair_tiers(demand: dict[str, int], shares: dict[str, tuple[int, int]]) -> dict[tuple[str, int], int]:
    """Each sink's gap cut into `FAIR_TIERS` bands by the share of its target a unit lifts it
    from: the unit from position p counts in band floor(FAIR_TIERS x p / target), the last band
    open above."""
    tiers = {}
    for sink, gap in demand.items():
        position, target = shares[sink]
        low, high = max(0, position), max(0, position) + gap
        for k in range(FAIR_TIERS):
            start = -(-k * target // FAIR_TIERS)  # the first p in band k: ceil(k x target / FAIR_TIERS)
            end = -(-(k + 1) * target // FAIR_TIERS) if k < FAIR_TIERS - 1 else high
            units = min(end, high) - max(start, low)
            if units > 0:
                tiers[(sink, k)] = units
    return tiers
