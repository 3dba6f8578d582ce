"""Figures for the whole catalogue from a stratified sample of skus, and their sampling error.

The catalogue is sorted by season and annual demand and cut into strata of k neighbours; one sku
of each stratum is simulated (`demand.strata`). A sampled sku stands for its stratum (a
separate ratio estimator): its lines, on-time lines, backorders and transfer cost count
stratum demand / own demand times, its stock stratum opening stock value / own times. A rate is
a ratio of two such totals, so every stratum counts in proportion to its demand. Since skus
share neither stock nor lane capacity, a sampled sku behaves as it would among all the others.

The standard error is the successive difference estimator of a systematic sample with one unit
per stratum (neighbouring strata stand in for each other), applied to each stratum's residual
from the ratio model (its estimate less the overall ratio times its size); a rate is linearised
first. The error covers the choice of skus and each sku's own demand noise; for the difference
between two policies it is computed on the per-sku differences (same skus, same demand), so it
is the error of the comparison itself.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

COLUMNS = ("sku", "stratum", "weight", "stock_weight", "stratum_demand", "stratum_stock", "lines", "on_time",
           "backordered", "stock", "transfer_cost")


@dataclass
class SkuTable:
    """One row per simulated sku, in stratum order: its weights and its own figures (`stock`
    is its mean on-hand value at cost over the measured days)."""

    sku: list[str]
    stratum: np.ndarray
    weight: np.ndarray
    stock_weight: np.ndarray
    stratum_demand: np.ndarray
    stratum_stock: np.ndarray
    lines: np.ndarray
    on_time: np.ndarray
    backordered: np.ndarray
    stock: np.ndarray
    transfer_cost: np.ndarray
    share: float

    def rows(self) -> dict:
        cols = [self.sku, self.stratum.tolist(), np.round(self.weight, 6).tolist(),
                np.round(self.stock_weight, 6).tolist(), np.round(self.stratum_demand, 4).tolist(),
                np.round(self.stratum_stock, 2).tolist(), self.lines.tolist(), self.on_time.tolist(),
                self.backordered.tolist(), np.round(self.stock, 2).tolist(), np.round(self.transfer_cost, 2).tolist()]
        return {"share": self.share, "columns": list(COLUMNS), "rows": [list(r) for r in zip(*cols)]}

    @classmethod
    def from_rows(cls, data: dict) -> SkuTable:
        cols = list(zip(*data["rows"])) if data["rows"] else [()] * len(COLUMNS)
        get = dict(zip(data["columns"], cols))
        arr = {k: np.asarray(get[k], dtype=float) for k in COLUMNS[1:]}
        return cls(list(get["sku"]), arr["stratum"].astype(int), arr["weight"], arr["stock_weight"],
                   arr["stratum_demand"], arr["stratum_stock"], arr["lines"], arr["on_time"], arr["backordered"],
                   arr["stock"], arr["transfer_cost"], float(data["share"]))

    # -- estimates ---------------------------------------------------------------------------

    def total(self, column: str) -> float:
        w = self.stock_weight if column == "stock" else self.weight
        return float((w * getattr(self, column)).sum())

    @property
    def rate(self) -> float:
        lines = self.total("lines")
        return self.total("on_time") / lines if lines else 0.0

    def _z(self) -> np.ndarray:
        """Each stratum's linearised contribution to the on-time rate (sums to 0)."""
        lines = self.total("lines")
        if not lines:
            return np.zeros(len(self.sku))
        return self.weight * (self.on_time - self.rate * self.lines) / lines

    @property
    def rate_se(self) -> float:
        return ratio_se(self._z(), self.stratum_demand, self.weight, self.share)

    def stock_se(self) -> float:
        return ratio_se(self.stock_weight * self.stock, self.stratum_stock, self.stock_weight, self.share)

    def difference_se(self, other: SkuTable) -> float:
        """Standard error of self.rate - other.rate for the same skus under another policy."""
        return ratio_se(self._z() - other._aligned(self.sku, other._z()), self.stratum_demand, self.weight,
                        self.share)

    def stock_difference_se(self, other: SkuTable) -> float:
        """Standard error of the difference in all-sku stock value against another policy."""
        return ratio_se(self.stock_weight * self.stock - other._aligned(self.sku, other.stock_weight * other.stock),
                        self.stratum_stock, self.stock_weight, self.share)

    def by_demand_tenth(self) -> list[dict]:
        """The catalogue in tenths by each sku's demand, fastest first (a sampled sku stands for
        its stratum's count of skus): lines, the share of them late and the stock, all skus
        estimated. Where the late lines sit says which lever would move the rate."""
        per_sku = np.where(self.stock_weight > 0, self.stratum_demand / np.maximum(self.stock_weight, 1e-9), 0.0)
        order = np.argsort(-per_sku, kind="stable")
        skus = np.cumsum(self.stock_weight[order])
        tenth = np.minimum((10 * (skus - self.stock_weight[order] / 2) / skus[-1]).astype(int), 9) if len(skus) else []
        rows = []
        for k in range(10):
            pick = order[np.asarray(tenth) == k]
            lines = float((self.weight[pick] * self.lines[pick]).sum())
            late = float((self.weight[pick] * (self.lines[pick] - self.on_time[pick])).sum())
            rows.append({"tenth": k + 1, "skus": float(self.stock_weight[pick].sum()), "lines": lines,
                         "late_lines": late, "late_share": late / lines if lines else 0.0,
                         "stock": float((self.stock_weight[pick] * self.stock[pick]).sum())})
        return rows

    def _aligned(self, skus: list[str], values: np.ndarray) -> np.ndarray:
        by = dict(zip(self.sku, values.tolist()))
        return np.array([by.get(s, 0.0) for s in skus])


def ratio_se(t: np.ndarray, size: np.ndarray, weight: np.ndarray, share: float) -> float:
    """Standard error of sum(t), t the strata's estimates (in stratum order), each about its
    stratum's `size` times a common ratio: successive differences of the residuals t - ratio x size
    (a stratum without size falls back on its weight as its size)."""
    h = len(t)
    if h < 2 or share >= 1.0:
        return 0.0
    scale = np.where(size > 0, size, weight)
    residual = t - scale * (t.sum() / scale.sum())
    return successive_se(residual, share)


def successive_se(t: np.ndarray, share: float) -> float:
    """Standard error of sum(t) for one unit per stratum, strata in order (successive differences)."""
    h = len(t)
    if h < 2 or share >= 1.0:
        return 0.0
    return float(np.sqrt((1 - share) * h / (2 * (h - 1)) * float((np.diff(t) ** 2).sum())))
