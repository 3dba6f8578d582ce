"""Demand forecast per sku and region (需求预测): a hierarchical Gamma-Poisson model in numpy.

Spare-parts demand is mostly intermittent (a slow part sells once a month somewhere in the
country), so every sku is a Poisson rate to be learned, not a smooth series to be fitted:

- **Prior.** HQ's master data (`annual_demand`, the `season` label) gives each sku a prior
  mean; how far real demand strays from such estimates is itself learned from the skus with
  plenty of history (empirical Bayes, method of moments), so a new or slow part leans on its
  estimate and a busy one on its own history. A part without an estimate, or whose history
  contradicts it by more than `SURPRISE_Z` standard deviations, gets a weak prior instead.
- **Level.** A conjugate Gamma posterior over the deseasonalised, exponentially weighted
  history (half-life `HALF_LIFE_DAYS`); a change point (the last `RECENT_DAYS` against the
  rest, more than `CHANGE_Z` standard errors apart) switches to the recent rate, so a part of
  a new model ramping up or an old one fading out is followed within weeks.
- **Season.** Parts labelled `summer` swing as 1 + a cos(2 pi (day - 15 July) / 365); the
  amplitude a is fitted over all summer parts together (a weighted regression on the season
  curve) and per part where its own history says more, each shrunk towards the other.
- **Region.** A region's share of a sku is the region's share of all demand (pooled over the
  catalogue, so well known) times a per-(sku, region) factor with its own Gamma posterior.

Statsforecast's intermittent models (Croston, TSB, ADIDA) forecast one national series per
sku at a time and know neither the master-data prior nor the regions; this model is a few
vectorised sums over the history, so 20,000 skus x 32 regions take a second (bench/forecast.py
measures it against the master data and a 28-day moving average).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SUMMER_PEAK_DAY = 196          # 15 July, day of the year
PRIOR_AMPLITUDE = 0.6          # HQ's belief for summer parts before any history
AMPLITUDE_PRIOR_WEIGHT = 4.0   # how many "well-observed summer skus" the prior amplitude is worth
HALF_LIFE_DAYS = 56.0
RECENT_DAYS = 28
CHANGE_Z = 3.0
DEFAULT_SKU_CV2 = 0.25         # before history: estimates off by about half (coefficient of variation 0.5)
DEFAULT_REGION_CV2 = 0.09
CV2_BOUNDS = (0.02, 2.0)
MIN_PRIOR_RATE = 1e-4          # the least estimate taken at its word, units a day
WEAK_PRIOR_SHAPE = 0.5         # a part without an estimate, or one its history contradicts, leans on
SURPRISE_Z = 5.0               # ... its history once it sold this many standard deviations above the estimate


def season_curve(day_of_year: np.ndarray | int) -> np.ndarray:
    return np.cos(2 * np.pi * (np.asarray(day_of_year, dtype=float) - SUMMER_PEAK_DAY) / 365.0)


@dataclass(frozen=True)
class History:
    """Units demanded: one entry per (day, sku, region), `age` days before today (1 = yesterday).
    `days` is how many days of history exist (the exposure, even where nothing was asked)."""

    age: np.ndarray
    sku: np.ndarray
    region: np.ndarray
    qty: np.ndarray
    days: int

    @classmethod
    def empty(cls) -> History:
        z = np.zeros(0, np.int64)
        return cls(z, z, z, z.astype(float), 0)


@dataclass(frozen=True)
class Forecast:
    """Expected units a day per (sku, region): level x region share x season."""

    level: np.ndarray          # (sku,) deseasonalised units a day, all regions
    share: np.ndarray          # (sku, region) share of the sku's demand per region (rows sum to ~1)
    amplitude: np.ndarray      # (sku,) summer swing, 0 for parts without a season
    today_doy: int             # day of the year the forecast was made
    sku_cv2: float             # learned spread of true demand around HQ's estimates
    region_cv2: float
    dispersion: np.ndarray     # (sku,) squared coefficient of variation of a region's rate: what is not yet known

    def rate(self, day_of_year: int) -> np.ndarray:
        """Units a day per (sku, region) on a day of the year."""
        season = 1.0 + self.amplitude * season_curve(day_of_year)
        return (self.level * season)[:, None] * self.share

    def units(self, days: int, start_offset: int = 0) -> np.ndarray:
        """Units per (sku, region) over `days` days starting `start_offset` days from today."""
        doys = (self.today_doy - 1 + start_offset + np.arange(days)) % 365 + 1
        season = 1.0 + self.amplitude[:, None] * season_curve(doys)[None, :]
        return (self.level * season.sum(axis=1))[:, None] * self.share

    def national(self, day_of_year: int) -> np.ndarray:
        return self.rate(day_of_year).sum(axis=1)


def fit(history: History, prior_rate: np.ndarray, summer: np.ndarray, region_prior: np.ndarray,
        today_doy: int) -> Forecast:
    """The forecast made today from the history and the master data.

    `prior_rate`: HQ's estimate in units a day per sku; `summer`: the season label per sku;
    `region_prior`: each region's share of demand before any history (e.g. its share of points)."""
    n, k = len(prior_rate), len(region_prior)
    prior_rate = np.asarray(prior_rate, dtype=float)
    estimated = prior_rate > 0
    typical = float(np.median(prior_rate[estimated])) if estimated.any() else MIN_PRIOR_RATE
    prior_rate = np.where(estimated, np.maximum(prior_rate, MIN_PRIOR_RATE), typical)
    summer = np.asarray(summer, dtype=bool)
    ages = np.arange(1, history.days + 1)
    doys = (today_doy - 1 - ages) % 365 + 1                      # the day of the year of each past day
    weight = 0.5 ** (ages / HALF_LIFE_DAYS)
    units = np.bincount(history.sku, weights=history.qty, minlength=n).astype(float)
    region_share = _region_share(history, region_prior, k)
    amplitude = np.where(summer, _amplitude(history, prior_rate, summer, doys), 0.0)
    season = 1.0 + amplitude[:, None] * season_curve(doys)[None, :]          # (sku, day)
    exposure_all = season.sum(axis=1)
    sku_cv2 = _cv2(units, prior_rate * exposure_all, DEFAULT_SKU_CV2)
    trust = np.where(estimated, 1.0 / sku_cv2, WEAK_PRIOR_SHAPE)
    surprised = (units - prior_rate * exposure_all) > SURPRISE_Z * np.sqrt(
        prior_rate * exposure_all * (1 + sku_cv2 * prior_rate * exposure_all))
    observed = units / np.maximum(exposure_all, 1e-9)
    level, known = _level(history, np.where(surprised, observed, prior_rate), season, weight,
                          np.where(surprised, WEAK_PRIOR_SHAPE, trust))
    share, region_cv2 = _sku_region_share(history, region_share, n, k)
    per_region = units / k
    dispersion = 1.0 / known + region_cv2 / (1.0 + region_cv2 * per_region)
    return Forecast(level, share, amplitude, today_doy, sku_cv2, region_cv2, dispersion)


