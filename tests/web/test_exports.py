"""Downloads of the pages' lists and reports: the XLSX and CSV hold every row the page's filters
select (not one page of them), with the page's headers and language, typed cells, formulas
defused, and the page's refusals for the wrong role."""
from __future__ import annotations

import codecs
import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest

from api.web.messages_zh import ZH
from inventory.db import make_session_factory, transaction, utcnow
from inventory.quotas.service import period_of
from inventory.warehouses import enquiry, ledger, transfers

from .conftest import submit_requisition, text
from .test_center_pages import centers, gd  # noqa: F401  (fixtures: two centres, GD's user)
from .test_cycle_count_pages import PUMP_BOOK, REMOTE_BOOK, books, started, submitted  # noqa: F401  (GD1's books)
from .test_optimizer_run_figures import a_done_run, a_running_run
from .test_refusals import old_part_return, purchase_order
from .test_statement_pages import MONTH, month  # noqa: F401  (fixture: SP0001's month)
from .test_stock_plans_pages import two_plans  # noqa: F401  (fixture: two kept plans)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INJECTION = '=HYPERLINK("http://evil.example","click")'


def sheet(response, which=0) -> list[list]:
    assert response.status_code == 200, text(response)[:800]
    assert response.mimetype == XLSX
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    ws = book.worksheets[which] if isinstance(which, int) else book[which]
    return [list(row) for row in ws.iter_rows(values_only=True)]


def cells(response, which=0):
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    ws = book.worksheets[which] if isinstance(which, int) else book[which]
    return [list(row) for row in ws.iter_rows()]


def table(response) -> list[list[str]]:
    assert response.status_code == 200, text(response)[:800]
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # once: not "; charset=utf-8" twice
    assert response.data.startswith(codecs.BOM_UTF8)  # Excel reads the Chinese as UTF-8
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def sections(lines: list[list[str]]) -> list[list[list[str]]]:
    """A CSV of several tables (title row, header, rows; a blank row between): each table's header and rows."""
    chunks, chunk = [], []
    for row in lines:
        if row == []:
            chunks.append(chunk)
            chunk = []
        else:
            chunk.append(row)
    return [c[1:] for c in chunks + [chunk]]


def both(client, url: str, table_index: int = 0) -> tuple[list[list], list[list[str]]]:
    """The XLSX and the CSV of one export: the same header and the same rows, keyed alike."""
    query = url.partition("?")[2]
    path = url.partition("?")[0]
    book = sheet(client.get(f"{path}.xlsx?{query}"), table_index)
    lines = table(client.get(f"{path}.csv?{query}"))
    if lines and len(lines[0]) == 1 and len(lines) > 1 and len(lines[1]) > 1:  # several tables: take one
        lines = sections(lines)[table_index]
    assert lines[0] == book[0]
    assert [r[0] for r in lines[1:]] == [as_csv(r[0]) for r in book[1:]]
    return book, lines


def as_csv(value) -> str:
    """A cell read from the XLSX as the CSV writes it."""
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, datetime) else str(value)


def zh(*english: str) -> list[str]:
    return [ZH[word] for word in english]


def commit(engine, work):
    with make_session_factory(engine)() as session, transaction(session):
        return work(session)


def receipts(engine, n: int, sku="WM-MOTOR-01", ref="DN-1") -> None:
    commit(engine, lambda s: [ledger.receive(s, "GD1", sku, 1, actor="clerk:gd_clerk",
                                             ref=ledger.Ref("delivery_note", ref)) for _ in range(n)])


def today() -> str:
    return (utcnow() + timedelta(hours=8)).date().isoformat()


# -- stock -----------------------------------------------------------------------------------------

