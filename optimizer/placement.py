"""Stock placement (库存布局): base-stock levels per warehouse and sku under a stock budget.

The model (docs/planning.md): a service point's line is on time when a warehouse whose lane
reaches the point within the promise holds the units. For each sku the planner picks a
*holder set* (HQ alone, the k warehouses whose 48-hour reach covers most demand, or every
warehouse), a *mode* for HQ (`reserve`: HQ keeps a reserve so regional stock is refilled
within its transfer time; `through`: HQ keeps none and regional stock waits for the supplier)
and a base-stock level S per holder. Each point is served by its best holder (in time first,
then cheapest); a holder's lead-time demand is Poisson, so a line of q units finds stock with
probability P(D <= S - q) and the expected stock on hand is E[(S - D)+].

Maximise the expected on-time units a day subject to the expected on-hand value at cost <= the
budget: a Lagrangian relaxation of the budget makes the skus independent; each sku's best
option for a price mu per RMB is read off precomputed curves, mu is found by bisection, the
skus closest to the margin are then switched greedily to spend what is left, and the dual
value min over mu of (sum of the skus' best - mu x cost) + mu x budget bounds the optimum from
above, so every plan carries its optimality gap.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from time import perf_counter

import numpy as np
from scipy.special import betainc, pdtr

PROMISE_HOURS = 48.0
EVENING_SHARE = 0.25          # lines that come after the last pick wave and wait for the morning one
EVENING_EXTRA_HOURS = (5.0, 8.0)  # how much longer than the handling time such a line waits
HUB_SIZES = (1, 2, 3, 4, 5, 7, 10)
HQ_RESERVE_FILL = 0.97        # in `reserve` mode: HQ's reserve finds stock this often over its lead time
QTY_SHARES = (0.90, 0.08, 0.02)  # lines of 1, 2, 3 units (a prior; the planner learns it from history)
GRID = 33                     # base-stock levels tried per (sku, holder): 0..32, or around the mean
BISECTIONS = 60
MODES = ("through", "reserve")
NIGHTLY_BATCH_DAYS = 1.0      # a holder HQ refills every night gets a day's demand at a time
CELL_BLOCK = 100_000          # cells whose curves are computed at once
BACKUP_FILL = 0.0             # how often another in-time holder has the units when a point's own is out (lateral service)
DRAIN_DAYS = 28.0             # stock above a holder's level that its own demand sells within this is not surplus
HQ_SPARE_IN_PLACE = False     # HQ's stock beyond its reserve counts as already at the option's regional holders
KEEP_SETS_WITHIN = 0.001      # the last plan's hub set stays while it covers within this share of demand of the new one


@dataclass(frozen=True)
class Network:
    """Where stock can sit and how fast it reaches the points.

    `hours`/`cost`: lane hours and RMB per unit from each warehouse to each point (inf: none);
    `point_share`: each point's share of its region's demand; `transfer_days`: HQ to each
    warehouse, counted until the units are on its shelf (0 for HQ); `supplier_days`: HQ's
    supplier lead time plus its review period."""

    warehouses: list[str]
    hq: int
    point_region: np.ndarray
    point_share: np.ndarray
    n_regions: int
    hours: np.ndarray
    cost: np.ndarray
    transfer_days: np.ndarray
    supplier_days: float
    late_ratios: np.ndarray | None = None   # parcels' lateness / lane hours from history, sorted
    review_days: float = 7.0                # HQ buys this often: a holder refilled from a purchase gets a week's batch
    waits: np.ndarray | None = None         # hours lines waited for their pick wave beyond the handling time, from history


@dataclass(frozen=True)
class Instance:
    network: Network
    skus: list[str]
    unit_cost: np.ndarray        # RMB at cost
    rate: np.ndarray             # (sku, region) expected units a day over the coming lead times
    budget: float                # RMB of expected stock on hand at cost
    qty_shares: tuple[float, ...] = QTY_SHARES
    promise_hours: float = PROMISE_HOURS
    evening_share: float = EVENING_SHARE
    dispersion: np.ndarray | None = None    # per sku: relative variance of the forecast rate (0: known)
    min_order: np.ndarray | None = None     # per sku: the least a purchase brings (supplier's minimum, pack)
    weight: np.ndarray | None = None        # per sku: how many skus it stands for (a sample), else 1
    stock_weight: np.ndarray | None = None  # the same for its stock value
    held: np.ndarray | None = None          # (sku, warehouse) units already there: on hand + in transit - reserved
    previous_sets: dict[int, np.ndarray] | None = None  # hub sets (size: warehouse mask) the last plan used
    spare: np.ndarray | None = None         # per sku whole units at HQ no level wants, paid for already: a
                                            # regional holder's level up to its share of them costs nothing

    def surplus_value(self) -> np.ndarray | None:
        """(sku, warehouse) RMB of the stock already at each regional warehouse, stock-weighted;
        HQ's is left out: it feeds transfers and purchases, so no choice of holders strands it."""
        if self.held is None:
            return None
        value = np.asarray(self.held, float) * (self.weights()[1] * self.unit_cost)[:, None]
        value[:, self.network.hq] = 0.0
        return value

    def weights(self) -> tuple[np.ndarray, np.ndarray]:
        ones = np.ones(len(self.skus))
        return (ones if self.weight is None else np.asarray(self.weight, float),
                ones if self.stock_weight is None else np.asarray(self.stock_weight, float))