def _region_share(history: History, prior: np.ndarray, k: int) -> np.ndarray:
    """Each region's share of all demand: pooled over the catalogue, the prior worth 100 units."""
    seen = np.bincount(history.region, weights=history.qty, minlength=k)
    prior = np.asarray(prior, dtype=float) / max(float(np.sum(prior)), 1e-12)
    return (seen + 100.0 * prior) / (seen.sum() + 100.0)


def _cv2(observed: np.ndarray, expected: np.ndarray, default: float) -> float:
    """Squared coefficient of variation of true/expected rates (Poisson noise removed), from
    the cells expected to see at least 20 units; the default where too few do."""
    busy = expected >= 20
    if busy.sum() < 30:
        return default
    ratio = observed[busy] / expected[busy]
    ratio = ratio / ratio.mean()  # the estimates' overall scale is not the spread
    estimate = float(np.mean((ratio - 1.0) ** 2 - 1.0 / expected[busy]))
    return float(np.clip(estimate, *CV2_BOUNDS))


def _amplitude(history: History, prior_rate: np.ndarray, summer: np.ndarray, doys: np.ndarray) -> np.ndarray:
    """Per summer sku, its swing: a pooled fit of all summer skus shrunk per sku.

    The history of summer parts is regressed on the season curve, y_d = L (1 + a c_d); the
    information in the window is the spread of c_d over it (a few weeks of spring say little)."""
    n = len(prior_rate)
    if history.days < 14 or not summer.any():
        return np.full(n, PRIOR_AMPLITUDE)
    c = season_curve(doys)
    daily = np.zeros((n, history.days))
    np.add.at(daily, (history.sku, history.age - 1), history.qty)
    spread = float(np.var(c))
    pooled_y = daily[summer].sum(axis=0)
    pooled = _swing(pooled_y, c)
    pooled_weight = spread * pooled_y.sum() / 50.0          # 50 units over a full cosine ~ one skus' worth
    a_pool = (AMPLITUDE_PRIOR_WEIGHT * PRIOR_AMPLITUDE + pooled_weight * pooled) / (AMPLITUDE_PRIOR_WEIGHT + pooled_weight)
    own = np.where(summer, _swings(daily, c), 0.0)
    own_weight = spread * daily.sum(axis=1) / 50.0
    return np.clip((AMPLITUDE_PRIOR_WEIGHT * a_pool + own_weight * own) / (AMPLITUDE_PRIOR_WEIGHT + own_weight), 0.0, 0.95)


