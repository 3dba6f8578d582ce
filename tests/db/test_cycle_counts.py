"""Cycle counts on the database: ABC classes from a constructed issue history, the due list
following the class intervals and the daily cap, variances posted through the ledger within the
tolerance and held for HQ beyond it, and the accuracy report adding up."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from inventory.audit import entries
from inventory.db import transaction, utcnow
from inventory.errors import Conflict, InvalidInput, NotFound
from inventory.policy import Policy
from inventory.warehouses import cycle_counts as cc
from inventory.warehouses import ledger
from inventory.warehouses.models import StockMovement

CLERK, BOSS = "clerk:gd_clerk", "hq:boss"
NOW = utcnow()


def issued(session, warehouse: str, sku: str, qty: int, at) -> None:
    """`qty` units issued at `at` (received first, so the shelf keeps what it had)."""
    ledger.receive(session, warehouse, sku, qty, actor="test", at=at)
    ledger.reserve(session, warehouse, sku, qty, actor="test")
    ledger.issue(session, warehouse, sku, qty, actor="test", at=at)


@pytest.fixture
def history(session, world):
    """Within the year: motor 10 x 310 = 3100, pump 6 x 80 = 480, remote 5 x 20 = 100 (total 3680);
    400 days ago 1000 remotes, outside the year. The motor is also stocked at GD1."""
    with transaction(session):
        issued(session, "HQ", "WM-MOTOR-01", 10, NOW - timedelta(days=10))
        issued(session, "HQ", "WM-PUMP-01", 6, NOW - timedelta(days=20))
        issued(session, "HQ", "AC-REMOTE-01", 5, NOW - timedelta(days=30))
        issued(session, "HQ", "AC-REMOTE-01", 1000, NOW - timedelta(days=400))
        ledger.receive(session, "GD1", "WM-MOTOR-01", 3, actor="test")
    return session


def book(session, warehouse, sku) -> int:
    row = ledger.get_balance(session, warehouse, sku)
    return row.on_hand if row else 0


def start(session, warehouse="GD1", policy=None, now=NOW):
    with transaction(session):
        return cc.start_count(session, warehouse, policy or Policy(), actor=CLERK, now=now).id


def submit(session, count_id, counted, policy=None, now=NOW, warehouse="GD1"):
    with transaction(session):
        return cc.submit_count(session, count_id, counted, policy or Policy(), actor=CLERK, warehouse=warehouse,
                               now=now)


def lines(session, count_id) -> dict[str, cc.CycleCountLine]:
    return {line.sku: line for line in cc.lines_of(session, count_id)}


# -- ABC ------------------------------------------------------------------------------------------

def test_yearly_values_take_issues_of_the_last_365_days_at_unit_cost(history):
    assert cc.yearly_values(history, now=NOW) == {"WM-MOTOR-01": Decimal("3100.00"), "WM-PUMP-01": Decimal("480.00"),
                                                  "AC-REMOTE-01": Decimal("100.00")}


def test_abc_classes_split_the_value_80_15_5(history):
    assert cc.abc_classes(history, Policy(), now=NOW) == {"WM-MOTOR-01": "A", "WM-PUMP-01": "B", "AC-REMOTE-01": "C"}


def test_the_cut_offs_are_policy(history):
    wider = Policy({"cycle_count_a_share": Decimal("0.90")})  # 3100 < 0.9 x 3680: the pump joins A
    assert cc.abc_classes(history, wider, now=NOW)["WM-PUMP-01"] == "A"


def test_a_year_without_issues_makes_every_sku_c(session, world):
    assert set(cc.abc_classes(session, Policy(), now=NOW).values()) == {"C"}


# -- the due list ---------------------------------------------------------------------------------

def due(session, now, warehouse="GD1", policy=None):
    return [d.sku for d in cc.due_list(session, warehouse, policy or Policy(), now=now)]


def test_the_due_list_follows_the_class_intervals(history):
    assert due(history, NOW) == ["WM-MOTOR-01", "WM-PUMP-01", "AC-REMOTE-01"]  # never counted: A, B, C
    count_id = start(history)
    assert due(history, NOW) == []  # on the open count
    submit(history, count_id, {sku: book(history, "GD1", sku) for sku in lines(history, count_id)})
    assert due(history, NOW + timedelta(days=29)) == []
    assert due(history, NOW + timedelta(days=31)) == ["WM-MOTOR-01"]
    assert due(history, NOW + timedelta(days=91)) == ["WM-MOTOR-01", "WM-PUMP-01"]
    assert due(history, NOW + timedelta(days=366)) == ["AC-REMOTE-01", "WM-MOTOR-01", "WM-PUMP-01"]


def test_only_skus_held_or_moved_at_the_warehouse_are_due(history):
    assert due(history, NOW, "HB1") == ["WM-PUMP-01"]


def test_the_daily_cap_spreads_a_backlog_over_days(history):
    policy = Policy({"cycle_count_daily_lines": 2})
    count_id = start(history, policy=policy)
    assert sorted(lines(history, count_id)) == ["WM-MOTOR-01", "WM-PUMP-01"]
    submit(history, count_id, {sku: book(history, "GD1", sku) for sku in lines(history, count_id)})
    assert due(history, NOW + timedelta(days=1), policy=policy) == ["AC-REMOTE-01"]


def test_one_open_count_per_warehouse_and_none_when_nothing_is_due(history):
    count_id = start(history)
    with pytest.raises(Conflict, match=f"cycle count {count_id} of GD1 is still open"):
        start(history)
    submit(history, count_id, {sku: book(history, "GD1", sku) for sku in lines(history, count_id)})
    with pytest.raises(Conflict, match="nothing is due for counting at GD1 today"):
        start(history)


# -- submitting -----------------------------------------------------------------------------------

def test_a_count_within_the_tolerance_is_posted_through_the_ledger(history):
    count_id = start(history)
    submit(history, count_id, {"WM-PUMP-01": 9, "AC-REMOTE-01": 20, "WM-MOTOR-01": 3})  # pump -1: 80 RMB, 10 %
    got = lines(history, count_id)
    assert (got["WM-PUMP-01"].status, got["WM-PUMP-01"].book, got["WM-PUMP-01"].variance) == ("posted", 10, -1)
    assert got["WM-PUMP-01"].variance_value == Decimal("80.00") and got["WM-PUMP-01"].posted_delta == -1
    assert book(history, "GD1", "WM-PUMP-01") == 9
    moves = history.scalars(select(StockMovement).where(StockMovement.ref_type == "cycle_count")).all()
    assert [(m.sku, m.kind, m.on_hand_delta, m.ref_id) for m in moves] == [("WM-PUMP-01", "adjustment", -1,
                                                                             str(count_id))]
    assert cc.get_count(history, count_id).status == "closed"
    assert ledger.ledger_differences(history) == []


def test_beyond_the_tolerance_the_line_waits_and_hq_approval_posts_on_the_current_book(history):
    count_id = start(history)
    submit(history, count_id, {"WM-PUMP-01": 7, "AC-REMOTE-01": 20, "WM-MOTOR-01": 3})  # pump -3: 30 %
    line = lines(history, count_id)["WM-PUMP-01"]
    assert (line.status, line.within_tolerance, line.posted_delta) == ("awaiting_approval", False, None)
    assert book(history, "GD1", "WM-PUMP-01") == 10 and cc.get_count(history, count_id).status == "submitted"
    with transaction(history):
        ledger.receive(history, "GD1", "WM-PUMP-01", 5, actor="test")  # a delivery after the count
        cc.approve_line(history, line.id, actor=BOSS)
    assert book(history, "GD1", "WM-PUMP-01") == 12  # 15 - 3
    assert lines(history, count_id)["WM-PUMP-01"].status == "approved"
    assert cc.get_count(history, count_id).status == "closed"
    [entry] = entries(history, action="cycle_count.approve")
    assert entry.actor == BOSS and entry.details["variance"] == -3 and entry.details["posted"] == -3
    assert ledger.ledger_differences(history) == []


def test_a_value_beyond_500_rmb_waits_even_when_the_share_is_small(history):
    with transaction(history):
        ledger.receive(history, "GD1", "WM-MOTOR-01", 97, actor="test")  # 100 motors at 310
    count_id = start(history)
    submit(history, count_id, {"WM-PUMP-01": 10, "AC-REMOTE-01": 20, "WM-MOTOR-01": 98})  # 2 %, 620 RMB
    assert lines(history, count_id)["WM-MOTOR-01"].status == "awaiting_approval"


def test_rejection_posts_nothing_and_asks_for_a_recount(history):
    count_id = start(history)
    submit(history, count_id, {"WM-PUMP-01": 2, "AC-REMOTE-01": 20, "WM-MOTOR-01": 3})
    line = lines(history, count_id)["WM-PUMP-01"]
    moved = history.scalar(select(StockMovement.id).order_by(StockMovement.id.desc()).limit(1))
    with pytest.raises(InvalidInput):
        with transaction(history):
            cc.reject_line(history, line.id, actor=BOSS, reason="  ")
    with transaction(history):
        cc.reject_line(history, line.id, actor=BOSS, reason="count again, box behind the shelf")
    assert book(history, "GD1", "WM-PUMP-01") == 10
    assert history.scalar(select(StockMovement.id).order_by(StockMovement.id.desc()).limit(1)) == moved
    assert lines(history, count_id)["WM-PUMP-01"].status == "rejected"
    assert due(history, NOW + timedelta(days=1)) == ["WM-PUMP-01"]
    assert entries(history, action="cycle_count.reject")[0].details["reason"] == "count again, box behind the shelf"
    with pytest.raises(Conflict, match="only a line awaiting approval"):
        with transaction(history):
            cc.approve_line(history, line.id, actor=BOSS)


def test_a_count_below_reserved_refuses_the_whole_submit(history):
    with transaction(history):
        ledger.reserve(history, "GD1", "AC-REMOTE-01", 4, actor="test")
    count_id = start(history)
    with pytest.raises(Conflict, match="counted 3 but 4 of AC-REMOTE-01 are reserved at GD1"):
        submit(history, count_id, {"WM-PUMP-01": 9, "AC-REMOTE-01": 3, "WM-MOTOR-01": 3})
    assert book(history, "GD1", "WM-PUMP-01") == 10  # the pump's line (B, before the C line) was not posted
    assert cc.get_count(history, count_id).status == "counting"
    assert {line.counted for line in cc.lines_of(history, count_id)} == {None}


@pytest.mark.parametrize("bad", [-1, 10_000_001, 2.5, "7", True, None])
def test_bad_quantities_are_refused_and_nothing_changes(history, bad):
    count_id = start(history)
    with pytest.raises(InvalidInput, match="a counted quantity must be a whole number from 0 to 10000000"):
        submit(history, count_id, {"WM-PUMP-01": bad, "AC-REMOTE-01": 19, "WM-MOTOR-01": 3})
    assert book(history, "GD1", "AC-REMOTE-01") == 20 and cc.get_count(history, count_id).status == "counting"


def test_every_line_needs_its_count_and_nothing_else(history):
    count_id = start(history)
    with pytest.raises(InvalidInput, match="enter the counted quantity of every line"):
        submit(history, count_id, {"WM-PUMP-01": 10})
    with pytest.raises(InvalidInput, match="XX-1 is not on cycle count"):
        submit(history, count_id, {"WM-PUMP-01": 10, "AC-REMOTE-01": 20, "WM-MOTOR-01": 3, "XX-1": 1})


def test_another_warehouses_count_is_not_found_and_a_count_is_submitted_once(history):
    count_id = start(history)
    with pytest.raises(NotFound):
        submit(history, count_id, {"WM-PUMP-01": 10}, warehouse="HB1")
    submit(history, count_id, {"WM-PUMP-01": 10, "AC-REMOTE-01": 20, "WM-MOTOR-01": 3})
    with pytest.raises(Conflict, match="is closed; it cannot be submitted again"):
        submit(history, count_id, {"WM-PUMP-01": 10, "AC-REMOTE-01": 20, "WM-MOTOR-01": 3})


# -- accuracy -------------------------------------------------------------------------------------

def test_the_accuracy_report_adds_up(history):
    first = start(history, now=NOW - timedelta(days=60))  # before the year's issues: every sku C
    submit(history, first, {"WM-PUMP-01": 10, "AC-REMOTE-01": 20, "WM-MOTOR-01": 3}, now=NOW - timedelta(days=60))
    daily = Policy({"cycle_count_days_a": 1, "cycle_count_days_b": 1, "cycle_count_days_c": 1})
    second = start(history, policy=daily, now=NOW - timedelta(days=5))
    submit(history, second, {"WM-PUMP-01": 4, "AC-REMOTE-01": 19, "WM-MOTOR-01": 3}, now=NOW - timedelta(days=5))
    recent = {(r.warehouse, r.abc_class): r for r in cc.accuracy_report(history, days=30, now=NOW)}
    wider = {(r.warehouse, r.abc_class): r for r in cc.accuracy_report(history, days=90, now=NOW)}
    assert sorted(recent) == [("GD1", "A"), ("GD1", "B"), ("GD1", "C")] and sorted(wider) == sorted(recent)
    pump, remote = recent[("GD1", "B")], recent[("GD1", "C")]
    assert sum(r.lines for r in recent.values()) == 3 and sum(r.lines for r in wider.values()) == 6
    assert pump.within == 0 and pump.variance_value == Decimal("480.00")  # 6 x 80, beyond 10 %
    assert remote.within == 1 and remote.variance_value == Decimal("20.00")
    total = cc.accuracy_total(list(recent.values()))
    assert (total.lines, total.within, total.variance_value) == (3, 2, Decimal("500.00"))
    assert total.share_within == pytest.approx(2 / 3)
    assert cc.accuracy_total(list(wider.values())).within == 5
    with pytest.raises(InvalidInput):
        cc.accuracy_report(history, days=7)


# -- a direct count (the clerk's stock-count page and import) ---------------------------------------

def direct(session, counted, warehouse="GD1"):
    with transaction(session):
        return cc.direct_counts(session, warehouse, counted, Policy(), actor=CLERK, now=NOW)


def test_a_direct_count_posts_within_the_tolerance_and_holds_the_rest_for_hq(history):
    s = history  # GD1: pump 10 (80 RMB), remote 20 (20 RMB), motor 3 (310 RMB)
    done = {d.sku: d for d in direct(s, [("WM-PUMP-01", 9, "shelf"), ("AC-REMOTE-01", 30, "found a box"),
                                         ("WM-MOTOR-01", 2, "one missing")])}
    assert (done["WM-PUMP-01"].posted_delta, done["WM-PUMP-01"].waiting) == (-1, False)
    assert done["AC-REMOTE-01"].waiting and done["WM-MOTOR-01"].waiting  # +50 % of the book; -33 %
    assert done["AC-REMOTE-01"].count_id == done["WM-MOTOR-01"].count_id  # one one-off count
    assert (book(s, "GD1", "WM-PUMP-01"), book(s, "GD1", "AC-REMOTE-01"), book(s, "GD1", "WM-MOTOR-01")) == (9, 20, 3)
    count = cc.get_count(s, done["AC-REMOTE-01"].count_id)
    assert (count.status, count.submitted_by) == ("submitted", CLERK)
    held = lines(s, count.id)
    assert {sku: (line.status, line.book, line.variance, line.note) for sku, line in held.items()} == {
        "AC-REMOTE-01": ("awaiting_approval", 20, 10, "found a box"),
        "WM-MOTOR-01": ("awaiting_approval", 3, -1, "one missing")}
    assert [e.subject for e in entries(s, action="cycle_count.direct")] == [
        f"cycle_count:{count.id}/AC-REMOTE-01", f"cycle_count:{count.id}/WM-MOTOR-01"]
    with transaction(s):
        cc.approve_line(s, held["AC-REMOTE-01"].id, actor=BOSS)
    assert book(s, "GD1", "AC-REMOTE-01") == 30
    with pytest.raises(Conflict, match="already waits for HQ"):
        direct(s, [("WM-MOTOR-01", 3, "recount")])
    with transaction(s):
        cc.reject_line(s, held["WM-MOTOR-01"].id, actor=BOSS, reason="count again")
    assert cc.get_count(s, count.id).status == "closed"
    assert direct(s, [("WM-MOTOR-01", 3, "recount")])[0].posted_delta == 0


@pytest.mark.parametrize("counted, error", [
    ([("WM-PUMP-01", 9, "ok"), ("AC-REMOTE-01", -1, "bad")], InvalidInput),
    ([("WM-PUMP-01", 9, "ok"), ("AC-REMOTE-01", 21, " ")], InvalidInput),
    ([("WM-PUMP-01", 9, "ok"), ("NO-SUCH", 1, "x")], NotFound),
    ([("WM-PUMP-01", 9, "ok"), ("WM-PUMP-01", 8, "twice")], InvalidInput),
])
def test_a_bad_direct_count_changes_nothing(history, counted, error):
    s = history
    movements = s.scalar(select(StockMovement.id).order_by(StockMovement.id.desc()).limit(1))
    with pytest.raises(error):
        direct(s, counted)
    assert book(s, "GD1", "WM-PUMP-01") == 10
    assert s.scalar(select(StockMovement.id).order_by(StockMovement.id.desc()).limit(1)) == movements
    assert cc.awaiting_approval(s) == []
