"""HQ's stock plans page: the latest plan's figures, the plans so far (table and chart), what a plan
has each warehouse hold and its levels, filtered; a new plan asked for under a budget from a form;
in Chinese and English, and closed to clerks."""
from __future__ import annotations

import html
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from inventory.audit import entries
from inventory.db import transaction
from inventory.planning import StockPlanRecord, StockPlanRun, request_plan

from ..factories import kept_plan
from .conftest import text

PUMP, MOTOR, REMOTE = "WM-PUMP-01", "WM-MOTOR-01", "AC-REMOTE-01"
MONDAY = datetime(2026, 11, 2, 17, 0, tzinfo=timezone.utc)   # Monday 01:00 in Beijing
LEVELS = {("HQ", PUMP): 20, ("HQ", MOTOR): 2, ("GD1", PUMP): 6, ("GD1", REMOTE): 10, ("HB1", PUMP): 4}


def page(response) -> str:
    return html.unescape(text(response))


@pytest.fixture
def two_plans(sessions_for) -> list[str]:
    """Last week's plan at 4,000 and this week's at 5,000 with LEVELS; their codes, oldest first."""
    with sessions_for() as session, transaction(session):
        older = kept_plan(session, {("HQ", PUMP): 30}, budget=4000.0, stock_value=3900.0, rate=0.95, upper=0.96,
                          created_at=MONDAY)
        latest = kept_plan(session, LEVELS, budget=5000.0, stock_value=4812.34, rate=0.97, upper=0.975,
                           created_at=MONDAY + timedelta(weeks=1), keep={PUMP: 8})
        return [older.code, latest.code]


def counts(sessions_for) -> tuple[int, int]:
    with sessions_for() as session:
        return (session.scalar(select(func.count()).select_from(StockPlanRun)),
                session.scalar(select(func.count()).select_from(StockPlanRecord)))


def test_hq_sees_the_latest_plans_figures_history_and_totals_in_chinese(hq, two_plans):
    response = hq.get("/hq/plans")
    assert response.status_code == 200
    body = page(response)
    older, latest = two_plans
    assert "库存计划" in body and latest in body and "2026-11-10 01:00 由 每周任务 生成" in body
    for figure, words in (("¥5,000", "预算（库存成本）"), ("¥4,812", "预计库存金额"), ("97.00%", "预计2天到位率"),
                          ("97.50%", "上界（最优性差距 0.513%）"), ("12.5", "预测日需求（件）"), ("1.50 s", "预测与布局用时")):
        assert f'<span class="big">{figure}</span><span>{words}</span>' in body
    assert body.count('<svg class="chart"') == 1 and "历次计划的预计到位率与库存金额" in body
    assert f'href="/hq/plans/{older}"' in body and "95.00%" in body          # the plans so far
    assert "GD1 广州配件仓" in body and "区域仓" in body and "2,220.00" in body and "3,220.00" in body  # totals
    assert "共 5 条库存水平" in body and "洗涤电机" in body and "1,600.00" in body    # the levels


@pytest.mark.parametrize("rates, gridlines", [
    ((0.7585, 0.98), ["75%", "80%", "85%", "90%", "95%", "100%"]), ((0.97, 0.99), ["97%", "98%", "99%", "100%"]),
    ((0.9991, 1.00000001), ["99.9%", "100.0%"]),
])
def test_the_history_charts_rate_axis_has_round_gridlines_down_to_the_lowest_plan(rates, gridlines):
    import re

    from api.web.charts import plan_history

    svg = str(plan_history([(f"11-0{i}", f"SP00000{i}", r, r, 100.0, 200.0) for i, r in enumerate(rates)]))
    assert re.findall(r'text-anchor="end">([^<]*%)<', svg) == gridlines
    assert svg.count('<circle class="dot"') == len(rates) and svg.count('<rect class="bar"') == len(rates)