def test_the_stock_download_holds_every_balance_the_search_selects_with_chinese_headers(clerk, engine,
                                                                                        monkeypatch):
    import api.web.clerk

    monkeypatch.setattr(api.web.clerk, "PAGE", 2)  # the page shows two at a time; the download all
    with make_session_factory(engine)() as session:
        found = enquiry.search_stock(session, "PUMP", warehouse=None, limit=500).rows
    assert len(found) > 2
    expected = [[r.sku, r.name, r.warehouse, r.warehouse_name, r.on_hand, r.reserved, r.available, r.in_transit]
                for r in found]
    rows = sheet(clerk.get("/stock/export.xlsx?q=PUMP&warehouse="))
    assert rows[0] == zh("SKU", "Part", "Warehouse", "Warehouse name", "On hand", "Reserved", "Available",
                         "In transit")
    assert rows[1:] == expected
    assert table(clerk.get("/stock/export.csv?q=PUMP&warehouse="))[1:] == [[str(v) for v in row] for row in expected]
    own = sheet(clerk.get("/stock/export.xlsx?q=PUMP"))  # a clerk's lookup starts at the own warehouse
    assert own[1:] == [row for row in expected if row[2] == "GD1"] and len(own) - 1 < len(expected)


def test_a_download_is_named_for_its_page_and_day_and_english_on_an_english_page(clerk):
    response = clerk.get("/stock/export.csv?q=PUMP&lang=en")
    assert response.headers["Content-Disposition"] == f"attachment; filename=stock-GD1_{today()}.csv"
    assert table(response)[0] == ["SKU", "Part", "Warehouse", "Warehouse name", "On hand", "Reserved", "Available",
                                  "In transit"]


def test_the_page_links_its_downloads_with_its_filters(clerk):
    page = text(clerk.get("/w/GD1/movements?sku=WM-PUMP-01&kind=receipt&page=2"))
    assert 'href="/w/GD1/movements/export.xlsx?sku=WM-PUMP-01&amp;kind=receipt"' in page
    assert 'href="/w/GD1/movements/export.csv?sku=WM-PUMP-01&amp;kind=receipt"' in page and ZH["Download"] in page


# -- movements -------------------------------------------------------------------------------------

def test_movements_beyond_a_page_are_all_downloaded_and_a_filter_excludes_the_rest(clerk, engine):
    receipts(engine, 55)
    rows = sheet(clerk.get("/w/GD1/movements/export.xlsx?sku=WM-MOTOR-01&kind=receipt"))
    assert rows[0] == zh("When", "Kind", "SKU", "On hand", "Reserved", "In transit", "By", "Reason", "Reference")
    assert len(rows) - 1 == 55 > 50  # the page holds 50
    assert {(r[1], r[2], r[3], r[8]) for r in rows[1:]} == {(ZH["receipt"], "WM-MOTOR-01", 1, "DN-1")}
    assert all(isinstance(r[0], datetime) for r in rows[1:])  # dates as dates
    assert table(clerk.get("/w/GD1/movements/export.csv?sku=WM-MOTOR-01&kind=adjustment")) == [
        zh("When", "Kind", "SKU", "On hand", "Reserved", "In transit", "By", "Reason", "Reference")]


def test_a_bad_filter_is_refused_in_words_as_the_page_refuses_it(clerk):
    assert clerk.get("/w/GD1/movements?since=yesterday").status_code == 400
    response = clerk.get("/w/GD1/movements/export.csv?since=yesterday")
    assert response.status_code == 400 and ZH["Use a date like 2025-01-31."] in text(response)


def test_a_cell_that_would_run_as_a_formula_stays_text(clerk, engine):
    receipts(engine, 1, ref=INJECTION)
    mine = "kind=receipt&actor=clerk:gd_clerk"
    csv_rows = table(clerk.get(f"/w/GD1/movements/export.csv?{mine}"))
    assert [r[8] for r in csv_rows[1:]] == ["'" + INJECTION]
    [cell] = [row[8] for row in cells(clerk.get(f"/w/GD1/movements/export.xlsx?{mine}"))[1:]]
    assert cell.value == INJECTION and cell.data_type == "s"  # a string, never a formula


# -- picks -----------------------------------------------------------------------------------------