@dataclass
class Plan:
    """Base stock per (sku, warehouse); what the model expects of it; the bound and the gap."""

    skus: list[str]
    warehouses: list[str]
    target: np.ndarray           # (sku, warehouse) base-stock levels (HQ: its reserve or its own level)
    holders: list[str]           # per sku: "hq", "hubs:k" or "all"
    mode: list[str]              # per sku: "through" or "reserve"
    expected_on_time: float      # units a day
    demand: float                # units a day
    stock_value: float           # expected RMB on hand
    upper_bound: float           # units a day no plan within the budget can beat
    budget: float
    price: float = 0.0           # the budget's Lagrange multiplier: on-time units a day per RMB
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def on_time_rate(self) -> float:
        return self.expected_on_time / self.demand if self.demand else 1.0

    @property
    def gap(self) -> float:
        """Share of the bound the plan may still be below the optimum."""
        return (self.upper_bound - self.expected_on_time) / self.upper_bound if self.upper_bound > 0 else 0.0

    def targets(self) -> dict[tuple[str, str], int]:
        rows, cols = np.nonzero(self.target)
        return {(self.warehouses[w], self.skus[j]): int(self.target[j, w]) for j, w in zip(rows, cols)}


# -- the network's side: reach, holder sets, who serves whom ---------------------------------

def reach(hours: np.ndarray, promise: float = PROMISE_HOURS, evening_share: float = EVENING_SHARE,
          late_ratios: np.ndarray | None = None, waits: np.ndarray | None = None) -> np.ndarray:
    """Share of a lane's lines that arrive within the promise. Before history: all within promise
    minus the longest evening wait, none beyond the promise, and between them the lines that came
    before the last pick wave plus the evening lines whose wait still fits. With `waits` (the
    hours each line waited for its wave beyond the handling time, as history shows them: the
    dealers' 17:00 orders wait the whole night, a late afternoon line less, most lines nothing)
    the waits are that sample instead of `evening_share` spread over 5-8 h; with `late_ratios`
    (parcels' lateness over their lane hours, sorted) a lane is on time as often as its parcels'
    lateness fits in what the lane leaves of the promise after the wait."""
    hours = np.asarray(hours, dtype=float)
    if late_ratios is None or len(late_ratios) == 0:
        if waits is None or len(waits) == 0:
            low, high = EVENING_EXTRA_HOURS
            slack = promise - hours
            late_evening = np.clip((high - slack) / (high - low), 0.0, 1.0)
            return np.where(slack >= 0, 1.0 - evening_share * late_evening, 0.0)
        late_ratios = np.zeros(1)
    finite = np.isfinite(hours) & (hours > 0)
    safe = np.where(finite, hours, 1.0)

    def on_time(wait: float) -> np.ndarray:
        allowed = (promise - safe - wait) / safe
        return np.searchsorted(late_ratios, allowed, side="right") / len(late_ratios)

    if waits is None or len(waits) == 0:
        evening = np.mean([on_time(w) for w in np.linspace(*EVENING_EXTRA_HOURS, 4)], axis=0)
        share = (1 - evening_share) * on_time(0.0) + evening_share * evening
    else:
        values, counts = np.unique(np.round(np.asarray(waits, float) * 4) / 4, return_counts=True)
        share = sum(c * on_time(float(w)) for w, c in zip(values, counts)) / counts.sum()
    return np.where(finite, share, 0.0)


