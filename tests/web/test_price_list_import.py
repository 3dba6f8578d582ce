"""The customer price list from a spreadsheet: every problem shown before anything is written, a
broken file refused with a clear Chinese message, a good file applied all at once (audited)."""
from __future__ import annotations

import re

from inventory import audit
from inventory.catalog import Part
from inventory.db import make_session_factory

from .conftest import text
from .test_import import confirm, upload, xlsx


def _prices(engine) -> dict:
    with make_session_factory(engine)() as session:
        return {p.sku: p.list_price for p in session.query(Part).order_by(Part.sku)}


def test_a_file_with_bad_rows_lists_every_problem_and_changes_no_price(hq, engine):
    before = _prices(engine)
    data = ("配件编码,零售价\n"
            "WM-PUMP-01,168.00\n"
            "NO-SUCH-SKU,9.00\n"
            "AC-REMOTE-01,1.234\n"
            "WM-MOTOR-01,abc\n"
            "WM-PUMP-01,170.00\n").encode("gb18030")
    response = upload(hq, "list_prices", "价格.csv", data)
    assert response.status_code == 422
    page = text(response)
    problems = set(re.findall(r'<tr><td class="n">(\d+)</td><td><code>([\w-]+)</code></td><td>([^<]+)</td>', page))
    assert ("3", "sku", "未知的配件编码“NO-SUCH-SKU”") in problems
    assert {("4", "list_price"), ("5", "list_price"), ("6", "sku")} <= {(r, c) for r, c, _ in problems}
    assert all(re.search(r"[\u4e00-\u9fff]", message) for _, _, message in problems)  # said in Chinese
    assert "导入这些行" not in page
    assert _prices(engine) == before


def test_a_broken_workbook_is_refused_in_chinese_and_changes_nothing(hq, engine):
    before = _prices(engine)
    response = upload(hq, "list_prices", "价格.xlsx", b"PK\x03\x04 this is no workbook")
    assert response.status_code == 422
    assert "不是可读取的 XLSX 工作簿" in text(response)
    assert _prices(engine) == before


def test_a_good_workbook_is_previewed_then_sets_every_price_at_once(hq, engine):
    data = xlsx([["sku", "list_price"], ["WM-PUMP-01", 168], ["AC-REMOTE-01", "39.50"]])
    response = upload(hq, "list_prices", "prices.xlsx", data)
    assert response.status_code == 200
    page = text(response)
    assert "新增 2，变更 0" in page
    assert _prices(engine)["WM-PUMP-01"] is None  # nothing until confirmed
    assert confirm(hq, page).status_code == 302
    prices = _prices(engine)
    assert (str(prices["WM-PUMP-01"]), str(prices["AC-REMOTE-01"]), prices["WM-MOTOR-01"]) == ("168.00", "39.50", None)
    with make_session_factory(engine)() as session:
        assert audit.entries(session, action="catalog.list_prices")[-1].details["source"] == "spreadsheet"


def test_a_service_point_sheet_may_give_the_city_tier(hq, engine):
    from inventory.network import ServicePoint

    data = ("code,name,center,province,distance_class,城市级别\n"
            "SP0100,长沙岳麓特约维修网点,GD,广东,urban,provincial_capital\n"
            "SP0101,清远太平镇特约维修网点,GD,广东,remote,\n"
            "SP0102,某网点,GD,广东,urban,village\n").encode()
    response = upload(hq, "service_points", "points.csv", data)
    assert response.status_code == 422 and "必须是以下之一" in text(response)
    data = data.rsplit(b"\n", 2)[0] + b"\n"
    response = upload(hq, "service_points", "points.csv", data)
    assert response.status_code == 200
    assert confirm(hq, text(response)).status_code == 302
    with make_session_factory(engine)() as session:
        assert session.get(ServicePoint, "SP0100").city_tier == "provincial_capital"
        assert session.get(ServicePoint, "SP0101").city_tier == "county"
