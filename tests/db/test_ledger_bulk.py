"""Bulk reservations for the nightly re-plan: granted in order up to what is available."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from inventory.db import transaction
from inventory.warehouses import ledger
from inventory.warehouses.ledger import Ref

R1, R2 = Ref("requisition", "R00000001"), Ref("requisition", "R00000002")


def test_reserve_many_grants_each_request_in_order_up_to_what_is_available(session, world):
    with transaction(session):  # GD1 holds 10 pumps, HB1 4
        ledger.lock_balances(session, [("GD1", "WM-PUMP-01"), ("HB1", "WM-PUMP-01")])
        granted = ledger.reserve_many(session, [("GD1", "WM-PUMP-01", 6, R1), ("GD1", "WM-PUMP-01", 6, R2),
                                                ("HB1", "WM-PUMP-01", 3, R1)], actor="t", reason="t")
    assert granted == [6, 4, 3]
    assert ledger.get_balance(session, "GD1", "WM-PUMP-01").available == 0
    assert ledger.ledger_differences(session) == []


def test_release_many_gives_units_back_and_keeps_the_ledger_equal(session, world):
    with transaction(session):
        ledger.reserve(session, "GD1", "WM-PUMP-01", 5, actor="t")
        ledger.release_many(session, [("GD1", "WM-PUMP-01", 2, R1), ("GD1", "WM-PUMP-01", 3, R2)], actor="t", reason="t")
    assert ledger.get_balance(session, "GD1", "WM-PUMP-01").reserved == 0
    assert ledger.ledger_differences(session) == []


def test_releasing_more_than_reserved_is_refused_by_the_database_and_writes_nothing(session, world):
    with pytest.raises(IntegrityError):
        with transaction(session):
            ledger.release_many(session, [("GD1", "WM-PUMP-01", 1, R1)], actor="t", reason="t")
    assert ledger.get_balance(session, "GD1", "WM-PUMP-01").reserved == 0
    assert ledger.ledger_differences(session) == []
