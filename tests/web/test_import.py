"""Spreadsheet import: every problem is previewed before anything is written; then all or nothing."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook

from api.web import spreadsheet
from inventory.catalog import Part
from inventory.db import make_session_factory
from inventory.network import ServicePoint

from inventory.access import User
from inventory.db import transaction, utcnow

from .conftest import FAST_HASH, balance, movement_count, signed_in, submit_requisition, text


def upload(client, kind: str, name: str, data: bytes):
    return client.post("/hq/import", {"kind": kind, "file": (io.BytesIO(data), name)},
                       token_from="/hq/import", content_type="multipart/form-data")


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def confirm(client, page: str):
    token = re.search(r'/hq/import/([\w-]+)/confirm', page).group(1)
    return client.post(f"/hq/import/{token}/confirm", {"confirm-csrf_token": client.token("/hq/import")}, csrf=False)


def _part(engine, sku):
    with make_session_factory(engine)() as session:
        return session.get(Part, sku)


BAD_PARTS = ("sku,name,unit_price,unit_cost,family,returnable\n"
             "WM-BELT-09,皮带,18.00,9.50,twin_tub,是\n"
             "WM-DOOR-02,门封,abc,30.00,fully_automatic,no\n"
             ",门锁,12.00,6.00,fully_automatic,maybe\n"
             "WM-BELT-09,皮带,18.00,9.50,twin_tub,1\n")


def test_a_file_with_errors_lists_every_problem_by_row_and_column_and_writes_nothing(hq, engine):
    response = upload(hq, "parts", "parts.csv", BAD_PARTS.encode())
    assert response.status_code == 422
    page = text(response)
    problems = re.findall(r'<tr><td class="n">(\d+)</td><td><code>([\w-]+)</code></td>', page)
    assert ("3", "unit_price") in problems
    assert ("4", "returnable") in problems
    assert ("5", "sku") in problems  # the duplicate
    assert "导入这些行" not in page
    assert _part(engine, "WM-BELT-09") is None


def test_a_good_xlsx_is_previewed_then_imported(hq, engine):
    data = xlsx([["sku", "name", "unit_price", "unit_cost", "family", "weight_kg"],
                 ["WM-BELT-09", "皮带", 18, 9.5, "twin_tub", 0.2],
                 ["WM-PUMP-01", "排水泵（新款）", "130.00", "80.00", "fully_automatic", None]])
    response = upload(hq, "parts", "parts.xlsx", data)
    assert response.status_code == 200
    page = text(response)
    assert "新增 1，变更 1" in page
    assert _part(engine, "WM-BELT-09") is None  # nothing yet
    assert confirm(hq, page).status_code == 302
    assert str(_part(engine, "WM-BELT-09").unit_cost) == "9.50"
    assert _part(engine, "WM-PUMP-01").name == "排水泵（新款）"


def test_service_points_need_a_known_center(hq, engine):
    data = ("code,name,center,province,distance_class\n"
            "SP0100,佛山顺德特约维修网点,GD,广东,urban\n"
            "SP0101,某网点,XX,广东,urban\n").encode("gb18030")  # saved by Excel in China
    response = upload(hq, "service_points", "points.csv", data)
    assert response.status_code == 422
    assert "未知的服务中心“XX”" in text(response)
    with make_session_factory(engine)() as session:
        assert session.get(ServicePoint, "SP0100") is None


def test_stock_counts_go_through_the_ledger_as_adjustments(hq, engine):
    moves = movement_count(engine)
    data = "warehouse,sku,counted,reason\nGD1,WM-PUMP-01,12,annual count\nHQ,WM-MOTOR-01,5,annual count\n"
    page = text(upload(hq, "stock_counts", "count.csv", data.encode()))
    assert "变更 1，不变 1" in page and "+2" in page
    assert confirm(hq, page).status_code == 302
    assert balance(engine, "GD1", "WM-PUMP-01")[0] == 12
    assert movement_count(engine) == moves + 1


def test_a_count_below_the_reserved_units_is_a_problem_and_nothing_is_written(hq, engine):
    submit_requisition(engine, qty=4)
    data = "仓库,配件编码,实盘数,原因\nGD1,WM-PUMP-01,3,count\nGD1,AC-REMOTE-01,25,count\n"
    response = upload(hq, "stock_counts", "count.csv", data.encode())
    assert response.status_code == 422 and "已预留 4 件" in text(response)
    assert balance(engine, "GD1", "AC-REMOTE-01")[0] == 20


def test_a_missing_column_is_named(hq):
    page = text(upload(hq, "stock_counts", "count.csv", b"warehouse,sku\nGD1,WM-PUMP-01\n"))
    assert "<code>counted</code>" in page and "缺少必填列" in page


@pytest.mark.parametrize("name, data, message", [
    ("parts.txt", b"x", "只能导入"),
    ("parts.xlsx", b"not a zip", "不是可读取的 XLSX 工作簿：请用 Excel 或 WPS 重新另存为 .xlsx 或 CSV 文件"),
    ("parts.csv", b"", "required"),
])
def test_an_unreadable_file_is_explained_next_to_the_file_field(hq, name, data, message):
    response = upload(hq, "parts", name, data)
    assert response.status_code == 422
    assert message in text(response)


def test_an_import_checked_by_one_user_cannot_be_confirmed_by_another(app, hq, engine):
    page = text(upload(hq, "parts", "p.csv", b"sku,name,unit_price,unit_cost,family\nX-1,x,1.00,1.00,f\n"))
    token = re.search(r'/hq/import/([\w-]+)/confirm', page).group(1)
    with make_session_factory(engine)() as session, transaction(session):
        session.add(User(username="boss2", password_hash=FAST_HASH, role="hq", created_at=utcnow()))
    other = signed_in(app, "boss2")
    assert other.post(f"/hq/import/{token}/confirm", {}, token_from="/hq/import").status_code == 404
    assert _part(engine, "X-1") is None


def test_read_table_skips_blank_rows_and_keeps_spreadsheet_row_numbers():
    rows = spreadsheet.read_table("a.csv", "sku;name\nA;甲\n;\nB;乙\n".encode(), 100)
    assert [(r["_row"], r["sku"]) for r in rows] == [(2, "A"), (4, "B")]


def test_read_table_refuses_more_rows_than_allowed():
    with pytest.raises(spreadsheet.TableError):
        spreadsheet.read_table("a.csv", b"sku\n1\n2\n3\n", 2)
