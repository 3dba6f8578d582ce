"""Revision 0019_stock_plan_money: a plan's budget and expected stock move from floats to cents,
to the cent, both ways, on the backend under test (a database of its own: migrating back and forth)."""
from __future__ import annotations

from decimal import Decimal

from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.orm import Session

from inventory.db import normalise_url
from inventory.migrate import alembic_config, upgrade
from inventory.planning import StockPlanRecord

from .migrated import url  # noqa: F401 - the fixture

REVISION = "0019_stock_plan_money"
BELOW = "0012_stock_plan_runs"   # its down revision, by name: `REVISION@-1` counts from the branch's head,
                                 # and 0027_run_requeue now sits on top of it




def test_a_kept_plans_figures_become_cents_and_come_back(url):
    engine = create_engine(normalise_url(url))
    cfg = alembic_config(url)
    command.downgrade(cfg, BELOW)
    assert "placed_budget" not in {c["name"] for c in inspect(engine).get_columns("stock_plan")}
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO stock_plan (created_at, created_by, budget, stock_value, expected_on_time_rate, "
                          "upper_bound_rate, gap, seconds, forecast_units_per_day) VALUES (CURRENT_TIMESTAMP, "
                          "'system:beat', 30000000.0, 29999738.966, 0.994, 0.995, 0.001, 2.4, 1200.5)"))

    command.upgrade(cfg, "heads")
    with Session(engine) as session:
        plan = session.query(StockPlanRecord).one()
        assert (plan.budget, plan.stock_value, plan.placed_budget) == (Decimal("30000000.00"), Decimal("29999738.97"),
                                                                        None)

    command.downgrade(cfg, BELOW)
    with engine.connect() as conn:
        budget, stock = conn.execute(text("SELECT budget, stock_value FROM stock_plan")).one()
    assert (float(budget), float(stock)) == (30000000.0, 29999738.97)
    engine.dispose()