def test_every_pick_is_downloaded_with_its_lines(clerk, engine, monkeypatch):
    import api.web.clerk

    monkeypatch.setattr(api.web.clerk, "PAGE", 2)
    codes = [submit_requisition(engine, qty=1, ticket=f"T-{i}") for i in range(3)]
    assert text(clerk.get("/w/GD1/picks")).count('class="card pick') == 2
    rows = sheet(clerk.get("/w/GD1/picks/export.xlsx"))
    assert rows[0][:3] == zh("Requisition", "Promised by", "Service point")
    assert sorted(r[0] for r in rows[1:]) == sorted(codes)
    assert {(r[5], r[7]) for r in rows[1:]} == {("WM-PUMP-01", 1)}
    assert len(table(clerk.get("/w/GD1/picks/export.csv"))) == 4


# -- transfers -------------------------------------------------------------------------------------

def test_hq_transfers_download_keeps_the_run_filter(hq, engine):
    mine = commit(engine, lambda s: transfers.create_draft(s, "HQ", "GD1", "WM-PUMP-01", 2, actor="optimizer",
                                                           proposal_run_id="RUN-A").id)
    other = commit(engine, lambda s: transfers.create_draft(s, "HQ", "HB1", "WM-PUMP-01", 3, actor="hq:boss").id)
    everything = [r[0] for r in table(hq.get("/hq/transfers/export.csv"))[1:]]
    assert {mine, other} <= set(everything)
    rows = sheet(hq.get("/hq/transfers/export.xlsx?run=RUN-A"))
    assert rows[0][:6] == zh("Transfer", "Status", "From", "To", "SKU", "Qty")
    assert [(r[0], r[1], r[5], r[10]) for r in rows[1:]] == [(mine, ZH["draft"], 2, "RUN-A")]


def test_a_warehouses_transfers_download_lists_what_its_page_lists(clerk, engine):
    out = commit(engine, lambda s: transfers.create_draft(s, "GD1", "HB1", "WM-PUMP-01", 1, actor="hq:boss").id)
    inbound_draft = commit(engine, lambda s: transfers.create_draft(s, "HB1", "GD1", "WM-PUMP-01", 1,
                                                                    actor="hq:boss").id)
    ids = [r[0] for r in table(clerk.get("/w/GD1/transfers/export.csv"))[1:]]
    assert out in ids and inbound_draft not in ids  # the page shows drafts to ship from here only


# -- returns and purchasing ------------------------------------------------------------------------

def test_returns_download_lists_the_warehouses_returns(clerk, engine):
    code = old_part_return(engine, received=True)
    rows = sheet(clerk.get("/w/GD1/returns/export.xlsx"))
    assert rows[0] == zh("Return", "Status", "Kind", "Requisition", "Service point", "SKU", "Qty", "Due by",
                         "Reason", "Outcome")
    [row] = [r for r in rows[1:] if r[0] == code]
    assert row[1] == ZH["received"] and row[2] == ZH["old part"] and isinstance(row[6], int)


def test_purchasing_download_has_money_as_numbers_with_two_decimals(hq, engine):
    code = purchase_order(engine)
    rows = sheet(hq.get("/hq/purchasing/export.xlsx"))
    [row] = [r for r in rows[1:] if r[0] == code]
    assert row[5:11] == ["WM-PUMP-01", 30, 0, 30, 80, 2400]  # numbers, not text
    [money] = [r[10] for r in cells(hq.get("/hq/purchasing/export.xlsx"))[1:] if r[0].value == code]
    assert money.number_format == "#,##0.00"
    [line] = [r for r in table(hq.get("/hq/purchasing/export.csv"))[1:] if r[0] == code]
    assert line[9:11] == ["80.00", "2400.00"]


# -- quotas ----------------------------------------------------------------------------------------

