"""Revision 0021_cycle_counts: its two tables come and go, and up again the schema takes a count
(on a database of its own, migrated back and forth)."""
from __future__ import annotations


import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from inventory.db import normalise_url
from inventory.migrate import alembic_config, upgrade

from .migrated import url  # noqa: F401 - the fixture

REVISION = "0021_cycle_counts"
TABLES = {"cycle_count", "cycle_count_line"}




def test_the_cycle_count_tables_go_down_and_come_back_up(url):
    engine = create_engine(normalise_url(url))
    cfg = alembic_config(url)
    assert TABLES <= set(inspect(engine).get_table_names())
    command.downgrade(cfg, f"{REVISION}@-1")
    assert not TABLES & set(inspect(engine).get_table_names())
    command.upgrade(cfg, "heads")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO warehouse (code, name, kind, lat, lon) VALUES ('GD1', 'x', 'regional', 0, 0)"))
        conn.execute(text("INSERT INTO part (sku, name, unit_price, unit_cost, weight_kg, key_component, returnable, "
                          "family) VALUES ('P1', 'x', 100, 50, 0, false, false, 'f')"))
        conn.execute(text("INSERT INTO cycle_count (warehouse_code, status, created_by, created_at) "
                          "VALUES ('GD1', 'counting', 'clerk:a', CURRENT_TIMESTAMP)"))
        count_id = conn.execute(text("SELECT id FROM cycle_count")).scalar_one()
        conn.execute(text("INSERT INTO cycle_count_line (count_id, sku, abc_class, status) "
                          "VALUES (:c, 'P1', 'A', 'to_count')"), {"c": count_id})
    with pytest.raises(Exception, match="(?i)check"):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO cycle_count (warehouse_code, status, created_by, created_at) "
                              "VALUES ('GD1', 'lost', 'clerk:a', CURRENT_TIMESTAMP)"))
    engine.dispose()
