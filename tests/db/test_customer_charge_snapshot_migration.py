"""Revision 0031_customer_charge_snapshot: existing lines and requisitions are priced as of the
migration (the catalogue and policy then, HQ's policy rows winning over the defaults), whether the
unit was covered is filled where a line's basis says it, and the revision goes down and up again
(a database of its own, on the backend under test)."""
from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from inventory.db import normalise_url
from inventory.migrate import alembic_config

from .migrated import columns, url  # noqa: F401 - the fixture

REVISION = "0031_customer_charge_snapshot"
LINE_COLUMNS = {"customer_price", "price_basis", "unit_covered"}
REQUISITION_COLUMNS = {"visit_fee_tier", "visit_fee", "in_shop_fee"}


def _rows_before(conn) -> None:
    """SP01 (prefecture) and SP02 (municipality); a part with a list price and one without; a
    requisition with a ticket at each point and one without, lines decided on several bases."""
    conn.execute(text("INSERT INTO center (code, name, province) VALUES ('C01', '测试中心', '江苏')"))
    for code, tier in (("SP01", "prefecture"), ("SP02", "municipality")):
        conn.execute(text("INSERT INTO service_point (code, name, center_code, province, distance_class, city_tier) "
                          "VALUES (:c, :c, 'C01', '江苏', 'urban', :t)"), {"c": code, "t": tier})
    for sku, cost, price in (("P-LIST", 8000, 16800), ("P-MARK", 2010, None)):
        conn.execute(text("INSERT INTO part (sku, name, unit_price, unit_cost, weight_kg, key_component, returnable, "
                          "family, list_price) VALUES (:s, :s, 12000, :c, 1.0, :f, :f, 'twin_tub', :p)"),
                     {"s": sku, "c": cost, "p": price, "f": False})
    conn.execute(text("INSERT INTO policy_setting (key, value, updated_by, updated_at) "
                      "VALUES ('visit_fee_prefecture', '27.50', 'hq', CURRENT_TIMESTAMP), "
                      "('list_price_markup', '2.00', 'hq', CURRENT_TIMESTAMP)"))
    for number, point, ticket in ((1, "SP01", "TK1"), (2, "SP02", "TK2"), (3, "SP01", None)):
        conn.execute(text("INSERT INTO requisition (id, requester_role, service_point_code, ticket, in_warranty, "
                          "status, value, created_at, created_by) VALUES (:id, 'service_point', :p, :t, :f, "
                          "'allocated', 12000, CURRENT_TIMESTAMP, 'sp')"), {"id": number, "p": point, "t": ticket,
                                                                            "f": False})
    for number, req, sku, basis in ((1, 1, "P-LIST", "unit"), (2, 1, "P-MARK", "key_component"),
                                    (3, 2, "P-LIST", "expired"), (4, 3, "P-MARK", None)):
        conn.execute(text("INSERT INTO requisition_line (id, requisition_id, line_no, sku, qty, unit_price, "
                          "backordered_qty, promised_by, stock_seen, in_warranty, warranty_basis) VALUES (:id, :r, "
                          ":id, :s, 1, 12000, 0, CURRENT_TIMESTAMP, 'nowhere', :f, :b)"),
                     {"id": number, "r": req, "s": sku, "b": basis, "f": False})


def test_existing_rows_are_priced_as_of_the_migration_and_the_revision_goes_down_and_up(url):
    engine = create_engine(normalise_url(url))
    cfg = alembic_config(url)
    command.downgrade(cfg, f"{REVISION}@-1")
    assert not LINE_COLUMNS & columns(engine, "requisition_line")
    assert not REQUISITION_COLUMNS & columns(engine, "requisition")
    with engine.begin() as conn:
        _rows_before(conn)

    command.upgrade(cfg, "heads")
    with engine.connect() as conn:
        lines = conn.execute(text("SELECT id, customer_price, price_basis, unit_covered FROM requisition_line "
                                  "ORDER BY id")).all()
        reqs = conn.execute(text("SELECT id, visit_fee_tier, visit_fee, in_shop_fee FROM requisition "
                                 "ORDER BY id")).all()
    # Money is integer cents: 168.00 listed; 20.10 x 2.00 = 40.20, rounded up to 41 yuan
    assert [(i, price, basis, None if covered is None else bool(covered)) for i, price, basis, covered in lines] == [
        (1, 16800, "list", None), (2, 4100, "markup", None), (3, 16800, "list", None), (4, 4100, "markup", None)]
    # unit_covered stays unknown: an issued line keeps the visit rule it was issued under
    assert reqs == [(1, "prefecture", 2750, 1000), (2, "municipality", 4000, 1000), (3, None, None, None)]

    command.downgrade(cfg, f"{REVISION}@-1")
    assert not LINE_COLUMNS & columns(engine, "requisition_line")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM requisition_line")).scalar_one() == 4
    command.upgrade(cfg, "heads")
    engine.dispose()
