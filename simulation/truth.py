"""The simulated truth (WORLD.md): what demand and carriers really do, drawn from the seed.

The master data holds HQ's *estimate* of each part (`annual_demand`, the `season` label); the
year the simulation plays differs from it as a real one would: a multiplier per sku
(lognormal, sigma 0.5, mean 1) and per sku and region (sigma 0.3), about 5 % of skus ramping
up from zero (new models) and 5 % fading out, a summer amplitude per sku between 0.3 and 0.9
for parts labelled `summer`, and carriers whose transit is the lane's hours times a factor per
parcel (lognormal, sigma 0.1, median 1), about 1 % of parcels held a further 12-24 h; suppliers
deliver 2 days early to 3 days late against the lead time they state.

Nothing outside `simulation/` may import this module, and inside it only the demand model and
the engine do (`tests/sim/test_truth.py` checks the imports): a policy sees the master data
in the database and the history the year has written there, never these numbers.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from .calendar import START

TRUTH_STREAM = 31
TRANSIT_STREAM = 37
SKU_SIGMA = 0.5
REGION_SIGMA = 0.3
RAMP_SHARE = 0.05            # of skus: new models, demand rising from zero
FADE_SHARE = 0.05            # of skus: models going out, demand fading to nothing
RAMP_START_DAYS = (0, 180)   # days after 1 January the ramp or fade begins
RAMP_DAYS = (30, 180)        # from zero to full demand
FADE_DAYS = (90, 365)        # from full demand to zero
SUMMER_AMPLITUDE = (0.3, 0.9)
SUMMER_PEAK_DAY = 196        # 15 July
TRANSIT_SIGMA = 0.1
HELD_SHARE = 0.01
HELD_HOURS = (12.0, 24.0)
SUPPLIER_STREAM = 41
SUPPLIER_JITTER_DAYS = (-2, 3)  # a delivery lands this many days from the supplier's stated lead time

STEADY, RAMP, FADE = 0, 1, 2
TRENDS = {STEADY: "steady", RAMP: "ramping up", FADE: "fading out"}


def _lognormal_mean_one(rng: np.random.Generator, sigma: float, size=None):
    return rng.lognormal(-sigma * sigma / 2, sigma, size)


@dataclass(frozen=True)
class Truth:
    """The hidden demand of each (sku, region): `rate(day)` is expected units per day."""

    skus: list[str]
    regions: list[str]             # provincial centre codes
    base: np.ndarray               # (sku,) HQ's estimate per day, annual_demand / 365
    sku_factor: np.ndarray         # (sku,)
    region_factor: np.ndarray      # (sku, region), each row times the region's share of demand
    trend: np.ndarray              # (sku,) STEADY, RAMP or FADE
    trend_start: np.ndarray        # (sku,) day after 1 January the trend begins
    trend_days: np.ndarray         # (sku,) how long it takes
    amplitude: np.ndarray          # (sku,) summer amplitude, 0 for parts without a season
    offset: int                    # days from 1 January of the calendar to the simulation's day 0

    @classmethod
    def draw(cls, parts: list[dict], regions: list[str], region_share: np.ndarray, seed: int,
             start: date = START) -> Truth:
        """Each sku's truth from its own stream (seed, sku), so a sample of skus meets the same
        truth as the whole catalogue."""
        n, k = len(parts), len(regions)
        sku_factor, trend = np.ones(n), np.zeros(n, np.int64)
        trend_start, trend_days, amplitude = np.zeros(n), np.ones(n), np.zeros(n)
        region_factor = np.ones((n, k))
        for i, part in enumerate(parts):
            rng = np.random.default_rng([seed, TRUTH_STREAM, zlib.crc32(part["sku"].encode())])
            sku_factor[i] = _lognormal_mean_one(rng, SKU_SIGMA)
            region_factor[i] = _lognormal_mean_one(rng, REGION_SIGMA, k)
            u = rng.random()
            trend[i] = RAMP if u < RAMP_SHARE else FADE if u < RAMP_SHARE + FADE_SHARE else STEADY
            trend_start[i] = rng.uniform(*RAMP_START_DAYS)
            trend_days[i] = rng.uniform(*(RAMP_DAYS if trend[i] == RAMP else FADE_DAYS))
            season_amp = rng.uniform(*SUMMER_AMPLITUDE)
            amplitude[i] = season_amp if part.get("season") == "summer" else 0.0
        base = np.array([float(p.get("annual_demand") or 0.0) / 365.0 for p in parts])
        year_start = date(start.year, 1, 1)
        return cls([p["sku"] for p in parts], list(regions), base, sku_factor, region_factor * region_share[None, :],
                   trend, trend_start, trend_days, amplitude, (start - year_start).days)

    def level(self, day: int) -> np.ndarray:
        """Per sku, the share of its full demand a ramping or fading sku has reached on `day`."""
        t = (self.offset + day - self.trend_start) / self.trend_days
        return np.where(self.trend == RAMP, np.clip(t, 0.0, 1.0),
                        np.where(self.trend == FADE, np.clip(1.0 - t, 0.0, 1.0), 1.0))

    def season(self, day: int) -> np.ndarray:
        doy = (self.offset + day) % 365 + 1
        return 1.0 + self.amplitude * np.cos(2 * np.pi * (doy - SUMMER_PEAK_DAY) / 365.0)

    def national(self, day: int) -> np.ndarray:
        """Expected units per sku on `day`, all regions."""
        return self.base * self.sku_factor * self.level(day) * self.season(day) * self.region_factor.sum(axis=1)

    def rate(self, day: int) -> np.ndarray:
        """Expected units per (sku, region) on `day`."""
        per_sku = self.base * self.sku_factor * self.level(day) * self.season(day)
        return per_sku[:, None] * self.region_factor

    def units(self, days: range) -> np.ndarray:
        """Expected units per (sku, region) over `days`."""
        total = np.zeros_like(self.region_factor)
        for day in days:
            total += self.rate(day)
        return total


@dataclass(frozen=True)
class Carrier:
    """How long a parcel really takes: its lane's hours times a factor, sometimes held on top."""

    seed: int

    def delay_hours(self, lane_hours: float, *key: int) -> float:
        """Hours a parcel lands later (or earlier) than its lane says; `key` names the parcel,
        so the same parcel meets the same carrier whatever else the year did."""
        rng = np.random.default_rng([self.seed, TRANSIT_STREAM, *key])
        factor = float(rng.lognormal(0.0, TRANSIT_SIGMA))
        held = float(rng.uniform(*HELD_HOURS)) if rng.random() < HELD_SHARE else 0.0
        return lane_hours * (factor - 1.0) + held

    def delay(self, lane_hours: float, *key: int) -> timedelta:
        return timedelta(hours=self.delay_hours(lane_hours, *key))


@dataclass(frozen=True)
class Suppliers:
    """Suppliers deliver around the lead time they state: a few days early or late, per order."""

    seed: int

    def lead_days(self, stated: int, supplier: str, day: int) -> int:
        rng = np.random.default_rng([self.seed, SUPPLIER_STREAM, zlib.crc32(supplier.encode()), day])
        return max(1, stated + int(rng.integers(SUPPLIER_JITTER_DAYS[0], SUPPLIER_JITTER_DAYS[1] + 1)))


def parcel_key(name: str, instant: datetime) -> tuple[int, int]:
    """A stable integer key for a parcel named `name` (requisition and sender, or a transfer)."""
    return zlib.crc32(name.encode()), int(instant.timestamp())
