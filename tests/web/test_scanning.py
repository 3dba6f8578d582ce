"""Scanning at the shelf without a browser's JavaScript: the server itself refuses a pick whose
scanned parts are wrong (错发) or short, and receives a parcel or a return by the id its QR carries."""
from __future__ import annotations

import html
import re

from sqlalchemy import select

from inventory.db import make_session_factory, transaction
from inventory.returns.models import Return
from inventory.warehouses import transfers

from .conftest import balance, scans, submit_requisition, text

PICKS = "/w/GD1/picks"


def ship(clerk, code, data):
    return clerk.post(f"{PICKS}/{code}/ship", data, token_from=PICKS)


def page(response) -> str:
    return html.unescape(text(response))


# -- pick and ship ---------------------------------------------------------------------------------

def test_a_wrong_part_scanned_is_refused_by_the_server_and_nothing_ships(clerk, engine):
    code = submit_requisition(engine, qty=2)
    response = ship(clerk, code, {"scanned": "WM-PUMP-01\nWM-MOTOR-01"})
    assert response.status_code == 409
    assert f"扫描到 WM-MOTOR-01，不是申请单 {code} 从 GD1 发运的配件，请放回货架" in page(response)
    assert balance(engine, "GD1", "WM-PUMP-01") == (10, 2, 0)
    assert balance(engine, "GD1", "WM-MOTOR-01")[0] == 0
    assert f'id="pick-{code}"' in text(clerk.get(PICKS))


def test_the_refused_scans_come_back_in_the_form_to_correct(clerk, engine):
    code = submit_requisition(engine, qty=2)
    response = ship(clerk, code, {"scanned": "WM-PUMP-01\r\nWM-MOTOR-01"})
    listed = re.search(rf'<textarea id="scanned-{code}" name="scanned"[^>]*>([^<]*)</textarea>', text(response))
    assert listed and listed.group(1).split() == ["WM-PUMP-01", "WM-MOTOR-01"]


def test_a_pick_posted_without_its_scans_does_not_ship(clerk, engine):
    code = submit_requisition(engine, qty=2)
    response = ship(clerk, code, {})
    assert response.status_code == 409
    assert f"申请单 {code} 的 WM-PUMP-01 应发 2 件，已扫描 0 件" in page(response)
    assert balance(engine, "GD1", "WM-PUMP-01") == (10, 2, 0)


def test_a_unit_scanned_twice_too_often_does_not_ship(clerk, engine):
    code = submit_requisition(engine, qty=2)
    response = ship(clerk, code, scans("WM-PUMP-01", 3))
    assert response.status_code == 409 and "已扫描 3 件" in page(response)
    assert balance(engine, "GD1", "WM-PUMP-01") == (10, 2, 0)


def test_every_unit_scanned_ships_the_pick(clerk, engine):
    code = submit_requisition(engine, qty=2)
    response = ship(clerk, code, scans("WM-PUMP-01", 2))
    assert response.status_code == 302
    assert balance(engine, "GD1", "WM-PUMP-01") == (8, 0, 0)
    assert f"申请单 {code} 已发运" in page(clerk.get(PICKS))


def test_the_pick_list_offers_scanning_with_a_script_served_from_here(clerk, engine):
    code = submit_requisition(engine, qty=2)
    body = page(clerk.get(PICKS))
    assert f'<tr data-sku="WM-PUMP-01" data-qty="2">' in body
    assert f'id="scan-{code}"' in body and f'name="scanned"' in body
    scripts = re.findall(r'<script src="([^"]+)"', body)
    assert "/static/web/html5-qrcode-2.3.8.min.js" in scripts and "/static/web/scan.js" in scripts
    assert all(src.startswith("/static/web/") for src in scripts)  # no CDN at run time
    library = clerk.get("/static/web/html5-qrcode-2.3.8.min.js")
    assert library.status_code == 200 and b"Html5Qrcode" in library.get_data()


# -- receive by scanning a QR ----------------------------------------------------------------------

def _shipped_transfer(engine, dest="GD1", qty=4) -> str:
    with make_session_factory(engine)() as session, transaction(session):
        transfer = transfers.create_draft(session, "HQ", dest, "WM-PUMP-01", qty, actor="hq:boss")
        transfers.approve_and_ship(session, transfer.id, actor="hq:boss")
        return transfer.id


