"""Revision 0024_supersession: the replacement table and each allocation's sku come and go;
up again, allocations made before it ship their line's own sku (on a database of its own)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from inventory.db import normalise_url
from inventory.migrate import alembic_config

from .migrated import columns, url  # noqa: F401 - url is the fixture

REVISION = "0024_supersession"


def insert(conn, table, **given):
    """A row with the values given and a plain one for every other required column (the other
    branches' columns are there too: only this revision went down)."""
    plain = {int: 1, bool: False, float: 0.0, str: "x", datetime: datetime(2026, 12, 1, tzinfo=timezone.utc),
             date: date(2026, 12, 1)}
    values = dict(given)
    checked = {"city_tier": "county"}  # columns with a check constraint of their own
    for c in inspect(conn).get_columns(table):
        if c["name"] in checked and c["name"] not in values:
            values[c["name"]] = checked[c["name"]]
        if c["name"] not in values and not c["nullable"] and c.get("default") is None and c.get("autoincrement") is not True:
            values[c["name"]] = plain[c["type"].python_type]
    names = ", ".join(values)
    conn.execute(text(f"INSERT INTO {table} ({names}) VALUES ({', '.join(':' + n for n in values)})"), values)


def test_the_supersession_table_and_allocation_sku_go_down_and_come_back_up(url):
    engine = create_engine(normalise_url(url))
    cfg = alembic_config(url)
    assert "part_supersession" in inspect(engine).get_table_names() and "sku" in columns(engine, "allocation")
    command.downgrade(cfg, f"{REVISION}@-1")
    assert "part_supersession" not in inspect(engine).get_table_names()
    assert "sku" not in columns(engine, "allocation")
    with engine.begin() as conn:  # an allocation from before the revision
        insert(conn, "warehouse", code="GD1", kind="regional")
        insert(conn, "center", code="GD")
        insert(conn, "service_point", code="SP1", center_code="GD", distance_class="urban")
        for sku in ("P1", "P2"):
            insert(conn, "part", sku=sku)
        insert(conn, "requisition", id=1, requester_role="service_point", service_point_code="SP1",
               status="allocated")
        insert(conn, "requisition_line", id=1, requisition_id=1, line_no=1, sku="P1", qty=1, backordered_qty=0,
               stock_seen="regional")
        insert(conn, "allocation", id=1, line_id=1, warehouse_code="GD1", qty=1, status="reserved")
    command.upgrade(cfg, "heads")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT sku FROM allocation WHERE id = 1")).scalar_one() == "P1"
        conn.execute(text("INSERT INTO part_supersession (old_sku, new_sku, two_way, set_by, set_at) "
                          "VALUES ('P1', 'P2', false, 'hq', CURRENT_TIMESTAMP)"))
    with pytest.raises(Exception, match="(?i)check|constraint"):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO part_supersession (old_sku, new_sku, two_way, set_by, set_at) "
                              "VALUES ('P2', 'P2', false, 'hq', CURRENT_TIMESTAMP)"))
    engine.dispose()
