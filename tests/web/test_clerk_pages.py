"""Clerk pages: each form explains errors next to the field and saves all of it or nothing."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from inventory.db import make_session_factory, transaction, utcnow
from inventory.warehouses import transfers
from inventory.warehouses.enquiry import movement_history

from .conftest import balance, movement_count, scans, submit_requisition, text


def field_error(page: str, field: str) -> str | None:
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
    return match.group(1) if match else None


def last_movement(engine, **filters):
    with make_session_factory(engine)() as session:
        rows = movement_history(session, limit=1, **filters).rows
        return rows[0] if rows else None


# -- receive ---------------------------------------------------------------------------------------

def test_receiving_adds_to_on_hand_with_the_clerk_and_delivery_note_in_the_ledger(clerk, engine):
    on_hand = balance(engine, "GD1", "WM-MOTOR-01")[0]
    response = clerk.post("/w/GD1/receive", {"sku": "WM-MOTOR-01", "qty": "7", "reference": "DN-1"})
    assert response.status_code == 302
    assert balance(engine, "GD1", "WM-MOTOR-01")[0] == on_hand + 7
    move = last_movement(engine, warehouse="GD1", kind="receipt")
    assert (move.actor, move.ref_type, move.ref_id, move.on_hand_delta) == ("clerk:gd_clerk", "delivery_note", "DN-1", 7)


def test_a_quantity_below_one_is_explained_next_to_the_field_and_nothing_is_saved(clerk, engine):
    moves = movement_count(engine)
    response = clerk.post("/w/GD1/receive", {"sku": "WM-MOTOR-01", "qty": "0"})
    assert response.status_code == 422
    assert field_error(text(response), "qty")
    assert field_error(text(response), "sku") is None
    assert movement_count(engine) == moves


def test_an_unknown_sku_is_explained_next_to_the_sku(clerk, engine):
    moves = movement_count(engine)
    response = clerk.post("/w/GD1/receive", {"sku": "NOPE-1", "qty": "3"})
    assert response.status_code == 422
    assert field_error(text(response), "sku") == "没有这个配件编码。"
    assert movement_count(engine) == moves


def test_a_quantity_that_is_not_a_number_keeps_what_was_typed(clerk):
    page = text(clerk.post("/w/GD1/receive", {"sku": "WM-PUMP-01", "qty": "twelve"}))
    assert field_error(page, "qty")
    assert 'value="WM-PUMP-01"' in page


def test_the_balance_lookup_tells_the_books(clerk):
    assert clerk.get("/w/GD1/balance.json?sku=WM-PUMP-01").get_json()["on_hand"] == 10
    assert clerk.get("/w/GD1/balance.json?sku=NOPE").get_json() == {"sku": "NOPE", "known": False}


# -- count -----------------------------------------------------------------------------------------

def test_a_count_within_the_tolerance_sets_on_hand_and_records_the_reason(clerk, engine):
    # 10 on the books, 9 counted: 1 unit (80 RMB at cost, 10 % of the book) is within the tolerance
    response = clerk.post("/w/GD1/count", {"sku": "WM-PUMP-01", "counted": "9", "reason": "monthly count"})
    assert response.status_code == 302
    assert balance(engine, "GD1", "WM-PUMP-01")[0] == 9
    move = last_movement(engine, warehouse="GD1", kind="adjustment")
    assert (move.on_hand_delta, move.reason) == (-1, "monthly count")
    assert "WM-PUMP-01 实盘 9：账面在库调整 -1。" in text(clerk.get("/w/GD1/count"))
    assert _waiting(engine) == []


def _waiting(engine):
    from inventory.warehouses import cycle_counts

    with make_session_factory(engine)() as session:
        return [(count.warehouse_code, line.sku, line.counted, line.book, line.variance, line.note, count.submitted_by)
                for line, count in cycle_counts.awaiting_approval(session)]


def test_a_count_beyond_the_tolerance_posts_nothing_and_waits_for_hq(clerk, hq, engine):
    moves = movement_count(engine)
    # 8 of 10: 20 % of the book, beyond the 10 % tolerance (the clerk page used to post it at once)
    response = clerk.post("/w/GD1/count", {"sku": "WM-PUMP-01", "counted": "8", "reason": "monthly count"})
    assert response.status_code == 302
    assert balance(engine, "GD1", "WM-PUMP-01")[0] == 10
    assert movement_count(engine) == moves
    assert _waiting(engine) == [("GD1", "WM-PUMP-01", 8, 10, -2, "monthly count", "clerk:gd_clerk")]
    page = text(clerk.get("/w/GD1/count"))
    assert "WM-PUMP-01 实盘 8：差异超出允许范围，未过账，已提交总部审批（循环盘点" in page
    # a second count of it is refused until HQ decides (an approval would post on top of it)
    again = clerk.post("/w/GD1/count", {"sku": "WM-PUMP-01", "counted": "9", "reason": "recount"})
    assert again.status_code == 422
    assert "已有盘点差异等待总部审批" in field_error(text(again), "counted")
    assert balance(engine, "GD1", "WM-PUMP-01")[0] == 10
    # HQ's approvals page has it, with the clerk's reason; approving posts it through the ledger
    approvals = text(hq.get("/hq/cycle-counts"))
    assert "WM-PUMP-01" in approvals and "monthly count" in approvals
    [line] = re.findall(r'id="line-(\d+)"', approvals)
    response = hq.post(f"/hq/cycle-counts/lines/{line}/approve",
                       {f"approve-{line}-csrf_token": hq.token("/hq/cycle-counts")}, csrf=False)
    assert response.status_code == 302
    assert balance(engine, "GD1", "WM-PUMP-01")[0] == 8
    assert _waiting(engine) == []
    assert clerk.post("/w/GD1/count", {"sku": "WM-PUMP-01", "counted": "8", "reason": "recount"}).status_code == 302


def test_a_count_of_a_dear_part_beyond_the_money_tolerance_waits_too(clerk, engine):
    from inventory.catalog import Part

    with make_session_factory(engine)() as session, transaction(session):
        session.get(Part, "WM-PUMP-01").unit_cost = 600  # one unit is beyond 500 RMB
    response = clerk.post("/w/GD1/count", {"sku": "WM-PUMP-01", "counted": "11", "reason": "found one"})
    assert response.status_code == 302
    assert balance(engine, "GD1", "WM-PUMP-01")[0] == 10
    assert [w[1:5] for w in _waiting(engine)] == [("WM-PUMP-01", 11, 10, 1)]


def test_a_count_without_a_reason_is_refused_next_to_the_reason(clerk, engine):
    response = clerk.post("/w/GD1/count", {"sku": "WM-PUMP-01", "counted": "8", "reason": " "})
    assert response.status_code == 422
    assert field_error(text(response), "reason")
    assert balance(engine, "GD1", "WM-PUMP-01")[0] == 10


def test_a_count_below_what_is_reserved_is_refused_next_to_the_count(clerk, engine):
    submit_requisition(engine, qty=4)
    response = clerk.post("/w/GD1/count", {"sku": "WM-PUMP-01", "counted": "3", "reason": "count"})
    assert response.status_code == 422
    assert field_error(text(response), "counted") == "实盘 3 件，但 GD1 已预留 4 件 WM-PUMP-01；请先释放预留或重新安排"
    assert balance(engine, "GD1", "WM-PUMP-01") == (10, 4, 0)


# -- pick and ship ---------------------------------------------------------------------------------

def test_the_pick_list_puts_the_earliest_promise_first(clerk, engine):
    later = submit_requisition(engine, qty=1, ticket="T-late")
    earlier = submit_requisition(engine, qty=1, ticket="T-early", now=utcnow() - timedelta(hours=3))
    page = text(clerk.get("/w/GD1/picks"))
    assert page.index(earlier) < page.index(later)


def test_shipping_a_pick_issues_its_reserved_units(clerk, engine):
    code = submit_requisition(engine, qty=3)
    response = clerk.post(f"/w/GD1/picks/{code}/ship", scans("WM-PUMP-01", 3), token_from="/w/GD1/picks")
    assert response.status_code == 302
    assert balance(engine, "GD1", "WM-PUMP-01") == (7, 0, 0)
    assert f'id="pick-{code}"' not in text(clerk.get("/w/GD1/picks"))


def test_shipping_twice_explains_the_refusal_beside_the_pick(clerk, engine):
    code = submit_requisition(engine, qty=3)
    clerk.post(f"/w/GD1/picks/{code}/ship", scans("WM-PUMP-01", 3), token_from="/w/GD1/picks")
    response = clerk.post(f"/w/GD1/picks/{code}/ship", scans("WM-PUMP-01", 3), token_from="/w/GD1/picks")
    assert response.status_code == 409
    assert f"申请单 {code} 在 GD1 没有可发运的预留库存" in text(response)
    assert balance(engine, "GD1", "WM-PUMP-01") == (7, 0, 0)


def test_a_replacement_for_a_wrong_part_is_flagged_on_the_pick_list(clerk, engine):
    from inventory.access import Principal
    from inventory.requisitions import service as requisitions
    from inventory.requisitions.wrong_part import WrongPart

    code = submit_requisition(engine, qty=1)
    clerk.post(f"/w/GD1/picks/{code}/ship", scans("WM-PUMP-01", 1), token_from="/w/GD1/picks")
    with make_session_factory(engine)() as session, transaction(session):
        requisitions.receive(session, Principal("service_point", "SP0001"), code,
                     wrong_parts=[WrongPart(line=1, received_sku="WM-MOTOR-01")])
    page = text(clerk.get("/w/GD1/picks"))
    assert f'id="pick-{code}"' in page and "补发：此前错发了 WM-MOTOR-01" in page


def test_an_unknown_requisition_is_not_found(clerk):
    assert clerk.post("/w/GD1/picks/R99999999/ship", {}, token_from="/w/GD1/picks").status_code == 404


# -- transfers -------------------------------------------------------------------------------------

def _draft(engine, source="GD1", dest="HB1", sku="WM-PUMP-01", qty=4, ship=False, run=None):
    with make_session_factory(engine)() as session, transaction(session):
        t = transfers.create_draft(session, source, dest, sku, qty, actor="hq:boss", proposal_run_id=run)
        if ship:
            transfers.approve_and_ship(session, t.id, actor="hq:boss")
        return t.id


def test_a_clerk_ships_a_transfer_from_their_warehouse(clerk, engine):
    tid = _draft(engine)
    assert clerk.post(f"/w/GD1/transfers/{tid}/ship", {}, token_from="/w/GD1/transfers").status_code == 302
    assert balance(engine, "GD1", "WM-PUMP-01")[0] == 6
    assert balance(engine, "HB1", "WM-PUMP-01")[2] == 4


def test_an_optimizer_proposal_waits_for_hq(clerk, engine):
    tid = _draft(engine, run="run-1")
    response = clerk.post(f"/w/GD1/transfers/{tid}/ship", {}, token_from="/w/GD1/transfers")
    assert response.status_code == 409
    assert balance(engine, "GD1", "WM-PUMP-01")[0] == 10


def test_a_clerk_cannot_ship_a_transfer_of_another_warehouse(clerk, engine):
    tid = _draft(engine, source="HB1", dest="GD1")
    assert clerk.post(f"/w/GD1/transfers/{tid}/ship", {}, token_from="/w/GD1/transfers").status_code == 404


def test_receiving_more_than_is_outstanding_is_explained_and_changes_nothing(clerk, engine):
    tid = _draft(engine, source="HQ", dest="GD1", ship=True)
    response = clerk.post(f"/w/GD1/transfers/{tid}/receive", {f"recv-{tid}-qty": "9"}, token_from="/w/GD1/transfers")
    assert response.status_code == 422
    assert field_error(text(response), f"recv-{tid}-qty")
    assert balance(engine, "GD1", "WM-PUMP-01") == (10, 0, 4)


def test_a_partial_receipt_then_closing_short_records_the_discrepancy(clerk, engine):
    tid = _draft(engine, source="HQ", dest="GD1", ship=True)
    clerk.post(f"/w/GD1/transfers/{tid}/receive", {f"recv-{tid}-qty": "3"}, token_from="/w/GD1/transfers")
    assert balance(engine, "GD1", "WM-PUMP-01") == (13, 0, 1)
    response = clerk.post(f"/w/GD1/transfers/{tid}/close", {f"close-{tid}-note": ""}, token_from="/w/GD1/transfers")
    assert response.status_code == 422 and field_error(text(response), f"close-{tid}-note")
    clerk.post(f"/w/GD1/transfers/{tid}/close", {f"close-{tid}-note": "box lost"}, token_from="/w/GD1/transfers")
    assert balance(engine, "GD1", "WM-PUMP-01") == (13, 0, 0)


# -- history and lookup ----------------------------------------------------------------------------

def test_movement_history_filters_by_kind_and_sku(clerk):
    page = text(clerk.get("/w/GD1/movements?kind=receipt&sku=AC-REMOTE-01"))
    assert "共 1 条流水" in page


def test_a_bad_date_filter_is_explained(clerk):
    response = clerk.get("/w/GD1/movements?since=yesterday")
    assert response.status_code == 400
    assert "2025-01-31" in text(response)


def test_stock_lookup_finds_by_name_in_any_warehouse(clerk):
    page = text(clerk.get("/stock?q=排水泵&warehouse="))
    assert "共 3 条库存" in page


def test_stock_lookup_starts_in_the_clerks_warehouse(clerk):
    assert "共 2 条库存" in text(clerk.get("/stock"))


def test_a_part_page_shows_every_warehouse_holding_it(clerk):
    page = text(clerk.get("/stock/WM-PUMP-01"))
    assert all(code in page for code in ("HQ", "GD1", "HB1"))
    assert clerk.get("/stock/NOPE").status_code == 404


# -- returns ---------------------------------------------------------------------------------------

def test_a_clerk_receives_and_inspects_the_old_part_of_a_shipped_requisition(clerk, engine):
    code = submit_requisition(engine, qty=1)
    clerk.post(f"/w/GD1/picks/{code}/ship", scans("WM-PUMP-01", 1), token_from="/w/GD1/picks")
    page = text(clerk.get("/w/GD1/returns"))
    ret = re.search(r'id="ret-(RT\d+)"', page).group(1)
    assert clerk.post(f"/w/GD1/returns/{ret}/receive", {}, token_from="/w/GD1/returns").status_code == 302
    response = clerk.post(f"/w/GD1/returns/{ret}/inspect", {f"insp-{ret}-outcome": ""}, token_from="/w/GD1/returns")
    assert response.status_code == 422 and field_error(text(response), f"insp-{ret}-outcome")
    response = clerk.post(f"/w/GD1/returns/{ret}/inspect", {f"insp-{ret}-outcome": "defective_confirmed"},
                          token_from="/w/GD1/returns")
    assert response.status_code == 302
    assert ret in text(clerk.get("/w/GD1/returns")).split("已检验，待关闭")[1]


def test_another_warehouse_cannot_touch_the_return(clerk, other_clerk, engine):
    code = submit_requisition(engine, qty=1)
    clerk.post(f"/w/GD1/picks/{code}/ship", scans("WM-PUMP-01", 1), token_from="/w/GD1/picks")
    ret = re.search(r'id="ret-(RT\d+)"', text(clerk.get("/w/GD1/returns"))).group(1)
    assert other_clerk.post(f"/w/HB1/returns/{ret}/receive", {}, token_from="/w/HB1/returns").status_code == 404


@pytest.mark.parametrize("query", ["since=0001-01-01", "until=9999-12-31", "since=1969-12-31"])
def test_a_date_filter_beyond_the_ledgers_years_is_explained_not_a_crash(clerk, query):
    for url in (f"/w/GD1/movements?{query}", f"/w/GD1/movements/export.csv?{query}"):
        response = clerk.get(url)
        assert response.status_code == 400, url
    assert "请输入 1970 年至 2099 年之间的日期。" in text(clerk.get(f"/w/GD1/movements?{query}"))


def test_a_transfer_sent_from_here_and_still_on_its_way_is_listed_to_its_sender(clerk, engine):
    with make_session_factory(engine)() as session, transaction(session):
        sent = transfers.create_draft(session, "GD1", "HB1", "AC-REMOTE-01", 2, actor="hq:boss")
        transfers.approve_and_ship(session, sent.id, actor="hq:boss")
    page = text(clerk.get("/w/GD1/transfers"))
    assert f'<td>{sent.id} <a class="print-link"' in page and "已发运" in page


def test_a_page_past_the_last_offers_the_way_back_to_the_last(clerk, engine, monkeypatch):
    import api.web.clerk

    monkeypatch.setattr(api.web.clerk, "PAGE", 2)
    submit_requisition(engine, qty=1)
    submit_requisition(engine, qty=1, ticket="T-2")  # with the opening stock, four rows: two pages
    page = text(clerk.get("/w/GD1/movements?page=999"))
    last = int(re.search(r"第 999 / (\d+) 页", page).group(1))
    assert last > 1 and f"page={last}" in page and "没有符合条件的流水" in page