def test_the_page_reads_in_english_with_status_names_too(hq, two_plans, sessions_for):
    with sessions_for() as session, transaction(session):
        request_plan(session, actor="hq:boss", trigger="web")
    body = page(hq.get("/hq/plans?lang=en"))
    assert "Stock plans" in body and "expected 2-day on-time rate" in body and "upper bound (gap 0.513%)" in body
    assert "What plan SP000002 has each warehouse hold" in body and "regional" in body
    assert '<span class="badge st-queued">queued</span>' in body and "web page · HQ boss" in body
    chinese = page(hq.get("/hq/plans?lang=zh"))
    assert '<span class="badge st-queued">排队中</span>' in chinese and "网页 · 总部 boss" in chinese


def test_an_older_plan_has_its_own_page_and_an_unknown_one_is_not_found(hq, two_plans):
    older, latest = two_plans
    body = page(hq.get(f"/hq/plans/{older}"))
    assert f"<h1>库存计划 <span class=\"sub\">{older}</span></h1>" in body
    assert f"不是最新计划：查看 {latest}" in body and "¥4,000" in body and "95.00%" in body
    assert "共 1 条库存水平" in body
    for code in ("SP999999", "nonsense", "SPR000001"):
        assert hq.get(f"/hq/plans/{code}").status_code == 404


def test_the_levels_filter_by_warehouse_and_part_of_the_sku(hq, two_plans):
    hq_only = page(hq.get("/hq/plans?warehouse=HQ#targets"))
    assert "共 2 条库存水平" in hq_only and '<option value="HQ" selected>' in hq_only
    remotes = page(hq.get("/hq/plans?sku=remote"))
    assert "共 1 条库存水平" in remotes and "<td>AC-REMOTE-01</td>" in remotes and "<td>WM-PUMP-01</td>" not in remotes
    nothing = page(hq.get("/hq/plans?sku=NOPE&warehouse=GD1"))
    assert "共 0 条库存水平" in nothing and "没有符合条件的库存水平。" in nothing


def test_the_levels_come_a_page_at_a_time(hq, two_plans, monkeypatch):
    import api.web.plans

    monkeypatch.setattr(api.web.plans, "TARGETS_PER_PAGE", 2)
    first = page(hq.get("/hq/plans"))
    assert "第 1 / 3 页" in first and "<td>GD1</td><td>AC-REMOTE-01</td>" in first
    last = page(hq.get("/hq/plans?page=3"))
    assert "第 3 / 3 页" in last and "<td>HQ</td><td>WM-PUMP-01</td>" in last and "AC-REMOTE-01</td>" not in last
    for odd in ("abc", "-2", "9" * 30):
        assert hq.get(f"/hq/plans?page={odd}").status_code == 200


def test_before_the_first_plan_the_page_says_so_and_offers_the_form(hq):
    body = page(hq.get("/hq/plans"))
    assert "尚无库存计划" in body and "生成计划" in body and "留空则使用策略中的预算：¥30,000,000。" in body


def test_hq_makes_a_plan_under_a_typed_budget(hq, sessions_for):
    made = hq.post("/hq/plans", {"budget": "5,000.50"})
    assert made.status_code == 302 and made.headers["Location"] == "/hq/plans/SP000001"
    body = page(hq.get(made.headers["Location"]))
    assert "计划 SP000001 已生成，提出 0 张采购建议。" in body and "¥5,000" in body
    assert '<span class="badge st-done">已完成</span>' in body and "网页 · 总部 boss" in body
    with sessions_for() as session:
        run = session.scalars(select(StockPlanRun)).one()
        assert (run.trigger, run.created_by, str(run.budget), run.status) == ("web", "hq:boss", "5000.50", "done")
        record = session.get(StockPlanRecord, run.plan_id)
        assert (record.budget, record.created_by) == (5000.5, "hq:boss")
        assert [(e.action, e.actor, e.subject) for e in entries(session, action="stock_plan.")] == [
            ("stock_plan.request", "hq:boss", "SPR000001")]


