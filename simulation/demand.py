"""Daily parts demand of the demo network: how many lines, which sku, which service point, who asks.

A Poisson draw per (point, sku) would be 60 million draws a day nationally. Instead the day's
line count is drawn from the network's rate, the hidden truth of `truth.Truth` (HQ's
`annual_demand` estimate times the sku's and region's multipliers, ramps, fades and summer
amplitude), then each line picks its (sku, region) by that rate and its service point within
the region by population weight. Every random number of a day comes from a Generator seeded
with (seed, day), drawn in a fixed order, so every policy meets exactly the same demand
(common random numbers) and a run is reproducible.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from inventory.demo import PROVINCES

from .appliances import APPLIANCE_COLUMNS
from .calendar import START
from .truth import Truth

DEMAND_STREAM = 11
QTY_CHOICES = (1, 2, 3)
QTY_WEIGHTS = (0.90, 0.08, 0.02)
MEAN_QTY = float(np.dot(QTY_CHOICES, QTY_WEIGHTS))
DEALER_SHARE = 0.5         # of the demand of a point that has a dealer, the share the dealer orders
TICKET_SHARE = 0.75        # of a point's own requisitions, those for a repair ticket (the engine decides if free)
APPLIANCE_STREAM = 12      # the tickets' appliances (`appliances`): a stream of its own
WORK_HOURS = (8.0, 20.0)   # Beijing hours in which service points requisition parts
DEALER_ORDER_HOUR = 17.0   # dealers send one consolidated order per ship-to point a day
RANDOM_COLUMNS = 12        # uniforms per line for its ticket and return story (see `tickets`)


@dataclass(frozen=True)
class DayDemand:
    """The lines of one day, as arrays of equal length (sorted by time of day)."""

    sku: np.ndarray          # index into Demand.skus
    point: np.ndarray        # index into Demand.points
    qty: np.ndarray
    hour: np.ndarray         # Beijing hour of day the requisition is submitted
    dealer: np.ndarray       # index into Demand.dealers, -1 for the point's own requisition
    ticketed: np.ndarray     # bool: a repair ticket (with its appliance) behind the line
    u: np.ndarray            # (n, RANDOM_COLUMNS) uniforms for the ticket and return story
    appliance_u: np.ndarray  # (n, APPLIANCE_COLUMNS) uniforms for the ticket's appliance

    def __len__(self) -> int:
        return len(self.sku)


class Demand:
    """The demand model of one world (already restricted to the simulated skus): the hidden
    truth, and how a day's lines are drawn from it."""

    def __init__(self, world: dict, seed: int, start=None):
        self.seed = seed
        self.start = start or START
        parts = world["parts"]
        self.skus = [p["sku"] for p in parts]
        self.unit_cost = np.array([float(p["unit_cost"]) for p in parts])
        self.returnable = np.array([bool(p.get("returnable")) for p in parts])
        self.family = [p.get("family") or "unspecified" for p in parts]
        points = world["service_points"]
        self.points = [p["code"] for p in points]
        self.point_weight = _population_weights(points)
        self.regions = sorted({p["center"] for p in points})
        region_of = {c: r for r, c in enumerate(self.regions)}
        self.point_region = np.array([region_of[p["center"]] for p in points])
        share = np.bincount(self.point_region, weights=self.point_weight, minlength=len(self.regions))
        self.truth = Truth.draw(parts, self.regions, share, seed, self.start)
        self._order, self._cdf = _points_by_region(self.point_region, self.point_weight)
        self.dealers = [d["code"] for d in world["dealers"]]
        dealer_of = {sp: i for i, d in enumerate(world["dealers"]) for sp in d["ship_to"]}
        self.point_dealer = np.array([dealer_of.get(code, -1) for code in self.points])

    def rate(self, day: int) -> np.ndarray:
        """Expected units per sku on a day (the truth, all regions)."""
        return self.truth.national(day)

    def day(self, day: int) -> DayDemand:
        rng = np.random.default_rng([self.seed, DEMAND_STREAM, day])
        rate = self.truth.rate(day).ravel()
        total = float(rate.sum())
        n = int(rng.poisson(total / MEAN_QTY)) if total > 0 else 0
        cell = rng.choice(len(rate), size=n, p=rate / total) if n else np.zeros(0, np.int64)
        sku, region = np.divmod(cell, len(self.regions))
        within = np.searchsorted(self._cdf, region + rng.random(n), side="right")
        point = self._order[np.minimum(within, len(self._order) - 1)]
        qty = rng.choice(QTY_CHOICES, size=n, p=QTY_WEIGHTS)
        hour = rng.uniform(*WORK_HOURS, size=n)
        via_dealer = (self.point_dealer[point] >= 0) & (rng.random(n) < DEALER_SHARE)
        ticketed = rng.random(n) < TICKET_SHARE
        u = rng.random((n, RANDOM_COLUMNS))
        dealer = np.where(via_dealer, self.point_dealer[point], -1)
        hour = np.where(via_dealer, DEALER_ORDER_HOUR, hour)
        order = np.argsort(hour, kind="stable")
        appliance_u = np.random.default_rng([self.seed, APPLIANCE_STREAM, day]).random((n, APPLIANCE_COLUMNS))
        return DayDemand(sku[order], point[order], qty[order], hour[order], dealer[order],
                         ticketed[order] & (dealer[order] < 0), u[order], appliance_u[order])


