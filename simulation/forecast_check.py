"""How far a policy's forecast is from the hidden truth (`summary.json` `forecast_mape`).

On the first night of each month a policy that forecasts says how many units it expects per
(sku, region) over the month; the truth's expected units over the same days are its yardstick.
The error is demand-weighted (WAPE): the sum of absolute errors over the sum of true units, so
a slow part's miss counts as much as its demand, not as much as a fast part's. With a sample
of skus each sku counts for its stratum (its demand weight).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .demand import Demand
from .hq_estimate import estimated_rate
from .truth import FADE, RAMP, TRENDS

SHOWN_SKUS = 4


@dataclass
class ForecastCheck:
    demand: Demand
    parts: list[dict]
    weights: np.ndarray                    # per sku: how many skus' worth it stands for
    abs_error: float = 0.0
    true_units: float = 0.0
    months: list[str] = field(default_factory=list)
    forecast: list[np.ndarray] = field(default_factory=list)   # per month: national units per sku and day
    truth: list[np.ndarray] = field(default_factory=list)
    estimate: list[np.ndarray] = field(default_factory=list)

    def record(self, month: str, days: range, forecast: np.ndarray) -> None:
        """`forecast`: units per (sku, region) over `days`, in the truth's sku and region order."""
        truth = self.demand.truth.units(days)
        self.abs_error += float((self.weights[:, None] * np.abs(forecast - truth)).sum())
        self.true_units += float((self.weights[:, None] * truth).sum())
        self.months.append(month)  # the plotted series are units per day, so a part month compares
        self.forecast.append(forecast.sum(axis=1) / len(days))
        self.truth.append(truth.sum(axis=1) / len(days))
        self.estimate.append(sum(estimated_rate(self.parts, d, self.demand.start) for d in days) / len(days))

    @property
    def mape(self) -> float | None:
        return self.abs_error / self.true_units if self.true_units > 0 else None

    def shown(self) -> list[int]:
        """A few skus worth a look: the busiest steady one, the busiest summer one, and the
        busiest ramping and fading ones, where the sample has them."""
        truth = self.demand.truth
        busy = np.argsort(-truth.base, kind="stable")
        summer = truth.amplitude > 0
        picks = []
        for wanted in (lambda i: truth.trend[i] == 0 and not summer[i], lambda i: truth.trend[i] == 0 and summer[i],
                       lambda i: truth.trend[i] == RAMP, lambda i: truth.trend[i] == FADE):
            pick = next((int(i) for i in busy if wanted(i) and int(i) not in picks), None)
            if pick is not None:
                picks.append(pick)
        return picks[:SHOWN_SKUS]

    def details(self) -> dict:
        truth = self.demand.truth
        return {"mape": self.mape, "months": self.months,
                "skus": {self.demand.skus[i]: {
                    "trend": TRENDS[int(truth.trend[i])], "summer_amplitude": round(float(truth.amplitude[i]), 3),
                    "truth": [round(float(m[i]), 3) for m in self.truth],
                    "forecast": [round(float(m[i]), 3) for m in self.forecast],
                    "estimate": [round(float(m[i]), 3) for m in self.estimate]} for i in self.shown()}}