def scan_in(clerk, code, back="transfers"):
    return clerk.post("/w/GD1/receive/scan", {"code": code, "back": back}, token_from="/w/GD1/receive")


def test_scanning_a_parcels_qr_receives_all_that_is_outstanding(clerk, engine):
    tid = _shipped_transfer(engine)
    response = scan_in(clerk, f" {tid} ")
    assert response.status_code == 302 and response.headers["Location"].endswith("/w/GD1/transfers")
    assert balance(engine, "GD1", "WM-PUMP-01") == (14, 0, 0)
    assert f"调拨单 {tid} 已收货 4" in page(clerk.get("/w/GD1/transfers"))


def test_scanning_a_parcel_for_another_warehouse_receives_nothing(clerk, engine):
    tid = _shipped_transfer(engine, dest="HB1")
    response = scan_in(clerk, tid)
    assert response.status_code == 404
    assert f"{tid} 不是发往 GD1 的调拨单或退件" in page(response)
    assert balance(engine, "HB1", "WM-PUMP-01")[2] == 4


def test_scanning_a_parcel_already_received_says_so(clerk, engine):
    tid = _shipped_transfer(engine)
    scan_in(clerk, tid)
    response = scan_in(clerk, tid, back="receive")
    assert response.status_code == 409
    assert f"{tid}: 调拨单 {tid} 无法收货：当前状态为“已收货”" in page(response)
    assert balance(engine, "GD1", "WM-PUMP-01") == (14, 0, 0)


def test_scanning_a_returns_qr_receives_the_returned_part(clerk, engine):
    code = submit_requisition(engine, qty=1)
    ship(clerk, code, scans("WM-PUMP-01", 1))
    with make_session_factory(engine)() as session:
        ret = session.scalars(select(Return)).one()
        number = ret.code
    response = scan_in(clerk, number, back="returns")
    assert response.status_code == 302 and response.headers["Location"].endswith("/w/GD1/returns")
    with make_session_factory(engine)() as session:
        assert session.scalars(select(Return)).one().status == "received"


def test_a_scan_of_nothing_is_explained_and_changes_nothing(clerk, engine):
    response = scan_in(clerk, "   ", back="receive")
    assert response.status_code == 422 and "请扫描或输入编号。" in page(response)


def test_another_warehouses_clerk_cannot_receive_by_scanning_here(other_clerk, engine):
    tid = _shipped_transfer(engine)
    response = other_clerk.post("/w/GD1/receive/scan", {"code": tid}, token_from="/w/HB1/receive")
    assert response.status_code == 403
    assert balance(engine, "GD1", "WM-PUMP-01") == (10, 0, 4)  # still on its way


def test_a_line_served_by_its_replacement_is_scanned_as_the_part_on_the_shelf(clerk, engine):
    """替代件: the point asks for the old pump, every old one is spoken for, GD1 ships the new one;
    the pick list says so and its scan field expects the new one's code, as the server does."""
    from inventory import supersession
    from inventory.supersession import Replacement
    from inventory.warehouses import ledger
    from inventory.world import load_world

    from ..factories import tiny_world

    world = tiny_world()
    pump = next(p for p in world["parts"] if p["sku"] == "WM-PUMP-01")
    with make_session_factory(engine)() as session, transaction(session):
        load_world(session, {"parts": [{**pump, "sku": "WM-PUMP-02", "name": "排水泵（新款）"}],
                             "stock": [{"warehouse": "GD1", "sku": "WM-PUMP-02", "qty": 5}]})
        for row in world["stock"]:
            if row["sku"] == "WM-PUMP-01":
                ledger.reserve(session, row["warehouse"], "WM-PUMP-01", row["qty"], actor="test")
        supersession.set_replacements(session, [Replacement("WM-PUMP-01", "WM-PUMP-02")], actor="hq:test",
                                      source="test")
    code = submit_requisition(engine, sku="WM-PUMP-01", qty=2)
    body = page(clerk.get(PICKS))
    assert '<tr data-sku="WM-PUMP-02" data-qty="2"><td>WM-PUMP-01' in body and "发替代件 WM-PUMP-02" in body
    assert ship(clerk, code, scans("WM-PUMP-01", 2)).status_code == 409
    assert ship(clerk, code, scans("WM-PUMP-02", 2)).status_code == 302
    assert balance(engine, "GD1", "WM-PUMP-02") == (3, 0, 0)
