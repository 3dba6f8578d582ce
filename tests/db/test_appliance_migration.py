"""Revision 0015_appliance: the ticket's appliance, and each requisition line's warranty decision.

Lines that existed before keep their requisition's `in_warranty` (the caller's word, then) with no
basis, so quota credits and expected returns already owed do not change; the way back drops the
table and the line columns and keeps the requisitions. Both ways, on the backend under test (a
database of its own: migrating back and forth)."""
from __future__ import annotations


import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from inventory.db import normalise_url
from inventory.migrate import alembic_config, upgrade

from .migrated import url  # noqa: F401 - the fixture

REVISION = "0015_appliance"
LINE_COLUMNS = {"in_warranty", "warranty_basis", "warranty_until", "warranty_computed", "warranty_override_by",
                "warranty_override_at", "warranty_override_reason"}




def _requisitions_before(conn) -> None:
    """A free requisition for a ticket and a paid one, one line each, as the caller sent them before."""
    conn.execute(text("INSERT INTO center (code, name, province) VALUES ('C01', '测试中心', '江苏')"))
    conn.execute(text("INSERT INTO service_point (code, name, center_code, province, distance_class, city_tier) "
                      "VALUES ('SP01', '测试网点', 'C01', '江苏', 'urban', 'prefecture')"))
    conn.execute(text("INSERT INTO part (sku, name, unit_price, unit_cost, weight_kg, key_component, returnable, "
                      "family) VALUES ('WM-1', '电机', 12000, 8000, 2.5, :t, :t, 'fully_automatic')"), {"t": True})
    for number, ticket, free in ((1, "TK1", True), (2, None, False)):
        conn.execute(text("INSERT INTO requisition (id, requester_role, service_point_code, ticket, in_warranty, "
                          "status, value, created_at, created_by) VALUES (:id, 'service_point', 'SP01', :ticket, "
                          ":free, 'allocated', 12000, CURRENT_TIMESTAMP, 'sp:SP01')"),
                     {"id": number, "ticket": ticket, "free": free})
        conn.execute(text("INSERT INTO requisition_line (id, requisition_id, line_no, sku, qty, unit_price, "
                          "backordered_qty, promised_by, stock_seen) VALUES (:id, :id, 1, 'WM-1', 1, 12000, 0, "
                          "CURRENT_TIMESTAMP, 'nowhere')"), {"id": number})


def test_lines_keep_their_requisitions_warranty_up_and_down(url):
    engine = create_engine(normalise_url(url))
    cfg = alembic_config(url)
    command.downgrade(cfg, f"{REVISION}@-1")
    schema = inspect(engine)
    assert "ticket_appliance" not in schema.get_table_names()
    assert not LINE_COLUMNS & {c["name"] for c in schema.get_columns("requisition_line")}
    with engine.begin() as conn:
        _requisitions_before(conn)

    command.upgrade(cfg, "heads")
    schema = inspect(engine)
    assert LINE_COLUMNS <= {c["name"] for c in schema.get_columns("requisition_line")}
    assert "ix_ticket_appliance_serial" in {i["name"] for i in schema.get_indexes("ticket_appliance")}
    with engine.connect() as conn:
        lines = conn.execute(text("SELECT id, in_warranty, warranty_basis, warranty_until, warranty_computed "
                                  "FROM requisition_line ORDER BY id")).all()
    assert [(i, bool(free), basis, until, computed) for i, free, basis, until, computed in lines] == [
        (1, True, None, None, None), (2, False, None, None, None)]
    with engine.begin() as conn:  # a ticket's appliance: stored; a proof without the date it proves: refused
        conn.execute(text("INSERT INTO ticket_appliance (ticket_code, product_line, use, model, serial, purchased_on, "
                          "proof, fault, recorded_at, recorded_by) VALUES ('TK1', 'washer', 'household', 'XQB70', "
                          "'SN1', '2026-01-05', 'invoice', 'E1', CURRENT_TIMESTAMP, 'call_center')"))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("INSERT INTO ticket_appliance (ticket_code, product_line, use, model, serial, purchased_on, "
                          "proof, fault, recorded_at, recorded_by) VALUES ('TK2', 'washer', 'household', 'XQB70', "
                          "'SN2', NULL, 'invoice', 'E1', CURRENT_TIMESTAMP, 'call_center')"))

    command.downgrade(cfg, f"{REVISION}@-1")
    schema = inspect(engine)
    assert "ticket_appliance" not in schema.get_table_names()
    assert not LINE_COLUMNS & {c["name"] for c in schema.get_columns("requisition_line")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, ticket, in_warranty FROM requisition ORDER BY id")).all() == [
            (1, "TK1", True), (2, None, False)]
        assert conn.execute(text("SELECT id, sku, qty FROM requisition_line ORDER BY id")).all() == [
            (1, "WM-1", 1), (2, "WM-1", 1)]
    engine.dispose()
