"""The stock plan from the database (库存计划): master data, lanes and requisition history in,
a forecast and a placement out. The thin adapter around the pure `forecast` and `placement`.

What the plan may know is what the database holds: parts with HQ's estimates and season
labels, the network and its lanes, the policy, and every requisition line so far. It reads
nothing else (a simulated year keeps its truth to itself).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import time
from collections.abc import Callable

from inventory import bulk, supersession
from inventory.business_calendar import BUSINESS_TZ, local as _local
from inventory.catalog import Part
from inventory.db import retry_while_database_away, transaction, utcnow
from inventory.network import Lane, ServicePoint, Warehouse, hq_code
from inventory.planning import (FAIL_RETRY_SECONDS, StockPlanRecord, StockPlanRun, StockTarget, claim,
                                get_plan_run, latest_plan, mark_plan_running, owns, rmb)
from inventory.policy import Policy, load_policy
from inventory.requisitions.models import Allocation, Requisition, RequisitionLine
from inventory.warehouses.models import StockBalance

from . import forecast, placement
from .heartbeat import Heartbeat

HISTORY_DAYS = 365
LAST_WAVE_HOUR = 17.0         # lines after the last pick wave of the day wait for the morning's
NIGHTLY_WAIT_DAYS = 0.5       # a unit used today is asked for at the next night's transfer run
POINT_PRIOR_LINES = 50.0      # a region's split over its points before history: equal, worth this many lines
QTY_PRIOR_LINES = 100.0
CARRIER_DAYS = 90            # how far back parcels tell how late carriers run
CARRIER_SAMPLE = 5000
CARRIER_MIN_SAMPLE = 50
PROMPT_HOURS = 8.0           # a parcel that left within this of its reservation was due at its eta
WAVE_WAIT_MAX_HOURS = 24.0   # a line that waited longer than this beyond PROMPT_HOURS waited for stock, not a wave
LEARN_WAITS = True           # reach uses the pick-wave waits history shows (placement.reach `waits`)
KEEP_HUB_SETS = True         # a hub set the last plan used stays while nearly as good (placement.holder_sets)
MIN_SKUS_PER_SET = 3         # a set of holders counts as the last plan's hub set when this many skus used it
MIN_PLACED_SHARE = 0.75      # the self-correction never places less than this share of the budget
MAX_PLACED_SHARE = 1.0       # ... nor more than this (1.25 measured worse: January wound the control up, spring cut it)
LEARN_HELD_RATIO = True      # ... times how far the stock held has run under the plans' expectation (`held_ratio`)
HELD_RATIO_PLANS = 8         # ... the median of this many latest plans' ratios
MIN_HELD_RATIO = 0.9         # ... never taken below this (the ceiling at most 1 / 0.9 of the budget)
HELD_ON_HAND = True          # the stock held the control runs on is on hand only, as the budget's average counts it
HELD_UNDER_AT_CEILING = False  # ... and while the stock held is under the budget the plan places that ceiling at once
PLACED_GAIN = 0.25           # ... and moves by (budget / held) to this power a plan (docs/planning.md: 0.5
                             # cut 37 % by March while purchases already ordered still landed)
COUNT_STOCK_IN_PLACE = True  # the placement counts what each warehouse already holds (placement.Instance.held)
SPREAD_EXCESS = True         # HQ's stock above the last plan's levels is spread over the year it drains in
EXCESS_HORIZON_DAYS = 365.0  # ... (`useful_budget`: the control then runs on the stock the plan wants)
DEPLOY_SPARE = False         # ... and the placement may move that excess to regional holders at no cost (`Instance.spare`)
FIRST_PLAN_DRAFT = True      # ... and the first plan, with no last plan, measures the opening's excess against a draft of itself
BUDGET_YEAR = True           # ... and the excess's share of the budget is what it takes of the calendar year's average
                             # (earlier plans' excess included), not of a rolling year ahead
SEASON_ELASTICITY = 0.0      # the week's budget follows the season's demand value to this power (0: flat; see
                             # seasonal_budget: 1.0 measured no better in the national year)


@dataclass(frozen=True)
class Inputs:
    """Everything the plan is made from, read in one short transaction."""

    skus: list[str]
    unit_cost: np.ndarray
    prior_rate: np.ndarray
    summer: np.ndarray
    regions: list[str]
    network: placement.Network
    history: forecast.History
    qty_shares: tuple[float, ...]
    evening_share: float
    today_doy: int


@dataclass(frozen=True)
class Targets:
    """What a plan tells the nights and HQ's buying: regional levels for the transfers, what HQ
    keeps back from them, and the network level per sku HQ buys up to."""

    regional: dict[tuple[str, str], int]
    hq_keep: dict[str, int]
    echelon: dict[str, int]


@dataclass(frozen=True)
class StockPlan:
    """A plan: what it was made from, the forecast, the placement, and the budget it was asked
    to keep (the placement's own budget is what `placed_budget` let it place)."""

    inputs: Inputs
    forecast: forecast.Forecast
    placement: placement.Plan
    budget: float
    week_budget: float        # the budget's share for this week of the year (`seasonal_budget`)
    excess_value: float | None = None   # RMB of HQ's stock above every level of the last plan (`hq_excess`)
    held_value: float | None = None     # RMB the self-correction took as held (`useful_budget`)

    def targets(self) -> Targets:
        return Targets(self.regional_targets(), self.hq_keep(), self.echelon())

    def regional_targets(self) -> dict[tuple[str, str], int]:
        hq = self.inputs.network.warehouses[self.inputs.network.hq]
        return {key: qty for key, qty in self.placement.targets().items() if key[0] != hq}

    def hq_keep(self) -> dict[str, int]:
        """Units HQ keeps back from transfers per sku: its own points' base stock when HQ holds the
        sku for them (`through`); a `reserve` is there to refill the regional warehouses."""
        hq = self.inputs.network.hq
        column = self.placement.target[:, hq]
        return {self.inputs.skus[j]: int(column[j]) for j in np.flatnonzero(column)
                if self.placement.mode[j] == "through"}

    def echelon(self) -> dict[str, int]:
        """Per sku the network's order-up-to position for HQ's purchases: every holder's level."""
        totals = self.placement.target.sum(axis=1)
        return {sku: int(t) for sku, t in zip(self.inputs.skus, totals.tolist())}


def read_inputs(session: Session, now: datetime, policy: Policy) -> Inputs:
    parts = session.execute(select(Part.sku, Part.unit_cost, Part.annual_demand, Part.season).order_by(Part.sku)).all()
    skus = [p.sku for p in parts]
    regions, net, point_index = _network(session, policy)
    hist, qty_shares, evening, point_lines = _history(session, now, {s: j for j, s in enumerate(skus)}, point_index,
                                                      net.point_region,
                                                      supersession.final_successors(supersession.load(session)))
    share = _point_share(net.point_region, point_lines, len(regions))
    net = placement.Network(net.warehouses, net.hq, net.point_region, share, net.n_regions, net.hours, net.cost,
                            net.transfer_days, net.supplier_days, _late_ratios(session, now),
                            float(policy.purchase_review_days), _waits(session, now) if LEARN_WAITS else None)
    return Inputs(skus, np.array([float(p.unit_cost) for p in parts]),
                  np.array([float(p.annual_demand or 0.0) / 365.0 for p in parts]),
                  np.array([p.season == "summer" for p in parts]), regions, net, hist, qty_shares, evening,
                  _local(now).timetuple().tm_yday)


@dataclass(frozen=True)
class Request:
    """What one plan is made from, all read from the database in one short transaction, so the
    solve (minutes for the national catalogue) holds no transaction open."""

    inputs: Inputs
    budget: float
    last: StockPlanRecord | None
    held: float
    held_units: np.ndarray | None    # (sku, warehouse) on hand + in transit - reserved
    min_order: np.ndarray
    weights: np.ndarray | None
    stock_weights: np.ndarray | None
    promise_hours: float
    previous_sets: dict[int, np.ndarray] | None = None   # the hub sets the last plan used
    last_levels: np.ndarray | None = None                # per sku the last plan's network level (echelon)
    year_spent: float = 0.0      # RMB x days of HQ excess the budget year's earlier plans found (`year_so_far`)
    year_days_left: float = EXCESS_HORIZON_DAYS
    year_days: float | None = None
    held_ratio: float = 1.0      # stock held against the plans' expectation (`held_ratio`)


def read_request(session: Session, now: datetime, policy: Policy, *, budget: float | None = None,
                 weights: dict[str, float] | None = None,
                 stock_weights: dict[str, float] | None = None) -> Request:
    """Read everything a plan needs (see `make_plan`)."""
    inputs = read_inputs(session, now, policy)
    pick = (lambda table: None if table is None else np.array([table.get(s, 1.0) for s in inputs.skus]))
    last = latest_plan(session)
    if last is not None:
        session.expunge(last)
    levels = plan_levels(session, last.id) if last is not None and (KEEP_HUB_SETS or SPREAD_EXCESS) else None
    return Request(inputs, float(policy.stock_budget if budget is None else budget), last,
                   stock_held(session, stock_weights), held_units(session, inputs.skus, inputs.network.warehouses)
                   if COUNT_STOCK_IN_PLACE else None, _least_purchase(session, inputs.skus), pick(weights),
                   pick(stock_weights), float(policy.promise_hours),
                   previous_hub_sets(levels, inputs.network) if KEEP_HUB_SETS and levels is not None else None,
                   previous_levels(levels, inputs.skus) if SPREAD_EXCESS and levels is not None else None,
                   *(year_so_far(session, now) if BUDGET_YEAR else (0.0, EXCESS_HORIZON_DAYS, None)),
                   held_ratio(session, inputs.network.supplier_days) if LEARN_HELD_RATIO else 1.0)


def solve_request(request: Request) -> StockPlan:
    """Forecast and place: pure, no database."""
    inputs = request.inputs
    points_per_region = np.bincount(inputs.network.point_region, minlength=len(inputs.regions)).astype(float)
    fc = forecast.fit(inputs.history, inputs.prior_rate, inputs.summer, points_per_region, inputs.today_doy)
    horizon = max(1, int(np.ceil(inputs.network.supplier_days)))
    rate = fc.units(horizon) / horizon
    week_budget = seasonal_budget(request.budget, fc, horizon, inputs.unit_cost, request.stock_weights)
    def at(placed: float, spare: np.ndarray | None) -> placement.Instance:
        return placement.Instance(inputs.network, inputs.skus, inputs.unit_cost, rate, placed,
                                  min_order=request.min_order, qty_shares=inputs.qty_shares,
                                  promise_hours=request.promise_hours, evening_share=inputs.evening_share,
                                  dispersion=fc.dispersion, weight=request.weights,
                                  stock_weight=request.stock_weights, held=request.held_units,
                                  previous_sets=request.previous_sets,
                                  spare=spare if DEPLOY_SPARE else None)

    budget, held, spare, levels, excess_value = week_budget, request.held, None, request.last_levels, None
    if levels is None and request.last is None and SPREAD_EXCESS and FIRST_PLAN_DRAFT and request.held_units is not None:
        levels = placement.solve(at(week_budget, None)).target.sum(axis=1)   # the opening's draft
    if levels is not None and request.held_units is not None:
        value = inputs.unit_cost * (1.0 if request.stock_weights is None else request.stock_weights)
        spare = hq_excess(request.held_units, inputs.network.hq, levels)
        budget, held = useful_budget(week_budget, request.held, spare, rate.sum(axis=1), value,
                                     horizon=request.year_days_left, spent=request.year_spent,
                                     year_days=request.year_days)
        excess_value = float(value @ spare)
    placed = placed_budget(budget, request.last, held, ceiling=MAX_PLACED_SHARE / request.held_ratio)
    return StockPlan(inputs, fc, placement.solve(at(placed, spare)), request.budget, week_budget, excess_value, held)


def make_plan(session: Session, now: datetime, policy: Policy, *, budget: float | None = None,
              weights: dict[str, float] | None = None, stock_weights: dict[str, float] | None = None) -> StockPlan:
    """Forecast and place under `budget` (default the policy's `stock_budget`), spread over the
    year by the season (`seasonal_budget`) and corrected by how the stock held ran against the
    last plan (`placed_budget`). `weights` say how many skus each sku stands for when the
    catalogue is a sample (a simulation)."""
    return solve_request(read_request(session, now, policy, budget=budget, weights=weights,
                                      stock_weights=stock_weights))


def seasonal_budget(budget: float, fc: forecast.Forecast, horizon: int, unit_cost: np.ndarray,
                    stock_weight: np.ndarray | None = None, *, elasticity: float | None = None) -> float:
    """The budget is a year's average stock, so a week's share of it follows the season: the
    value of the demand expected over the coming lead time against the year's average, both at
    cost. A constant price of an on-time line across the year would hold stock in proportion to
    the demand it serves; a fixed weekly budget starves the summer, when twice the lines come,
    and idles in winter. The season curve averages to 1 over a year, so the year's mean stays
    the budget."""
    value = unit_cost * (1.0 if stock_weight is None else stock_weight)
    year = float(value @ (fc.level * fc.share.sum(axis=1)))
    if year <= 0:
        return budget
    ahead = float(value @ fc.units(horizon).sum(axis=1)) / horizon
    return budget * (ahead / year) ** (SEASON_ELASTICITY if elasticity is None else elasticity)


def placed_budget(budget: float, last: StockPlanRecord | None, held: float, *,
                  ceiling: float = MAX_PLACED_SHARE) -> float:
    """The budget to place this week. The model's stock on hand is an expectation; what the
    network really holds also carries what it opened with, minimum orders, stock a lower target
    strands regionally. So the plan corrects itself: it places what the last plan placed (its
    expected stock), times how far the budget is from the stock held now to the power
    PLACED_GAIN (a damped integral control), between MIN_PLACED_SHARE (three quarters) and
    MAX_PLACED_SHARE of it. Power and floor are low and high because held stock
    answers late: it falls only as lines sell it, and what earlier plans ordered still lands,
    so a steep cut starves the parts that do need buying while the excess sits. A ceiling above
    the budget (1.25) let January's low useful stock wind the control up (32 M placed, 40 M held
    in February) and spring cut it again: measured worse, so the ceiling is the budget, divided
    by how far held stock has run under the plans' expectation (`held_ratio`, `ceiling`)."""
    if last is None or held <= 0 or not last.stock_value:
        return budget
    factor = float(last.stock_value) / budget * (budget / held) ** PLACED_GAIN
    if HELD_UNDER_AT_CEILING and held < budget:
        factor = ceiling
    return budget * float(np.clip(factor, MIN_PLACED_SHARE, max(ceiling, MIN_PLACED_SHARE)))


def held_ratio(session: Session, settle_days: float) -> float:
    """How far the stock held runs under what the plans expect: per plan, the stock its
    self-correction ran on (`held_value`) over the expected stock of the plan before it, the
    median of the latest `HELD_RATIO_PLANS`, between MIN_HELD_RATIO and 1 (1 with none).

    The model's expectation is an average over the replenishment cycle; the network holds less
    (lines of several units, minimum orders that land late, stock in the wrong place), about 4 %
    less in the national year. With the ceiling at the budget the plans then keep the year under
    it. A pair counts only once the plan before had `settle_days` (a purchase's lead time) after
    the first plan: until then what it asked for is still being bought (January's ratios are 0.6),
    and counting that would wind the control up."""
    first = session.scalar(select(func.min(StockPlanRecord.created_at)))
    if first is None:
        return 1.0
    rows = session.execute(select(StockPlanRecord.created_at, StockPlanRecord.stock_value,
                                  StockPlanRecord.held_value)
                           .order_by(StockPlanRecord.created_at.desc()).limit(HELD_RATIO_PLANS + 1)).all()[::-1]
    settled = first + timedelta(days=settle_days)
    ratios = [float(after.held_value) / float(before.stock_value) for before, after in zip(rows, rows[1:])
              if after.held_value is not None and before.stock_value and before.created_at >= settled]
    return float(np.clip(np.median(ratios), MIN_HELD_RATIO, 1.0)) if ratios else 1.0


def hq_excess(held_units: np.ndarray, hq: int, levels: np.ndarray) -> np.ndarray:
    """Per sku the units HQ holds that no level of the last plan wants: the network's units
    (on hand and on their way, less reserved) above the plan's levels summed over its holders,
    as far as HQ holds them (regional stock above its level the placement already counts)."""
    return np.minimum(np.maximum(held_units.sum(axis=1) - levels, 0.0), held_units[:, hq])


def useful_budget(budget: float, held: float, excess: np.ndarray, rate: np.ndarray, value: np.ndarray, *,
                  horizon: float = EXCESS_HORIZON_DAYS, spent: float = 0.0,
                  year_days: float | None = None) -> tuple[float, float]:
    """The budget and the stock held with HQ's excess (`hq_excess`) taken out, for
    `placed_budget` to run on.

    The network opens with stock the plan does not want (HQ's long tail), and a first plan buys
    what it lacks on top; that excess sells down only as lines take it. Run on the whole stock,
    the self-correction cuts the parts that need buying while the excess sits, and the network
    then holds too little once it has sold (the spring trough). Instead each sku's excess E is
    taken as draining at the sku's demand r: its average over the horizon H is E - rH/2 when it
    lasts the whole horizon, E^2 / 2rH otherwise. That average leaves the budget, the excess
    held now leaves the stock held, and the control keeps the stock the plan wants at what the
    budget has left (never below half the budget)."""
    lasting = rate * horizon
    average = np.where(excess >= lasting, excess - lasting / 2,
                       excess ** 2 / (2 * np.where(lasting > 0, lasting, 1.0)))
    average = np.where(lasting > 0, average, excess)
    share = float(value @ average) if year_days is None else (spent + float(value @ average) * horizon) / year_days
    return max(budget - share, budget / 2), max(held - float(value @ excess), 0.0)


def year_so_far(session: Session, now: datetime) -> tuple[float, float, float]:
    """The budget year (the Beijing calendar year) at `now`: the RMB x days of HQ excess its plans
    so far found (each plan's `excess_value` until the next plan, the last one until now; plans
    that recorded none count as none), the days left and the year's length."""
    year = _local(now).year
    start, end = (datetime(y, 1, 1, tzinfo=BUSINESS_TZ) for y in (year, year + 1))
    rows = session.execute(select(StockPlanRecord.created_at, StockPlanRecord.excess_value)
                           .where(StockPlanRecord.created_at >= start, StockPlanRecord.created_at < now)
                           .order_by(StockPlanRecord.created_at)).all()
    day = 86400.0
    times = [r.created_at for r in rows] + [now]
    spent = sum(float(r.excess_value or 0) * (times[k + 1] - r.created_at).total_seconds() / day
                for k, r in enumerate(rows))
    return spent, (end - now).total_seconds() / day, (end - start).total_seconds() / day


def plan_levels(session: Session, plan_id: int) -> list[tuple[str, str, int, int]]:
    """A kept plan's (warehouse, sku, level, keep) rows: what the next plan, the nights and HQ's
    buying read back (`previous_hub_sets`, `previous_levels`, `saved_targets`)."""
    return [tuple(row) for row in session.execute(
        select(StockTarget.warehouse_code, StockTarget.sku, StockTarget.level, StockTarget.keep)
        .where(StockTarget.plan_id == plan_id))]


def previous_levels(rows: list[tuple[str, str, int, int]], skus: list[str]) -> np.ndarray:
    """Per sku the last plan's levels (`plan_levels`) summed over its holders (what HQ buys up to)."""
    index = {s: j for j, s in enumerate(skus)}
    levels = np.zeros(len(skus))
    for _, sku, level, _ in rows:
        if sku in index:
            levels[index[sku]] += float(level or 0)
    return levels


def stock_held(session: Session, stock_weights: dict[str, float] | None = None, *,
               on_hand_only: bool | None = None) -> float:
    """RMB at cost across the network (a sample: each sku for its stratum): on hand, as the
    budget's average counts stock (HELD_ON_HAND), or on hand and in transit. Counting the
    units on a lorry as held kept the year about 0.3 M under its budget."""
    weight = stock_weights or {}
    units = StockBalance.on_hand if (HELD_ON_HAND if on_hand_only is None else on_hand_only) \
        else StockBalance.on_hand + StockBalance.in_transit
    rows = session.execute(select(Part.sku, Part.unit_cost, func.sum(units))
                           .join(StockBalance, StockBalance.sku == Part.sku).group_by(Part.sku, Part.unit_cost))
    return float(sum(weight.get(sku, 1.0) * float(cost) * units for sku, cost, units in rows))


def held_units(session: Session, skus: list[str], warehouses: list[str]) -> np.ndarray:
    """(sku, warehouse) units each warehouse holds for new lines: on hand and on its way there,
    less what is reserved for lines already taken."""
    sku_index = {s: j for j, s in enumerate(skus)}
    w_index = {w: i for i, w in enumerate(warehouses)}
    held = np.zeros((len(skus), len(warehouses)))
    for w, sku, units in session.execute(
            select(StockBalance.warehouse_code, StockBalance.sku,
                   StockBalance.on_hand + StockBalance.in_transit - StockBalance.reserved)):
        if sku in sku_index and w in w_index and units > 0:
            held[sku_index[sku], w_index[w]] = units
    return held


def _least_purchase(session: Session, skus: list[str]) -> np.ndarray:
    """Per sku the least one purchase brings from the supplier HQ buys it from (minimum order,
    whole packs); 1 where no supplier is known."""
    from inventory.purchasing.service import best_terms, order_qty

    terms = best_terms(session, set(skus))
    return np.array([order_qty(1, terms[s]) if s in terms else 1 for s in skus], dtype=float)


def _network(session: Session, policy: Policy) -> tuple[list[str], placement.Network, dict[str, int]]:
    warehouses = session.execute(select(Warehouse.code, Warehouse.kind).order_by(Warehouse.code)).all()
    codes = [w.code for w in warehouses]
    hq = next(i for i, w in enumerate(warehouses) if w.kind == "hq")
    points = session.execute(select(ServicePoint.code, ServicePoint.center_code).order_by(ServicePoint.code)).all()
    regions = sorted({p.center_code for p in points})
    region_of = {c: r for r, c in enumerate(regions)}
    point_index = {p.code: i for i, p in enumerate(points)}
    w_index = {c: i for i, c in enumerate(codes)}
    hours = np.full((len(codes), len(points)), np.inf)
    cost = np.full_like(hours, np.inf)
    transfer = np.zeros(len(codes))
    for src, dst, kind, h, c in session.execute(select(Lane.from_code, Lane.to_code, Lane.to_kind, Lane.hours,
                                                       Lane.unit_cost)):
        if src not in w_index:
            continue
        if kind == "service_point" and dst in point_index:
            hours[w_index[src], point_index[dst]] = h
            cost[w_index[src], point_index[dst]] = float(c)
        elif kind == "warehouse" and src == codes[hq] and dst in w_index:
            transfer[w_index[dst]] = NIGHTLY_WAIT_DAYS + h / 24.0
    supplier = float(policy.supplier_lead_days) + float(policy.purchase_review_days)
    net = placement.Network(codes, hq, np.array([region_of[p.center_code] for p in points], dtype=np.int64),
                            np.ones(len(points)), len(regions), hours, cost, transfer, supplier)
    return regions, net, point_index


def _history(session: Session, now: datetime, sku_index: dict[str, int], point_index: dict[str, int],
             point_region: np.ndarray, finals: dict[str, str] | None = None):
    """The requisition lines of the last year as a forecast.History, the share of lines of 1, 2
    and 3+ units, the share that came after the last pick wave, and lines per point. A replaced
    sku's lines count for its final successor (`finals`, 替代件): that is the part to stock."""
    finals = finals or {}
    since = now - timedelta(days=HISTORY_DAYS)
    rows = session.execute(
        select(Requisition.created_at, Requisition.service_point_code, RequisitionLine.sku, RequisitionLine.qty)
        .join(Requisition, Requisition.id == RequisitionLine.requisition_id)
        .where(Requisition.created_at >= since, Requisition.created_at < now)).all()
    today = _local(now).date()
    age, sku, region, qty = [], [], [], []
    point_lines = np.zeros(len(point_region))
    sizes = np.zeros(3)
    evening = first = 0
    for created, point, part, units in rows:
        part = finals.get(part, part)
        if part not in sku_index or point not in point_index:
            continue
        local = _local(created)
        a = (today - local.date()).days
        if a < 1:
            continue
        p = point_index[point]
        age.append(a)
        sku.append(sku_index[part])
        region.append(point_region[p])
        qty.append(float(units))
        point_lines[p] += 1
        sizes[min(units, 3) - 1] += 1
        evening += local.hour + local.minute / 60 >= LAST_WAVE_HOUR
        first = max(first, a)
    n = len(age)
    history = forecast.History(np.array(age, np.int64), np.array(sku, np.int64), np.array(region, np.int64),
                               np.array(qty), min(first, HISTORY_DAYS)) if n else forecast.History.empty()
    prior = np.array(placement.QTY_SHARES)
    shares = (sizes + QTY_PRIOR_LINES * prior) / (n + QTY_PRIOR_LINES)
    evening_share = (evening + QTY_PRIOR_LINES * placement.EVENING_SHARE) / (n + QTY_PRIOR_LINES)
    return history, tuple(shares.tolist()), float(evening_share), point_lines


def previous_hub_sets(rows: list[tuple[str, str, int, int]], net: placement.Network) -> dict[int, np.ndarray]:
    """The hub sets the last plan used, read back from its levels (`plan_levels`): per size k of
    `HUB_SIZES`, the set of k regional warehouses most skus were held at (HQ aside: it holds
    reserves too)."""
    hq = net.warehouses[net.hq]
    index = {code: w for w, code in enumerate(net.warehouses)}
    held: dict[str, set[str]] = {}
    for code, sku, level, _ in rows:
        if level > 0 and code != hq:
            held.setdefault(sku, set()).add(code)
    counts = Counter(frozenset(codes) for codes in held.values() if len(codes) in placement.HUB_SIZES)
    out: dict[int, np.ndarray] = {}
    for codes, n in counts.most_common():
        if n >= MIN_SKUS_PER_SET and len(codes) not in out and all(c in index for c in codes):
            mask = np.zeros(len(net.warehouses), bool)
            mask[[index[c] for c in codes]] = True
            out[len(codes)] = mask
    return out


def _late_ratios(session: Session, now: datetime) -> np.ndarray | None:
    """How late parcels landed against their lane, as a share of its hours, sorted: from the
    parcels of the last `CARRIER_DAYS` that left within the handling time (so landing at the
    reservation's eta was the plan); None while there are too few to say."""
    since = now - timedelta(days=CARRIER_DAYS)
    rows = session.execute(
        select(Allocation.created_at, Allocation.shipped_at, Allocation.eta, Allocation.delivered_at,
               Allocation.lane_hours)
        .where(Allocation.delivered_at.is_not(None), Allocation.delivered_at >= since, Allocation.delivered_at < now)
        .order_by(Allocation.delivered_at.desc()).limit(CARRIER_SAMPLE)).all()
    ratios = [(delivered - eta).total_seconds() / 3600 / hours for created, shipped, eta, delivered, hours in rows
              if hours and shipped - created <= timedelta(hours=PROMPT_HOURS)]
    return np.sort(np.array(ratios)) if len(ratios) >= CARRIER_MIN_SAMPLE else None


def _waits(session: Session, now: datetime) -> np.ndarray | None:
    """How long lines waited for their pick wave beyond the handling time: from submit to the
    parcel leaving, less PROMPT_HOURS, for the parcels of the last `CARRIER_DAYS` that left
    within a day of that (longer, the line waited for stock). What the waves really are, the
    dealers' 17:00 orders included, is what history shows; None while there are too few."""
    since = now - timedelta(days=CARRIER_DAYS)
    rows = session.execute(
        select(Allocation.shipped_at, Requisition.created_at)
        .join(RequisitionLine, RequisitionLine.id == Allocation.line_id)
        .join(Requisition, Requisition.id == RequisitionLine.requisition_id)
        .where(Allocation.shipped_at.is_not(None), Allocation.shipped_at >= since, Allocation.shipped_at < now)
        .order_by(Allocation.shipped_at.desc()).limit(CARRIER_SAMPLE)).all()
    waits = np.array([(shipped - created).total_seconds() / 3600 - PROMPT_HOURS for shipped, created in rows])
    waits = np.maximum(waits[waits <= WAVE_WAIT_MAX_HOURS], 0.0) if len(waits) else waits
    return waits if len(waits) >= CARRIER_MIN_SAMPLE else None


def _point_share(point_region: np.ndarray, lines: np.ndarray, n_regions: int) -> np.ndarray:
    """Each point's share of its region's demand: its lines, with an equal split as the prior."""
    count = np.bincount(point_region, minlength=n_regions).astype(float)
    region_lines = np.bincount(point_region, weights=lines, minlength=n_regions)
    prior = POINT_PRIOR_LINES / count[point_region]
    return (lines + prior) / (region_lines[point_region] + POINT_PRIOR_LINES)


# -- the plan in the database: the nights and the buying follow the latest one -----------------

def save(session: Session, plan: StockPlan, *, actor: str, now: datetime) -> StockPlanRecord:
    """Record the plan and its levels (one row per warehouse and sku it holds)."""
    p = plan.placement
    record = StockPlanRecord(created_at=now, created_by=actor, budget=rmb(plan.budget),
                             placed_budget=rmb(p.budget), stock_value=rmb(p.stock_value),
                             expected_on_time_rate=p.on_time_rate,
                             upper_bound_rate=p.upper_bound / p.demand if p.demand else 1.0, gap=p.gap,
                             seconds=p.seconds, forecast_units_per_day=p.demand,
                             excess_value=None if plan.excess_value is None else rmb(plan.excess_value),
                             held_value=None if plan.held_value is None else rmb(plan.held_value))
    session.add(record)
    session.flush()
    keep = plan.hq_keep()
    hq = plan.inputs.network.warehouses[plan.inputs.network.hq]
    rows = [{"plan_id": record.id, "warehouse_code": w, "sku": sku, "level": level,
             "keep": keep.get(sku, 0) if w == hq else 0} for (w, sku), level in p.targets().items()]
    bulk.insert_rows(session, StockTarget.__table__, rows)
    return record


def saved_targets(session: Session) -> Targets | None:
    """The latest plan's targets, or None before the first plan."""
    record = latest_plan(session)
    if record is None:
        return None
    hq = hq_code(session)
    regional, keep, echelon = {}, {}, {}
    for warehouse, sku, level, kept in plan_levels(session, record.id):
        echelon[sku] = echelon.get(sku, 0) + level
        if warehouse == hq:
            if kept:
                keep[sku] = kept
        else:
            regional[(warehouse, sku)] = level
    return Targets(regional, keep, echelon)


def plan_and_propose(session: Session, now: datetime, policy: Policy, *, actor: str,
                     budget: float | None = None) -> tuple[StockPlanRecord, list]:
    """The weekly job: make the plan, keep it, and propose HQ's purchase orders up to it."""
    return keep_and_propose(session, make_plan(session, now, policy, budget=budget), actor=actor, now=now)


def keep_and_propose(session: Session, plan: StockPlan, *, actor: str, now: datetime) -> tuple[StockPlanRecord, list]:
    """Keep a plan made and propose HQ's purchase orders up to it."""
    from inventory.purchasing import service as purchasing

    record = save(session, plan, actor=actor, now=now)
    orders = purchasing.propose(session, plan.echelon(), actor=actor, now=now)
    return record, orders


def execute_plan_run(sessions: sessionmaker, run_id: int, *, now: datetime | None = None,
                     task_id: str | None = None) -> StockPlanRun:
    """Make, keep and buy to the plan a run asks for (the weekly job's `plan_and_propose`) and
    record how it went. The inputs are read in one short transaction and the plan is solved with
    none open, with a heartbeat on the run (`optimizer.heartbeat`); keeping it locks the run
    again. A run this start may not take (`planning.claim`: done, failed, or running under another
    task message) is left as it is, so a second message for it does nothing; its own message
    redelivered redoes it (a twin solving at the same time finds it done and keeps nothing); a run
    the sweep sent again while this start was silent is no longer its own (`planning.owns`), and
    it keeps nothing; a failure marks the run failed (if still its own) and is raised again."""
    with sessions() as session, transaction(session):
        run = get_plan_run(session, run_id, lock=True)
        if not claim(run, task_id):
            return run
        mark_plan_running(run)
        budget = None if run.budget is None else float(run.budget)
        actor = run.created_by
    try:
        now = now or utcnow()
        with Heartbeat(sessions, StockPlanRun, run_id, task_id):
            with sessions() as session, transaction(session):
                request = read_request(session, now, load_policy(session), budget=budget)
            plan = solve_request(request)
        with sessions() as session, transaction(session):
            run = get_plan_run(session, run_id, lock=True)   # a twin delivery waits here, then finds it done
            if not owns(run, task_id):
                return run
            record, orders = keep_and_propose(session, plan, actor=actor, now=now)
            run.status, run.finished_at, run.plan_id = "done", utcnow(), record.id
            run.purchase_orders_proposed = len(orders)
        return run
    except Exception as exc:
        fail_plan_run(sessions, run_id, exc, task_id=task_id, claimed=True)
        raise


def fail_plan_run(sessions: sessionmaker, run_id: int, exc: BaseException | str, *, claimed: bool = False,
                  task_id: str | None = None, retry_seconds: float = FAIL_RETRY_SECONDS,
                  sleep: Callable[[float], None] = time.sleep) -> None:
    """Mark a run failed with why (unless it got done meanwhile). A start that had `claimed` it
    (as `task_id`) fails it only while it still has it: once the sweep sent it again, it is the
    next start's. Waits for a database that went away, as `optimizer.runs.fail_run` does."""
    def record() -> None:
        with sessions() as session, transaction(session):
            run = get_plan_run(session, run_id, lock=True)
            if claimed and not owns(run, task_id):
                return
            if run.status != "done":
                run.status, run.finished_at = "failed", utcnow()
                run.error = (exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}")[:2000]

    retry_while_database_away(record, seconds=retry_seconds, sleep=sleep)