def test_quota_download_holds_the_filtered_dealers_with_money_typed(hq):
    everyone = table(hq.get("/hq/quotas/export.csv"))
    assert len(everyone) > 2
    dealer = everyone[1][0]
    rows = sheet(hq.get(f"/hq/quotas/export.xlsx?q={dealer}"))
    assert [r[0] for r in rows[1:]] == [dealer]
    assert isinstance(rows[1][4], (int, float)) and Decimal(str(rows[1][4])) == Decimal(everyone[1][4])
    assert everyone[1][4].endswith(".00") and rows[1][2] == period_of(utcnow())


# -- the penalties report --------------------------------------------------------------------------

@pytest.fixture
def fined_ticket(engine):
    from inventory.access import Principal
    from inventory.tickets import record_event

    created = utcnow() - timedelta(hours=5)

    def work(session):
        for kind, minutes in (("created", 0), ("dispatched_center", 60), ("dispatched_point", 70),
                              ("contacted", 80), ("visited", 120), ("completed", 180)):
            record_event(session, "T-PEN", kind, created + timedelta(minutes=minutes), None, None,
                         Principal("call_center"), service_point="SP0001", family="twin_tub")
    commit(engine, work)
    return period_of(utcnow())


def test_the_penalties_download_has_the_reports_tables_as_sheets(hq, fined_ticket, engine):
    from inventory.policy import load_policy
    from inventory.tickets import penalties_for_month

    with make_session_factory(engine)() as session:
        report = penalties_for_month(session, fined_ticket, load_policy(session))
    response = hq.get(f"/hq/penalties/export.xlsx?period={fined_ticket}")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[:2] == zh("Fines by party", "Centres")
    parties = sheet(response, ZH["Fines by party"])
    assert [(r[1], Decimal(str(r[3])).quantize(Decimal("0.01"))) for r in parties[1:]] == [
        (p["tickets"], Decimal(p["fines"])) for p in report["parties"]]
    assert ZH["HQ order-taker"] in [r[0] for r in parties[1:]]
    lines = table(hq.get(f"/hq/penalties/export.csv?period={fined_ticket}"))
    assert lines[0] == [ZH["Fines by party"]] and [] in lines  # tables one after another, a blank row between


# -- cycle counts, statements, optimizer -------------------------------------------------------------

def test_the_accuracy_download_takes_the_pages_window_and_refuses_another(hq):
    assert sheet(hq.get("/hq/cycle-counts/accuracy/export.xlsx?days=90"))[0] == zh(
        "Warehouse", "Class", "Lines counted", "Within tolerance", "Share within tolerance",
        "Absolute variance value (RMB)")
    refused = hq.get("/hq/cycle-counts/accuracy/export.csv?days=7")
    assert refused.status_code == 400 and ZH["Choose the last 30 or 90 days."] in text(refused)


def test_the_optimizer_download_lists_runs_and_proposals(hq, engine):
    commit(engine, lambda s: transfers.create_draft(s, "HQ", "GD1", "WM-PUMP-01", 2, actor="optimizer",
                                                    proposal_run_id="RUN-B"))
    response = hq.get("/hq/optimizer/export.xlsx")
    assert sheet(response, 0)[0][:3] == zh("Run", "Started", "Status")
    assert [r[0] for r in sheet(response, 1)[1:]] == ["RUN-B"]


FIGURES = ("On-time rate before", "On-time rate after", "Units backordered before", "Units backordered after",
           "Shipping cost before (RMB)", "Shipping cost after (RMB)", "Objective before (RMB)", "Objective after (RMB)")


def run_row(rows: list[list], code: str) -> dict:
    """Run `code`'s row of the runs sheet or CSV, each cell under its column's heading."""
    [row] = [r for r in rows[1:] if r[0] == code]
    return dict(zip(rows[0], row))


