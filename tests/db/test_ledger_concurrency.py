"""Never oversell under concurrency: many workers, one stock, exact outcomes.

The PostgreSQL proofs use `pg_engine` (skipped, with the reason, when the server is
unreachable) and a pool as large as the thread count, so every thread really holds a
connection and the conditional UPDATEs contend on the same row. The last-unit race runs on
whichever backend is under test, SQLite included (immediate transactions).
"""
from __future__ import annotations

import random
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from inventory.db import make_engine, make_session_factory, transaction
from inventory.errors import Conflict, InsufficientStock
from inventory.warehouses import ledger, transfers
from inventory.warehouses.models import StockBalance, StockMovement, Transfer
from inventory.world import load_world

from ..factories import tiny_world
from ..race import race

PUMP = "WM-PUMP-01"
WAREHOUSES = ("HQ", "GD1", "HB1")


def flatten(results) -> list:
    return [o for r in results for o in (r if isinstance(r, list) else [r])]


def with_stock(sessions, stock: dict[str, int]) -> None:
    """The tiny world, with exactly `stock` units of the pump per warehouse."""
    data = tiny_world()
    data["stock"] = [{"warehouse": w, "sku": PUMP, "qty": q} for w, q in stock.items()]
    with sessions() as session, transaction(session):
        load_world(session, data)


@pytest.fixture
def pg_sessions(pg_engine, pg_database):
    """A session factory on clean PostgreSQL whose pool gives each of 64 threads a connection."""
    engine = make_engine(pg_database.url, pool_size=64, max_overflow=0, pool_timeout=60)
    yield make_session_factory(engine)
    engine.dispose()


def reserve_once(sessions, warehouse="HQ", qty=1):
    with sessions() as session, transaction(session):
        ledger.reserve(session, warehouse, PUMP, qty, actor="racer")
    return "reserved"


def totals(sessions):
    with sessions() as session:
        balance = ledger.get_balance(session, "HQ", PUMP)
        reservations = session.scalar(select(func.count()).select_from(StockMovement)
                                      .where(StockMovement.kind == "reservation"))
        return balance, reservations, ledger.ledger_differences(session)


# --- the acceptance race ---------------------------------------------------------------

@pytest.mark.postgres
def test_64_threads_making_192_reservations_for_100_units_get_exactly_100(pg_sessions):
    with_stock(pg_sessions, {"HQ": 100})

    def three_attempts(_):
        outcomes = []
        for _ in range(3):
            try:
                outcomes.append(reserve_once(pg_sessions))
            except InsufficientStock as exc:
                outcomes.append(exc)
        return outcomes

    outcomes = flatten(race(64, three_attempts))
    kinds = Counter("reserved" if o == "reserved" else type(o).__name__ for o in outcomes)
    assert kinds == {"reserved": 100, "InsufficientStock": 92}
    balance, reservations, differences = totals(pg_sessions)
    assert (balance.on_hand, balance.reserved, balance.available) == (100, 100, 0)
    assert reservations == 100
    assert differences == []


def test_of_several_threads_racing_for_the_last_unit_exactly_one_wins(sessions):
    """On the backend under test; on SQLite the immediate transactions queue the writers."""
    with_stock(sessions, {"HQ": 1})
    outcomes = race(8, lambda _: reserve_once(sessions))
    assert sorted("reserved" if o == "reserved" else type(o).__name__ for o in outcomes) == (
        ["InsufficientStock"] * 7 + ["reserved"])
    balance, reservations, differences = totals(sessions)
    assert (balance.reserved, balance.available, reservations, differences) == (1, 0, 1, [])


# --- mixed traffic ---------------------------------------------------------------------

class Traffic:
    """Random reserve / release / issue / transfer / receive by many threads at once.

    Only the refusals the domain promises (InsufficientStock, Conflict) are acceptable;
    a deadlock, a serialisation failure or a broken CHECK would surface as anything else.
    Each operation returns its name and what to note once its transaction has committed.
    """

    def __init__(self, sessions):
        self.sessions = sessions
        self.lock = threading.Lock()
        self.shipped: list[str] = []
        self.issued = 0

    def step(self, rng: random.Random) -> str:
        operation = rng.choice([self.reserve, self.reserve, self.release, self.issue,
                                self.ship, self.ship, self.receive, self.close])
        with self.sessions() as session:
            with transaction(session):
                name, note = operation(session, rng)
        with self.lock:
            note()
        return name

    def reserve(self, session, rng):
        ledger.reserve(session, rng.choice(WAREHOUSES), PUMP, rng.randint(1, 3), actor="mix")
        return "reserve", lambda: None

    def release(self, session, rng):
        ledger.release(session, rng.choice(WAREHOUSES), PUMP, rng.randint(1, 2), actor="mix")
        return "release", lambda: None

    def issue(self, session, rng):
        qty = rng.randint(1, 2)
        ledger.issue(session, rng.choice(WAREHOUSES), PUMP, qty, actor="mix")
        return "issue", lambda: setattr(self, "issued", self.issued + qty)

    def ship(self, session, rng):
        source, destination = rng.sample(WAREHOUSES, 2)
        transfer = transfers.create_draft(session, source, destination, PUMP, rng.randint(1, 4), actor="mix")
        transfers.approve_and_ship(session, transfer.id, actor="mix")
        return "ship", lambda: self.shipped.append(transfer.id)

    def _pick(self, rng) -> str:
        with self.lock:
            if not self.shipped:
                raise Conflict("nothing shipped yet")
            return rng.choice(self.shipped)

    def receive(self, session, rng):
        transfers.receive(session, self._pick(rng), rng.randint(1, 3), actor="mix")
        return "receive", lambda: None

    def close(self, session, rng):
        transfers.close_with_discrepancy(session, self._pick(rng), actor="mix", note="short")
        return "close", lambda: None


