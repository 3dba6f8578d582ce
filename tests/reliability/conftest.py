"""Reliability fixtures: an app on its own PostgreSQL database (for faults only a server can
have), and a snapshot of everything money and stock depend on, to prove nothing half-changed."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from inventory.db import make_session_factory
from inventory.quotas.models import QuotaAccount, QuotaMovement
from inventory.requisitions.models import Allocation, Requisition, RequisitionEvent, RequisitionLine
from inventory.warehouses.ledger import ledger_differences
from inventory.warehouses.models import StockBalance, StockMovement, Transfer

from ..api.conftest import app, auth, running_app, seed  # noqa: F401  (app and auth are fixtures here too)

COUNTED = (Requisition, RequisitionLine, Allocation, RequisitionEvent, StockMovement, QuotaMovement, Transfer)


def state(engine) -> dict:
    """Row counts of every table a requisition writes, and every stock and quota balance."""
    with make_session_factory(engine)() as session:
        return {
            "counts": {m.__tablename__: session.scalar(select(func.count()).select_from(m)) for m in COUNTED},
            "stock": sorted(session.execute(select(StockBalance.warehouse_code, StockBalance.sku, StockBalance.on_hand,
                                                   StockBalance.reserved, StockBalance.in_transit)).all()),
            "quota": sorted(session.execute(select(QuotaAccount.dealer_code, QuotaAccount.period,
                                                   QuotaAccount.reserved, QuotaAccount.consumed)).all()),
        }


def ledger_clean(engine) -> bool:
    with make_session_factory(engine)() as session:
        return ledger_differences(session) == []


@pytest.fixture
def pg_auth(pg_engine):
    return seed(pg_engine)


@pytest.fixture
def pg_app(pg_database, pg_engine, pg_auth):
    with running_app(pg_database.url) as app:
        yield app