def holder_sets(net: Network, region_weight: np.ndarray, evening_share: float = EVENING_SHARE,
                promise: float = PROMISE_HOURS, previous: dict[int, np.ndarray] | None = None,
                keep_within: float = KEEP_SETS_WITHIN, rho: np.ndarray | None = None) -> list[tuple[str, np.ndarray]]:
    """Candidate holder sets: HQ alone, the greedy best k hubs by covered demand, every warehouse.
    `previous` (size: mask) are the hub sets the last plan used: one is kept while it covers
    within `keep_within` of the new greedy set's demand, because stock sits at its members and a
    set that changes a member strands it for every sku the set holds (a week's noise in the
    regions' demand swaps members of near-equal sets). `rho`: the lanes' reach, if computed."""
    rho = lane_reach(net, evening_share, promise) if rho is None else rho
    weight = region_weight[net.point_region] * net.point_share
    chosen: list[int] = []
    covered = np.zeros(len(weight))
    sets = [("hq", _mask(net, [net.hq]))]
    for size in range(1, min(max(HUB_SIZES), len(net.warehouses)) + 1):
        gains = [(float((weight * np.maximum(covered, rho[w])).sum()), -w) for w in range(len(net.warehouses))
                 if w not in chosen]
        best = -max(gains)[1]
        chosen.append(best)
        covered = np.maximum(covered, rho[best])
        if size in HUB_SIZES:
            mask = _mask(net, chosen)
            kept = (previous or {}).get(size)
            if kept is not None and kept.shape == mask.shape and not kept[net.hq] and not mask[net.hq]:
                old = float((weight * np.where(kept[:, None], rho, 0.0).max(axis=0)).sum())
                if old >= float((weight * covered).sum()) - keep_within * float(weight.sum()):
                    mask = kept
            sets.append((f"hubs:{size}", mask))
    sets.append(("all", np.ones(len(net.warehouses), bool)))
    unique, seen = [], set()
    for name, mask in sets:
        if mask.tobytes() not in seen:
            seen.add(mask.tobytes())
            unique.append((name, mask))
    return unique


def _mask(net: Network, members: list[int]) -> np.ndarray:
    mask = np.zeros(len(net.warehouses), bool)
    mask[members] = True
    return mask


def lane_reach(net: Network, evening_share: float = EVENING_SHARE, promise: float = PROMISE_HOURS) -> np.ndarray:
    """(warehouse, point) reach of the network's lanes with what history says of carriers and waits."""
    return reach(net.hours, promise, evening_share, net.late_ratios, net.waits)


