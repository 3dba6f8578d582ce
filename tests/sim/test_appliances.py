"""The simulated call centre's appliances: seeded, spread over the years, some without proof, a few
within 7 and 15 days of purchase, repeat faults on one serial; the engine decides from them."""
from __future__ import annotations

from datetime import date

import numpy as np

from inventory.policy import Policy
from inventory.warranty import Case, decide
from simulation.appliances import APPLIANCE_COLUMNS, MAX_VISITS, ApplianceBook, new_appliance
from simulation.demand import Demand

REPORTED = date(2025, 6, 1)


def _draw(n: int, seed: int = 3):
    return np.random.default_rng(seed).random((n, APPLIANCE_COLUMNS))


def test_first_visits_spread_over_the_years_with_some_without_proof():
    u = _draw(20000)
    washers = [new_appliance(f"T{i}", "fully_automatic", REPORTED, u[i]) for i in range(len(u))]
    with_proof = [a for a in washers if a.proof]
    ages = np.array([(REPORTED - a.purchased_on).days for a in with_proof])
    assert 0.02 < 1 - len(with_proof) / len(washers) < 0.04          # no invoice nor card
    assert all(a.purchased_on is None for a in washers if a.proof is None)
    assert 0.01 < np.mean(ages <= 7) < 0.02 and 0.02 < np.mean(ages <= 15) < 0.04
    assert 0.30 < np.mean(ages > 365) < 0.40 and np.mean(ages > 3 * 365) > 0.15 and ages.max() < 6 * 365
    assert 0.03 < np.mean([a.use == "commercial" for a in washers]) < 0.07
    assert {a.product_line for a in washers} == {"washer"}
    ac = new_appliance("T1", "commercial_ac", REPORTED, u[0])
    assert (ac.product_line, ac.use) == ("ac", "commercial")


def test_the_engine_finds_ordinary_washer_parts_out_of_warranty_and_key_components_in():
    u = _draw(5000)
    policy = Policy()
    decided = {(key, decide(Case(product_line=a.product_line, use=a.use, purchased_on=a.purchased_on,
                                 reported_on=REPORTED, fault=a.fault, key_component=key, proof=a.proof),
                            policy).in_warranty)
               for a in (new_appliance(f"T{i}", "fully_automatic", REPORTED, u[i]) for i in range(len(u)))
               if a.use == "household" and a.purchased_on and 400 < (REPORTED - a.purchased_on).days < 1000
               for key in (False, True)}
    assert decided == {(False, False), (True, True)}


def test_repeats_bring_the_same_serial_back_with_its_fault_up_to_a_fourth_visit():
    book, u = ApplianceBook(), _draw(4000, seed=5)
    units = [book.appliance(f"T{i}", "SP1", "fully_automatic", REPORTED, u[i]) for i in range(len(u))]
    by_serial: dict[str, list] = {}
    for unit in units:
        by_serial.setdefault(unit.serial, []).append(unit)
    again = [v for v in by_serial.values() if len(v) > 1]
    assert again and all(len({(a.purchased_on, a.fault, a.proof, a.use) for a in v}) == 1 for v in again)
    assert all([a.visits for a in v] == list(range(1, len(v) + 1)) for v in by_serial.values())
    assert sum(len(v) >= MAX_VISITS for v in again) >= 3  # a fourth visit: the fault repaired three times before
    assert 0.06 < (len(units) - len(by_serial)) / len(units) < 0.10


def test_a_days_appliances_are_seeded_and_leave_the_other_draws_alone():
    from simulation.setup import build_world

    world = build_world("small", 1, 1.0).simulated
    first, second = Demand(world, seed=1).day(40), Demand(world, seed=1).day(40)
    assert len(first) > 0 and first.appliance_u.shape == (len(first), APPLIANCE_COLUMNS)
    assert np.array_equal(first.appliance_u, second.appliance_u) and np.array_equal(first.u, second.u)
    other = Demand(world, seed=2).day(40)
    assert not np.array_equal(first.appliance_u[:5], other.appliance_u[:5])
