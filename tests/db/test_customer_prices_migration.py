"""Revision 0016_customer_prices on a database that already has points and parts: existing points
get the tier their master data implies, parts keep their rows with no list price, and the
revision goes down and up again (a database of its own, on the backend under test)."""
from __future__ import annotations


from alembic import command
from sqlalchemy import create_engine, inspect, text

from inventory.db import normalise_url
from inventory.migrate import alembic_config, upgrade

from .migrated import url  # noqa: F401 - the fixture

REVISION = "0016_customer_prices"
POINTS = [("SP1", "北京", "urban"), ("SP2", "北京", "remote"), ("SP3", "湖北", "urban"), ("SP4", "湖北", "remote")]




def test_existing_points_get_their_tier_and_the_revision_goes_down_and_up(url):
    engine = create_engine(normalise_url(url))
    cfg = alembic_config(url)
    command.downgrade(cfg, f"{REVISION}@-1")
    assert "overcharge_penalty" not in inspect(engine).get_table_names()
    assert "city_tier" not in {c["name"] for c in inspect(engine).get_columns("service_point")}
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO center (code, name, province) VALUES ('C', '中心', '湖北')"))
        for code, province, distance in POINTS:
            conn.execute(text("INSERT INTO service_point (code, name, center_code, province, distance_class) "
                              "VALUES (:c, :c, 'C', :p, :d)"), {"c": code, "p": province, "d": distance})
        conn.execute(text("INSERT INTO part (sku, name, unit_price, unit_cost, weight_kg, key_component, returnable, "
                          "family) VALUES ('P1', '泵', 12500, 8000, 1.0, false, true, 'twin_tub')"))

    command.upgrade(cfg, "heads")
    with engine.connect() as conn:
        tiers = dict(conn.execute(text("SELECT code, city_tier FROM service_point ORDER BY code")).all())
        price = conn.execute(text("SELECT list_price FROM part WHERE sku = 'P1'")).scalar_one()
    assert tiers == {"SP1": "municipality", "SP2": "county", "SP3": "prefecture", "SP4": "county"}
    assert price is None
    assert "overcharge_penalty" in inspect(engine).get_table_names()

    command.downgrade(cfg, f"{REVISION}@-1")
    assert "list_price" not in {c["name"] for c in inspect(engine).get_columns("part")}
    command.upgrade(cfg, "heads")
    engine.dispose()
