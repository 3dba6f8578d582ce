"""HQ's stock plans in a real browser: the latest plan's figures, the plans so far as a chart and a
table, the levels filtered, a plan made from the form (its own live server: the new plan's
purchase proposals would supersede the ones the purchasing test approves)."""
from __future__ import annotations

from playwright.sync_api import expect

from .conftest import pytestmark, shot, sign_in  # noqa: F401


def test_hq_reads_the_plans_filters_the_levels_and_makes_a_plan(page, live):
    sign_in(page, live, "boss")
    page.locator("nav.mainnav a", has_text="库存计划").click()
    expect(page).to_have_url(f"{live.url}/hq/plans")
    latest = live.ids["plans"][-1]
    expect(page.locator("h1")).to_contain_text(latest)
    expect(page.locator("#figures")).to_contain_text("预计2天到位率")
    expect(page.locator("#figures")).to_contain_text("¥15,000")
    expect(page.locator("svg.chart")).to_have_count(1)
    expect(page.locator("svg.chart circle.dot")).to_have_count(len(live.ids["plans"]))
    expect(page.locator("#history tbody tr")).to_have_count(len(live.ids["plans"]))
    shot(page, "hq-plans")

    page.select_option("#f-warehouse", "GD1")
    page.fill("#f-sku", "remote")
    page.locator("#targets button", has_text="筛选").click()
    expect(page.locator("#targets tbody tr")).to_have_count(1)
    expect(page.locator("#targets tbody")).to_contain_text("遥控器")
    expect(page.locator("#f-warehouse")).to_have_value("GD1")

    page.fill("input[name=budget]", "两万")
    page.locator("#new-plan button", has_text="生成计划").click()
    expect(page.locator("#budget-error")).to_contain_text("请输入金额")
    page.fill("input[name=budget]", "20,000")
    page.locator("#new-plan button", has_text="生成计划").click()
    expect(page.locator(".flash.success")).to_contain_text("已生成")
    expect(page.locator("#figures")).to_contain_text("¥20,000")
    expect(page.locator("#new-plan")).to_contain_text("已完成")

    page.click("text=English")
    expect(page.locator("h1")).to_contain_text("Stock plans")
    expect(page.locator("#new-plan")).to_contain_text("done")
    page.click("text=中文")
