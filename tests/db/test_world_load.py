"""`parts load`: a world file is validated whole, upserted idempotently, stock via the ledger."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from inventory.catalog import Part
from inventory.db import transaction
from inventory.errors import InvalidInput
from inventory.models import Base
from inventory.network import Dealer, Lane, ServicePoint, Warehouse
from inventory.warehouses import ledger
from inventory.warehouses.models import StockBalance, StockMovement
from inventory.world import load_world, read_world_file

from ..factories import tiny_world


def row_counts(session) -> dict[str, int]:
    return {t.name: session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


def load(session, data):
    with transaction(session):
        return load_world(session, data)


def test_loads_the_network_catalog_lanes_and_stock(session, world):
    assert session.scalar(select(func.count()).select_from(Warehouse)) == 3
    assert session.get(Dealer, "D001").monthly_quota == Decimal("50000.00")
    assert {sp.code for sp in session.get(Dealer, "D001").ship_to} == {"SP0001", "SP0002"}
    assert session.get(Lane, ("HQ", "GD1")).to_kind == "warehouse"
    assert session.get(Lane, ("GD1", "SP0001")).to_kind == "service_point"
    assert session.get(Part, "WM-MOTOR-01").key_component is True
    assert ledger.get_balance(session, "GD1", "WM-PUMP-01").on_hand == 10


def test_opening_stock_is_written_as_receipt_movements(session, world):
    moves = session.scalars(select(StockMovement).where(StockMovement.sku == "WM-PUMP-01")).all()
    assert {(m.warehouse_code, m.kind, m.on_hand_delta) for m in moves} == {
        ("HQ", "receipt", 50), ("GD1", "receipt", 10), ("HB1", "receipt", 4)}
    assert ledger.ledger_differences(session) == []


def test_loading_the_same_file_twice_changes_nothing(session, world):
    before = row_counts(session)
    report = load(session, tiny_world())
    assert report.changed == 0
    assert row_counts(session) == before


def test_a_changed_record_is_updated_in_place(session, world):
    data = tiny_world()
    data["parts"][0]["unit_price"] = "130.00"
    data["dealers"][0]["ship_to"] = ["SP0001"]
    report = load(session, data)
    assert report.updated["parts"] == 1 and report.updated["dealers"] == 1
    session.expire_all()
    assert session.get(Part, "WM-PUMP-01").unit_price == Decimal("130.00")
    assert [sp.code for sp in session.get(Dealer, "D001").ship_to] == ["SP0001"]


def test_a_changed_stock_figure_is_an_adjustment_in_the_ledger(session, world):
    data = tiny_world()
    data["stock"][1]["qty"] = 7
    load(session, data)
    last = session.scalars(select(StockMovement).order_by(StockMovement.id.desc())).first()
    assert (last.warehouse_code, last.kind, last.on_hand_delta) == ("GD1", "adjustment", -3)
    assert ledger.get_balance(session, "GD1", "WM-PUMP-01").on_hand == 7
    assert ledger.ledger_differences(session) == []


def test_a_file_may_carry_only_some_sections(session, world):
    load(session, {"stock": [{"warehouse": "HB1", "sku": "WM-MOTOR-01", "qty": 3}]})
    assert ledger.get_balance(session, "HB1", "WM-MOTOR-01").on_hand == 3


def test_stock_cannot_be_set_below_what_is_reserved(session, world):
    with transaction(session):
        ledger.reserve(session, "GD1", "WM-PUMP-01", 6, actor="test")
    data = {"stock": [{"warehouse": "GD1", "sku": "WM-PUMP-01", "qty": 5}]}
    with pytest.raises(InvalidInput, match="below the 6 units reserved"):
        load(session, data)


def _without(section, index, field):
    def edit(d):
        del d[section][index][field]
    return edit


def _set(section, index, field, value):
    def edit(d):
        d[section][index][field] = value
    return edit


def _append(section, record):
    def edit(d):
        d[section].append(record)
    return edit


REFUSALS = [
    ("not an object", lambda d: d.clear() or d.update({"x": 1}), "unknown section 'x'"),
    ("section not a list", _set_section := (lambda d: d.update({"parts": {"sku": "X"}})), "parts: must be a list"),
    ("unknown field", _set("parts", 0, "colour", "red"), "parts[0] (sku WM-PUMP-01): colour: Unknown field"),
    ("missing field", _without("service_points", 1, "distance_class"), "service_points[1] (code SP0002): distance_class: Missing"),
    ("float money", _set("parts", 1, "unit_price", 1.5), "parts[1] (sku WM-MOTOR-01): unit_price: must be a decimal string"),
    ("three decimals", _set("parts", 1, "unit_cost", "1.005"), "unit_cost: must have at most two decimal places"),
    ("negative money", _set("dealers", 0, "monthly_quota", "-1.00"), "dealers[0] (code D001): monthly_quota: must be between"),
    ("money not a number", _set("dealers", 0, "monthly_quota", "lots"), "monthly_quota: Not a valid number"),
    ("negative qty", _set("stock", 2, "qty", -4), "stock[2] (HB1/WM-PUMP-01): qty: Must be greater than or equal to 0"),
    ("huge qty", _set("stock", 2, "qty", 10**12), "stock[2] (HB1/WM-PUMP-01): qty: Must be greater than or equal to 0 and less than"),
    ("fractional qty", _set("stock", 0, "qty", "3"), "stock[0] (HQ/WM-PUMP-01): qty: Not a valid integer"),
    ("negative hours", _set("lanes", 0, "hours", -1), "lanes[0] (GD1 -> SP0001): hours:"),
    ("bad warehouse kind", _set("warehouses", 1, "kind", "depot"), "warehouses[1] (code GD1): kind: Must be one of"),
    ("bad distance class", _set("service_points", 0, "distance_class", "far"), "service_points[0] (code SP0001): distance_class"),
    ("bad latitude", _set("warehouses", 0, "lat", 123.0), "warehouses[0] (code HQ): lat:"),
    ("bad code", _set("parts", 0, "sku", "has space"), "parts[0] (sku has space): sku: must be 1-40"),
    ("unknown centre of a warehouse", _set("warehouses", 2, "center", "XX"), "warehouses[2] (HB1): center: unknown centre 'XX'"),
    ("unknown centre of a point", _set("service_points", 2, "center", "XX"), "service_points[2] (SP0003): center: unknown centre 'XX'"),
    ("unknown ship-to", _set("dealers", 1, "ship_to", ["SP9999"]), "dealers[1] (D002): ship_to: unknown service point 'SP9999'"),
    ("empty ship-to", _set("dealers", 1, "ship_to", []), "dealers[1] (code D002): ship_to: Shorter than minimum length 1"),
    ("duplicate code", _append("parts", dict(tiny_world()["parts"][0])), "parts[3]: duplicate of parts[0] (WM-PUMP-01)"),
    ("duplicate lane", _append("lanes", {"from": "GD1", "to": "SP0001", "hours": 1, "unit_cost": "1.00"}), "lanes[12]: duplicate of lanes[0] (GD1 / SP0001)"),
    ("lane from nowhere", _set("lanes", 0, "from", "ZZ1"), "lanes[0] (ZZ1 -> SP0001): from: unknown warehouse 'ZZ1'"),
    ("lane to nowhere", _set("lanes", 0, "to", "SP9999"), "lanes[0] (GD1 -> SP9999): to: unknown service point or warehouse"),
    ("lane to itself", _set("lanes", 8, "to", "HQ"), "lanes[8] (HQ -> HQ): to: a lane cannot end where it starts"),
    ("stock of unknown sku", _set("stock", 0, "sku", "NOPE"), "stock[0] (HQ/NOPE): sku: unknown sku 'NOPE'"),
    ("stock in unknown warehouse", _set("stock", 0, "warehouse", "ZZ1"), "stock[0] (ZZ1/WM-PUMP-01): warehouse: unknown warehouse"),
    ("duplicate stock row", _append("stock", {"warehouse": "HQ", "sku": "WM-PUMP-01", "qty": 1}), "stock[5]: duplicate of stock[0]"),
    ("two HQ warehouses", _append("warehouses", {"code": "HQ2", "name": "二号总部", "kind": "hq", "center": None, "lat": 1, "lon": 1}), "more than one HQ warehouse"),
    ("HQ inside a centre", _set("warehouses", 0, "center", "GD"), "warehouses[0] (HQ): center: the HQ warehouse belongs to no centre"),
    ("code both warehouse and point", _set("service_points", 0, "code", "GD1"), "code GD1 is both a warehouse and a service point"),
    ("boolean as quantity", _set("stock", 0, "qty", True), "stock[0] (HQ/WM-PUMP-01): qty: Not a valid integer"),
]


@pytest.mark.parametrize("edit, message", [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_a_bad_file_is_refused_whole_naming_record_and_field(session, edit, message):
    data = tiny_world()
    edit(data)
    before = row_counts(session)
    with pytest.raises(InvalidInput) as caught:
        load(session, data)
    assert message in caught.value.message
    assert "\n" not in caught.value.message
    assert row_counts(session) == before


def test_a_bad_record_late_in_the_file_leaves_earlier_sections_unwritten(session, world):
    data = tiny_world()
    data["parts"][0]["name"] = "新名字"
    data["stock"][0]["qty"] = -1
    with pytest.raises(InvalidInput):
        load(session, data)
    session.expire_all()
    assert session.get(Part, "WM-PUMP-01").name == "排水泵"


def test_references_may_point_at_records_already_in_the_database(session, world):
    load(session, {"service_points": [{"code": "SP0009", "name": "新网点", "center": "HB", "province": "湖北",
                                       "distance_class": "remote"}]})
    assert session.get(ServicePoint, "SP0009").center_code == "HB"


@pytest.mark.parametrize("content, message", [
    (b"{\"centers\": [", "malformed JSON at line 1"),
    (b"\xff\xfe\x00", "not UTF-8"),
])
def test_an_unreadable_file_is_one_clear_error(tmp_path, content, message):
    path = tmp_path / "world.json"
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match=message):
        read_world_file(str(path))


def test_a_missing_file_is_one_clear_error(tmp_path):
    with pytest.raises(InvalidInput, match="no such file"):
        read_world_file(str(tmp_path / "nope.json"))


def test_numbers_in_the_file_are_read_as_decimals_not_floats(tmp_path, session):
    data = tiny_world()
    path = tmp_path / "world.json"
    path.write_text(json.dumps(data, ensure_ascii=False).replace('"125.00"', "125.10"), encoding="utf-8")
    load(session, read_world_file(str(path)))
    assert session.get(Part, "WM-PUMP-01").unit_price == Decimal("125.10")
    assert session.scalar(select(func.sum(StockBalance.on_hand))) == 89
