"""How many lines the simulated truth lets arrive within the promise at most, whatever the stock.

A line is late for two reasons: no warehouse in time had the units (stock: the planner's part)
or the parcel itself took too long (the lane, the pick wave it waited for, the carrier). This
module measures the second alone, under the simulated truth (`truth.Carrier`, the pick waves,
the hours the points and dealers order at): per lane the share of lines on time if the units
were there, and from it the ceiling of the on-time rate with stock at every warehouse, at HQ
only, and at the best k warehouses. It reads the truth, so it is a yardstick for the
simulation's reports and for targets, never an input of a plan.

    .venv/bin/python -m simulation.ceiling [--seed 1] [--samples 40000]
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np

from inventory.demo import HANDLING_HOURS

from .demand import DEALER_ORDER_HOUR, DEALER_SHARE, WORK_HOURS, _population_weights
from .engine import WAVES
from .setup import build_world
from .truth import HELD_HOURS, HELD_SHARE, TRANSIT_SIGMA

PROMISE_HOURS = 48.0
KS = (1, 2, 3, 4, 5, 7, 10, 15, 20)


def wait_beyond_handling(hour: np.ndarray, waves=WAVES) -> np.ndarray:
    """Hours a line accepted at `hour` (Beijing) waits for its pick wave beyond the handling time
    its lane's hours already hold: nothing within the day's waves, the rest of the night after
    the last one (a wave ships what was accepted before it; a line at the wave's own hour waits
    for the next, as the engine queues the wave first)."""
    hour = np.asarray(hour, float)
    nxt = np.full(hour.shape, waves[0] + 24.0)
    for w in sorted(waves, reverse=True):
        nxt = np.where(hour < w, w, nxt)
    return np.maximum(nxt - hour - HANDLING_HOURS, 0.0)


@dataclass(frozen=True)
class Parcels:
    """A seeded sample of lines as the truth makes them: how long each waits beyond handling,
    and its carrier's stretch factor and hold."""

    wait: np.ndarray
    factor: np.ndarray
    held: np.ndarray

    @classmethod
    def draw(cls, samples: int, dealer_share: float, seed: int = 0, waves=WAVES) -> Parcels:
        rng = np.random.default_rng(seed)
        hour = np.where(rng.random(samples) < dealer_share, DEALER_ORDER_HOUR, rng.uniform(*WORK_HOURS, samples))
        factor = rng.lognormal(0.0, TRANSIT_SIGMA, samples)
        held = np.where(rng.random(samples) < HELD_SHARE, rng.uniform(*HELD_HOURS, samples), 0.0)
        return cls(wait_beyond_handling(hour, waves), factor, held)

    def on_time(self, lane_hours: float, promise: float = PROMISE_HOURS) -> float:
        """Share of lines on a lane of `lane_hours` (handling included) that land within the promise."""
        if not np.isfinite(lane_hours):
            return 0.0
        road = max(lane_hours - HANDLING_HOURS, 0.0)
        taken = lane_hours + self.wait + road * (self.factor - 1.0) + self.held
        return float((taken <= promise).mean())


def lane_reach(hours: np.ndarray, parcels: Parcels, promise: float = PROMISE_HOURS) -> np.ndarray:
    """(warehouse, point) share of lines on time, computed once per distinct lane length."""
    out = np.zeros(hours.shape)
    for h in np.unique(hours[np.isfinite(hours)]):
        out[hours == h] = parcels.on_time(float(h), promise)
    return out


def best_k(reach: np.ndarray, weight: np.ndarray, ks=KS) -> dict[int, tuple[float, list[int]]]:
    """Greedy: the k warehouses that together land the most demand in time (each point served by
    its best member), for each k in `ks`; coverage is submodular, so greedy is within 1 - 1/e and
    in practice at the optimum for these sizes."""
    covered, chosen, out = np.zeros(reach.shape[1]), [], {}
    for k in range(1, max(ks) + 1):
        gains = (weight[None, :] * np.maximum(covered[None, :], reach)).sum(axis=1)
        gains[chosen] = -1.0
        chosen.append(int(gains.argmax()))
        covered = np.maximum(covered, reach[chosen[-1]])
        if k in ks:
            out[k] = (float(weight @ covered), list(chosen))
    return out


