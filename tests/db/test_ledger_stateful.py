"""Random sequences of stock operations against a model in plain Python (Hypothesis).

Each example works on a sku of its own in the tiny world's three warehouses, so examples
share the test's database without seeing each other. After every step: balances equal
the model, balances equal the ledger sums, nothing is negative, and what is in transit
to a warehouse equals what was shipped to it minus what was received or written off.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, invariant, precondition, rule,
                                 run_state_machine_as_test)
from sqlalchemy import func, select

from inventory.catalog import Part
from inventory.db import transaction
from inventory.errors import Conflict, InsufficientStock
from inventory.warehouses import ledger, transfers
from inventory.warehouses.models import StockBalance, StockMovement

WAREHOUSES = ("HQ", "GD1", "HB1")
warehouses = st.sampled_from(WAREHOUSES)
quantities = st.integers(min_value=1, max_value=8)


@dataclass
class Expected:
    on_hand: int = 0
    reserved: int = 0
    in_transit: int = 0

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass
class ShippedTransfer:
    id: str
    to: str
    qty: int
    received: int = 0
    open: bool = True

    @property
    def outstanding(self) -> int:
        return self.qty - self.received if self.open else 0


class Killed(RuntimeError):
    pass


class StockMachine(RuleBasedStateMachine):
    """Stock of one fresh sku, driven by random operations and checked against `Expected`."""

    sessions = None  # set by the test: the session factory of its clean database
    serial = itertools.count(1)

    @initialize()
    def open_a_fresh_sku(self):
        self.session = self.sessions()
        self.sku = f"HYP-{next(self.serial):05d}"
        with transaction(self.session):
            self.session.add(Part(sku=self.sku, name="随机配件", unit_price=Decimal("1.00"),
                                  unit_cost=Decimal("0.50"), family="test"))
        self.expected = {w: Expected() for w in WAREHOUSES}
        self.shipped: list[ShippedTransfer] = []

    def teardown(self):
        if hasattr(self, "session"):
            self.session.close()

    def attempt(self, allowed: bool, operation, *args, **kwargs):
        """Run one operation in its own transaction: it must succeed exactly when `allowed`."""
        try:
            with transaction(self.session):
                result = operation(self.session, *args, **kwargs)
        except (InsufficientStock, Conflict) as refusal:
            assert not allowed, f"refused although allowed: {refusal.message}"
            return None
        assert allowed, f"{operation.__name__}{args} went through although it should be refused"
        return result

    @rule(warehouse=warehouses, qty=quantities)
    def receive(self, warehouse, qty):
        self.attempt(True, ledger.receive, warehouse, self.sku, qty, actor="hyp")
        self.expected[warehouse].on_hand += qty

    @rule(warehouse=warehouses, qty=quantities)
    def reserve(self, warehouse, qty):
        allowed = self.expected[warehouse].available >= qty
        self.attempt(allowed, ledger.reserve, warehouse, self.sku, qty, actor="hyp")
        if allowed:
            self.expected[warehouse].reserved += qty

    @rule(warehouse=warehouses, qty=quantities)
    def release(self, warehouse, qty):
        allowed = self.expected[warehouse].reserved >= qty
        self.attempt(allowed, ledger.release, warehouse, self.sku, qty, actor="hyp")
        if allowed:
            self.expected[warehouse].reserved -= qty

    @rule(warehouse=warehouses, qty=quantities)
    def issue(self, warehouse, qty):
        allowed = self.expected[warehouse].reserved >= qty
        self.attempt(allowed, ledger.issue, warehouse, self.sku, qty, actor="hyp")
        if allowed:
            self.expected[warehouse].reserved -= qty
            self.expected[warehouse].on_hand -= qty

    @rule(warehouse=warehouses, qty=quantities)
    def scrap(self, warehouse, qty):
        allowed = self.expected[warehouse].available >= qty
        self.attempt(allowed, ledger.scrap, warehouse, self.sku, qty, actor="hyp", reason="damaged")
        if allowed:
            self.expected[warehouse].on_hand -= qty

    @rule(warehouse=warehouses, counted=st.integers(min_value=0, max_value=30))
    def count(self, warehouse, counted):
        allowed = counted >= self.expected[warehouse].reserved
        self.attempt(allowed, ledger.adjust_to_count, warehouse, self.sku, counted, actor="hyp", reason="count")
        if allowed:
            self.expected[warehouse].on_hand = counted

    @rule(route=st.permutations(WAREHOUSES), qty=quantities)
    def ship_a_transfer(self, route, qty):
        source, destination = route[0], route[1]
        with transaction(self.session):
            transfer_id = transfers.create_draft(self.session, source, destination, self.sku, qty, actor="hyp").id
        allowed = self.expected[source].available >= qty
        self.attempt(allowed, transfers.approve_and_ship, transfer_id, actor="hyp")
        if allowed:
            self.expected[source].on_hand -= qty
            self.expected[destination].in_transit += qty
            self.shipped.append(ShippedTransfer(transfer_id, destination, qty))

    @precondition(lambda self: self.shipped)
    @rule(pick=st.integers(min_value=0), qty=quantities)
    def receive_a_transfer(self, pick, qty):
        transfer = self.shipped[pick % len(self.shipped)]
        allowed = qty <= transfer.outstanding
        self.attempt(allowed, transfers.receive, transfer.id, qty, actor="hyp")
        if allowed:
            transfer.received += qty
            transfer.open = transfer.received < transfer.qty
            self.expected[transfer.to].in_transit -= qty
            self.expected[transfer.to].on_hand += qty

    @precondition(lambda self: self.shipped)
    @rule(pick=st.integers(min_value=0))
    def close_a_transfer_short(self, pick):
        transfer = self.shipped[pick % len(self.shipped)]
        allowed = transfer.open
        self.attempt(allowed, transfers.close_with_discrepancy, transfer.id, actor="hyp", note="lost")
        if allowed:
            self.expected[transfer.to].in_transit -= transfer.outstanding
            transfer.open = False

    @rule(warehouse=warehouses, qty=quantities, after=st.sampled_from(["_apply", "_record"]))
    def a_receipt_killed_half_way_changes_nothing(self, warehouse, qty, after):
        real = getattr(ledger, after)

        def dying(*args, **kwargs):
            real(*args, **kwargs)
            raise Killed(after)

        setattr(ledger, after, dying)
        try:
            with transaction(self.session):
                ledger.receive(self.session, warehouse, self.sku, qty, actor="hyp")
        except Killed:
            pass
        finally:
            setattr(ledger, after, real)

    @invariant()
    def balances_equal_the_model(self):
        rows = {r.warehouse_code: r for r in self._balances()}
        for warehouse, want in self.expected.items():
            row = rows.get(warehouse)
            have = (row.on_hand, row.reserved, row.in_transit) if row else (0, 0, 0)
            assert have == (want.on_hand, want.reserved, want.in_transit), warehouse

    @invariant()
    def balances_equal_the_ledger_sums(self):
        sums = {w: (int(o), int(r), int(t)) for w, o, r, t in self.session.execute(
            select(StockMovement.warehouse_code, func.sum(StockMovement.on_hand_delta),
                   func.sum(StockMovement.reserved_delta), func.sum(StockMovement.in_transit_delta))
            .where(StockMovement.sku == self.sku).group_by(StockMovement.warehouse_code))}
        for row in self._balances():
            assert (row.on_hand, row.reserved, row.in_transit) == sums.get(row.warehouse_code, (0, 0, 0))

    @invariant()
    def nothing_is_negative(self):
        for row in self._balances():
            assert min(row.on_hand, row.reserved, row.available, row.in_transit) >= 0

    @invariant()
    def in_transit_is_shipped_minus_received(self):
        rows = {r.warehouse_code: r.in_transit for r in self._balances()}
        for warehouse in WAREHOUSES:
            outstanding = sum(t.outstanding for t in self.shipped if t.to == warehouse)
            assert rows.get(warehouse, 0) == outstanding
            in_db = sum(t.outstanding for t in transfers.list_transfers(self.session, sku=self.sku)
                        if t.to_warehouse == warehouse)
            assert in_db == outstanding

    def _balances(self) -> list[StockBalance]:
        self.session.expire_all()
        return list(self.session.scalars(select(StockBalance).where(StockBalance.sku == self.sku)))


def test_random_operations_keep_balances_equal_to_the_ledger_and_nothing_negative(sessions, world):
    StockMachine.sessions = sessions
    try:
        run_state_machine_as_test(StockMachine, settings=settings(
            max_examples=40, stateful_step_count=30, deadline=None, derandomize=True, database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))
    finally:
        StockMachine.sessions = None


@pytest.fixture(autouse=True)
def _no_leaked_patches():
    """The killed-transaction rule patches ledger functions; make sure none outlives the test."""
    before = (ledger._apply, ledger._record)
    yield
    assert (ledger._apply, ledger._record) == before
