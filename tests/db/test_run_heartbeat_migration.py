"""Revision 0028_run_heartbeat: the runs' `heartbeat_at` goes down and comes back up, runs
recorded before it with none (the sweep counts their silence from `started_at`), on a database
of its own."""
from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from inventory.db import normalise_url
from inventory.migrate import alembic_config

from .migrated import columns, url  # noqa: F401 - url is the fixture

REVISION = "0028_run_heartbeat"
BELOW = "0027_run_requeue"
TABLES = ("optimizer_run", "stock_plan_run")


def test_the_run_heartbeat_goes_down_and_comes_back_up(url):
    engine = create_engine(normalise_url(url))
    cfg = alembic_config(url)
    assert all("heartbeat_at" in columns(engine, table) for table in TABLES)
    command.downgrade(cfg, BELOW)
    assert not any("heartbeat_at" in columns(engine, table) for table in TABLES)
    assert all("requeued_at" in columns(engine, table) for table in TABLES)  # 0027 stays
    with engine.begin() as conn:  # a run running from before the revision
        conn.execute(text("INSERT INTO optimizer_run (id, status, trigger, created_by, created_at, started_at, stage, "
                          "progress, shards, lines_changed, lines_skipped, transfers_proposed, requeued) VALUES (1, "
                          "'running', 'api', 'hq', '2026-12-01 00:00:00+00:00', '2026-12-01 00:00:01+00:00', "
                          "'solving', 0.2, 1, 0, 0, 0, 0)"))
    command.upgrade(cfg, "heads")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT status, heartbeat_at FROM optimizer_run WHERE id = 1")).one() == ("running", None)
    engine.dispose()
