"""Warranty money in a real browser, over last month's tickets of the e2e world (`_warranty_month`):
a point's monthly statement with lines in and out of warranty and the visit fees to collect, HQ's
requisition with each line's basis, until and what to collect, the penalties report's 三包 block,
and the provincial centre's own month."""
from __future__ import annotations

from playwright.sync_api import expect

from .conftest import pytestmark, shot, sign_in  # noqa: F401


def test_hq_reads_a_points_statement_with_lines_in_and_out_of_warranty(page, live):
    sign_in(page, live, "boss")
    page.goto(f"{live.url}/hq/statements/SP0001?period={live.ids['warranty_month']}")
    body = page.locator("main")
    for words in ("保内", "保外", "上门", "应向用户收取"):
        expect(body).to_contain_text(words)
    for ticket in ("W01", "W02", "W03", "W05", "W08"):
        expect(body).to_contain_text(ticket)
    expect(body).not_to_contain_text("W07")  # SP0002's ticket is on its own statement
    shot(page, "hq-statement")


def test_hq_reads_a_requisitions_warranty_line_by_line(page, live):
    sign_in(page, live, "boss")
    code = live.ids["warranty_requisitions"]["W02"]  # a washer bought 700 days before: motor free, pump paid
    page.goto(f"{live.url}/hq/requisitions/{code}")
    motor, pump = page.locator("#line-1"), page.locator("#line-2")
    expect(motor).to_contain_text("WM-MOTOR-01")
    expect(motor).to_contain_text("保内")
    expect(pump).to_contain_text("WM-PUMP-01")
    expect(pump).to_contain_text("保外")
    shot(page, "hq-requisition-warranty")


def test_the_penalties_report_counts_the_months_sanbao_tickets(page, live):
    sign_in(page, live, "boss")
    page.goto(f"{live.url}/hq/penalties?period={live.ids['warranty_month']}")
    sanbao = page.locator("#sanbao")
    for ticket in ("W06", "W07", "W09-3"):  # 7 days, 15 days, the fourth visit for the same fault
        expect(sanbao).to_contain_text(ticket)
    expect(sanbao).not_to_contain_text("W09-2")
    sanbao.scroll_into_view_if_needed()
    shot(page, "hq-penalties-sanbao")


def test_the_center_reads_its_own_month(page, live):
    sign_in(page, live, "gd_center")
    expect(page).to_have_url(f"{live.url}/centers/GD/")
    page.goto(f"{live.url}/centers/GD/?period={live.ids['warranty_month']}")
    expect(page.locator("#fines")).to_be_visible()
    expect(page.locator("#tickets")).to_contain_text("W01")
    expect(page.locator("main")).not_to_contain_text("SP0003")
    shot(page, "center-home")
