"""Demand as HQ's master data states it: the part's `annual_demand` estimate and its season label.

This is what a planner may know before any history exists; the year the simulation plays is
the hidden truth (`truth`), which differs from it. Policies read this, never the truth.
"""
from __future__ import annotations

import numpy as np

from .calendar import START, day_of_year

SUMMER_AMPLITUDE = 0.6     # HQ's belief for parts labelled summer: +60 % in mid-July, -60 % in mid-January
SUMMER_PEAK_DAY = 196      # 15 July


def season_factor(season: str | None, doy: int) -> float:
    """HQ's demand multiplier for a season label on a day of the year (the yearly mean is 1)."""
    if season == "summer":
        return 1.0 + SUMMER_AMPLITUDE * float(np.cos(2 * np.pi * (doy - SUMMER_PEAK_DAY) / 365.0))
    return 1.0


def estimated_rate(parts: list[dict], day: int, start=START) -> np.ndarray:
    """Expected units per sku on a day as the master data has it."""
    doy = day_of_year(day, start)
    annual = np.array([float(p.get("annual_demand") or 0.0) for p in parts])
    summer = np.array([p.get("season") == "summer" for p in parts])
    return annual / 365.0 * np.where(summer, season_factor("summer", doy), 1.0)
