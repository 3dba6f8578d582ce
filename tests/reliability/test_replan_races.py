"""An optimizer run applying its plan while HQ ships the same requisition (PostgreSQL).

The run's apply read the planned lines unlocked, then locked stock rows, then updated the
requisitions; ship locks the requisition, then its stock rows. Found by bench/faults.py: a ship
committed between the run's read and its moves was undone (its allocation marked released, the
units reserved again elsewhere: "2 issued for 0 shipped", shippable twice), and a ship waiting on
a stock row the run held while the run waited on its requisition deadlocked.
"""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from inventory import planning
from inventory.access import Principal
from inventory.db import make_session_factory, transaction, utcnow
from inventory.errors import Conflict
from inventory.policy import Policy
from inventory.requisitions import replan
from inventory.requisitions import service as requisitions
from inventory.requisitions.service import LineRequest
from inventory.warehouses import ledger
from inventory.warehouses.models import StockBalance, StockMovement
from inventory.world import load_world
from optimizer import runs

from ..factories import tiny_world

POINT = Principal("service_point", "SP0001")
LOCK_WAIT = "300ms"  # how long the racing ship waits on a row lock before it gives up


def late_line_the_run_will_move(sessions):
    """A requisition for 2 pumps reserved at HB1 (late; 2 more held there by a hold), GD1
    restocked after: a run moves the 2 to GD1. The run solved, not yet applied."""
    now = utcnow()
    with sessions() as session, transaction(session):
        load_world(session, tiny_world())
        for wh in ("GD1", "HQ"):
            ledger.scrap(session, wh, "WM-PUMP-01", ledger.available(session, wh, "WM-PUMP-01"), actor="t", reason="t")
        ledger.reserve(session, "HB1", "WM-PUMP-01", 2, actor="t", reason="a hold the run does not plan")
    with sessions() as session, transaction(session):
        code = requisitions.submit(session, POINT, ship_to="SP0001", ticket="T1", policy=Policy(),
                                   lines=[LineRequest("WM-PUMP-01", 2)], now=now).code
    with sessions() as session, transaction(session):
        ledger.receive(session, "GD1", "WM-PUMP-01", 5, actor="t")
        run_id = planning.create_run(session, trigger="test", actor="t").id
    document = runs.take_snapshot(sessions, run_id, now=now, store=False)
    allocations, seconds = runs.solve_document(document)
    assert {a["warehouse"] for a in allocations} == {"GD1"}
    return code, run_id, document, allocations, seconds


def ship(sessions, code: str) -> None:
    with sessions() as session, transaction(session):
        session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'"))
        requisitions.ship(session, "hq", code)


def shipped_and_issued(sessions, code: str) -> tuple[int, int, int]:
    """Units the requisition's allocations say shipped, units the ledger issued for it, units
    still reserved for it."""
    with sessions() as session:
        req = requisitions.get(session, Principal("hq"), code)
        allocations = [a for line in req.lines for a in line.allocations]
        issued = -session.scalar(select(func.coalesce(func.sum(StockMovement.on_hand_delta), 0)).where(
            StockMovement.ref_id == code, StockMovement.kind == "issue"))
        return (sum(a.qty for a in allocations if a.status in ("shipped", "delivered")), issued,
                sum(a.qty for a in allocations if a.status == "reserved"))


def test_a_ship_racing_a_runs_apply_is_never_undone(pg_engine, monkeypatch):
    sessions = make_session_factory(pg_engine)
    code, run_id, document, allocations, seconds = late_line_the_run_will_move(sessions)
    raced = []
    read = replan._line_states

    def states_then_a_ship(session, ids):
        states = read(session, ids)  # the run has read the line as snapshotted: HB1 2
        try:
            ship(sessions, code)  # HQ ships it from another connection meanwhile
            raced.append("shipped")
        except OperationalError:  # lock_timeout: the run holds the requisition
            raced.append("waited")
        return states

    monkeypatch.setattr(replan, "_line_states", states_then_a_ship)
    run = runs.finish_run(sessions, run_id, document, allocations, seconds, propose=False)
    monkeypatch.undo()
    if raced == ["waited"]:
        ship(sessions, code)  # shipped after the run: from where the run moved it
    assert run.status == "done"
    shipped, issued, reserved = shipped_and_issued(sessions, code)
    assert (shipped, issued, reserved) == (2, 2, 0)
    with pytest.raises(Conflict):  # nothing left to ship a second time
        ship(sessions, code)
    with sessions() as session:
        assert ledger.ledger_differences(session) == []
        hb1 = session.scalar(select(StockBalance.reserved).where(
            StockBalance.warehouse_code == "HB1", StockBalance.sku == "WM-PUMP-01"))
        assert hb1 == 2  # the hold alone: no reservation released twice


def test_a_ship_waiting_on_a_stock_row_the_run_holds_does_not_deadlock_it(pg_engine, monkeypatch):
    """The ship starts once the run holds the stock rows; the run then goes on to its requisition."""
    sessions = make_session_factory(pg_engine)
    code, run_id, document, allocations, seconds = late_line_the_run_will_move(sessions)
    outcome = []
    lock_balances = ledger.lock_balances

    def ship_in_a_thread():
        try:
            with sessions() as session, transaction(session):
                requisitions.ship(session, "hq", code)
            outcome.append("shipped")
        except Exception as exc:  # noqa: BLE001 - judged below
            outcome.append(exc)

    shipper = threading.Thread(target=ship_in_a_thread)

    def locked_then_a_ship(session, keys, **kwargs):
        lock_balances(session, keys, **kwargs)
        if threading.current_thread() is not shipper and not shipper.is_alive():  # the run's call, once
            shipper.start()
            wait_until_blocked(sessions)  # the ship waits on a lock the run holds

    monkeypatch.setattr(ledger, "lock_balances", locked_then_a_ship)
    try:
        run = runs.finish_run(sessions, run_id, document, allocations, seconds, propose=False)
    finally:
        monkeypatch.undo()
        shipper.join(timeout=30)
    assert outcome == ["shipped"] and run.status == "done"
    assert shipped_and_issued(sessions, code) == (2, 2, 0)
    with sessions() as session:
        assert ledger.ledger_differences(session) == []


def wait_until_blocked(sessions, timeout: float = 10.0) -> None:
    """Until another backend of this database waits on a lock (a bounded poll, not a sleep)."""
    deadline = time.monotonic() + timeout
    with sessions() as session:
        while time.monotonic() < deadline:
            waiting = session.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"))
            session.rollback()
            if waiting:
                return
            time.sleep(0.01)
    raise AssertionError("the ship never waited on a lock")
