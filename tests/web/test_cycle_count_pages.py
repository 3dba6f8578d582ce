"""Cycle count pages: the clerk's blind count (the book never on the page while it is open), the
submit posting within the tolerance and holding the rest for HQ, HQ's approve and reject, who may
do what, bad quantities refused in Chinese with nothing changed, and the accuracy report."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from inventory.audit import entries
from inventory.db import make_session_factory, transaction
from inventory.warehouses import cycle_counts as cc
from inventory.warehouses import ledger

from .conftest import balance, movement_count, text

PUMP_BOOK, REMOTE_BOOK = 7391, 4826  # numbers the page could not show by accident


@pytest.fixture
def books(engine, keys):
    """GD1 holds 7391 pumps and 4826 remotes."""
    with make_session_factory(engine)() as session, transaction(session):
        ledger.receive(session, "GD1", "WM-PUMP-01", PUMP_BOOK - 10, actor="test")
        ledger.receive(session, "GD1", "AC-REMOTE-01", REMOTE_BOOK - 20, actor="test")


def page(response) -> str:
    return html.unescape(text(response))


def count_lines(engine, warehouse="GD1") -> tuple[int, dict[str, str]]:
    """The warehouse's latest count and its form field per sku."""
    with make_session_factory(engine)() as session:
        count = session.scalars(select(cc.CycleCount).where(cc.CycleCount.warehouse_code == warehouse)
                                .order_by(cc.CycleCount.id.desc())).first()
        return count.id, {line.sku: f"line-{line.id}" for line in cc.lines_of(session, count.id)}


def started(client, engine, warehouse="GD1"):
    response = client.post(f"/w/{warehouse}/cycle-count/start", {"start-csrf_token": client.token(
        f"/w/{warehouse}/cycle-count")}, csrf=False)
    assert response.status_code == 302, page(response)[:2000]
    return count_lines(engine, warehouse)


def submitted(client, count_id, fields, counted: dict[str, str], warehouse="GD1"):
    data = {fields[sku]: value for sku, value in counted.items()}
    return client.post(f"/w/{warehouse}/cycle-count/{count_id}", data, token_from=f"/w/{warehouse}/cycle-count")


def line_status(engine, count_id) -> dict[str, str]:
    with make_session_factory(engine)() as session:
        return {line.sku: line.status for line in cc.lines_of(session, count_id)}


def test_the_clerk_counts_blind_and_within_the_tolerance_it_is_posted(clerk, hq, engine, books):
    before = page(clerk.get("/w/GD1/cycle-count"))
    assert "今日应盘 2 种配件" in before and "开始今日盘点" in before
    count_id, fields = started(clerk, engine)
    assert sorted(fields) == ["AC-REMOTE-01", "WM-PUMP-01"]
    for viewer in (clerk, hq):  # HQ looking at the open count sees no book either
        open_page = page(viewer.get("/w/GD1/cycle-count"))
        assert "盲盘" in open_page and "WM-PUMP-01" in open_page
        assert str(PUMP_BOOK) not in open_page and str(REMOTE_BOOK) not in open_page
    response = submitted(clerk, count_id, fields, {"WM-PUMP-01": "7390", "AC-REMOTE-01": "4000"})
    assert response.status_code == 302
    assert "1 行差异超出允许范围，等待总部审批" in page(clerk.get(response.headers["Location"]))
    assert balance(engine, "GD1", "WM-PUMP-01")[0] == PUMP_BOOK - 1  # -1: 80 RMB, posted at once
    assert balance(engine, "GD1", "AC-REMOTE-01")[0] == REMOTE_BOOK  # -826: waits for HQ
    assert line_status(engine, count_id) == {"WM-PUMP-01": "posted", "AC-REMOTE-01": "awaiting_approval"}
    assert "已提交" in page(clerk.get("/w/GD1/cycle-count"))


