"""The simulated truth: drawn from the seed as WORLD.md states it, and out of every policy's reach."""
from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from simulation import SimConfig, simulate
from simulation.demand import Demand
from simulation.setup import build_world
from simulation.truth import FADE, RAMP, STEADY, Carrier, Truth

ROOT = Path(__file__).resolve().parents[2]
# the simulation's own modules that may know the truth: the demand it draws, the engine that
# lands parcels, the yardsticks that score forecasts and bound the on-time rate (and the run
# and report that hold them)
KNOWING = {"truth", "demand", "engine", "forecast_check", "ceiling", "run", "report", "tradeoff", "compare", "cli", "setup", "shards", "results",
           "__init__"}


@pytest.fixture(scope="module")
def national():
    world = build_world("national", 1, 1.0).full
    return world, Demand(world, 1)


def test_the_same_seed_draws_the_same_truth_and_another_seed_another(national):
    world, one = national
    again = Demand(world, 1).truth
    other = Demand(world, 2).truth
    assert np.array_equal(one.truth.sku_factor, again.sku_factor)
    assert np.array_equal(one.truth.region_factor, again.region_factor)
    assert not np.allclose(one.truth.sku_factor, other.sku_factor)
    assert (one.truth.trend != other.trend).any()


def test_multipliers_have_mean_one_and_the_stated_spread(national):
    _, demand = national
    t = demand.truth
    assert t.sku_factor.mean() == pytest.approx(1.0, abs=0.03)
    assert np.log(t.sku_factor).std() == pytest.approx(0.5, abs=0.02)
    share = t.region_factor.sum(axis=0) / t.region_factor.shape[0]  # each region's mean share
    per_region = t.region_factor / share[None, :]
    assert per_region.mean() == pytest.approx(1.0, abs=0.01)
    assert np.log(per_region).std() == pytest.approx(0.3, abs=0.01)


def test_about_five_percent_ramp_up_and_five_percent_fade(national):
    _, demand = national
    t = demand.truth
    assert (t.trend == RAMP).mean() == pytest.approx(0.05, abs=0.01)
    assert (t.trend == FADE).mean() == pytest.approx(0.05, abs=0.01)
    ramp, fade = np.flatnonzero(t.trend == RAMP)[0], np.flatnonzero(t.trend == FADE)[0]
    assert t.level(0)[ramp] == 0.0 and t.level(364)[ramp] == 1.0  # new models start from zero
    assert t.level(0)[fade] == 1.0 and t.level(364)[fade] < 1.0
    assert (t.level(100)[t.trend == STEADY] == 1.0).all()


def test_only_summer_parts_swing_and_each_by_its_own_amplitude(national):
    world, demand = national
    summer = np.array([p.get("season") == "summer" for p in world["parts"]])
    amp = demand.truth.amplitude
    assert (amp[~summer] == 0).all()
    assert amp[summer].min() >= 0.3 and amp[summer].max() <= 0.9 and amp[summer].std() > 0.1
    july, january = demand.truth.season(195), demand.truth.season(14)
    assert (july[summer] > january[summer]).all() and np.allclose(july[~summer], 1.0)


def test_a_sampled_sku_meets_the_same_truth_as_in_the_whole_catalogue(national):
    world, demand = national
    sampled = build_world("national", 1, 0.02).simulated
    small = Demand(sampled, 1).truth
    index = {sku: i for i, sku in enumerate(demand.skus)}
    rows = [index[p["sku"]] for p in sampled["parts"]]
    assert np.array_equal(small.sku_factor, demand.truth.sku_factor[rows])
    assert np.array_equal(small.trend, demand.truth.trend[rows])


