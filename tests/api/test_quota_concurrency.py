"""Concurrent submits by one dealer can never overspend its quota (PostgreSQL, many threads)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from inventory.db import make_session_factory
from inventory.quotas.models import QuotaAccount
from inventory.requisitions.models import Requisition
from inventory.warehouses.ledger import ledger_differences

from ..race import race
from .conftest import make_app, seed

THREADS = 32


def test_32_concurrent_submits_against_a_quota_that_fits_10_accept_exactly_10(pg_database, pg_engine):
    auth = seed(pg_engine)
    with pg_engine.begin() as conn:  # D002's quota 20000.00 fits exactly 10 motors at 2000.00
        conn.exec_driver_sql("UPDATE part SET unit_price = 200000 WHERE sku = 'WM-MOTOR-01'")
        conn.exec_driver_sql("UPDATE stock_balance SET on_hand = 100 WHERE warehouse_code = 'HQ' AND sku = 'WM-MOTOR-01'")
        conn.exec_driver_sql("INSERT INTO stock_movement (at, warehouse_code, sku, kind, on_hand_delta, reserved_delta,"
                             " in_transit_delta, actor, reason) VALUES (now(), 'HQ', 'WM-MOTOR-01', 'receipt', 95, 0, 0,"
                             " 'test', 'top up')")
    app = make_app(pg_database.url)

    def submit(_):
        r = app.test_client().post("/api/v1/requisitions", headers=auth["other_dealer"],
                                   json={"ship_to": "SP0003", "lines": [{"sku": "WM-MOTOR-01", "qty": 1}]})
        return r.status_code

    statuses = race(THREADS, submit)
    assert sorted(set(statuses)) == [201, 422] and statuses.count(201) == 10
    with make_session_factory(pg_engine)() as session:
        acct = session.scalars(select(QuotaAccount).where(QuotaAccount.dealer_code == "D002")).one()
        assert acct.reserved == Decimal("20000.00") and acct.available == Decimal("0.00")
        assert session.scalar(select(func.count()).select_from(Requisition)) == 10
        assert ledger_differences(session) == []
