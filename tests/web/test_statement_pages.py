"""HQ's pages for out-of-warranty money: a point's monthly statement (in Chinese, exported to
XLSX with the same totals), recording an overcharge penalty, and a requisition's charge."""
from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from inventory import audit
from inventory.catalog import set_list_prices
from inventory.db import make_session_factory, transaction, utcnow
from inventory.overcharges import OverchargePenalty
from inventory.quotas.service import period_of
from inventory.requisitions.models import Requisition, parse_code

from .conftest import submit_requisition, text

MONTH = period_of(utcnow())
PAGE = "/hq/statements/SP0001"


def decide(engine, code, *in_warranty):
    with make_session_factory(engine)() as session, transaction(session):
        req = session.get(Requisition, parse_code(code))
        for line, value in zip(req.lines, in_warranty):
            line.in_warranty = value
        req.in_warranty = all(in_warranty)


@pytest.fixture
def month(engine):
    """Two requisitions of SP0001 this month: T-1 in warranty, T-2 out of it (a pump at 168.00)."""
    with make_session_factory(engine)() as session, transaction(session):
        set_list_prices(session, {"WM-PUMP-01": "168.00"}, actor="hq", source="test")
    inside = submit_requisition(engine, qty=1, ticket="T-1")
    outside = submit_requisition(engine, qty=2, ticket="T-2")
    decide(engine, inside, True)
    decide(engine, outside, False)
    return inside, outside


def test_hq_reads_a_points_statement_in_chinese(hq, month):
    response = hq.get(PAGE)
    assert response.status_code == 200
    page = text(response)
    assert "网点月结单" in page or "月结单" in page
    for words in ("保内", "保外", "地级市", "上门", "零售价", "应向用户收取", "因旧件未返而暂扣的维修费"):
        assert words in page
    assert "361.00" in page  # 2 x 168.00 + the 25.00 visit fee
    for english in ("in warranty", "out of warranty", "prefecture", "home visit", "list price"):
        assert english not in page


def test_clerks_may_not_read_statements(clerk, month):
    assert clerk.get(PAGE).status_code == 403
    assert clerk.get(f"/hq/requisitions/{month[1]}").status_code == 403


@pytest.mark.parametrize("url", ["/hq/statements/SP9999", "/hq/statements/SP0001?period=2026-13",
                                 "/hq/statements/SP0001.xlsx?period=June", "/hq/requisitions/R99999999",
                                 "/hq/requisitions/x"])
def test_an_unknown_point_month_or_requisition_is_not_found(hq, url):
    assert hq.get(url).status_code == 404


def test_the_chooser_opens_the_points_statement(hq):
    response = hq.get("/hq/statements", query_string={"point": "sp0001", "period": "2026-06"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/hq/statements/SP0001?period=2026-06")
    response = hq.get("/hq/statements", query_string={"point": "SP9999"})
    assert response.status_code == 404 and "没有网点 SP9999" in text(response)


def test_the_xlsx_export_carries_the_statements_totals_and_they_add_up(hq, month):
    response = hq.get(f"{PAGE}.xlsx", query_string={"period": MONTH})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[:3] == ["汇总", "配件", "上门费"]
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(values_only=True)}
    parts = list(book["配件"].iter_rows(min_row=2, values_only=True))
    fees = list(book["上门费"].iter_rows(min_row=2, values_only=True))
    assert len(parts) == 2 and len(fees) == 1
    to_collect = sum(Decimal(str(row[10])) for row in parts) + sum(Decimal(str(row[4])) for row in fees)
    assert Decimal(str(summary["应向用户收取合计"])) == to_collect == Decimal("361.00")


def test_hq_records_an_overcharge_and_the_statement_shows_it(hq, month, engine):
    response = hq.post(f"{PAGE}/overcharges", {"ticket": "T-2", "charged": "400.00", "note": "用户投诉，已电话核实"},
                       token_from=PAGE)
    assert response.status_code == 302
    page = text(hq.get(PAGE))
    assert "390.00" in page  # (400 - 361) x 10
    with make_session_factory(engine)() as session:
        row = session.scalars(select(OverchargePenalty)).one()
        assert (row.allowed, row.amount, row.recorded_by) == (Decimal("361.00"), Decimal("390.00"), "hq:boss")
        assert audit.entries(session, action="penalty.overcharge")[-1].actor == "hq:boss"


@pytest.mark.parametrize("form, message", [
    ({"ticket": "T-2", "charged": "300.00", "note": "x"}, "不构成多收费"),
    ({"charged": "300.00", "note": "x"}, "请填写应收金额"),
    ({"ticket": "T-NONE", "charged": "300.00", "note": "x"}, "没有配件申请"),
    ({"charged": "300.001", "allowed": "1.00", "note": "x"}, "最多两位小数"),
    ({"charged": "300.00", "allowed": "1.00", "note": ""}, None),
])
def test_a_bad_overcharge_is_refused_in_chinese_and_writes_nothing(hq, month, engine, form, message):
    response = hq.post(f"{PAGE}/overcharges", form, token_from=PAGE)
    assert response.status_code == 422
    if message:
        assert message in text(response)
    with make_session_factory(engine)() as session:
        assert session.scalars(select(OverchargePenalty)).all() == []


def test_a_requisition_page_shows_what_the_point_must_collect(hq, month):
    page = text(hq.get(f"/hq/requisitions/{month[1]}"))
    assert "网点应向用户收取" in page and "361.00" in page and "地级市" in page
    page = text(hq.get(f"/hq/requisitions/{month[0]}"))
    assert "保内" in page and re.search(r"¥0\.00", page)


def test_the_penalties_page_lists_overcharge_penalties(hq, month):
    hq.post(f"{PAGE}/overcharges", {"charged": "30.00", "allowed": "25.00", "note": "用户投诉"}, token_from=PAGE)
    page = text(hq.get("/hq/penalties", query_string={"period": MONTH}))
    assert "多收费罚款" in page and "SP0001" in page and "50.00" in page


def test_a_requisition_page_shows_where_its_units_come_from_and_what_waits(hq, engine):
    code = submit_requisition(engine, qty=12)  # GD1 holds 10 pumps, HQ 50: both serve, none waits
    page = text(hq.get(f"/hq/requisitions/{code}"))
    assert "发货仓库与数量" in page and "承诺到达" in page
    rows = re.findall(r"<tr><td>WM-PUMP-01</td><td>(\w+)</td><td class=\"n\">(\d+)</td><td>([^<]+)</td>", page)
    assert sum(int(qty) for _, qty, _ in rows) == 12 and {status for _, _, status in rows} == {"已预留"}
    waiting = submit_requisition(engine, qty=100, ticket="T-9")  # more than the network holds
    page = text(hq.get(f"/hq/requisitions/{waiting}"))
    rows = re.findall(r"<tr><td>WM-PUMP-01</td><td>([^<]+)</td><td class=\"n\">(\d+)</td><td>([^<]+)</td>", page)
    assert ("—", "欠货") in {(w, s) for w, _, s in rows} and sum(int(q) for _, q, _ in rows) == 100