def run_traffic(sessions, workers: int, steps: int, seed: int) -> tuple[Traffic, Counter]:
    traffic = Traffic(sessions)

    def worker(index):
        rng, outcomes = random.Random(seed * 1000 + index), []
        for _ in range(steps):
            try:
                outcomes.append(traffic.step(rng))
            except (InsufficientStock, Conflict) as exc:
                outcomes.append(type(exc).__name__)
        return outcomes

    outcomes = flatten(race(workers, worker))
    unexpected = [o for o in outcomes if isinstance(o, Exception)]
    assert unexpected == [], f"unexpected failures: {unexpected[:3]}"
    return traffic, Counter(outcomes)


def assert_invariants(sessions, traffic: Traffic, opening: int) -> None:
    with sessions() as session:
        assert ledger.ledger_differences(session) == []
        rows = session.scalars(select(StockBalance).where(StockBalance.sku == PUMP)).all()
        assert all(r.on_hand >= 0 and r.reserved >= 0 and r.available >= 0 and r.in_transit >= 0 for r in rows)
        all_transfers = session.scalars(select(Transfer)).all()
        for row in rows:
            expected = sum(t.outstanding for t in all_transfers if t.to_warehouse == row.warehouse_code)
            assert row.in_transit == expected, row.warehouse_code
        lost = sum(t.discrepancy or 0 for t in all_transfers)
        held = sum(r.on_hand + r.in_transit for r in rows)
        assert held == opening - traffic.issued - lost


@pytest.mark.postgres
def test_mixed_reserve_release_transfer_traffic_keeps_every_invariant_on_postgresql(pg_sessions):
    with_stock(pg_sessions, {"HQ": 60, "GD1": 30, "HB1": 10})
    traffic, outcomes = run_traffic(pg_sessions, workers=32, steps=25, seed=7)
    assert outcomes["reserve"] and outcomes["ship"] and outcomes["receive"] and outcomes["InsufficientStock"]
    assert_invariants(pg_sessions, traffic, opening=100)


def test_mixed_traffic_keeps_every_invariant_on_the_backend_under_test(sessions):
    with_stock(sessions, {"HQ": 30, "GD1": 10, "HB1": 5})
    traffic, outcomes = run_traffic(sessions, workers=6, steps=15, seed=3)
    assert outcomes["reserve"] and outcomes["ship"]
    assert_invariants(sessions, traffic, opening=45)


@pytest.mark.postgres
def test_transfers_crossing_in_opposite_directions_do_not_deadlock(pg_sessions):
    with_stock(pg_sessions, {"GD1": 200, "HB1": 200})

    def ship_back_and_forth(index):
        source, destination = ("GD1", "HB1") if index % 2 else ("HB1", "GD1")
        for _ in range(10):
            with pg_sessions() as session, transaction(session):
                transfer = transfers.create_draft(session, source, destination, PUMP, 1, actor="x")
                transfers.approve_and_ship(session, transfer.id, actor="x")
        return "done"

    assert race(16, ship_back_and_forth) == ["done"] * 16
    with pg_sessions() as session:
        assert ledger.get_balance(session, "GD1", PUMP).in_transit == 80
        assert ledger.get_balance(session, "HB1", PUMP).in_transit == 80
        assert ledger.ledger_differences(session) == []


@pytest.mark.postgres
def test_the_ledger_check_run_beside_live_traffic_reports_no_difference(pg_sessions):
    """`parts check-ledger` and the health check run on a live network: read while 24 threads
    reserve, ship and receive, the check must see the ledger and the balances of one moment.
    (Read as two statements at READ COMMITTED it reported reservations committed between them.)"""
    with_stock(pg_sessions, {"HQ": 60, "GD1": 30, "HB1": 10})
    done, reports = threading.Event(), []

    def check():
        while not done.is_set():
            with pg_sessions() as session:
                reports.append(ledger.ledger_differences(session))

    checker = threading.Thread(target=check)
    checker.start()
    try:
        traffic, outcomes = run_traffic(pg_sessions, workers=24, steps=40, seed=11)
    finally:
        done.set()
        checker.join(timeout=60)
    assert outcomes["reserve"] and outcomes["ship"] and outcomes["receive"]
    assert len(reports) >= 10
    assert [r for r in reports if r] == []
    assert_invariants(pg_sessions, traffic, opening=100)