def test_the_optimizer_download_has_a_finished_runs_figures_before_and_after_as_numbers(hq, engine):
    code = a_done_run(engine)
    book, lines = both(hq, "/hq/optimizer/export")
    assert book[0][5:13] == zh(*FIGURES) and book[0][13:] == zh("Transfers proposed", "Lines changed", "Time (s)")
    row = run_row(book, code)
    assert [row[h] for h in zh(*FIGURES)] == [0.6, 0.9, 2, 0, 1234.5, 987.25, 56789, 61000]  # numbers, not text
    assert [row[h] for h in zh("Transfers proposed", "Lines changed")] == [2, 3]
    header, *typed = cells(hq.get("/hq/optimizer/export.xlsx"))
    [typed] = [r for r in typed if r[0].value == code]
    formats = {h.value: c.number_format for h, c in zip(header, typed)}
    assert [formats[h] for h in zh(*FIGURES)] == ["0.0%"] * 2 + ["#,##0"] * 2 + ["#,##0.00"] * 4
    line = run_row(lines, code)
    assert [line[h] for h in zh(*FIGURES)] == ["0.6000", "0.9000", "2", "0", "1234.50", "987.25", "56789.00",
                                               "61000.00"]


def test_the_optimizer_download_in_english_names_the_figures_before_and_after(hq, engine):
    code = a_done_run(engine)
    book, lines = both(hq, "/hq/optimizer/export?lang=en")
    assert book[0][5:13] == list(FIGURES)
    assert [run_row(book, code)[h] for h in FIGURES] == [0.6, 0.9, 2, 0, 1234.5, 987.25, 56789, 61000]
    assert [run_row(lines, code)[h] for h in FIGURES] == ["0.6000", "0.9000", "2", "0", "1234.50", "987.25",
                                                          "56789.00", "61000.00"]


def test_a_running_runs_figures_are_blank_in_the_optimizer_download(hq, engine):
    code = a_running_run(engine)
    book, lines = both(hq, "/hq/optimizer/export")
    assert [run_row(book, code)[h] for h in zh(*FIGURES)] == [None] * 8
    assert [run_row(lines, code)[h] for h in zh(*FIGURES)] == [""] * 8
    assert run_row(lines, code)[ZH["Status"]] == ZH["running"]


# -- stock plans and a centre's tickets ------------------------------------------------------------

def test_every_level_of_the_plan_is_downloaded_under_the_pages_filters(hq, two_plans, monkeypatch):  # noqa: F811
    import api.web.plans

    monkeypatch.setattr(api.web.plans, "TARGETS_PER_PAGE", 2)
    rows = sheet(hq.get("/hq/plans/export.xlsx"))
    assert len(rows) - 1 == 5  # the page shows two at a time
    remotes = sheet(hq.get("/hq/plans/export.xlsx?sku=remote"))
    assert [(r[0], r[1], r[3]) for r in remotes[1:]] == [("GD1", "AC-REMOTE-01", 10)]
    older = sections(table(hq.get(f"/hq/plans/{two_plans[0]}/export.csv")))[0]
    assert [(r[0], r[1], r[3]) for r in older[1:]] == [("HQ", "WM-PUMP-01", "30")]
    assert hq.get("/hq/plans/SP999999/export.csv").status_code == 404


def test_a_center_downloads_its_own_tickets_and_not_anothers(gd):  # noqa: F811
    rows = sections(table(gd.get("/centers/GD/export.csv?period=2026-10")))[0]
    assert [r[0] for r in rows[1:]] == ["T-LATE"]
    assert sections(table(gd.get("/centers/GD/export.csv?period=2026-10&only=open")))[0][1:] == []
    assert gd.get("/centers/HB/export.csv?period=2026-10").status_code == gd.get("/centers/HB/").status_code == 404


# -- refusals --------------------------------------------------------------------------------------