def test_hq_approves_a_variance_beyond_the_tolerance_and_it_is_posted(clerk, hq, engine, books):
    count_id, fields = started(clerk, engine)
    submitted(clerk, count_id, fields, {"WM-PUMP-01": str(PUMP_BOOK), "AC-REMOTE-01": "4000"})
    approvals = page(hq.get("/hq/cycle-counts"))
    assert "待审批的盘点差异" in approvals and "AC-REMOTE-01" in approvals and "-826" in approvals
    assert "16,520.00" in approvals  # 826 x 20
    line = fields["AC-REMOTE-01"].removeprefix("line-")
    response = hq.post(f"/hq/cycle-counts/lines/{line}/approve",
                       {f"approve-{line}-csrf_token": hq.token("/hq/cycle-counts")}, csrf=False)
    assert response.status_code == 302
    assert balance(engine, "GD1", "AC-REMOTE-01")[0] == 4000
    assert line_status(engine, count_id)["AC-REMOTE-01"] == "approved"
    with make_session_factory(engine)() as session:
        assert [e.actor for e in entries(session, action="cycle_count.approve")] == ["hq:boss"]
        assert cc.get_count(session, count_id).status == "closed"
        assert ledger.ledger_differences(session) == []
    assert "没有待审批的差异" in page(hq.get("/hq/cycle-counts"))


def test_hq_rejects_with_a_reason_and_nothing_is_posted(clerk, hq, engine, books):
    count_id, fields = started(clerk, engine)
    submitted(clerk, count_id, fields, {"WM-PUMP-01": str(PUMP_BOOK), "AC-REMOTE-01": "4000"})
    line = fields["AC-REMOTE-01"].removeprefix("line-")
    moves = movement_count(engine)
    blank = hq.post(f"/hq/cycle-counts/lines/{line}/reject", {f"reject-{line}-csrf_token": hq.token("/hq/cycle-counts"),
                                                              f"reject-{line}-reason": " "}, csrf=False)
    assert blank.status_code == 422 and "该字段是必填字段" in page(blank)
    response = hq.post(f"/hq/cycle-counts/lines/{line}/reject",
                       {f"reject-{line}-csrf_token": hq.token("/hq/cycle-counts"),
                        f"reject-{line}-reason": "货架后面还有一箱，重盘"}, csrf=False)
    assert response.status_code == 302
    assert movement_count(engine) == moves and balance(engine, "GD1", "AC-REMOTE-01")[0] == REMOTE_BOOK
    assert line_status(engine, count_id)["AC-REMOTE-01"] == "rejected"
    again = page(hq.post(f"/hq/cycle-counts/lines/{line}/approve",
                         {f"approve-{line}-csrf_token": hq.token("/hq/cycle-counts")}, csrf=False))
    assert f"盘点行 {line} 已驳回，只有待审批的行可以审批" in again


@pytest.mark.parametrize("bad", ["-1", "10000001", "2.5", "", "七"])
def test_bad_quantities_are_refused_in_chinese_and_nothing_changes(clerk, engine, books, bad):
    count_id, fields = started(clerk, engine)
    moves = movement_count(engine)
    response = submitted(clerk, count_id, fields, {"WM-PUMP-01": bad, "AC-REMOTE-01": "4826"})
    body = page(response)
    assert response.status_code == 422
    assert "请检查标出的数量；未保存任何内容" in body
    assert re.search(r'<p class="error">(不是有效的整数|该字段是必填字段|数值大小必须介于 0 到 10000000 之间)。</p>', body)
    assert movement_count(engine) == moves
    assert line_status(engine, count_id) == {"WM-PUMP-01": "to_count", "AC-REMOTE-01": "to_count"}
    assert str(PUMP_BOOK) not in body  # still blind when shown again


def test_a_count_below_reserved_is_refused_with_the_ledgers_words(clerk, engine, books):
    from .conftest import submit_requisition

    submit_requisition(engine, qty=4)
    count_id, fields = started(clerk, engine)
    response = submitted(clerk, count_id, fields, {"WM-PUMP-01": "3", "AC-REMOTE-01": "4826"})
    assert response.status_code == 409
    assert "实盘 3 件，但 GD1 已预留 4 件 WM-PUMP-01；请先释放预留或重新安排" in page(response)
    assert line_status(engine, count_id) == {"WM-PUMP-01": "to_count", "AC-REMOTE-01": "to_count"}