def test_a_blank_budget_plans_with_the_policys(hq, sessions_for):
    assert hq.post("/hq/plans", {"budget": " "}).status_code == 302
    with sessions_for() as session:
        assert session.scalars(select(StockPlanRecord.budget)).one() == 30_000_000.0


@pytest.mark.parametrize("typed, words, status", [
    ("abc", "请输入金额（元），最多两位小数", 422), ("-5", "请输入金额（元），最多两位小数", 422),
    ("1e5", "请输入金额（元），最多两位小数", 422), ("12.345", "请输入金额（元），最多两位小数", 422),
    ("３０００", "请输入金额（元），最多两位小数", 422), ("9" * 30, "字段长度", 422),
    ("0", "预算必须大于 0.00 元且不超过 10,000,000,000 元", 422),
    ("10,000,000,000.01", "预算必须大于 0.00 元且不超过 10,000,000,000 元", 422),
])
def test_a_bad_budget_is_refused_in_words_and_nothing_is_made(hq, sessions_for, typed, words, status):
    answer = hq.post("/hq/plans", {"budget": typed})
    assert answer.status_code == status
    body = page(answer)
    assert words in body and 'aria-invalid="true"' in body
    assert counts(sessions_for) == (0, 0)


def test_a_plan_asked_for_while_another_is_being_made_is_refused(hq, sessions_for):
    with sessions_for() as session, transaction(session):
        request_plan(session, actor="system:beat", trigger="weekly")
    answer = hq.post("/hq/plans", {"budget": "100"})
    assert answer.status_code == 409 and "计划运行 SPR000001 排队中，请等待其完成" in page(answer)
    assert counts(sessions_for) == (1, 0)


def test_a_plan_that_fails_says_so_and_changes_nothing(hq, sessions_for, monkeypatch):
    import optimizer.stock_plan

    def broken(*args, **kwargs):
        raise ValueError("the solver gave up")

    monkeypatch.setattr(optimizer.stock_plan, "solve_request", broken)
    answer = hq.post("/hq/plans", {"budget": "100"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/hq/plans"
    body = page(hq.get("/hq/plans"))
    assert "计划运行 SPR000001 失败，未做任何更改。" in body and '<span class="badge st-failed">失败</span>' in body
    assert counts(sessions_for) == (1, 0)


def test_the_form_needs_its_csrf_token(hq, sessions_for):
    answer = hq.post("/hq/plans", {"budget": "100"}, csrf=False)
    assert answer.status_code == 400 and counts(sessions_for) == (0, 0)


def test_a_clerk_may_neither_open_the_plans_nor_ask_for_one(clerk, two_plans, sessions_for):
    for url in ("/hq/plans", f"/hq/plans/{two_plans[1]}"):
        assert clerk.get(url).status_code == 403
    assert clerk.post("/hq/plans", {"budget": "100"}, token_from="/w/GD1/").status_code == 403
    assert counts(sessions_for) == (0, 2)
    assert "/hq/plans" not in text(clerk.get("/w/GD1/"))


def test_hqs_navigation_leads_to_the_plans(hq):
    body = page(hq.get("/hq/"))
    assert '<a href="/hq/plans" class="">库存计划</a>' in body
    assert '<a href="/hq/plans" class="on">库存计划</a>' in page(hq.get("/hq/plans"))


def test_the_download_links_are_offered_only_for_levels_a_download_can_hold(hq, two_plans):
    hq.app.config["WEB_EXPORT_MAX_ROWS"] = 2
    everything = page(hq.get("/hq/plans"))
    assert "请先选择仓库或输入配件编码" in everything and "/hq/plans/export.csv" not in everything
    assert hq.get("/hq/plans/export.csv").status_code == 413  # the download itself still refuses
    one_warehouse = page(hq.get("/hq/plans?warehouse=HQ"))
    assert "/hq/plans/export.csv?warehouse=HQ" in one_warehouse and "请先选择仓库" not in one_warehouse
