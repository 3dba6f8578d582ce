"""A run applies a plan made from a snapshot; by then the stock it planned on may be gone (a
submit took it). The history, the run's count and the webhooks say what happened, not what was
planned, and a line is never left worse off than the run found it.

Found by bench/faults.py: run OR001313 recorded two lines 'replanned' to HQ ("to": {"HQ": 3},
which the webhook outbox announces as `backorder.filled`) with no reservation behind them."""
from __future__ import annotations

import json

from sqlalchemy import select

from inventory import planning
from inventory.access import Principal
from inventory.db import transaction, utcnow
from inventory.policy import Policy
from inventory.requisitions import service as requisitions
from inventory.requisitions.models import Allocation, RequisitionEvent, RequisitionLine
from inventory.requisitions.service import LineRequest
from inventory.warehouses import ledger
from inventory.world import load_world
from optimizer import runs

from ..factories import tiny_world

POINT = Principal("service_point", "SP0001")
PUMP = "WM-PUMP-01"


def planned_run(sessions, *, reserved_at_hb1: bool):
    """A requisition for 2 pumps: reserved at HB1 (late for SP0001) or backordered; then GD1
    receives 5 and a run plans the 2 at GD1. Solved, not applied."""
    now = utcnow()
    with sessions() as session, transaction(session):
        load_world(session, tiny_world())
        for wh in ("GD1", "HQ") + (() if reserved_at_hb1 else ("HB1",)):
            ledger.scrap(session, wh, PUMP, ledger.available(session, wh, PUMP), actor="t", reason="t")
        if reserved_at_hb1:
            ledger.reserve(session, "HB1", PUMP, ledger.available(session, "HB1", PUMP) - 2, actor="t", reason="hold")
    with sessions() as session, transaction(session):
        code = requisitions.submit(session, POINT, ship_to="SP0001", ticket="T1", policy=Policy(),
                                   lines=[LineRequest(PUMP, 2)], now=now).code
    with sessions() as session, transaction(session):
        ledger.receive(session, "GD1", PUMP, 5, actor="t")
        run_id = planning.create_run(session, trigger="test", actor="t").id
    document = runs.take_snapshot(sessions, run_id, now=now, store=False)
    allocations, seconds = runs.solve_document(document)
    assert {a["warehouse"] for a in allocations} == {"GD1"}
    return code, run_id, document, allocations, seconds


def gd1_taken(sessions, units: int = 5) -> None:
    """A submit elsewhere takes GD1's pumps after the snapshot."""
    with sessions() as session, transaction(session):
        ledger.reserve(session, "GD1", PUMP, units, actor="another submit", reason="requisition")


def line_of(sessions, code: str):
    with sessions() as session:
        rid = int(code[1:])
        line = session.scalars(select(RequisitionLine).where(RequisitionLine.requisition_id == rid)).one()
        reserved = {a.warehouse_code: a.qty for a in session.scalars(
            select(Allocation).where(Allocation.line_id == line.id, Allocation.status == "reserved"))}
        events = [json.loads(e.detail) for e in session.scalars(
            select(RequisitionEvent).where(RequisitionEvent.requisition_id == rid,
                                           RequisitionEvent.kind == "replanned"))]
        return reserved, line.backordered_qty, events


def test_a_planned_reservation_whose_stock_was_taken_records_nothing(sessions):
    code, run_id, document, allocations, seconds = planned_run(sessions, reserved_at_hb1=False)
    assert line_of(sessions, code)[:2] == ({}, 2)
    gd1_taken(sessions)
    run = runs.finish_run(sessions, run_id, document, allocations, seconds)
    assert (run.status, run.lines_changed, run.lines_skipped) == ("done", 0, 1)
    assert line_of(sessions, code) == ({}, 2, [])   # still backordered, and no history says filled


def test_a_line_whose_new_warehouse_lost_the_stock_keeps_what_it_had(sessions):
    code, run_id, document, allocations, seconds = planned_run(sessions, reserved_at_hb1=True)
    assert line_of(sessions, code)[:2] == ({"HB1": 2}, 0)
    gd1_taken(sessions)
    run = runs.finish_run(sessions, run_id, document, allocations, seconds)
    reserved, backordered, events = line_of(sessions, code)
    assert (reserved, backordered) == ({"HB1": 2}, 0)   # not released into a backorder
    assert events == [{"run": run.code, "sku": PUMP, "from": {"HB1": 2}, "to": {"HB1": 2}, "planned": {"GD1": 2}}]
    assert run.lines_changed == 1
    with sessions() as session:
        assert ledger.ledger_differences(session) == []


def test_a_line_that_got_part_of_its_plan_says_so(sessions):
    code, run_id, document, allocations, seconds = planned_run(sessions, reserved_at_hb1=False)
    gd1_taken(sessions, units=4)   # one pump left at GD1
    run = runs.finish_run(sessions, run_id, document, allocations, seconds)
    reserved, backordered, events = line_of(sessions, code)
    assert (reserved, backordered) == ({"GD1": 1}, 1)
    assert events == [{"run": run.code, "sku": PUMP, "from": {}, "to": {"GD1": 1}, "planned": {"GD1": 2}}]


def test_a_plan_that_applies_as_made_records_it_plainly(sessions):
    code, run_id, document, allocations, seconds = planned_run(sessions, reserved_at_hb1=True)
    run = runs.finish_run(sessions, run_id, document, allocations, seconds)
    reserved, backordered, events = line_of(sessions, code)
    assert (reserved, backordered, run.lines_changed) == ({"GD1": 2}, 0, 1)
    assert events == [{"run": run.code, "sku": PUMP, "from": {"HB1": 2}, "to": {"GD1": 2}}]