def test_a_second_start_and_a_second_submit_are_refused_in_chinese(clerk, engine, books):
    count_id, fields = started(clerk, engine)
    again = clerk.post("/w/GD1/cycle-count/start", {"start-csrf_token": clerk.token("/w/GD1/cycle-count")}, csrf=False)
    assert again.status_code == 409 and f"GD1 的盘点单 {count_id} 尚未提交，请先提交" in page(again)
    submitted(clerk, count_id, fields, {"WM-PUMP-01": str(PUMP_BOOK), "AC-REMOTE-01": str(REMOTE_BOOK)})
    twice = submitted(clerk, count_id, fields, {"WM-PUMP-01": "1", "AC-REMOTE-01": "1"})
    assert twice.status_code == 409 and f"盘点单 {count_id} 已关闭，不能再次提交" in page(twice)
    assert "今日没有需要盘点的配件" in page(clerk.get("/w/GD1/cycle-count"))


def test_roles_a_clerk_may_not_decide_and_hq_may_not_count(clerk, hq, engine, books):
    count_id, fields = started(clerk, engine)
    submitted(clerk, count_id, fields, {"WM-PUMP-01": str(PUMP_BOOK), "AC-REMOTE-01": "4000"})
    line = fields["AC-REMOTE-01"].removeprefix("line-")
    assert clerk.get("/hq/cycle-counts").status_code == 403
    assert clerk.get("/hq/cycle-counts/accuracy").status_code == 403
    token = clerk.token("/w/GD1/cycle-count")
    assert clerk.post(f"/hq/cycle-counts/lines/{line}/approve", {"csrf_token": token}, csrf=False).status_code == 403
    assert hq.post("/w/GD1/cycle-count/start", {"start-csrf_token": hq.token("/hq/cycle-counts")},
                   csrf=False).status_code == 403
    assert line_status(engine, count_id)["AC-REMOTE-01"] == "awaiting_approval"


def test_another_warehouses_count_is_not_found_for_a_clerk(clerk, other_clerk, engine, books):
    hb_count, hb_fields = started(other_clerk, engine, "HB1")
    response = clerk.post(f"/w/GD1/cycle-count/{hb_count}", {hb_fields["WM-PUMP-01"]: "0"},
                          token_from="/w/GD1/cycle-count")
    assert response.status_code == 404
    assert other_clerk.get("/w/GD1/cycle-count").status_code == 403
    assert line_status(engine, hb_count) == {"WM-PUMP-01": "to_count"}


def test_the_accuracy_report_adds_up_on_the_page(clerk, hq, engine, books):
    count_id, fields = started(clerk, engine)
    submitted(clerk, count_id, fields, {"WM-PUMP-01": str(PUMP_BOOK - 1), "AC-REMOTE-01": "4000"})
    report = page(hq.get("/hq/cycle-counts/accuracy?days=30"))
    rows = re.findall(r"<tr><td>GD1</td><td>C</td><td class=\"n\">(\d+)</td><td class=\"n\">(\d+)</td>"
                      r"<td class=\"n\">([\d.]+%)</td><td class=\"n\">([\d,.]+)</td></tr>", report)
    assert rows == [("2", "1", "50.0%", "16,600.00")]  # 80 + 16,520
    assert "盘点准确率" in report and "合计" in report
    assert "16,600.00" in page(hq.get("/hq/cycle-counts/accuracy?days=90"))
    wrong = hq.get("/hq/cycle-counts/accuracy?days=7")
    assert wrong.status_code == 400 and "请选择最近 30 天或 90 天" in page(wrong)


def test_the_page_says_how_many_wait_beyond_the_daily_cap(clerk, hq, engine, books):
    key = "cycle_count_daily_lines"
    saved = hq.post(f"/hq/policy/{key}", {f"{key}-value": "1", f"{key}-csrf_token": hq.token("/hq/policy")},
                    csrf=False)
    assert saved.status_code == 302
    body = page(clerk.get("/w/GD1/cycle-count"))
    assert "今日应盘 1 种配件" in body and "另有 1 种配件已到期，顺延到之后几天（每天最多 1 种）" in body
    count_id, fields = started(clerk, engine)
    assert list(fields) == ["AC-REMOTE-01"]  # both class C, never counted: by sku
