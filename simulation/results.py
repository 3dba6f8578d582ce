"""What one simulation measured (`Results`) and its configuration as written beside it: read by
the report and the shards, made by `run.simulate` (kept apart so the report need not import the run)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal

import numpy as np

from . import metrics
from .engine import Log, SimConfig
from .estimate import SkuTable
from .forecast_check import ForecastCheck
from .setup import World

CENT = Decimal("0.01")


@dataclass
class Results:
    """Everything a report needs; `summary()` is the contract's summary.json."""

    config: SimConfig
    world: World
    log: Log
    lines: metrics.LineTable
    avg_stock_value: float
    transfer_cost: Decimal
    transfer_by_sku: dict[str, Decimal]
    transfer_count: int
    transfer_units: int
    delivery_cost: Decimal
    penalties: metrics.Penalties
    return_charges: dict[str, Decimal]
    center_names: dict[str, str]
    hq: str
    forecast: ForecastCheck | None = None
    purchase_cost: Decimal = Decimal("0.00")
    budget: Decimal | None = None      # `planned`: the stock budget the plan placed
    plans: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    phase_seconds: dict[str, float] = field(default_factory=dict)
    code: str = "unknown"

    # -- the figures -------------------------------------------------------------------------

    @property
    def on_time_lines(self) -> int:
        return int(self.lines.on_time.sum())

    @property
    def on_time_rate(self) -> float:
        return self.on_time_lines / len(self.lines) if len(self.lines) else 0.0

    @property
    def backordered(self) -> np.ndarray:
        """Per line: some of it was backordered when it was submitted."""
        return np.isin(self.lines.id, np.fromiter(self.log.backordered_at_submit, np.int64))

    @property
    def backordered_lines(self) -> int:
        return int(self.backordered.sum())

    def line_weights(self) -> np.ndarray:
        """How many lines of the whole catalogue each simulated line stands for (1 without sampling)."""
        w = self.world.weights
        return np.array([w.get(sku, 1.0) for sku in self.lines.sku])

    def late_causes(self, measured: np.ndarray | None = None) -> dict[str, dict]:
        """Per cause (`metrics.LATE_CAUSES`): the simulated late lines, and the share of all lines
        late for it (weighted: an estimate for all skus when sampled)."""
        keep = np.ones(len(self.lines), bool) if measured is None else measured
        w, cause = self.line_weights()[keep], self.lines.cause[keep]
        total = w.sum()
        return {c: {"lines": int((cause == c).sum()), "share": float(w[cause == c].sum() / total) if total else 0.0}
                for c in metrics.LATE_CAUSES}

    def per_sku(self, measured: np.ndarray | None = None) -> SkuTable:
        """Each simulated sku's weights and figures, in stratum order (`measured`: the lines counted)."""
        sample = self.world.sample
        skus = sorted(sample.stratum, key=sample.stratum.get)
        pos = {sku: i for i, sku in enumerate(skus)}
        n = len(skus)
        keep = np.ones(len(self.lines), bool) if measured is None else measured
        at = np.array([pos[sku] for sku in self.lines.sku], dtype=np.int64)[keep]
        count = lambda values: np.bincount(at, weights=values[keep].astype(float), minlength=n)  # noqa: E731
        days = max(self.log.sku_stock_days, 1)
        return SkuTable(skus, np.array([sample.stratum[s] for s in skus]),
                        np.array([sample.weights[s] for s in skus]), np.array([sample.stock_weights[s] for s in skus]),
                        np.array([sample.stratum_demand[s] for s in skus]),
                        np.array([sample.stratum_stock[s] for s in skus]),
                        count(np.ones(len(self.lines))), count(self.lines.on_time), count(self.backordered),
                        np.array([self.log.sku_stock.get(s, 0.0) / days for s in skus]),
                        np.array([float(self.transfer_by_sku.get(s, 0)) for s in skus]), sample.share)

    def weighted_stock(self) -> float:
        """Mean on-hand value of all skus (after any warm-up): sampled skus weighted by opening stock."""
        return self.per_sku().total("stock")

    def weighted_on_time_rate(self) -> float:
        w = self.line_weights()
        return float((w * self.lines.on_time).sum() / w.sum()) if len(w) else 0.0

    @property
    def open_lines(self) -> int:
        return int((~self.lines.delivered).sum())

    def daily_stock(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """On-hand value at HQ, at the regional warehouses, and in transit, per simulated day."""
        days = self.log.stock[: self.config.days]
        hq = np.array([d.get(self.hq, (0.0, 0.0))[0] for d in days])
        regional = np.array([sum(v[0] for w, v in d.items() if w != self.hq) for d in days])
        transit = np.array([sum(v[1] for v in d.values()) for d in days])
        return hq, regional, transit

    def by(self, keys: list[str]) -> dict[str, tuple[int, int, float]]:
        """(lines, on-time lines, on-time rate for all skus) per key (a month, a centre); the rate
        weights each line by its sku's weight, so it is the simulated rate without sampling."""
        out: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0, 0.0])
        for key, ok, w in zip(keys, self.lines.on_time.tolist(), self.line_weights().tolist()):
            row = out[key]
            row[0] += 1
            row[1] += ok
            row[2] += w
            row[3] += w * ok
        return {k: (v[0], v[1], v[3] / v[2] if v[2] else float("nan")) for k, v in sorted(out.items())}

    def estimate(self) -> dict | None:
        """The whole catalogue's figures when a sample of skus was simulated (`estimate`);
        penalties scale with the lines."""
        if self.world.sku_share >= 1.0:
            return None
        t = self.per_sku()
        lines = t.total("lines")
        per_line = lines / len(self.lines) if len(self.lines) else 0.0
        return {"lines": round(lines), "on_time_lines": round(t.total("on_time")),
                "on_time_rate": round(t.rate, 5), "on_time_rate_se": round(t.rate_se, 5),
                "backordered_lines": round(t.total("backordered")),
                "avg_stock_value": _money(t.total("stock")), "avg_stock_value_se": _money(t.stock_se()),
                "transfer_cost": _money(t.total("transfer_cost")),
                "penalties": {k: _money(float(self.penalties.fines[k]) * per_line) for k in _PENALTY_KEYS},
                "lines_per_simulated_line": round(per_line, 4)}

    def summary(self) -> dict:
        summary = {
            "policy": self.config.policy, "days": self.config.days, "seed": self.config.seed,
            "lines": len(self.lines), "on_time_lines": self.on_time_lines,
            "on_time_rate": round(self.on_time_rate, 5), "backordered_lines": self.backordered_lines,
            "avg_stock_value": _money(self.avg_stock_value), "transfer_cost": str(self.transfer_cost.quantize(CENT)),
            "penalties": {k: str(self.penalties.fines[k].quantize(CENT)) for k in _PENALTY_KEYS},
            "seconds": round(self.seconds, 1), "cpu_seconds": round(self.cpu_seconds, 1),
            "scale": self.config.scale, "sku_share": self.world.sku_share, "code": self.code,
            "forecast_mape": None if self.forecast is None or self.forecast.mape is None
            else round(self.forecast.mape, 4),
            "purchase_cost": str(self.purchase_cost.quantize(CENT)),
        }
        if self.budget is not None:
            summary["budget"] = str(self.budget.quantize(CENT))
        estimate = self.estimate()
        if estimate:
            summary["estimate_all_skus"] = estimate
        return summary


_PENALTY_KEYS = ("hq_parts_planning", "center", "service_point")


def _money(value: float) -> str:
    return str(Decimal(repr(float(value))).quantize(CENT))


def config_dict(config: SimConfig) -> dict:
    return {k: str(v) if k == "start" else v for k, v in asdict(config).items() if k not in ("database_url", "progress")}
