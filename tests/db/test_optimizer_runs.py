"""Optimizer runs on the database: re-plan open lines, idempotently, never touching shipped ones."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from inventory import planning
from inventory.access import Principal
from inventory.db import transaction, utcnow
from inventory.policy import Policy, load_policy, set_policy
from inventory.requisitions import service as requisitions
from inventory.requisitions.service import LineRequest
from inventory.warehouses import ledger, transfers
from inventory.warehouses.models import StockMovement, Transfer
from optimizer import runs
from optimizer.targets import MIN_MEAN, base_stock_targets, propose_transfers

POINT = Principal("service_point", "SP0001")


def submit(session, sku, qty, now):
    with transaction(session):
        return requisitions.submit(session, POINT, ship_to="SP0001", ticket="T1", policy=Policy(),
                           lines=[LineRequest(sku, qty)], now=now)


def where(session, code):
    req = requisitions.get(session, Principal("hq"), code)
    found = sorted((a.warehouse_code, a.qty) for line in req.lines for a in line.allocations if a.status == "reserved")
    session.rollback()  # SQLite: an open read transaction would hold the write lock
    return found


def movement_count(session):
    count = session.scalar(select(func.count()).select_from(StockMovement))
    session.rollback()
    return count


def test_a_run_moves_a_late_reservation_to_a_warehouse_that_keeps_the_promise(sessions, session, world):
    now = utcnow()
    with transaction(session):  # only HB1 (60 h away) has stock when the order comes in
        for wh in ("GD1", "HQ"):
            ledger.scrap(session, wh, "WM-PUMP-01", ledger.available(session, wh, "WM-PUMP-01"), actor="t", reason="t")
    req = submit(session, "WM-PUMP-01", 2, now)
    assert where(session, req.code) == [("HB1", 2)]
    with transaction(session):
        ledger.receive(session, "GD1", "WM-PUMP-01", 5, actor="t")
    result = runs.run_now(sessions, now=now + timedelta(hours=1), propose=False)
    session.expire_all()
    assert where(session, req.code) == [("GD1", 2)]
    assert (result["before"]["late_units"], result["after"]["on_time_units"]) == (2, 2)
    assert result["status"] == "done" and result["lines_changed"] == 1 and result["inputs_hash"]
    assert ledger.ledger_differences(session) == []


def test_a_backordered_line_is_allocated_once_stock_exists(sessions, session, world):
    now = utcnow()
    req = submit(session, "WM-MOTOR-01", 7, now)  # HQ has 5: 2 backordered
    with transaction(session):
        ledger.receive(session, "GD1", "WM-MOTOR-01", 4, actor="t")
    runs.run_now(sessions, now=now, propose=False)
    session.expire_all()
    got = requisitions.get(session, Principal("hq"), req.code)
    assert got.lines[0].backordered_qty == 0 and got.status == "allocated"
    session.rollback()
    assert sum(q for _, q in where(session, req.code)) == 7


def test_re_running_on_unchanged_data_changes_nothing(sessions, session, world):
    now = utcnow()
    for qty in (3, 9, 4):
        submit(session, "WM-PUMP-01", qty, now)
    runs.run_now(sessions, now=now, propose=False)
    movements = movement_count(session)
    second = runs.run_now(sessions, now=now, propose=False)
    assert second["lines_changed"] == 0
    assert movement_count(session) == movements


def test_lines_shipped_after_the_snapshot_are_left_alone(sessions, session, world):
    now = utcnow()
    with transaction(session):
        for wh in ("GD1", "HQ"):
            ledger.scrap(session, wh, "WM-PUMP-01", ledger.available(session, wh, "WM-PUMP-01"), actor="t", reason="t")
    req = submit(session, "WM-PUMP-01", 2, now)
    with transaction(session):
        ledger.receive(session, "GD1", "WM-PUMP-01", 5, actor="t")
        run_id = planning.create_run(session, trigger="test", actor="t").id
    document = runs.take_snapshot(sessions, run_id, now=now, store=True)
    allocations, seconds = runs.solve_document(document)
    with transaction(session):
        requisitions.ship(session, "hq", req.code)  # the clerk ships from HB1 while the solver works
    run = runs.finish_run(sessions, run_id, document, allocations, seconds, propose=False)
    assert (run.lines_changed, run.lines_skipped) == (0, 1)
    session.expire_all()
    assert requisitions.get(session, Principal("hq"), req.code).status == "shipped"
    session.rollback()
    assert ledger.ledger_differences(session) == []


def test_a_run_killed_half_way_leaves_the_last_good_state(sessions, session, world, monkeypatch):
    now = utcnow()
    with transaction(session):
        for wh in ("GD1", "HQ"):
            ledger.scrap(session, wh, "WM-PUMP-01", ledger.available(session, wh, "WM-PUMP-01"), actor="t", reason="t")
    req = submit(session, "WM-PUMP-01", 2, now)
    with transaction(session):
        ledger.receive(session, "GD1", "WM-PUMP-01", 5, actor="t")
    movements = movement_count(session)

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(ledger, "reserve_many", crash)  # after the releases, before the new reservations
    with pytest.raises(RuntimeError):
        runs.run_now(sessions, now=now, propose=False)
    session.expire_all()
    assert where(session, req.code) == [("HB1", 2)]
    assert movement_count(session) == movements
    run = planning.list_runs(session)[0]
    assert run.status == "failed" and "worker killed" in run.error


def test_a_run_proposes_transfers_that_lift_regional_stock_to_target(sessions, session, world):
    now = utcnow()
    with transaction(session):  # two weeks of demand at SP0001 (served by GD1), none left at GD1
        ledger.receive(session, "HQ", "WM-MOTOR-01", 20, actor="t")
        for day in range(14):
            requisitions.submit(session, POINT, ship_to="SP0001", ticket="T", policy=Policy(),
                        lines=[LineRequest("WM-MOTOR-01", 1)], now=now - timedelta(days=day + 1))
    result = runs.run_now(sessions, now=now)
    drafts = session.scalars(select(Transfer).where(Transfer.status == "draft")).all()
    assert result["transfers_proposed"] == len(drafts) > 0
    gd1 = [t for t in drafts if t.to_warehouse == "GD1" and t.sku == "WM-MOTOR-01"]
    assert gd1 and gd1[0].from_warehouse == "HQ" and gd1[0].proposal_run_id == result["id"]
    with transaction(session):
        shipped = transfers.approve_and_ship(session, gd1[0].id, actor="hq:li")
    assert shipped.status == "shipped"
    assert ledger.get_balance(session, "GD1", "WM-MOTOR-01").in_transit == gd1[0].qty


def test_a_lower_regional_min_mean_holds_slower_skus_near_the_points(session, world):
    """The policy knob behind the trade-off curve's placement series: more of the tail held regionally."""
    now = utcnow()
    with transaction(session):  # one motor in four weeks at SP0001: too slow for GD1 to hold by default
        ledger.receive(session, "HQ", "WM-MOTOR-01", 50, actor="t")
        submit(session, "WM-MOTOR-01", 1, now - timedelta(days=10))
    usual = base_stock_targets(session, now)
    tail = base_stock_targets(session, now, min_mean=0.0001)
    assert ("GD1", "WM-MOTOR-01") not in usual and tail[("GD1", "WM-MOTOR-01")] >= 1
    assert set(usual) <= set(tail) and all(tail[k] == v for k, v in usual.items())
    assert float(load_policy(session).regional_min_mean) == MIN_MEAN
    with transaction(session):
        before = {(d.to_warehouse, d.sku) for d in propose_transfers(session, now=now, policy=load_policy(session))}
        set_policy(session, "regional_min_mean", "0.0001", actor="hq:li")
        after = {(d.to_warehouse, d.sku) for d in propose_transfers(session, now=now, policy=load_policy(session))}
    assert ("GD1", "WM-MOTOR-01") in after - before


def test_a_newer_run_supersedes_undecided_proposals(sessions, session, world):
    now = utcnow()
    with transaction(session):
        ledger.receive(session, "HQ", "WM-MOTOR-01", 20, actor="t")
        for day in range(14):
            requisitions.submit(session, POINT, ship_to="SP0001", ticket="T", policy=Policy(),
                        lines=[LineRequest("WM-MOTOR-01", 1)], now=now - timedelta(days=day + 1))
    first = runs.run_now(sessions, now=now)
    second = runs.run_now(sessions, now=now)
    drafts = session.scalars(select(Transfer).where(Transfer.status == "draft")).all()
    assert {t.proposal_run_id for t in drafts} == {second["id"]}
    assert first["transfers_proposed"] == second["transfers_proposed"]