def cheapest_in_promise(reach: np.ndarray, hours: np.ndarray, cost: np.ndarray, weight: np.ndarray,
                        members: list[int], promise: float = PROMISE_HOURS) -> float:
    """The share on time when each point is served as submit serves it (DOMAIN.md, `allocation.
    preference`: the cheapest warehouse whose lane is within the promise, else the fastest) from
    `members`, rather than by the member whose parcels land in time most often (`best_k`): what
    the choice of holder costs in carrier and wave time."""
    rows = np.asarray(members)
    within = hours[rows] <= promise
    pick = np.where(within.any(axis=0), np.where(within, cost[rows], np.inf).argmin(axis=0),
                    hours[rows].argmin(axis=0))
    return float(weight @ reach[rows][pick, np.arange(reach.shape[1])])


def network(world: dict) -> tuple[list[str], np.ndarray, np.ndarray, float, np.ndarray]:
    """Warehouses, (warehouse, point) lane hours, each point's share of demand, the share of
    lines dealers order (at 17:00) as the demand model draws them, and the lanes' unit costs."""
    codes = [w["code"] for w in world["warehouses"]]
    points = world["service_points"]
    w_index = {c: i for i, c in enumerate(codes)}
    p_index = {p["code"]: i for i, p in enumerate(points)}
    hours = np.full((len(codes), len(points)), np.inf)
    cost = np.full((len(codes), len(points)), np.inf)
    for lane in world["lanes"]:
        if lane["from"] in w_index and lane["to"] in p_index:
            hours[w_index[lane["from"]], p_index[lane["to"]]] = float(lane["hours"])
            cost[w_index[lane["from"]], p_index[lane["to"]]] = float(lane["unit_cost"])
    weight = _population_weights(points)
    with_dealer = np.zeros(len(points), bool)
    for dealer in world["dealers"]:
        for code in dealer["ship_to"]:
            if code in p_index:
                with_dealer[p_index[code]] = True
    return codes, hours, weight, float(DEALER_SHARE * weight[with_dealer].sum()), cost


def ceilings(world: dict, samples: int = 40_000, seed: int = 0, waves=WAVES) -> dict:
    codes, hours, weight, dealer_share, cost = network(world)
    parcels = Parcels.draw(samples, dealer_share, seed, waves)
    reach = lane_reach(hours, parcels)
    nominal = (hours <= PROMISE_HOURS).astype(float)
    hq = next(i for i, w in enumerate(world["warehouses"]) if w["kind"] == "hq")
    best = best_k(reach, weight)
    return {
        "dealer_share": dealer_share,
        "every_warehouse": float(weight @ reach.max(axis=0)),
        "every_warehouse_nominal": float(weight @ nominal.max(axis=0)),
        "hq_only": float(weight @ reach[hq]),
        "best_k": {k: (rate, [codes[i] for i in members]) for k, (rate, members) in best.items()},
        "best_k_cheapest": {k: cheapest_in_promise(reach, hours, cost, weight, members)
                            for k, (_, members) in best.items()},
        "best_k_nominal": {k: rate for k, (rate, _) in best_k(nominal, weight).items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--samples", type=int, default=40_000)
    parser.add_argument("--evening-wave", action="store_true", help="add a 21:00 pick wave")
    args = parser.parse_args()
    waves = WAVES + ((21.0,) if args.evening_wave else ())
    out = ceilings(build_world("national", args.seed, 1.0).simulated, args.samples, waves=waves)
    print(f"national network, pick waves {waves}, {out['dealer_share']:.1%} of lines ordered by dealers at 17:00")
    print("stock where                     on time at most   (lanes' nominal hours)   served by the cheapest in 48 h")
    print(f"every warehouse                 {out['every_warehouse']:8.3%}          ({out['every_warehouse_nominal']:.3%})")
    for k, (rate, members) in out["best_k"].items():
        print(f"best {k:2d} warehouses             {rate:8.3%}          ({out['best_k_nominal'][k]:.3%})"
              f"            {out['best_k_cheapest'][k]:8.3%}  {' '.join(members) if k <= 10 else ''}")
    print(f"HQ only                         {out['hq_only']:8.3%}")


if __name__ == "__main__":
    main()
