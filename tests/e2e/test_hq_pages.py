"""HQ pages in a real browser: the dashboard's charts, approvals, quotas, policy, import."""
from __future__ import annotations

from playwright.sync_api import expect

from .conftest import check_sheet, pytestmark, shot, sign_in  # noqa: F401


def test_hq_signs_in_to_the_dashboard_with_its_charts(page, live):
    sign_in(page, live, "boss")
    expect(page).to_have_url(f"{live.url}/hq/")
    expect(page.locator("svg.chart")).to_have_count(5)  # with last month's tickets, the penalties chart too
    expect(page.locator(".chart-card", has_text="各责任方罚款")).to_contain_text("总部接单员")  # W10's late dispatch
    shot(page, "hq-dashboard")
    page.click("text=English")
    expect(page.locator("h1")).to_have_text("HQ dashboard")
    shot(page, "hq-dashboard-en")
    page.click("text=中文")


def test_hq_approves_a_transfer_and_rejects_a_proposal_with_a_reason(page, live):
    sign_in(page, live, "boss")
    page.goto(f"{live.url}/hq/transfers")
    shot(page, "hq-transfers")
    page.locator(f"#tr-{live.ids['draft']} button", has_text="批准并发运").click()
    expect(page.locator(".flash.success")).to_contain_text(live.ids["draft"])
    proposal = page.locator("tr", has_text="run-demo-1")
    proposal.locator("button", has_text="驳回").click()
    expect(page.locator("p.error").first).to_be_visible()
    proposal = page.locator("tr", has_text="run-demo-1")
    proposal.locator("input[name$=reason]").fill("HB1 is being relocated")
    proposal.locator("button", has_text="驳回").click()
    expect(page.locator(".flash")).to_contain_text("已驳回")
    page.goto(f"{live.url}/hq/optimizer")
    expect(page.locator("main")).to_contain_text("run-demo-1")
    expect(page.locator("main")).to_contain_text(live.ids["run"])
    shot(page, "hq-optimizer")


def test_hq_raises_a_quota_and_edits_the_policy(page, live):
    sign_in(page, live, "boss")
    page.goto(f"{live.url}/hq/quotas")
    shot(page, "hq-quotas")
    page.click("text=D001")
    page.fill("input[name=raise-new_limit]", "60000")
    page.click("text=提高额度")
    expect(page.locator("#raise-reason-error")).to_be_visible()
    page.fill("input[name=raise-new_limit]", "60000")
    page.fill("input[name=raise-reason]", "peak season")
    page.click("text=提高额度")
    expect(page.locator(".flash.success")).to_contain_text("60000")
    shot(page, "hq-quota-dealer")

    page.goto(f"{live.url}/hq/policy")
    row = page.locator("tr#promise_hours")
    row.locator("input[name$=value]").fill("forty-eight")
    row.locator("button").click()
    expect(page.locator("tr#promise_hours p.error")).to_be_visible()
    row = page.locator("tr#promise_hours")
    row.locator("input[name$=value]").fill("48")
    row.locator("button").click()
    expect(page.locator(".flash.success")).to_contain_text("promise_hours")
    shot(page, "hq-policy")


def test_hq_imports_a_spreadsheet_after_seeing_its_errors(page, live, tmp_path):
    sign_in(page, live, "boss")
    page.goto(f"{live.url}/hq/import")
    page.select_option("select[name=kind]", "parts")
    check_sheet(page, tmp_path / "parts.csv", "sku,name,unit_price,unit_cost,family\n"
                                              "WM-BELT-09,皮带,18.00,9.50,twin_tub\n"
                                              "WM-DOOR-02,门封,abc,30.00,fully_automatic\n"
                                              ",门锁,12.00,6.00,fully_automatic\n")
    expect(page.locator("table.problems")).to_contain_text("unit_price")
    shot(page, "hq-import-errors")
    check_sheet(page, tmp_path / "parts-fixed.csv", "sku,name,unit_price,unit_cost,family\n"
                                                    "WM-BELT-09,皮带,18.00,9.50,twin_tub\n"
                                                    "WM-DOOR-02,门封,45.00,30.00,fully_automatic\n")
    expect(page.locator("#preview")).to_contain_text("新增 2")
    shot(page, "hq-import-preview")
    page.click("text=导入这些行")
    expect(page.locator(".flash.success")).to_contain_text("parts-fixed.csv")
    page.goto(f"{live.url}/stock?q=WM-DOOR")
    expect(page.locator("main")).to_contain_text("共 0 条库存")
    page.goto(f"{live.url}/stock?q=PUMP&warehouse=")
    shot(page, "stock-lookup")


def test_hq_approves_the_plans_purchase_proposal_and_receives_part_of_it(page, live):
    sign_in(page, live, "boss")
    page.goto(f"{live.url}/hq/purchasing")
    code = live.ids["purchase"]
    expect(page.locator(f"#po-{code}")).to_contain_text("WM-PUMP-01")
    shot(page, "hq-purchasing")
    page.locator(f"#po-{code} button", has_text="批准").click()
    expect(page.locator(".flash.success")).to_contain_text(code)
    order = page.locator(f"#po-{code}")
    order.locator("tr", has_text="WM-PUMP-01").locator("input").fill("999")
    order.locator("button", has_text="收货").click()
    expect(page.locator("p.error, .flash.error").first).to_contain_text("请注明原因")
    order = page.locator(f"#po-{code}")
    order.locator("tr", has_text="WM-PUMP-01").locator("input").fill("100")
    order.locator("button", has_text="收货").click()
    expect(page.locator(".flash.success")).to_contain_text(code)
    expect(page.locator(f"#po-{code}")).to_contain_text("部分收货")
    shot(page, "hq-purchasing-open")
