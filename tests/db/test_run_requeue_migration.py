"""Revision 0027_run_requeue: the runs' `task_id`, `requeued` and `requeued_at` go down and come
back up, runs recorded before it counted as never re-sent (on a database of its own)."""
from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from inventory.db import normalise_url
from inventory.migrate import alembic_config

from .migrated import columns, url  # noqa: F401 - url is the fixture

REVISION = "0027_run_requeue"
BELOW = "0019_stock_plan_money"  # its down revision, by name: `REVISION@-1` counts from the branch's head,
                                 # and 0028_run_heartbeat now sits on top of it
ADDED = {"task_id", "requeued", "requeued_at"}
TABLES = ("optimizer_run", "stock_plan_run")


def test_the_run_requeue_columns_go_down_and_come_back_up(url):
    engine = create_engine(normalise_url(url))
    cfg = alembic_config(url)
    assert all(ADDED <= columns(engine, table) for table in TABLES)
    command.downgrade(cfg, BELOW)
    assert not any(ADDED & columns(engine, table) for table in TABLES)
    with engine.begin() as conn:  # a run from before the revision
        conn.execute(text("INSERT INTO optimizer_run (id, status, trigger, created_by, created_at, stage, progress, "
                          "shards, lines_changed, lines_skipped, transfers_proposed) VALUES (1, 'queued', 'api', "
                          "'hq', '2026-12-01 00:00:00+00:00', 'queued', 0, 1, 0, 0, 0)"))
    command.upgrade(cfg, "heads")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT requeued, task_id FROM optimizer_run WHERE id = 1")).one() == (0, None)
    engine.dispose()