@pytest.mark.parametrize("who, page", [
    ("clerk", "/hq/quotas"), ("clerk", "/hq/penalties"), ("clerk", "/hq/transfers"), ("clerk", "/hq/optimizer"),
    ("clerk", "/hq/plans"), ("clerk", "/hq/cycle-counts/accuracy"), ("clerk", "/hq/purchasing"),
    ("other_clerk", "/w/GD1/movements"), ("other_clerk", "/w/GD1/picks"), ("other_clerk", "/w/GD1/returns"),
    ("clerk", "/centers/GD/"),
])
def test_the_wrong_role_gets_the_pages_refusal(request, who, page):
    client = request.getfixturevalue(who)
    refused = client.get(page).status_code
    assert refused in (403, 404)
    base = page.rstrip("/")
    for fmt in ("xlsx", "csv"):
        assert client.get(f"{base}/export.{fmt}").status_code == refused


def test_without_a_session_a_download_goes_to_sign_in(web):
    response = web.get("/stock/export.csv")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_an_unknown_format_is_refused_in_the_pages_language(clerk):
    response = clerk.get("/stock/export.pdf")
    assert response.status_code == 400 and "未知的下载格式 pdf" in text(response)


def test_more_rows_than_the_cap_are_refused_not_cut_short(clerk, app, engine):
    receipts(engine, 4)
    app.config["WEB_EXPORT_MAX_ROWS"] = 3
    response = clerk.get("/w/GD1/movements/export.xlsx?sku=WM-MOTOR-01")
    assert response.status_code == 413 and "缩小筛选范围" in text(response)
    app.config["WEB_EXPORT_MAX_ROWS"] = 4
    assert len(sheet(clerk.get("/w/GD1/movements/export.xlsx?sku=WM-MOTOR-01"))) == 5


# -- the rest of HQ's pages: dashboard, warehouses, policy, one sku, a statement ----------------------

def test_the_dashboard_download_has_the_figures_behind_its_charts(hq, engine):
    from api.web.hq import _dashboard_figures

    with hq.app.test_request_context():
        figures = _dashboard_figures()
    response = hq.get("/hq/export.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == zh("2-day on-time rate by day", "2-day on-time rate by centre", "Shortages by warehouse",
                                 "Stock value by warehouse", "Penalties by party")
    values = sheet(response, ZH["Stock value by warehouse"])
    assert [(r[0], Decimal(str(r[2])).quantize(Decimal("0.01"))) for r in values[1:]] == [
        (code, value) for code, _name, value in figures["stock_value"]]
    assert values[1:]  # the tiny world holds stock


def test_warehouses_policy_and_one_skus_stock_download_as_their_pages_show_them(hq, clerk, engine):
    from inventory.policy import DEFAULTS

    warehouses = sheet(hq.get("/hq/warehouses/export.xlsx"))
    assert warehouses[0] == zh("Code", "Name", "Kind", "Centre", "Stock value")
    assert {"GD1", "HB1", "HQ"} <= {r[0] for r in warehouses[1:]}
    policy = table(hq.get("/hq/policy/export.csv"))
    assert [r[0] for r in policy[1:]] == list(DEFAULTS)
    with make_session_factory(engine)() as session:
        found = enquiry.stock_for_sku(session, "WM-PUMP-01").rows
    one = sheet(clerk.get("/stock/WM-PUMP-01/export.xlsx"))
    assert one[1:] == [[r.warehouse, r.warehouse_name, r.on_hand, r.reserved, r.available, r.in_transit] for r in found]
    assert clerk.get("/stock/NOPE-1/export.csv").status_code == clerk.get("/stock/NOPE-1").status_code == 404
    assert clerk.get("/hq/policy/export.csv").status_code == 403


def test_a_statement_downloads_as_csv_too_with_the_same_tables(hq, month):  # noqa: F811
    lines = table(hq.get("/hq/statements/SP0001.csv", query_string={"period": MONTH}))
    assert lines[0] == [ZH["Summary"]] and lines[1] == zh("Item", "Value")
    summary = dict(r for r in lines[2:lines.index([])] if len(r) == 2)
    assert summary[ZH["To collect from customers"]] == "361.00"
    workbook = sheet(hq.get("/hq/statements/SP0001.xlsx", query_string={"period": MONTH}), ZH["Parts"])
    start = lines.index([ZH["Parts"]])
    assert len(workbook) - 1 == 2 and lines[start + 1] == workbook[0]