def test_the_year_differs_from_the_estimate_and_demand_follows_the_truth():
    world = build_world("small", 1, 1.0).simulated
    demand = Demand(world, 1)
    estimate = np.array([float(p["annual_demand"]) for p in world["parts"]]) / 365
    truth = demand.truth.national(100)
    assert np.abs(truth / estimate - 1).mean() > 0.25  # off by a quarter or more for a typical part
    drawn = np.zeros(len(demand.skus))
    for day in range(90, 111):
        today = demand.day(day)
        np.add.at(drawn, today.sku, today.qty)
    expected = sum(demand.truth.national(d) for d in range(90, 111))
    busy = expected > 30
    assert np.corrcoef(drawn[busy], expected[busy])[0, 1] > 0.95


def test_each_region_gets_its_share_of_the_truth():
    from simulation.demand import MEAN_QTY

    world = build_world("small", 1, 1.0).simulated
    demand = Demand(world, 1)
    seen = np.zeros(len(demand.regions))
    for day in range(60):
        np.add.at(seen, demand.point_region[demand.day(day).point], 1)
    expected = sum(demand.truth.rate(d).sum(axis=0) for d in range(60)) / MEAN_QTY
    assert expected.min() > 150
    assert np.abs(seen / expected - 1).max() < 0.2


def test_carriers_are_late_now_and_then_and_the_same_parcel_always_alike():
    carrier = Carrier(1)
    delays = np.array([carrier.delay_hours(30.0, 7, i) for i in range(5000)])
    assert delays.min() < 0 < delays.max()  # parcels land early and late
    held = delays > 30.0 * (np.exp(4 * 0.1) - 1)  # beyond four sigma of the transit factor: held
    assert 0.005 < held.mean() < 0.02
    assert delays[held].min() >= 12.0 - 30.0 * 0.5
    assert carrier.delay_hours(30.0, 7, 3) == Carrier(1).delay_hours(30.0, 7, 3) != Carrier(2).delay_hours(30.0, 7, 3)


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            names |= {base} | {f"{base}.{a.name}" if node.module else f"{base}{a.name}" for a in node.names}
    return names


def _reaches_truth(module: str, seen: set[str]) -> bool:
    """Whether simulation module `module` imports `truth`, directly or through another."""
    if module == "truth":
        return True
    if module in seen:
        return False
    seen.add(module)
    for name in _imports(ROOT / "simulation" / f"{module}.py"):
        if name.startswith("simulation.") or name.startswith("."):
            target = name.removeprefix("simulation.").lstrip(".").split(".")[0]
            if target and (ROOT / "simulation" / f"{target}.py").exists() and _reaches_truth(target, seen):
                return True
    return False


def test_no_product_code_can_reach_the_simulation():
    for package in ("inventory", "optimizer", "api"):
        for path in (ROOT / package).rglob("*.py"):
            if package == "api" and path.name == "cli.py":
                continue  # the `parts simulate` command starts a simulation; it reads no figure of it
            assert not any(n.split(".")[0] == "simulation" for n in _imports(path)), path


def test_the_policies_cannot_reach_the_truth():
    for module in ("policies", "replenish", "hq_estimate", "metrics", "tickets", "calendar"):
        assert not _reaches_truth(module, set()), module
    assert {p.stem for p in (ROOT / "simulation").glob("*.py") if _reaches_truth(p.stem, set())} <= KNOWING


@pytest.mark.slow
def test_the_first_nights_plan_is_the_same_whatever_the_truth(monkeypatch):
    """Before any history the policy knows only master data: a truth ten times larger changes
    the year's demand but not the first night's transfers; the second night has a day of
    history, and plans by it."""
    config = SimConfig(days=1, seed=4, scale="small", policy="optimizer", drain_days=1, tickets=False,
                       opening="targets")  # all stock at HQ: the first night stocks the regions
    usual = simulate(config)
    draw = Truth.draw.__func__

    def tenfold(cls, *args, **kwargs):
        t = draw(cls, *args, **kwargs)
        return replace(t, sku_factor=t.sku_factor * 10)

    monkeypatch.setattr(Truth, "draw", classmethod(tenfold))
    bigger = simulate(config)
    assert len(bigger.lines) > 5 * len(usual.lines)
    assert usual.log.transfers[0] == bigger.log.transfers[0] > 0
    assert usual.log.transfers[1] != bigger.log.transfers[1]
