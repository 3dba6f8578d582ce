"""Stock enquiry across warehouses, stock search, and movement history with filters.

The tiny world holds WM-PUMP-01 (排水泵): HQ 50, GD1 10, HB1 4; WM-MOTOR-01 (洗涤电机): HQ 5;
AC-REMOTE-01 (遥控器): GD1 20. Loading it writes one receipt per stock row.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from inventory.db import transaction
from inventory.errors import InvalidInput, NotFound
from inventory.warehouses import enquiry, ledger, transfers

PUMP, MOTOR, REMOTE = "WM-PUMP-01", "WM-MOTOR-01", "AC-REMOTE-01"
DAY = datetime(2026, 11, 2, tzinfo=timezone.utc)


def run(session, operation, *args, **kwargs):
    with transaction(session):
        return operation(session, *args, **kwargs)


def ship(session, qty, source, destination, sku=PUMP) -> str:
    transfer_id = run(session, transfers.create_draft, source, destination, sku, qty, actor="hq").id
    run(session, transfers.approve_and_ship, transfer_id, actor="hq")
    return transfer_id


# --- one sku across the network --------------------------------------------------------

def test_stock_of_a_sku_lists_every_warehouse_holding_it_with_totals(session, world):
    run(session, ledger.reserve, "GD1", PUMP, 3, actor="svc")
    stock = enquiry.stock_for_sku(session, PUMP)
    assert (stock.sku, stock.name) == (PUMP, "排水泵")
    assert [(r.warehouse, r.on_hand, r.reserved, r.available, r.in_transit) for r in stock.rows] == [
        ("GD1", 10, 3, 7, 0), ("HB1", 4, 0, 4, 0), ("HQ", 50, 0, 50, 0)]
    assert stock.totals == enquiry.Totals(on_hand=64, reserved=3, available=61, in_transit=0)


def test_stock_in_transit_shows_at_the_warehouse_it_is_heading_for(session, world):
    ship(session, 2, "HQ", "HB1", sku=MOTOR)
    stock = enquiry.stock_for_sku(session, MOTOR)
    assert [(r.warehouse, r.on_hand, r.in_transit) for r in stock.rows] == [("HB1", 0, 2), ("HQ", 3, 0)]
    assert (stock.totals.on_hand, stock.totals.in_transit) == (3, 2)


def test_a_warehouse_left_with_nothing_drops_out_of_the_enquiry(session, world):
    run(session, ledger.scrap, "HB1", PUMP, 4, actor="clerk", reason="flood")
    assert [r.warehouse for r in enquiry.stock_for_sku(session, PUMP).rows] == ["GD1", "HQ"]


def test_a_sku_with_no_stock_anywhere_has_no_rows_and_zero_totals(session, world):
    run(session, ledger.scrap, "HQ", MOTOR, 5, actor="clerk", reason="recall")
    stock = enquiry.stock_for_sku(session, MOTOR)
    assert stock.rows == [] and stock.totals == enquiry.Totals()


def test_the_stock_of_an_unknown_sku_is_not_found(session, world):
    with pytest.raises(NotFound, match="no part NOPE"):
        enquiry.stock_for_sku(session, "NOPE")


# --- search ----------------------------------------------------------------------------

def test_search_matches_a_sku_substring_in_any_case(session, world):
    page = enquiry.search_stock(session, "wm-")
    assert page.total == 4
    assert {(r.warehouse, r.sku) for r in page.rows} == {("HQ", PUMP), ("GD1", PUMP), ("HB1", PUMP), ("HQ", MOTOR)}


def test_search_matches_a_part_name_substring(session, world):
    page = enquiry.search_stock(session, "电机")
    assert [(r.warehouse, r.sku, r.name) for r in page.rows] == [("HQ", MOTOR, "洗涤电机")]


def test_search_narrows_to_one_warehouse(session, world):
    page = enquiry.search_stock(session, warehouse="GD1")
    assert [(r.sku, r.available) for r in page.rows] == [(REMOTE, 20), (PUMP, 10)]


def test_search_can_leave_out_balances_with_nothing_available(session, world):
    run(session, ledger.reserve, "HB1", PUMP, 4, actor="svc")
    page = enquiry.search_stock(session, PUMP, only_available=True)
    assert {r.warehouse for r in page.rows} == {"HQ", "GD1"}


def test_search_treats_wildcards_in_the_text_literally(session, world):
    assert enquiry.search_stock(session, "%").total == 0
    assert enquiry.search_stock(session, "_").total == 0


def test_search_pages_through_results_and_counts_them_all(session, world):
    first = enquiry.search_stock(session, limit=2)
    second = enquiry.search_stock(session, limit=2, offset=2)
    rest = enquiry.search_stock(session, limit=2, offset=4)
    assert (first.total, second.total, rest.total) == (5, 5, 5)
    assert (len(first.rows), len(second.rows), len(rest.rows)) == (2, 2, 1)
    seen = [(r.sku, r.warehouse) for r in first.rows + second.rows + rest.rows]
    assert len(set(seen)) == 5


@pytest.mark.parametrize("limit, offset", [(0, 0), (501, 0), (10, -1)])
def test_search_refuses_a_page_out_of_bounds(session, world, limit, offset):
    with pytest.raises(InvalidInput):
        enquiry.search_stock(session, limit=limit, offset=offset)


# --- movement history ------------------------------------------------------------------

@pytest.fixture
def history(session, world):
    """A few days of GD1 pump movements at known times, after the world's opening receipts."""
    with transaction(session):
        ledger.receive(session, "GD1", PUMP, 5, actor="clerk-a", at=DAY, ref=ledger.Ref("po", "PO1"))
        ledger.receive(session, "GD1", PUMP, 2, actor="clerk-b", at=DAY + timedelta(days=1))
        ledger.receive(session, "GD1", REMOTE, 1, actor="clerk-a", at=DAY + timedelta(days=2))
    run(session, ledger.reserve, "GD1", PUMP, 3, actor="sp:SP0001", ref=ledger.Ref("requisition", "R1"))
    run(session, ledger.issue, "GD1", PUMP, 3, actor="clerk-a", ref=ledger.Ref("requisition", "R1"))