def _points_by_region(region: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points sorted by region, and a cumulative weight that runs from r to r + 1 within region r,
    so `searchsorted(cdf, r + u)` picks a point of region r by weight."""
    order = np.lexsort((np.arange(len(region)), region))
    cdf = np.empty(len(order))
    for r in np.unique(region):
        members = order[region[order] == r]
        at = np.searchsorted(region[order], r)
        cdf[at:at + len(members)] = r + np.cumsum(weight[members]) / weight[members].sum()
    return order, cdf


def _population_weights(points: list[dict]) -> np.ndarray:
    """Each point's share of demand: its province's population split evenly over the province's points."""
    population = {p.name: p.population_m for p in PROVINCES}
    per_province = Counter(p["province"] for p in points)
    weight = np.array([population.get(p["province"], 1.0) / per_province[p["province"]] for p in points])
    return weight / weight.sum()


def strata(parts: list[dict], share: float, seed: int, offset: int | None = None) -> list[tuple[int, list[int]]]:
    """A stratified 1-in-k sample of the catalogue: (sampled index, indices of its stratum), in
    stratum order.

    Skus of a season sorted by demand form strata of k neighbours; one per stratum is taken at a
    seeded offset (or the one given), so head and tail, summer and flat parts are all
    represented. Skus never share stock, lanes carry no capacity and every rule (allocation,
    re-plan, base-stock targets, replenishment) works sku by sku, so a sampled sku behaves
    exactly as it would among all the others; it stands for its stratum in estimates for the
    whole catalogue (`estimate`).
    """
    if share >= 1.0:
        return [(i, [i]) for i in range(len(parts))]
    k = max(1, round(1.0 / share))
    order = sorted(range(len(parts)), key=lambda i: (parts[i].get("season") or "",
                                                     -float(parts[i].get("annual_demand") or 0), parts[i]["sku"]))
    if offset is None:
        offset = int(np.random.default_rng([seed, 7]).integers(k))
    groups = []
    for season in sorted({parts[i].get("season") or "" for i in order}):  # no stratum mixes seasons
        members = [i for i in order if (parts[i].get("season") or "") == season]
        groups += [members[start:start + k] for start in range(0, len(members), k)]
    return [(g[min(offset, len(g) - 1)], g) for g in groups]


def ratio_weights(parts: list[dict], groups: list[tuple[int, list[int]]], size: np.ndarray,
                  fallback: dict[str, float] | None = None) -> dict[str, float]:
    """Each sampled sku's weight: its stratum's total of `size` over its own (a ratio estimator).
    When its own size is zero: its weight in `fallback`, else the stratum's count of skus."""
    weights = {}
    for pick, members in groups:
        own, sku = float(size[pick]), parts[pick]["sku"]
        if own > 0:
            weights[sku] = float(size[members].sum()) / own
        else:
            weights[sku] = (fallback or {}).get(sku, float(len(members)))
    return weights


def stratum_totals(parts: list[dict], groups: list[tuple[int, list[int]]], size: np.ndarray) -> dict[str, float]:
    return {parts[pick]["sku"]: float(size[members].sum()) for pick, members in groups}


@dataclass(frozen=True)
class Sample:
    """The sampled skus and how many skus' worth each stands for: `weights` by annual demand
    (lines, backorders, transfer cost), `stock_weights` its stratum's count of skus (stock);
    `stratum` its stratum's rank; `stratum_demand` and `stratum_stock` its stratum's total demand
    and count (for the error)."""

    skus: list[str]
    weights: dict[str, float]
    stock_weights: dict[str, float]
    stratum: dict[str, int]
    share: float
    stratum_demand: dict[str, float]
    stratum_stock: dict[str, float]


def sample(parts: list[dict], share: float, seed: int, offset: int | None = None) -> Sample:
    groups = strata(parts, share, seed, offset)
    demand = np.array([float(p.get("annual_demand") or 0.0) for p in parts])
    weights = ratio_weights(parts, groups, demand)
    # stock counts by design (each sku for its stratum's count): a ratio to the opening stock
    # would be biased under a policy that re-places stock, and a plan on the sample, which sees
    # these weights as the price of a sku's stock, would then shun whatever opens with little
    counts = stratum_totals(parts, groups, np.ones(len(parts)))
    return Sample([parts[pick]["sku"] for pick, _ in groups], weights, counts,
                  {parts[pick]["sku"]: rank for rank, (pick, _) in enumerate(groups)}, min(share, 1.0),
                  stratum_totals(parts, groups, demand), counts)


def sample_skus(parts: list[dict], share: float, seed: int) -> tuple[list[dict], dict[str, float]]:
    """The sampled skus (catalogue order) and their weights by annual demand."""
    groups = strata(parts, share, seed)
    demand = np.array([float(p.get("annual_demand") or 0.0) for p in parts])
    return [parts[i] for i in sorted(pick for pick, _ in groups)], ratio_weights(parts, groups, demand)