def _swing(y: np.ndarray, c: np.ndarray) -> float:
    """a in y ~ L (1 + a c) by least squares; 0 without data or spread."""
    return float(_swings(y[None, :], c)[0])


def _swings(y: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Per row of y (series over the days of c), a in y ~ L (1 + a c) by least squares."""
    var = float(np.var(c))
    if var < 1e-9:
        return np.zeros(len(y))
    slope = ((y - y.mean(axis=1, keepdims=True)) * (c - c.mean())[None, :]).mean(axis=1) / var
    intercept = y.mean(axis=1) - slope * c.mean()
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(intercept > 0, slope / intercept, 0.0)
    return np.clip(a, -0.95, 0.95)


def _level(history: History, prior_rate: np.ndarray, season: np.ndarray, weight: np.ndarray,
           shape: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gamma posterior mean of the deseasonalised rate (or the recent rate after a change point),
    and the posterior shape: 1 / shape is what remains uncertain of it, relatively. `shape`: the
    prior's, per sku (how many units of evidence the estimate is worth)."""
    n = len(prior_rate)
    w_units = np.bincount(history.sku, weights=history.qty * weight[history.age - 1] if history.days else history.qty,
                          minlength=n)
    w_exposure = (season * weight[None, :]).sum(axis=1)
    level = (shape + w_units) / (shape / prior_rate + w_exposure)
    known = shape + w_units
    if history.days < 2 * RECENT_DAYS:
        return level, known
    recent = history.age <= RECENT_DAYS
    y1 = np.bincount(history.sku[recent], weights=history.qty[recent], minlength=n)
    y0 = np.bincount(history.sku[~recent], weights=history.qty[~recent], minlength=n)
    e1, e0 = season[:, :RECENT_DAYS].sum(axis=1), season[:, RECENT_DAYS:].sum(axis=1)
    r1, r0 = y1 / e1, y0 / e0
    pooled = (y1 + y0) / (e1 + e0)
    se = np.sqrt(np.maximum(pooled, 1e-12) * (1 / e1 + 1 / e0))
    changed = (np.abs(r1 - r0) > CHANGE_Z * se) & (y1 + y0 >= 10)
    recent_level = (shape + y1) / (shape / np.maximum(pooled, MIN_PRIOR_RATE) + e1)
    return np.where(changed, recent_level, level), np.where(changed, shape + y1, known)


def _sku_region_share(history: History, region_share: np.ndarray, n: int, k: int) -> tuple[np.ndarray, float]:
    """Per (sku, region) share: the region's pooled share times a factor with a Gamma posterior."""
    observed = np.zeros((n, k))
    np.add.at(observed, (history.sku, history.region), history.qty)
    totals = observed.sum(axis=1)
    expected = totals[:, None] * region_share[None, :]
    cv2 = _cv2(observed.ravel(), expected.ravel(), DEFAULT_REGION_CV2)
    shape = 1.0 / cv2
    factor = (shape + observed) / (shape + expected)
    share = region_share[None, :] * factor
    return share / share.sum(axis=1, keepdims=True), cv2