def test_history_filters_by_warehouse_and_sku_newest_first(session, history):
    page = enquiry.movement_history(session, warehouse="GD1", sku=PUMP)
    assert [m.kind for m in page.rows] == ["issue", "reservation", "receipt", "receipt", "receipt"]
    assert page.total == 5


def test_history_filters_by_one_kind_or_several(session, history):
    assert enquiry.movement_history(session, kind="issue").total == 1
    assert enquiry.movement_history(session, kind=["issue", "reservation"]).total == 2


def test_history_refuses_an_unknown_kind(session, history):
    with pytest.raises(InvalidInput, match="unknown movement kind 'theft'"):
        enquiry.movement_history(session, kind="theft")


def test_history_filters_by_what_the_movement_was_for(session, history):
    page = enquiry.movement_history(session, ref_type="requisition", ref_id="R1")
    assert [m.kind for m in page.rows] == ["issue", "reservation"]


def test_history_filters_by_who_moved_the_stock(session, history):
    page = enquiry.movement_history(session, actor="clerk-a")
    assert sorted(m.kind for m in page.rows) == ["issue", "receipt", "receipt"]


@pytest.mark.parametrize("typed", ["SP0001", "sp0001", "Clerk-A"])
def test_a_bare_name_finds_its_movements_in_any_case_on_either_database(session, history, typed):
    page = enquiry.movement_history(session, actor=typed)
    assert {m.actor.lower() for m in page.rows} == ({"sp:sp0001"} if "sp" in typed.lower() else {"clerk-a"})


def test_history_window_includes_since_and_excludes_until(session, history):
    page = enquiry.movement_history(session, since=DAY, until=DAY + timedelta(days=2))
    assert [(m.sku, m.on_hand_delta) for m in page.rows] == [(PUMP, 2), (PUMP, 5)]


def test_history_can_read_oldest_first(session, history):
    page = enquiry.movement_history(session, since=DAY, until=DAY + timedelta(days=2), newest_first=False)
    assert [m.on_hand_delta for m in page.rows] == [5, 2]


def test_history_refuses_a_time_without_a_zone(session, history):
    with pytest.raises(InvalidInput, match="since must be timezone-aware"):
        enquiry.movement_history(session, since=datetime(2026, 11, 2))


def test_history_pages_and_counts_every_match(session, history):
    everything = enquiry.movement_history(session, limit=500)
    page = enquiry.movement_history(session, limit=3, offset=3)
    assert page.total == everything.total == 10
    assert [m.id for m in page.rows] == [m.id for m in everything.rows[3:6]]


def test_history_shows_both_legs_of_a_transfer_under_its_id(session, world):
    transfer_id = ship(session, 2, "HQ", "GD1")
    page = enquiry.movement_history(session, ref_type="transfer", ref_id=transfer_id, newest_first=False)
    assert [(m.warehouse_code, m.on_hand_delta, m.in_transit_delta) for m in page.rows] == [
        ("HQ", -2, 0), ("GD1", 0, 2)]
