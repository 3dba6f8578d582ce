"""The stock plan from the database: history in, targets out, and the transfers that follow them.

The tiny world holds WM-PUMP-01: HQ 50, GD1 10, HB1 4. SP0003 (湖北) is 10 h from HB1, 40 h from
HQ and 60 h from GD1.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy import delete, select

from inventory.access import Principal
from inventory.catalog import Part
from inventory.db import transaction
from inventory.planning import StockPlanRecord
from inventory.policy import load_policy
from inventory.requisitions import service as requisitions
from inventory.requisitions.service import LineRequest
from inventory.warehouses import ledger
from inventory.warehouses.models import Transfer
from optimizer.stock_plan import make_plan
from optimizer.targets import propose_transfers

PUMP = "WM-PUMP-01"
NOW = datetime(2025, 6, 1, 18, 0, tzinfo=timezone.utc)


def asked(session, point: str, sku: str, per_day: int, days: int) -> None:
    """`per_day` one-unit requisitions from `point` on each of the last `days` days."""
    policy = load_policy(session)
    owner = Principal("service_point", point)
    for day in range(days, 0, -1):
        for i in range(per_day):
            with transaction(session):
                requisitions.submit(session, owner, ship_to=point, lines=[LineRequest(sku, 1)], ticket=None,
                                    policy=policy, in_warranty=False, now=NOW - timedelta(days=day, hours=i))


def test_the_plan_learns_where_a_part_is_asked_for_and_holds_it_within_reach(session, world, monkeypatch):
    from optimizer import stock_plan

    monkeypatch.setattr(stock_plan, "SPREAD_EXCESS", False)   # the whole budget placed: HQ's 50 pumps aside
    asked(session, "SP0003", PUMP, per_day=3, days=30)
    plan = make_plan(session, NOW, load_policy(session), budget=5_000.0)
    j = plan.inputs.skus.index(PUMP)
    hb = plan.inputs.regions.index("HB")
    assert plan.forecast.national(plan.inputs.today_doy)[j] > 2.0   # no estimate: its history says 3 a day
    assert plan.forecast.share[j, hb] > 0.8
    targets = plan.placement.targets()
    assert targets[("HB1", PUMP)] > 2 * targets.get(("GD1", PUMP), 0)   # GD1 is 60 h from the point
    assert plan.placement.stock_value <= 5_000.0 and plan.placement.gap < 0.01
    assert plan.echelon()[PUMP] == sum(q for (_, sku), q in targets.items() if sku == PUMP)


def test_a_replaced_parts_history_is_forecast_for_its_successor(session, world):
    """替代件: requests still written as the old part number are demand for the part that will be
    stocked, its final successor."""
    from inventory.supersession import Replacement, set_replacements

    asked(session, "SP0003", PUMP, per_day=3, days=30)
    with transaction(session):
        set_replacements(session, [Replacement(PUMP, "WM-MOTOR-01")], actor="hq", source="test", now=NOW)
    plan = make_plan(session, NOW, load_policy(session), budget=5_000.0)
    national = plan.forecast.national(plan.inputs.today_doy)
    assert national[plan.inputs.skus.index("WM-MOTOR-01")] > 2.0
    assert national[plan.inputs.skus.index(PUMP)] < 0.5


def test_the_plan_learns_the_pick_wave_waits_from_when_lines_shipped(session, world, monkeypatch):
    """A line accepted at 10:00 Beijing that left at 13:00 waited nothing beyond the handling
    time; one at 18:00 that left at 09:00 the next morning waited 7 h; one that left two days
    later waited for stock, not a wave, and tells nothing about waves."""
    from optimizer import stock_plan

    monkeypatch.setattr(stock_plan, "CARRIER_MIN_SAMPLE", 30)
    point, owner, policy = "SP0003", Principal("service_point", "SP0003"), load_policy(session)
    accepted = [(NOW - timedelta(days=d, hours=h), ship) for d in range(2, 22)   # 60 of the 64 units held
                for h, ship in ((16, 3), (8, 15), (20, 50))]   # 10:00, 18:00 and 06:00 Beijing
    for at, after in accepted:
        with transaction(session):
            req = requisitions.submit(session, owner, ship_to=point, lines=[LineRequest(PUMP, 1)], ticket=None,
                                      policy=policy, in_warranty=False, now=at)
        with transaction(session):
            requisitions.ship(session, "hq", req.code, now=at + timedelta(hours=after))
    waits = stock_plan._waits(session, NOW)
    assert waits is not None and len(waits) == 40
    assert sorted(set(np.round(waits, 6).tolist())) == [0.0, 7.0]
    assert (waits == 7.0).sum() == 20
    assert stock_plan._waits(session, NOW - timedelta(days=200)) is None     # no parcels then
    inputs = stock_plan.read_inputs(session, NOW, policy)
    assert inputs.network.waits is not None and len(inputs.network.waits) == 40


def test_a_plan_with_no_history_and_no_estimates_places_nothing_it_cannot_pay_for(session, world):
    """The plan counts the stock already at regional warehouses (it stays there whatever the plan
    says); a budget below it places nothing beyond it."""
    plan = make_plan(session, NOW, load_policy(session), budget=100.0)
    inst = plan.inputs
    from optimizer.stock_plan import held_units
    held = held_units(session, inst.skus, inst.network.warehouses)
    held[:, inst.network.hq] = 0
    in_place = float((held * inst.unit_cost[:, None]).sum())
    assert in_place > 100.0
    assert plan.placement.stock_value <= in_place + 100.0
    assert plan.inputs.history.days == 0


def test_under_a_plan_stock_a_warehouse_no_longer_holds_moves_to_one_that_does(session, world):
    with transaction(session):
        drafts = propose_transfers(session, now=NOW, policy=load_policy(session), targets={("HB1", PUMP): 8},
                                   hq_keep={PUMP: 50})
    assert [(d.from_warehouse, d.to_warehouse, d.qty) for d in drafts] == [("GD1", "HB1", 4)]


def test_hq_ships_its_spare_above_what_the_plan_keeps_there(session, world):
    with transaction(session):
        drafts = propose_transfers(session, now=NOW, policy=load_policy(session),
                                   targets={("HB1", PUMP): 8, ("GD1", PUMP): 10}, hq_keep={})
    assert [(d.from_warehouse, d.to_warehouse, d.qty) for d in drafts] == [("HQ", "HB1", 4)]
    assert session.scalar(select(Transfer.status).where(Transfer.id == drafts[0].id)) == "draft"


def test_the_next_plan_reads_back_the_hub_sets_the_last_one_used(session, world, monkeypatch):
    from inventory.planning import latest_plan
    from optimizer import placement, stock_plan

    monkeypatch.setattr(stock_plan, "MIN_SKUS_PER_SET", 1)
    policy = load_policy(session)
    asked(session, "SP0003", PUMP, per_day=3, days=20)
    asked(session, "SP0001", "WM-MOTOR-01", per_day=2, days=20)
    assert stock_plan.read_request(session, NOW, policy).previous_sets is None    # no plan yet
    plan = make_plan(session, NOW, policy, budget=20_000.0)
    with transaction(session):
        stock_plan.save(session, plan, actor="test", now=NOW)
    net = plan.inputs.network
    regional = {(w, sku) for (w, sku), level in plan.placement.targets().items() if level > 0 and w != "HQ"}
    by_sku: dict[str, set[str]] = {}
    for w, sku in regional:
        by_sku.setdefault(sku, set()).add(w)
    sets = stock_plan.previous_hub_sets(stock_plan.plan_levels(session, latest_plan(session).id), net)
    expected = {len(ws): ws for ws in by_sku.values() if len(ws) in placement.HUB_SIZES}
    assert expected and {k: {net.warehouses[w] for w in np.flatnonzero(m)} for k, m in sets.items()} == expected
    again = stock_plan.read_request(session, NOW + timedelta(days=7), policy)
    assert again.previous_sets is not None and set(again.previous_sets) == set(expected)


def with_suppliers(session) -> None:
    from inventory.world import load_world

    with transaction(session):
        load_world(session, {"suppliers": [{"code": "S1", "name": "顺德电机厂", "lead_days": 10}],
                             "supplier_parts": [{"supplier": "S1", "sku": sku, "unit_price": "80.00"}
                                                for sku in (PUMP, "WM-MOTOR-01", "AC-REMOTE-01")]})


def test_a_kept_plan_proposes_purchases_and_drives_the_nights_transfers(session, sessions, world):
    from inventory.planning import latest_plan, targets_of
    from inventory.purchasing import service as purchasing
    from optimizer.runs import run_now
    from optimizer.stock_plan import plan_and_propose, saved_targets

    asked(session, "SP0003", PUMP, per_day=6, days=30)
    with_suppliers(session)
    with transaction(session):
        record, orders = plan_and_propose(session, NOW, load_policy(session), actor="test", budget=20_000.0)
    assert latest_plan(session).id == record.id and record.stock_value <= 20_000.0
    kept = saved_targets(session)
    rows = targets_of(session, record.id)
    assert kept.echelon[PUMP] == sum(r.level for r in rows if r.sku == PUMP) > 0
    position = purchasing.positions(session)
    for order in orders:  # every proposal lifts its sku towards the plan's network level
        for line in order.lines:
            assert position.get(line.sku, 0) < kept.echelon[line.sku] <= position.get(line.sku, 0) + line.qty
    with transaction(session):  # the purchases arrive at HQ
        ledger.receive(session, "HQ", PUMP, 500, actor="test")
    run = run_now(sessions, now=NOW + timedelta(hours=1))
    drafts = session.scalars(select(Transfer).where(Transfer.proposal_run_id == run["id"])).all()
    assert drafts and all(kept.regional.get((d.to_warehouse, d.sku), 0) > 0 for d in drafts)


def test_parts_plan_keeps_a_plan_and_prints_its_figures(database, session, world):
    import json
    import os
    import subprocess
    import sys

    with_suppliers(session)
    env = {**os.environ, "DATABASE_URL": database.url}
    done = subprocess.run([sys.executable, "-c", "from api.cli import main; main()", "plan", "--budget", "5000"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["plan"].startswith("SP") and summary["budget"] == "5000.00" and 0 <= summary["gap"] < 0.05
    assert Decimal(summary["placed_budget"]) <= Decimal("5000.00") and Decimal(summary["stock_value"]) > 0
    refused = subprocess.run([sys.executable, "-c", "from api.cli import main; main()", "plan", "--budget", "-1"],
                             env=env, capture_output=True, text=True, timeout=300)
    assert refused.returncode != 0 and "budget" in refused.stderr and "Traceback" not in refused.stderr


def test_placed_budget_corrects_by_the_stock_held_against_the_last_plan():
    from types import SimpleNamespace

    from optimizer.stock_plan import MAX_PLACED_SHARE, MIN_PLACED_SHARE, PLACED_GAIN, placed_budget

    last = SimpleNamespace(stock_value=900.0)
    assert placed_budget(1000.0, None, 5000.0) == 1000.0                     # the first plan places the budget
    assert placed_budget(1000.0, last, 1000.0) == pytest.approx(900.0)       # held on budget: as last time
    assert placed_budget(1000.0, last, 1440.0) == pytest.approx(900.0 / 1.44 ** PLACED_GAIN)  # 44 % over
    assert placed_budget(1000.0, last, 1440.0) < 900.0 * 0.92                # ... about a tenth less
    assert placed_budget(1000.0, last, 10 ** 9) == MIN_PLACED_SHARE * 1000.0  # never below the floor
    assert placed_budget(1000.0, last, 100.0) == MAX_PLACED_SHARE * 1000.0   # never above the ceiling
    assert placed_budget(1000.0, last, 800.0) == pytest.approx(900.0 * 1.25 ** PLACED_GAIN)  # held under: more
    assert placed_budget(1000.0, last, 100.0, ceiling=1.05) == pytest.approx(1050.0)  # a learnt ceiling
    assert placed_budget(1000.0, last, 10 ** 9, ceiling=0.1) == MIN_PLACED_SHARE * 1000.0  # the floor wins


def test_held_under_the_budget_places_the_ceiling_at_once(monkeypatch):
    """With HELD_UNDER_AT_CEILING the plan places the learned ceiling while the stock held is
    under the budget, and the damped control still cuts when it is over."""
    from types import SimpleNamespace

    from optimizer import stock_plan

    last = SimpleNamespace(stock_value=900.0)
    monkeypatch.setattr(stock_plan, "HELD_UNDER_AT_CEILING", False)
    climbing = stock_plan.placed_budget(1000.0, last, 950.0, ceiling=1.04)
    assert climbing == pytest.approx(900.0 * (1000 / 950) ** stock_plan.PLACED_GAIN)  # a damped step
    monkeypatch.setattr(stock_plan, "HELD_UNDER_AT_CEILING", True)
    assert stock_plan.placed_budget(1000.0, last, 950.0, ceiling=1.04) == pytest.approx(1040.0)
    assert stock_plan.placed_budget(1000.0, last, 1440.0, ceiling=1.04) == pytest.approx(
        900.0 / 1.44 ** stock_plan.PLACED_GAIN)                                     # over: cut as before
    assert stock_plan.placed_budget(1000.0, None, 500.0, ceiling=1.04) == 1000.0    # the first plan


def test_held_ratio_learns_how_far_held_stock_runs_under_the_plans_expectation(session, world):
    """Each plan's held stock over the expected stock of the plan before, the median of the
    latest ones; pairs while the first plan's purchases are still on their way do not count, nor
    plans without a held figure, and the ratio stays between MIN_HELD_RATIO and 1."""
    from inventory.planning import rmb
    from optimizer.stock_plan import HELD_RATIO_PLANS, MIN_HELD_RATIO, held_ratio
    from tests.factories import kept_plan

    def plans(rows):
        with transaction(session):
            session.execute(delete(StockPlanRecord))
            for week, (expected, held) in enumerate(rows):
                record = kept_plan(session, {}, stock_value=expected, created_at=NOW + timedelta(days=7 * week))
                record.held_value = None if held is None else rmb(held)

    assert held_ratio(session, 14.0) == 1.0                                  # no plan yet
    plans([(1000.0, None), (1000.0, 600.0), (1000.0, 650.0)])
    assert held_ratio(session, 14.0) == 1.0                                  # the opening's ratios do not count
    plans([(1000.0, None), (1000.0, 600.0), (1000.0, 650.0), (1000.0, 940.0), (1000.0, 960.0), (1000.0, 980.0)])
    assert held_ratio(session, 14.0) == pytest.approx(0.96)                  # weeks 2->3, 3->4, 4->5 count
    assert held_ratio(session, 0.0) == pytest.approx(0.94)                   # all of them: 0.6, 0.65, 0.94, ...
    plans([(1000.0, None)] * 3 + [(1000.0, 500.0)] * 4)
    assert held_ratio(session, 14.0) == MIN_HELD_RATIO                       # never below the floor
    plans([(1000.0, None)] * 3 + [(1000.0, 1200.0)] * 4)
    assert held_ratio(session, 14.0) == 1.0                                  # held above: the integral cuts
    plans([(1000.0, None)] * 3 + [(1000.0, 910.0)] * 3 + [(1000.0, 990.0)] * HELD_RATIO_PLANS)
    assert held_ratio(session, 14.0) == pytest.approx(0.99)                  # only the latest plans


def test_the_weeks_budget_follows_the_season_and_averages_the_budget_over_a_year():
    from optimizer.forecast import Forecast
    from optimizer.stock_plan import seasonal_budget

    def fc(doy, amplitude):
        return Forecast(level=np.array([2.0, 1.0]), share=np.array([[0.5, 0.5], [1.0, 0.0]]),
                        amplitude=np.array([amplitude, 0.0]), today_doy=doy, sku_cv2=0.1, region_cv2=0.1,
                        dispersion=np.zeros(2))

    cost = np.array([10.0, 30.0])
    weeks = [seasonal_budget(1000.0, fc(doy, 0.6), 7, cost, elasticity=1.0) for doy in range(1, 366)]
    assert int(np.argmax(weeks)) + 1 == pytest.approx(196, abs=4)                   # the peak in mid-July
    assert weeks[195] > 1000.0 > weeks[14]                                         # July above, January below
    assert np.mean(weeks) == pytest.approx(1000.0, rel=1e-3)                       # the year's mean is the budget
    assert seasonal_budget(1000.0, fc(15, 0.0), 7, cost, elasticity=1.0) == pytest.approx(1000.0)  # no season
    assert seasonal_budget(1000.0, fc(195, 0.6), 7, cost, elasticity=0.0) == 1000.0                 # flat


def test_a_network_holding_more_than_the_last_plan_expected_places_less(session, world, monkeypatch):
    from optimizer import stock_plan
    from optimizer.stock_plan import MAX_PLACED_SHARE, MIN_PLACED_SHARE, PLACED_GAIN, save, stock_held

    monkeypatch.setattr(stock_plan, "SPREAD_EXCESS", False)   # the control alone (the spread: below)

    asked(session, "SP0003", PUMP, per_day=3, days=30)
    policy = load_policy(session)
    first = make_plan(session, NOW, policy, budget=5_000.0)
    assert first.placement.budget == first.week_budget       # the first plan places the week's budget
    with transaction(session):
        save(session, first, actor="test", now=NOW)
    held = stock_held(session)
    assert held > 5_000.0   # the demo's opening stock
    second = make_plan(session, NOW + timedelta(days=7), policy, budget=5_000.0)
    assert second.budget == 5_000.0
    week = second.week_budget
    assert second.placement.budget == pytest.approx(
        min(MAX_PLACED_SHARE * week, max(MIN_PLACED_SHARE * week, first.placement.stock_value * (week / held) ** PLACED_GAIN)))
    assert second.placement.budget < week
    assert second.placement.stock_value <= second.placement.budget


def test_the_opening_excess_at_hq_is_spread_over_the_year_and_deployed(session, world, monkeypatch):
    """HQ holds 550 pumps while one a day is asked for: with the excess spread (and the first plan
    measuring it against a draft of itself), the first plan places less than the week's budget
    by the excess's average over the year, and may move the spare to holders."""
    from optimizer import stock_plan

    asked(session, "SP0003", PUMP, per_day=1, days=30)
    with transaction(session):
        ledger.receive(session, "HQ", PUMP, 500, actor="test")
    policy = load_policy(session)
    monkeypatch.setattr(stock_plan, "SPREAD_EXCESS", False)
    plain = make_plan(session, NOW, policy, budget=50_000.0)
    assert plain.placement.budget == plain.week_budget
    for flag in ("SPREAD_EXCESS", "DEPLOY_SPARE", "FIRST_PLAN_DRAFT"):
        monkeypatch.setattr(stock_plan, flag, True)
    monkeypatch.setattr(stock_plan, "BUDGET_YEAR", False)     # a rolling year: the budget year is tested below
    spread = make_plan(session, NOW, policy, budget=50_000.0)
    hq = spread.inputs.network.hq
    units = stock_plan.held_units(session, spread.inputs.skus, spread.inputs.network.warehouses)
    draft = plain.placement.target.sum(axis=1)
    excess = stock_plan.hq_excess(units, hq, draft)
    j = spread.inputs.skus.index(PUMP)
    assert excess[j] > 0                                   # HQ's 50 pumps are more than any level wants
    horizon = max(1, int(np.ceil(spread.inputs.network.supplier_days)))
    rate = spread.forecast.units(horizon).sum(axis=1) / horizon
    expected, _ = stock_plan.useful_budget(spread.week_budget, 1.0, excess, rate, spread.inputs.unit_cost)
    assert spread.placement.budget == pytest.approx(expected, rel=1e-6) and expected < spread.week_budget
    assert spread.placement.target[j].sum() >= plain.placement.target[j].sum()


