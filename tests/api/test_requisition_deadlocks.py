"""Requisitions that reserve the same rows in opposite orders do not deadlock (PostgreSQL)."""
from __future__ import annotations


from inventory.access import Principal
from inventory.db import make_session_factory, transaction
from inventory.policy import Policy
from inventory.requisitions import service as requisitions
from inventory.requisitions.service import LineRequest
from inventory.warehouses.ledger import ledger_differences
from inventory.world import load_world

from ..factories import tiny_world
from ..race import race, raised

ROUNDS = 15


def test_crossing_multi_line_requisitions_all_succeed_without_deadlock(pg_engine):
    world = tiny_world()
    for row in world["stock"]:
        row["qty"] = 1000
    world["stock"].append({"warehouse": "GD1", "sku": "WM-MOTOR-01", "qty": 1000})
    sessions = make_session_factory(pg_engine)
    with sessions() as s, transaction(s):
        load_world(s, world)

    def worker(index: int):
        lines = [LineRequest("WM-PUMP-01", 15), LineRequest("WM-MOTOR-01", 1)]
        if index % 2:
            lines.reverse()  # the same rows, locked in the opposite order of lines
        with sessions() as session:
            for _ in range(ROUNDS):
                with transaction(session):
                    req = requisitions.submit(session, Principal("service_point", "SP0001"), ship_to="SP0001",
                                      ticket="T", lines=lines, policy=Policy())
                with transaction(session):
                    requisitions.ship(session, "hq", req.code)

    assert raised(race(8, worker)) == []  # a deadlock or lock timeout would be raised here
    with sessions() as session:
        assert ledger_differences(session) == []


def test_a_dealers_submits_ships_and_cancels_at_once_do_not_deadlock_on_its_quota(pg_engine):
    """Submit takes the dealer's quota row, then stock rows; ship and cancel took stock rows, then
    the quota row: crossing, they deadlocked (found by bench/faults.py as a 500 on submit)."""
    world = tiny_world()
    for row in world["stock"]:
        row["qty"] = 10_000
    world["dealers"][0]["monthly_quota"] = "100000000.00"
    sessions = make_session_factory(pg_engine)
    with sessions() as s, transaction(s):
        load_world(s, world)
    dealer = Principal("dealer", "D001")

    def worker(index: int):
        with sessions() as session:
            for _ in range(ROUNDS):
                with transaction(session):
                    req = requisitions.submit(session, dealer, ship_to="SP0001", ticket=None, policy=Policy(),
                                      lines=[LineRequest("WM-PUMP-01", 1), LineRequest("AC-REMOTE-01", 1)])
                with transaction(session):
                    if index % 2:
                        requisitions.cancel(session, dealer, req.code)
                    else:
                        requisitions.ship(session, "hq", req.code)

    assert raised(race(8, worker)) == []
    with sessions() as session:
        assert ledger_differences(session) == []
