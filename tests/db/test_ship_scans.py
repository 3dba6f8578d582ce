"""Scan to ship (错发 stopped at the shelf): a clerk's pick ships only when the scanned units are
exactly the pick's; a wrong part or a miscount ships nothing. The API's ship, without scans, is
unchanged. Runs on SQLite and, with DATABASE_URL set, on PostgreSQL."""
from __future__ import annotations

import pytest

from inventory.access import Principal
from inventory.db import transaction
from inventory.errors import ScanCountMismatch, WrongPartScanned
from inventory.policy import Policy
from inventory.requisitions import service as requisitions
from inventory.requisitions.service import LineRequest
from inventory.warehouses import ledger

POINT = Principal("service_point", "SP0001")


def submit(session, lines=(("WM-PUMP-01", 2), ("AC-REMOTE-01", 1))) -> str:
    with transaction(session):
        return requisitions.submit(session, POINT, ship_to="SP0001", ticket="T1", policy=Policy(),
                           lines=[LineRequest(s, q) for s, q in lines]).code


def ship(session, code, scanned):
    with transaction(session):
        return requisitions.ship(session, "clerk:gd", code, warehouse="GD1", scanned=scanned)


def books(session, sku):
    row = ledger.get_balance(session, "GD1", sku)
    return row.on_hand, row.reserved


def test_a_pick_ships_when_every_unit_was_scanned_once(session, world):
    code = submit(session)
    req = ship(session, code, ["WM-PUMP-01", "AC-REMOTE-01", "WM-PUMP-01"])
    assert req.status == "shipped"
    assert books(session, "WM-PUMP-01") == (8, 0) and books(session, "AC-REMOTE-01") == (19, 0)


def test_a_wrong_part_scanned_ships_nothing(session, world):
    code = submit(session)
    with pytest.raises(WrongPartScanned) as refused:
        ship(session, code, ["WM-PUMP-01", "WM-MOTOR-01", "AC-REMOTE-01", "WM-PUMP-01"])
    assert refused.value.message == (f"scanned WM-MOTOR-01, which requisition {code} does not ship from GD1; "
                                     "put it back")
    session.expire_all()
    assert requisitions.get(session, POINT, code).status == "allocated"
    assert books(session, "WM-PUMP-01") == (10, 2) and books(session, "AC-REMOTE-01") == (20, 1)


@pytest.mark.parametrize("scanned, counted", [(["WM-PUMP-01", "AC-REMOTE-01"], 1),
                                              (["WM-PUMP-01"] * 3 + ["AC-REMOTE-01"], 3),
                                              ([], 0)])
def test_too_few_or_too_many_units_scanned_ship_nothing(session, world, scanned, counted):
    code = submit(session)
    with pytest.raises(ScanCountMismatch) as refused:
        ship(session, code, scanned)
    assert refused.value.message == (f"scanned {counted} of 2 × WM-PUMP-01 for requisition {code}; "
                                     "scan each unit once")
    assert books(session, "WM-PUMP-01") == (10, 2)


def test_only_the_units_reserved_at_the_clerks_warehouse_are_scanned(session, world):
    code = submit(session, lines=(("WM-PUMP-01", 12),))  # GD1 holds 10, HQ serves the other 2
    req = ship(session, code, ["WM-PUMP-01"] * 10)
    assert [(a.warehouse_code, a.status) for a in req.lines[0].allocations] == [("GD1", "shipped"), ("HQ", "reserved")]


def test_a_system_that_ships_without_scans_is_not_asked_for_them(session, world):
    code = submit(session)
    with transaction(session):
        assert requisitions.ship(session, "hq:wms", code).status == "shipped"


def test_a_line_served_by_its_successor_is_scanned_as_the_part_on_the_shelf(session, world):
    """替代件: the requisition asks for the old pump, GD1 ships the new one; the new one's code is
    what the clerk scans, and the old code (not what leaves) is refused."""
    from inventory import supersession
    from inventory.supersession import Replacement
    from inventory.world import load_world

    with transaction(session):
        base = next(p for p in world["parts"] if p["sku"] == "WM-PUMP-01")
        load_world(session, {"parts": [{**base, "sku": "WM-PUMP-02", "name": "排水泵（新款）"}],
                             "stock": [{"warehouse": "GD1", "sku": "WM-PUMP-02", "qty": 5}]})
        for row in world["stock"]:  # every old pump is spoken for
            if row["sku"] == "WM-PUMP-01":
                ledger.reserve(session, row["warehouse"], "WM-PUMP-01", row["qty"], actor="test")
        supersession.set_replacements(session, [Replacement("WM-PUMP-01", "WM-PUMP-02")], actor="hq:test",
                                      source="test")
    code = submit(session, lines=(("WM-PUMP-01", 2),))
    with pytest.raises(WrongPartScanned):
        ship(session, code, ["WM-PUMP-01", "WM-PUMP-01"])
    req = ship(session, code, ["WM-PUMP-02", "WM-PUMP-02"])
    assert [(a.sku, a.status) for a in req.lines[0].allocations] == [("WM-PUMP-02", "shipped")]
    assert books(session, "WM-PUMP-02") == (3, 0) and books(session, "WM-PUMP-01") == (10, 10)