def test_the_budget_year_adds_up_the_excess_its_plans_found(session, world):
    """Plans of this (Beijing) year count their excess until the next plan, the last until now;
    last year's plan and a plan without a figure count nothing."""
    from inventory.planning import rmb
    from optimizer.stock_plan import year_so_far
    from tests.factories import kept_plan

    bj = timezone(timedelta(hours=8))
    with transaction(session):
        for at, excess in [(datetime(2024, 12, 20, tzinfo=bj), 9_999.0), (datetime(2025, 1, 1, 0, 30, tzinfo=bj), 1_000.0),
                           (datetime(2025, 1, 11, 0, 30, tzinfo=bj), None), (datetime(2025, 1, 21, 0, 30, tzinfo=bj), 500.0)]:
            record = kept_plan(session, {}, created_at=at)
            record.excess_value = None if excess is None else rmb(excess)
    now = datetime(2025, 1, 31, 0, 30, tzinfo=bj)
    spent, left, days = year_so_far(session, now)
    assert spent == pytest.approx(1_000.0 * 10 + 0 * 10 + 500.0 * 10)
    assert days == 365 and left == pytest.approx(365 - 30 - 1 / 48)


def test_the_stock_held_counts_what_is_on_hand_as_the_budget_does(session, world):
    """Units on a lorry between warehouses are not on any shelf: the budget's average counts stock
    on hand, so the control's stock held leaves them out (the year ran 0.3 M under its budget)."""
    from inventory.warehouses import transfers
    from optimizer.stock_plan import stock_held

    before = stock_held(session)
    assert stock_held(session, on_hand_only=False) == pytest.approx(before)   # nothing in transit yet
    with transaction(session):
        shipped = transfers.create_draft(session, "HQ", "GD1", PUMP, 5, actor="test").id
        transfers.approve_and_ship(session, shipped, actor="test")
    cost = float(session.scalar(select(Part.unit_cost).where(Part.sku == PUMP)))
    assert stock_held(session) == pytest.approx(before - 5 * cost)
    assert stock_held(session, on_hand_only=False) == pytest.approx(before)
