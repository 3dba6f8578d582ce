"""The simulated world: the demo network in a database of its own, loaded through `load_world`."""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from inventory import migrate
from inventory.db import make_engine, make_session_factory, transaction
from inventory.demo import generate_world
from inventory.errors import InvalidInput
from inventory.network import Warehouse
from inventory.world import load_world

from .demand import Sample, sample


@dataclass
class World:
    """The world as generated and as simulated (the sampled skus and their stock). `sample`
    says how many skus' worth each simulated sku stands for (`demand.sample`); every weight is
    1 without sampling."""

    full: dict
    simulated: dict
    sample: Sample

    @property
    def sku_share(self) -> float:
        return self.sample.share

    @property
    def weights(self) -> dict[str, float]:
        return self.sample.weights

    @property
    def stock_weights(self) -> dict[str, float]:
        return self.sample.stock_weights

    def opening_value(self, data: dict) -> float:
        cost = {p["sku"]: float(p["unit_cost"]) for p in data["parts"]}
        return sum(s["qty"] * cost[s["sku"]] for s in data["stock"])


def build_world(scale: str, seed: int, sku_share: float, opening: str = "demo", cover: float = 1.0,
                start=None, shard: tuple[int, int] | None = None) -> World:
    """The demo network, restricted to a sample of skus when `sku_share` < 1; with opening
    "targets", each sku starts with its echelon base stock at HQ instead of the demo's stock.
    `shard` (i, n) keeps every n-th stratum of the sample from the i-th (`shards`); the sample
    itself, and so every weight, stays the whole run's."""
    full = generate_world(scale, seed)
    if opening == "targets":
        full = {**full, "stock": _target_stock(full, seed, cover, start)}
    elif opening != "demo":
        raise InvalidInput(f"opening: {opening!r} is not one of demo, targets", code="simulation.unknown_opening",
                           opening=opening)
    chosen = sample(full["parts"], sku_share, seed)
    keep = set(chosen.skus) if shard is None else {sku for sku in chosen.skus if chosen.stratum[sku] % shard[1] == shard[0]}
    simulated = full if sku_share >= 1.0 and shard is None else {
        **full, "parts": [p for p in full["parts"] if p["sku"] in keep],
        "stock": [s for s in full["stock"] if s["sku"] in keep],
        "supplier_parts": [s for s in full.get("supplier_parts", []) if s["sku"] in keep]}
    return World(full, simulated, chosen)


def _target_stock(world: dict, seed: int, cover: float, start) -> list[dict]:
    from .calendar import START
    from .replenish import Replenishment

    hq = next(w["code"] for w in world["warehouses"] if w["kind"] == "hq")
    plan = Replenishment(world["parts"], start or START, seed, hq, cover=cover)
    return [{"warehouse": hq, "sku": sku, "qty": int(q)} for sku, q in zip(plan.skus, plan.targets(0).tolist()) if q > 0]


class Database:
    """A fresh SQLite file in a temporary directory, or the (empty) database of DATABASE_URL."""

    def __init__(self, url: str | None = None):
        self._dir = None
        if url is None:
            self._dir = tempfile.mkdtemp(prefix="parts-sim-")
            url = f"sqlite:///{os.path.join(self._dir, 'simulation.db')}"
        self.url = url
        migrate.upgrade(url)
        self.engine: Engine = make_engine(url)
        self.sessions = make_session_factory(self.engine)

    def load(self, world: dict) -> None:
        with self.sessions() as session, transaction(session):
            if session.scalar(select(func.count()).select_from(Warehouse)):
                raise InvalidInput("the simulation needs an empty database: DATABASE_URL already holds a network",
                                   code="simulation.database_not_empty")
            load_world(session, world)

    def close(self) -> None:
        self.engine.dispose()
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
