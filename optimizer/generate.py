"""Synthetic allocation instances with a national shape, for tests and the benchmark.

Warehouses sit on a 4,000 x 3,000 km map with HQ near the centre; service points cluster
around their regional warehouse. Lane hours and unit costs grow with distance. Sku demand is
Zipf-like (a few parts make most lines), old lines are heavier and some are already late,
and stock is concentrated at HQ plus the fast movers at the regional warehouses.
Deterministic per seed.
"""
from __future__ import annotations

import numpy as np

MAP_KM = (4000.0, 3000.0)
HQ_XY = (2600.0, 1500.0)
POINT_SPREAD_KM = 250.0
KM_PER_HOUR = 45.0          # door to door, handling included
LANE_HOURS = (6, 96)
LANE_BASE_CENTS = 200
LANE_CENTS_PER_KM = 0.8
PROMISE_HOURS = 48
MEAN_AGE_HOURS = 20.0       # exponential ages: about 9 % of lines are already late
ZIPF_EXPONENT = 1.0


def generate_instance(n_warehouses: int = 36, n_points: int = 3000, n_skus: int = 20000,
                      n_lines: int = 200000, stock_factor: float = 1.0, seed: int = 1) -> dict:
    """An instance-file dict (OPTIMIZER.md) with every warehouse-to-point lane present."""
    rng = np.random.default_rng(seed)
    warehouses = ["HQ"] + [f"W{i:02d}" for i in range(1, n_warehouses)]
    points = [f"SP{i:04d}" for i in range(1, n_points + 1)]
    skus = [f"P{i:05d}" for i in range(1, n_skus + 1)]

    home, hours, cents = _geography(rng, n_warehouses, n_points)
    line_sku, line_point, qty, weight, hours_left = _lines(rng, n_skus, n_points, n_lines)
    stock = _stock(rng, home, line_sku, line_point, qty, n_warehouses, n_skus, stock_factor)

    w_idx, p_idx = np.divmod(np.arange(n_warehouses * n_points), n_points)
    return {
        "params": {"value_on_time": "1000.00", "value_late": "400.00"},
        "stock": [{"warehouse": warehouses[w], "sku": skus[k], "qty": q} for w, k, q in stock],
        "lanes": [{"from": warehouses[w], "to": points[p], "hours": h, "unit_cost": _money(c)}
                  for w, p, h, c in zip(w_idx.tolist(), p_idx.tolist(),
                                        hours.ravel().tolist(), cents.ravel().tolist())],
        "lines": [{"id": f"L{i + 1:06d}", "service_point": points[p], "sku": skus[k], "qty": q,
                   "weight": w, "hours_left": h}
                  for i, (p, k, q, w, h) in enumerate(zip(line_point.tolist(), line_sku.tolist(),
                                                          qty.tolist(), weight.tolist(),
                                                          hours_left.tolist()))],
    }


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _geography(rng, n_warehouses, n_points):
    """Each point's home warehouse, and lane hours and cents as (warehouse, point) matrices."""
    wh = rng.uniform((0.0, 0.0), MAP_KM, size=(n_warehouses, 2))
    wh[0] = HQ_XY
    home = rng.integers(1, n_warehouses, n_points) if n_warehouses > 1 else np.zeros(n_points, int)
    pts = wh[home] + rng.normal(0.0, POINT_SPREAD_KM, size=(n_points, 2))
    km = np.sqrt(((wh[:, None, :] - pts[None, :, :]) ** 2).sum(axis=2))
    hours = np.clip(np.rint(LANE_HOURS[0] + km / KM_PER_HOUR), *LANE_HOURS).astype(np.int64)
    cents = np.rint(LANE_BASE_CENTS + km * LANE_CENTS_PER_KM).astype(np.int64)
    return home, hours, cents


def _lines(rng, n_skus, n_points, n_lines):
    """Open lines: Zipf sku popularity, uneven point activity, weight rising with age."""
    popularity = 1.0 / np.arange(1, n_skus + 1) ** ZIPF_EXPONENT
    line_sku = rng.choice(n_skus, size=n_lines, p=popularity / popularity.sum())
    activity = rng.lognormal(0.0, 0.6, n_points)
    line_point = rng.choice(n_points, size=n_lines, p=activity / activity.sum())
    qty = rng.choice([1, 2, 3, 4], size=n_lines, p=[0.7, 0.2, 0.07, 0.03])
    age = rng.exponential(MEAN_AGE_HOURS, n_lines)
    hours_left = np.rint(PROMISE_HOURS - age).astype(np.int64)
    weight = np.clip(1 + (age // 12).astype(np.int64) + rng.integers(0, 3, n_lines), 1, 10)
    return line_sku, line_point, qty, weight, hours_left


def _stock(rng, home, line_sku, line_point, qty, n_warehouses, n_skus, stock_factor):
    """(warehouse, sku, qty) rows: regionals hold their region's fast movers, HQ the rest."""
    region = home[line_point]
    demand = np.zeros((n_warehouses, n_skus), dtype=np.int64)
    np.add.at(demand, (region, line_sku), qty)
    rank_limit = rng.integers(n_skus // 60 + 1, n_skus // 6 + 2, n_warehouses)
    stocked = np.arange(n_skus)[None, :] < rank_limit[:, None]
    stocked[0] = False
    regional = np.where(stocked, np.rint(demand * rng.uniform(0.6, 1.3, demand.shape)), 0)
    uncovered = demand.sum(axis=0) - np.where(stocked, demand, 0).sum(axis=0)
    hq_share = rng.uniform(0.2, 0.5, n_skus) * demand.sum(axis=0)
    regional[0] = np.rint(uncovered * rng.uniform(0.9, 1.4, n_skus) + hq_share)
    regional[0, rng.random(n_skus) < 0.02] = 0
    qty_wk = np.rint(regional * stock_factor).astype(np.int64)
    w, k = np.nonzero(qty_wk)
    return zip(w.tolist(), k.tolist(), qty_wk[w, k].tolist())