def _servers(net: Network, holders: np.ndarray, evening_share: float, promise: float,
             rho: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each lane's reach, and each point's serving holder: the best reach, then the cheapest lane;
    a point no holder reaches in time goes to the fastest. `rho`: the lanes' reach, if computed."""
    rho = lane_reach(net, evening_share, promise) if rho is None else rho
    finite_hours = np.where(np.isfinite(net.hours), net.hours, 1e6)
    finite_cost = np.where(np.isfinite(net.cost), net.cost, 1e6)
    score = np.where(rho > 0, rho * 1e9 - finite_cost, -finite_hours * 1e3)
    return rho, np.where(holders[:, None], score, -np.inf).argmax(axis=0)


def service(net: Network, holders: np.ndarray, evening_share: float = EVENING_SHARE,
            promise: float = PROMISE_HOURS, rho: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(served, on_time), each (region, warehouse): the share of a region's demand each holder
    serves, and the share it can deliver within the promise. A point goes to its holder with
    the best reach, then the cheapest lane; a point no holder reaches in time to the fastest."""
    rho, server = _servers(net, holders, evening_share, promise, rho)
    points = np.arange(len(server))
    served = np.zeros((net.n_regions, len(net.warehouses)))
    on_time = np.zeros_like(served)
    np.add.at(served, (net.point_region, server), net.point_share)
    np.add.at(on_time, (net.point_region, server), net.point_share * rho[server, points])
    return served, on_time


def backup(net: Network, holders: np.ndarray, evening_share: float = EVENING_SHARE,
           promise: float = PROMISE_HOURS, rho: np.ndarray | None = None) -> np.ndarray:
    """(region, warehouse): of the demand each holder serves, the share another holder can still
    deliver within the promise when it is out (the best reach among the other holders). The
    allocation takes any warehouse in time with the units, so a line its own holder cannot fill
    is not lost where a second one reaches its point."""
    rho, server = _servers(net, holders, evening_share, promise, rho)
    points = np.arange(len(server))
    others = np.where(holders[:, None], rho, 0.0)
    others[server, points] = 0.0
    second = others.max(axis=0)
    out = np.zeros((net.n_regions, len(net.warehouses)))
    np.add.at(out, (net.point_region, server), net.point_share * np.minimum(second, rho[server, points]))
    return out


# -- the stock side: Poisson base stock on a grid --------------------------------------------

def cdf(k: np.ndarray, mean: np.ndarray, dispersion: np.ndarray | float = 0.0) -> np.ndarray:
    """P(D <= k) for lead-time demand D with `mean` and variance mean + dispersion x mean^2:
    Poisson when the rate is known, negative binomial (a Gamma-distributed rate) when it is
    uncertain; 0 for k < 0."""
    k, mean = np.asarray(k), np.asarray(mean, dtype=float)
    dispersion = np.broadcast_to(np.asarray(dispersion, dtype=float), np.broadcast(k, mean).shape)
    kk = np.maximum(k, 0)
    poisson = pdtr(kk, mean)
    shape = 1.0 / np.maximum(dispersion, 1e-12)
    with np.errstate(invalid="ignore", divide="ignore"):
        negbin = betainc(shape, kk + 1.0, shape / (shape + mean))
    out = np.where(dispersion > 1e-9, negbin, poisson)
    return np.where(k >= 0, np.where(mean > 0, out, 1.0), 0.0)


def grid(mean: np.ndarray, dispersion: np.ndarray | float = 0.0) -> np.ndarray:
    """Base-stock levels tried per cell: 0..GRID-1 for small means, else 0 and a band around the mean."""
    mean = np.asarray(mean, dtype=float)
    sd = np.sqrt(mean + np.asarray(dispersion, dtype=float) * mean ** 2)
    small = np.arange(GRID)[None, :].repeat(len(mean), axis=0)
    z = np.linspace(-3.0, 5.0, GRID - 1)
    band = np.maximum(0, np.round(mean[:, None] + z[None, :] * sd[:, None]))
    big = np.concatenate([np.zeros((len(mean), 1)), band], axis=1)
    return np.where((mean + 5 * sd <= GRID - 1)[:, None], small, big).astype(np.int64)


def fill(levels: np.ndarray, mean: np.ndarray, qty_shares, dispersion: np.ndarray | float = 0.0) -> np.ndarray:
    """Share of lines of 1, 2, ... units that find them with base stock `levels`: P(D <= S - q)."""
    out = np.zeros(np.broadcast(levels, mean).shape)
    for q, p in enumerate(qty_shares, start=1):
        out += p * cdf(levels - q, mean, dispersion)
    return out


def on_hand(levels: np.ndarray, mean: np.ndarray, dispersion: np.ndarray | float = 0.0) -> np.ndarray:
    """E[(S - D)+] = S F(S-1) - m G(S-2): G is D's distribution with one more unit of shape at the
    same odds (d P(D = d) = m G(d - 1)); for Poisson, G = F."""
    dispersion = np.asarray(dispersion, dtype=float)
    uncertain = dispersion > 1e-9
    shape = 1.0 / np.maximum(dispersion, 1e-12)
    f1 = cdf(levels - 1, mean, dispersion)
    f2 = cdf(levels - 2, np.where(uncertain, mean * (shape + 1.0) / shape, mean),
             np.where(uncertain, 1.0 / (shape + 1.0), 0.0))
    return np.maximum(levels * f1 - mean * f2, 0.0)


def reserve_level(mean: np.ndarray, target: float = HQ_RESERVE_FILL, dispersion: np.ndarray | float = 0.0) -> np.ndarray:
    """Least R with P(D <= R - 1) >= target (HQ's reserve in `reserve` mode); 0 without demand."""
    mean = np.asarray(mean, dtype=float)
    dispersion = np.broadcast_to(np.asarray(dispersion, dtype=float), mean.shape)
    sd = np.sqrt(mean + dispersion * mean ** 2)
    level = np.maximum(np.floor(mean - 4 * sd), 0).astype(np.int64)
    need = (mean > 0) & (cdf(level - 1, mean, dispersion) < target)
    while need.any():
        level = np.where(need, level + np.maximum(1, (sd / 4).astype(np.int64)), level)
        need = (mean > 0) & (cdf(level - 1, mean, dispersion) < target)
    return level


# -- the optimisation ------------------------------------------------------------------------

@dataclass
class _Cells:
    """Every (sku, option, holder) with its curve of gain and cost over the grid of levels."""

    sku: np.ndarray
    option: np.ndarray
    warehouse: np.ndarray
    levels: np.ndarray      # (cell, GRID)
    gain: np.ndarray        # on-time units a day
    cost: np.ndarray        # RMB on hand


@dataclass
class _Options:
    sku: np.ndarray
    holders: np.ndarray     # index into the holder sets
    mode: np.ndarray        # index into MODES
    fixed_gain: np.ndarray  # HQ's reserve serving its own points, in `reserve` mode
    fixed_cost: np.ndarray
    reserve: np.ndarray     # HQ's reserve level


def build(inst: Instance) -> tuple[list[tuple[str, np.ndarray]], _Options, _Cells]:
    net = inst.network
    region_weight = inst.rate.sum(axis=0)
    region_weight = region_weight / region_weight.sum() if region_weight.sum() > 0 else region_weight
    rho = lane_reach(net, inst.evening_share, inst.promise_hours)   # once: with waits it loops over them
    sets = holder_sets(net, region_weight, inst.evening_share, inst.promise_hours, inst.previous_sets, rho=rho)
    n = len(inst.skus)
    national = inst.rate.sum(axis=1)
    hq_mean = national * net.supplier_days
    weight, stock_weight = inst.weights()
    spread = np.zeros(n) if inst.dispersion is None else np.asarray(inst.dispersion, dtype=float)
    reserve = reserve_level(hq_mean, dispersion=spread)
    # a reserve refilled once a review holds half a review's demand on average beyond its safety
    reserve_cost = stock_weight * inst.unit_cost * (on_hand(reserve, hq_mean, spread)
                                                    + np.where(reserve > 0, national * net.review_days / 2, 0.0))
    reserve_fill = weight * fill(reserve, hq_mean, inst.qty_shares, spread)
    o_sku, o_set, o_mode, o_gain, o_cost, o_res = [], [], [], [], [], []
    c_sku, c_opt, c_w, c_tau, c_mean, c_cycle = [], [], [], [], [], []
    # a purchase brings at least the supplier's minimum: what it adds beyond a review's demand
    # stays on hand, half of it on average, whatever holds the sku; a sku not held is not bought
    least = np.zeros(n) if inst.min_order is None else np.asarray(inst.min_order, dtype=float)
    batch_extra = stock_weight * inst.unit_cost * np.maximum(least - national * net.review_days, 0.0) / 2
    o_sku.append(np.arange(n))
    o_set.append(np.full(n, -1))
    o_mode.append(np.zeros(n, np.int64))
    o_gain.append(np.zeros(n))
    o_cost.append(np.zeros(n))
    o_res.append(np.zeros(n, np.int64))
    # stock already at a regional warehouse stays there whatever the plan says, unless the plan's
    # own demand sells it: a holder's level above it uses it, a warehouse the option leaves out
    # strands all of it (its value counts against the budget with nothing to show for it)
    surplus = inst.surplus_value()
    held = None if surplus is None else np.asarray(inst.held, float)
    if surplus is not None:
        o_cost[0] = o_cost[0] + surplus.sum(axis=1)
    # HQ's own stock beyond the reserve an option keeps is already paid for: the nights' transfers
    # take it to the option's regional holders, so it counts as held there in proportion to what
    # each sends (a level up to it costs nothing more), and as stranded at HQ where none serves
    hq_units = None if held is None or not HQ_SPARE_IN_PLACE else np.maximum(held[:, net.hq], 0.0)
    unit_value = stock_weight * inst.unit_cost
    if hq_units is not None:
        o_cost[0] = o_cost[0] + hq_units * unit_value
    c_held, c_lam, c_free = [], [], []
    spare_units = None if inst.spare is None else np.maximum(np.floor(np.asarray(inst.spare, float)), 0.0)
    for s, (_, holders) in enumerate(sets):
        served, on_time = service(net, holders, inst.evening_share, inst.promise_hours, rho)
        lam = inst.rate @ served      # (sku, warehouse) units a day each holder sends
        tau = inst.rate @ on_time     # of which on time when it has the stock
        # of which another holder lands in time when this one is out: a holder with stock level S
        # delivers tau x fill(S) + BACKUP_FILL x tau2 x (1 - fill(S)) on time
        tau2 = BACKUP_FILL * (inst.rate @ backup(net, holders, inst.evening_share, inst.promise_hours, rho)) \
            if BACKUP_FILL > 0 else np.zeros_like(tau)
        # what each regional holder sends: HQ's spare is shared out in proportion to it
        regional = None
        if hq_units is not None or spare_units is not None:
            regional = np.where(holders[None, :], lam, 0.0)
            regional[:, net.hq] = 0.0
        free = None if spare_units is None else whole_shares(spare_units, regional)
        for m, mode in enumerate(MODES):
            first = len(o_sku) * n
            o_sku.append(np.arange(n))
            o_set.append(np.full(n, s))
            o_mode.append(np.full(n, m))
            with_hq = holders[net.hq] and mode == "reserve"
            lateral = weight * (tau2 * ((lam > 0) & holders[None, :])).sum(axis=1)
            o_gain.append(lateral + (tau[:, net.hq] - tau2[:, net.hq]) * reserve_fill if with_hq else lateral)
            stranded = 0.0 if surplus is None else (surplus * (~holders[None, :] | (lam <= 0))).sum(axis=1)
            spare_share = None
            if hq_units is not None:
                spare = np.maximum(hq_units - (reserve if mode == "reserve" else 0), 0.0)
                sends = regional.sum(axis=1)
                spare_share = spare[:, None] * regional / np.where(sends > 0, sends, 1.0)[:, None]
                stranded = stranded + np.where(sends > 0, 0.0, spare * unit_value)
            o_cost.append(batch_extra + stranded + (reserve_cost if mode == "reserve" else 0.0))
            o_res.append(reserve if mode == "reserve" else np.zeros(n, np.int64))
            for w in np.flatnonzero(holders):
                if w == net.hq and mode == "reserve":
                    continue  # HQ's stock is its reserve
                lead = net.supplier_days if w == net.hq else (
                    net.transfer_days[w] + (net.supplier_days if mode == "through" else 0.0))
                # refilled a week's purchase at a time (through, or HQ itself), else night by night
                batch = net.review_days if (mode == "through" or w == net.hq) else NIGHTLY_BATCH_DAYS
                active = np.flatnonzero(lam[:, w] > 0)
                c_sku.append(active)
                c_opt.append(first + active)
                c_w.append(np.full(len(active), w))
                c_tau.append(tau[active, w] - tau2[active, w])
                c_mean.append(lam[active, w] * lead)
                c_cycle.append(lam[active, w] * batch / 2)
                c_lam.append(lam[active, w])
                here = np.zeros(len(active)) if held is None or w == net.hq else held[active, w]
                c_held.append(here if spare_share is None else here + spare_share[active, w])
                c_free.append(np.zeros(len(active)) if free is None else free[active, w])
    options = _Options(np.concatenate(o_sku), np.concatenate(o_set), np.concatenate(o_mode),
                       np.concatenate(o_gain), np.concatenate(o_cost), np.concatenate(o_res))
    sku, mean = np.concatenate(c_sku), np.concatenate(c_mean)
    tau, cycle = np.concatenate(c_tau), np.concatenate(c_cycle)
    # what a holder holds above its level beyond what its demand sells within DRAIN_DAYS
    excess = np.maximum(np.concatenate(c_held) - np.concatenate(c_lam) * DRAIN_DAYS, 0.0)
    free = np.concatenate(c_free) if spare_units is not None else None
    # the curves in blocks, kept as float32 and int32: a national plan has millions of cells,
    # and float64 temporaries over all of them at once took 8 GB
    levels = np.empty((len(sku), GRID), np.int32)
    gain, cost = np.empty(levels.shape, np.float32), np.empty(levels.shape, np.float32)
    for block in range(0, len(sku), CELL_BLOCK):
        b = slice(block, block + CELL_BLOCK)
        j, m, d = sku[b], mean[b][:, None], spread[sku[b]][:, None]
        lv = grid(mean[b], spread[j])
        levels[b] = lv
        gain[b] = (weight[j] * tau[b])[:, None] * fill(lv, m, inst.qty_shares, d)
        paid = on_hand(lv, m, d) + np.where(lv > 0, cycle[b][:, None], 0.0)
        if free is not None:   # the first `free` units of a level are HQ's spare moved here: no new stock
            f = free[b][:, None]
            paid = np.where(lv > f, paid - on_hand(np.minimum(lv, f), m, d), 0.0)
        cost[b] = (stock_weight[j] * inst.unit_cost[j])[:, None] * (paid + np.maximum(excess[b][:, None] - lv, 0.0))
    return sets, options, _Cells(sku, np.concatenate(c_opt), np.concatenate(c_w), levels, gain, cost)


def whole_shares(units: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Split each row's whole `units` over its columns in proportion to `weights`, in whole units
    (largest remainders first): HQ's spare units go to the holders that send the most."""
    sums = weights.sum(axis=1, keepdims=True)
    exact = np.where(sums > 0, units[:, None] * weights / np.where(sums > 0, sums, 1.0), 0.0)
    base = np.floor(exact + 1e-9)
    left = np.where(sums[:, 0] > 0, units - base.sum(axis=1), 0.0)
    order = np.argsort(-(exact - base), axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(weights.shape[1])[None, :].repeat(len(units), axis=0), axis=1)
    return base + ((rank < left[:, None]) & (weights > 0))


def _best(options: _Options, cells: _Cells, n: int, price: float):
    """At a price per RMB: each cell's best level, each option's value, each sku's best option."""
    value = cells.gain - price * cells.cost
    pick = value.argmax(axis=1)
    rows = np.arange(len(pick))
    o_value = options.fixed_gain - price * options.fixed_cost
    o_gain, o_cost = options.fixed_gain.copy(), options.fixed_cost.copy()
    np.add.at(o_value, cells.option, value[rows, pick])
    np.add.at(o_gain, cells.option, cells.gain[rows, pick])
    np.add.at(o_cost, cells.option, cells.cost[rows, pick])
    per_sku = o_value.reshape(-1, n)          # options are laid out option-major, sku-minor
    choice = per_sku.argmax(axis=0)
    chosen = choice * n + np.arange(n)
    return pick, chosen, per_sku.max(axis=0), o_gain, o_cost


def solve(inst: Instance) -> Plan:
    """The best placement the model finds within the budget, with its upper bound."""
    started = perf_counter()
    n, net = len(inst.skus), inst.network
    sets, options, cells = build(inst)

    def at(price):
        pick, chosen, best, o_gain, o_cost = _best(options, cells, n, price)
        return {"price": price, "pick": pick, "chosen": chosen, "gain": float(o_gain[chosen].sum()),
                "cost": float(o_cost[chosen].sum()), "dual": float(best.sum()) + price * inst.budget,
                "o_gain": o_gain, "o_cost": o_cost}

    low = at(0.0)
    bound = low["dual"]
    if low["cost"] <= inst.budget:
        final = low
    else:
        high = at(1e-6)
        for _ in range(30):   # stock already stranded may cost more than the budget: then the least-cost plan
            if high["cost"] <= inst.budget:
                break
            bound = min(bound, high["dual"])
            high = at(high["price"] * 10)
        bound = min(bound, high["dual"])
        for _ in range(BISECTIONS):
            mid = at(np.sqrt(max(low["price"], 1e-12) * high["price"]) if low["price"] > 0 else high["price"] / 10)
            bound = min(bound, mid["dual"])
            if mid["cost"] > inst.budget:
                low = mid
            else:
                high = mid
            if high["price"] - low["price"] < 1e-9 * high["price"]:
                break
        final = _top_up(_spend_the_rest(high, low, options, cells, n, inst.budget), options, cells, inst.budget)
    target = np.zeros((n, len(net.warehouses)), np.int64)
    chosen_mask = np.zeros(len(options.sku), bool)
    chosen_mask[final["chosen"]] = True
    keep = chosen_mask[cells.option]
    rows = np.flatnonzero(keep)
    target[cells.sku[rows], cells.warehouse[rows]] = cells.levels[rows, final["pick"][rows]]
    opt = final["chosen"]
    reserve_mode = options.mode[opt] == MODES.index("reserve")
    target[np.flatnonzero(reserve_mode), net.hq] = options.reserve[opt][reserve_mode]
    return Plan(list(inst.skus), list(net.warehouses), target,
                [sets[s][0] if s >= 0 else "none" for s in options.holders[opt]],
                [MODES[m] if options.holders[o] >= 0 else "none" for o, m in zip(opt, options.mode[opt])],
                final["gain"], float((inst.weights()[0] * inst.rate.sum(axis=1)).sum()), final["cost"], max(bound, final["gain"]), inst.budget,
                price=final["price"], seconds=perf_counter() - started,
                extra={"holder_sets": {name: [net.warehouses[w] for w in np.flatnonzero(mask)] for name, mask in sets}})


def _top_up(final: dict, options: _Options, cells: _Cells, budget: float, steps: int = 2000) -> dict:
    """Spend what the budget still leaves one level at a time, best gain per RMB first, on the
    holders of the chosen options (marginal analysis on what the Lagrangian left)."""
    chosen = np.zeros(len(options.sku), bool)
    chosen[final["chosen"]] = True
    rows = np.flatnonzero(chosen[cells.option])
    pick = final["pick"].copy()
    spare, gain, cost = budget - final["cost"], final["gain"], final["cost"]
    for _ in range(steps):
        now, up = pick[rows], np.minimum(pick[rows] + 1, cells.levels.shape[1] - 1)
        d_gain = cells.gain[rows, up] - cells.gain[rows, now]
        d_cost = cells.cost[rows, up] - cells.cost[rows, now]
        fits = (d_gain > 0) & (d_cost > 0) & (d_cost <= spare) & (up > now)
        if not fits.any():
            break
        best = np.flatnonzero(fits)[np.argmax(d_gain[fits] / d_cost[fits])]
        pick[rows[best]] = up[best]
        spare -= float(d_cost[best])   # the curves are float32; the totals stay Python floats
        gain += float(d_gain[best])
        cost += float(d_cost[best])
    return {**final, "pick": pick, "gain": gain, "cost": cost}


def _spend_the_rest(high: dict, low: dict, options: _Options, cells: _Cells, n: int, budget: float) -> dict:
    """From the feasible solution `high`, switch skus to their choice at the lower price `low`
    (more stock, more gain) in order of gain per RMB while the budget allows."""
    final = dict(high)
    chosen, pick = high["chosen"].copy(), high["pick"].copy()
    d_gain = low["o_gain"][low["chosen"]] - high["o_gain"][high["chosen"]]
    d_cost = low["o_cost"][low["chosen"]] - high["o_cost"][high["chosen"]]
    spare = budget - high["cost"]
    gain, cost = high["gain"], high["cost"]
    order = np.argsort(-(d_gain / np.maximum(d_cost, 1e-9)))
    switched = np.zeros(n, bool)
    for j in order:
        if d_gain[j] <= 0 or d_cost[j] <= 0 or d_cost[j] > spare:
            continue
        spare -= float(d_cost[j])
        gain += float(d_gain[j])
        cost += float(d_cost[j])
        switched[j] = True
    if switched.any():
        chosen[switched] = low["chosen"][switched]
        moved = switched[cells.sku]
        pick[moved] = low["pick"][moved]
    final.update(chosen=chosen, pick=pick, gain=gain, cost=cost)
    return final