# -- the clerk's cycle count: blind ----------------------------------------------------------------

def test_the_cycle_count_sheet_lists_the_open_counts_lines_without_the_book(clerk, engine, books):  # noqa: F811
    due = table(clerk.get("/w/GD1/cycle-count/export.csv"))
    assert due[0] == [ZH["Due for counting"]] and "WM-PUMP-01" in {r[0] for r in due[2:] if r}
    count_id, fields = started(clerk, engine)
    rows = sheet(clerk.get("/w/GD1/cycle-count/export.xlsx"))
    assert rows[0] == zh("SKU", "Name", "Class", "Counted quantity")
    assert {r[0] for r in rows[1:]} == set(fields) and all(r[3] is None for r in rows[1:])
    body = table(clerk.get("/w/GD1/cycle-count/export.csv"))
    flat_cells = {cell for row in body for cell in row}
    assert str(PUMP_BOOK) not in flat_cells and str(REMOTE_BOOK) not in flat_cells  # blind


# -- more of the report pages' tables --------------------------------------------------------------

def test_a_plans_download_adds_its_warehouse_totals_and_the_plans_so_far(hq, two_plans):  # noqa: F811
    response = hq.get("/hq/plans/export.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert len(book.sheetnames) == 3
    plans = sheet(response, 2)
    assert [r[0] for r in plans[1:]] == list(reversed(two_plans))
    assert isinstance(plans[1][5], float) and plans[1][5] == pytest.approx(0.97)


def test_a_centers_download_has_its_roles_fines_and_returns(gd):  # noqa: F811
    response = gd.get("/centers/GD/export.xlsx?period=2026-10")
    fines = sheet(response, 1)
    assert [r[0] for r in fines[1:]] == zh("service director", "parts admin", "chase clerk")
    assert all(isinstance(r[3], (int, float)) for r in fines[1:])


# -- every page kind in both formats -------------------------------------------------------------------

def test_the_clerks_transfers_returns_and_purchasing_in_both_formats(clerk, hq, engine):
    out = commit(engine, lambda s: transfers.create_draft(s, "GD1", "HB1", "WM-PUMP-01", 1, actor="hq:boss").id)
    rows, _lines = both(clerk, "/w/GD1/transfers/export")
    assert [r[0] for r in rows[1:]] == [out] and rows[1][5] == 1
    code = old_part_return(engine)
    rows, lines = both(clerk, "/w/GD1/returns/export")
    assert [r[0] for r in rows[1:]] == [code] and lines[1][6] == "1"
    order = purchase_order(engine, approve=True)
    rows, _lines = both(hq, "/w/HQ/purchasing/export")  # HQ reads the page of HQ's clerk
    assert [r[0] for r in rows[1:]] == [order]
    assert both(clerk, "/w/GD1/purchasing/export")[0][1:] == []  # nothing is bought into GD1


def test_one_dealers_quota_history_in_both_formats(hq):
    dealer = table(hq.get("/hq/quotas/export.csv"))[1][0]
    token = hq.token(f"/hq/quotas/{dealer}")
    response = hq.post(f"/hq/quotas/{dealer}/extend", {"ext-csrf_token": token, "ext-amount": "500.00",
                                                         "ext-reason": "=年底促销"}, csrf=False)
    assert response.status_code == 302, text(response)[:500]
    rows, lines = both(hq, f"/hq/quotas/{dealer}/export")
    assert rows[0] == zh("When", "Month", "Kind", "Amount", "By", "Reason", "Reference")
    assert [(r[3], r[5]) for r in rows[1:]] == [(500, "=年底促销")] and lines[1][3] == "500.00"
    assert lines[1][5] == "'=年底促销"  # defused in CSV
    assert hq.get("/hq/quotas/NOPE/export.csv").status_code == hq.get("/hq/quotas/NOPE").status_code == 404


def test_optimizer_dashboard_warehouses_policy_and_one_sku_in_both_formats(hq, clerk, engine):
    commit(engine, lambda s: transfers.create_draft(s, "HQ", "GD1", "WM-PUMP-01", 2, actor="optimizer",
                                                    proposal_run_id="RUN-C"))
    assert [r[0] for r in both(hq, "/hq/optimizer/export", 1)[0][1:]] == ["RUN-C"]
    values, lines = both(hq, "/hq/export", 3)
    assert values[1:] and all(line[2].endswith(".00") or "." in line[2] for line in lines[1:])
    assert {"GD1", "HB1", "HQ"} <= {r[0] for r in both(hq, "/hq/warehouses/export")[0][1:]}
    assert len(both(hq, "/hq/policy/export")[0]) > 10
    rows, lines = both(clerk, "/stock/WM-PUMP-01/export")
    assert [int(line[2]) for line in lines[1:]] == [r[2] for r in rows[1:]]


def test_the_months_overcharges_in_both_formats_and_another_month_excludes_them(hq, month):  # noqa: F811
    response = hq.post("/hq/statements/SP0001/overcharges", {"ticket": "T-2", "charged": "400.00",
                                                             "note": "用户投诉，已电话核实"},
                       token_from="/hq/statements/SP0001")
    assert response.status_code == 302
    rows, lines = both(hq, f"/hq/statements/export?period={MONTH}")
    assert [(r[1], r[2], r[5]) for r in rows[1:]] == [("SP0001", "T-2", 390)] and lines[1][5] == "390.00"
    assert both(hq, "/hq/statements/export?period=2020-01")[0][1:] == []


def test_approvals_and_accuracy_in_both_formats(clerk, hq, engine, books):  # noqa: F811
    count_id, fields = started(clerk, engine)
    submitted(clerk, count_id, fields, {"WM-PUMP-01": str(PUMP_BOOK), "AC-REMOTE-01": "4000"})
    rows, lines = both(hq, "/hq/cycle-counts/export")
    assert [(r[0], r[1], r[4], r[7], r[8], r[9]) for r in rows[1:]] == [
        ("GD1", count_id, "AC-REMOTE-01", 4000, REMOTE_BOOK, 4000 - REMOTE_BOOK)]
    accuracy, _lines = both(hq, "/hq/cycle-counts/accuracy/export?days=30")
    with make_session_factory(engine)() as session:
        from inventory.warehouses import cycle_counts as cc

        report = cc.accuracy_report(session, days=30)
    assert [(r[0], r[1], r[2], r[3]) for r in accuracy[1:]] == [(a.warehouse, a.abc_class, a.lines, a.within)
                                                              for a in report]
    assert accuracy[1:]


def test_a_warehouses_bins_in_both_formats_under_the_pages_filters(clerk, other_clerk, engine, monkeypatch):
    from inventory.warehouses import bins

    import api.web.printing

    monkeypatch.setattr(api.web.printing, "PAGE", 1)  # the page shows one bin at a time
    commit(engine, lambda s: bins.set_bins(s, "GD1", {"WM-PUMP-01": "A-01-02", "AC-REMOTE-01": "B-03-01",
                                                      "WM-MOTOR-01": "A-02-01"}, actor="clerk:gd_clerk"))
    rows, _lines = both(clerk, "/w/GD1/bins/export")
    assert [(r[0], r[1]) for r in rows[1:]] == [("A-01-02", "WM-PUMP-01"), ("A-02-01", "WM-MOTOR-01"),
                                               ("B-03-01", "AC-REMOTE-01")]
    assert rows[0] == zh("Bin", "SKU", "Part", "Set by", "When")
    assert [r[0] for r in both(clerk, "/w/GD1/bins/export?bin=a-")[0][1:]] == ["A-01-02", "A-02-01"]
    assert other_clerk.get("/w/GD1/bins/export.csv").status_code == other_clerk.get("/w/GD1/bins").status_code
