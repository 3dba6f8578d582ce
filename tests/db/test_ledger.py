"""The stock ledger: every operation, every refusal, and the guarantees around them.

Runs on the backend under test (SQLite, or PostgreSQL when DATABASE_URL names it).
The tiny world holds WM-PUMP-01: HQ 50, GD1 10, HB1 4; WM-MOTOR-01: HQ 5; AC-REMOTE-01: GD1 20.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from inventory.db import transaction
from inventory.errors import Conflict, InsufficientStock, InvalidInput
from inventory.warehouses import ledger
from inventory.warehouses.models import StockBalance, StockMovement

PUMP, MOTOR = "WM-PUMP-01", "WM-MOTOR-01"


def run(session, operation, *args, **kwargs):
    with transaction(session):
        return operation(session, *args, **kwargs)


def balance(session, warehouse, sku=PUMP) -> tuple[int, int, int]:
    row = ledger.get_balance(session, warehouse, sku)
    return (row.on_hand, row.reserved, row.in_transit) if row else (0, 0, 0)


def movements(session, **where) -> list[StockMovement]:
    stmt = select(StockMovement).order_by(StockMovement.id)
    for column, value in where.items():
        stmt = stmt.where(getattr(StockMovement, column) == value)
    return list(session.scalars(stmt))


def snapshot(session) -> tuple:
    """Everything stock-related, to prove that a refused or killed operation left no trace."""
    session.expire_all()
    balances = session.execute(select(StockBalance.warehouse_code, StockBalance.sku, StockBalance.on_hand,
                                      StockBalance.reserved, StockBalance.in_transit)
                               .order_by(StockBalance.warehouse_code, StockBalance.sku)).all()
    return balances, session.scalar(select(func.count()).select_from(StockMovement))


# --- receive ---------------------------------------------------------------------------

def test_a_receipt_raises_on_hand_and_writes_one_receipt_row(session, world):
    before = len(movements(session))
    run(session, ledger.receive, "GD1", PUMP, 5, actor="clerk-gd1", reason="PO 778")
    assert balance(session, "GD1") == (15, 0, 0)
    rows = movements(session)
    assert len(rows) == before + 1
    assert (rows[-1].kind, rows[-1].on_hand_delta, rows[-1].actor, rows[-1].reason) == (
        "receipt", 5, "clerk-gd1", "PO 778")


def test_a_receipt_of_a_sku_new_to_the_warehouse_opens_its_balance(session, world):
    run(session, ledger.receive, "HB1", MOTOR, 3, actor="clerk")
    assert balance(session, "HB1", MOTOR) == (3, 0, 0)


# --- reserve ---------------------------------------------------------------------------

def test_a_reservation_holds_units_without_moving_them(session, world):
    run(session, ledger.reserve, "GD1", PUMP, 4, actor="svc")
    assert balance(session, "GD1") == (10, 4, 0)
    assert ledger.available(session, "GD1", PUMP) == 6


def test_the_last_available_unit_can_be_reserved(session, world):
    run(session, ledger.reserve, "HB1", PUMP, 4, actor="svc")
    assert ledger.available(session, "HB1", PUMP) == 0


def test_a_reservation_of_more_than_is_available_is_refused_whole(session, world):
    run(session, ledger.reserve, "HB1", PUMP, 3, actor="svc")
    before = snapshot(session)
    with pytest.raises(InsufficientStock, match="HB1 has fewer than 2 of WM-PUMP-01 available"):
        run(session, ledger.reserve, "HB1", PUMP, 2, actor="svc")
    assert snapshot(session) == before


def test_a_refusal_names_the_warehouse_sku_and_quantity(session, world):
    with pytest.raises(InsufficientStock) as refused:
        run(session, ledger.reserve, "HB1", PUMP, 5, actor="svc")
    assert refused.value.details == {"warehouse": "HB1", "sku": PUMP, "qty": 5}


def test_reserving_where_the_warehouse_never_held_the_sku_is_refused(session, world):
    with pytest.raises(InsufficientStock):
        run(session, ledger.reserve, "HB1", MOTOR, 1, actor="svc")


def _reserve_locked(session, takes):
    ledger.lock_balances(session, [(w, s) for w, s, _, _ in takes], create=False)
    ledger.reserve_locked(session, takes, actor="svc", ref=ledger.Ref("requisition", "R00000001"))


def test_reservations_at_locked_rows_write_the_rows_reserve_writes(session, world):
    run(session, _reserve_locked, [("GD1", PUMP, 4, "requisition"), ("HQ", MOTOR, 5, "requisition for X")])
    assert balance(session, "GD1") == (10, 4, 0) and balance(session, "HQ", MOTOR) == (5, 5, 0)
    rows = {(r.warehouse_code, r.sku): r for r in movements(session, kind="reservation")}
    assert {key: (r.reserved_delta, r.on_hand_delta, r.actor, r.reason, r.ref_type, r.ref_id)
            for key, r in rows.items()} == {
        ("GD1", PUMP): (4, 0, "svc", "requisition", "requisition", "R00000001"),
        ("HQ", MOTOR): (5, 0, "svc", "requisition for X", "requisition", "R00000001")}
    assert ledger.ledger_differences(session) == []


def test_reservations_at_locked_rows_are_refused_whole_when_one_is_short(session, world):
    before = snapshot(session)
    with pytest.raises(InsufficientStock) as refused:
        run(session, _reserve_locked, [("GD1", PUMP, 4, "requisition"), ("HB1", PUMP, 5, "requisition")])
    assert refused.value.details == {"warehouse": "HB1", "sku": PUMP, "qty": 5}
    assert snapshot(session) == before


# --- release ---------------------------------------------------------------------------

def test_a_release_gives_reserved_units_back_to_available(session, world):
    run(session, ledger.reserve, "GD1", PUMP, 4, actor="svc")
    run(session, ledger.release, "GD1", PUMP, 3, actor="svc", reason="line cancelled")
    assert balance(session, "GD1") == (10, 1, 0)
    assert movements(session)[-1].reserved_delta == -3


def test_releasing_more_than_is_reserved_is_refused(session, world):
    run(session, ledger.reserve, "GD1", PUMP, 2, actor="svc")
    with pytest.raises(Conflict, match="fewer than 3 of WM-PUMP-01 reserved"):
        run(session, ledger.release, "GD1", PUMP, 3, actor="svc")
    assert balance(session, "GD1") == (10, 2, 0)


# --- issue -----------------------------------------------------------------------------

def test_an_issue_ships_reserved_units_out_of_on_hand_and_the_reservation(session, world):
    run(session, ledger.reserve, "GD1", PUMP, 4, actor="svc")
    run(session, ledger.issue, "GD1", PUMP, 4, actor="clerk", ref=ledger.Ref("requisition", "R1"))
    assert balance(session, "GD1") == (6, 0, 0)
    last = movements(session)[-1]
    assert (last.kind, last.on_hand_delta, last.reserved_delta) == ("issue", -4, -4)


def test_unreserved_units_cannot_be_issued(session, world):
    with pytest.raises(Conflict, match="reserved to issue"):
        run(session, ledger.issue, "GD1", PUMP, 1, actor="clerk")
    assert balance(session, "GD1") == (10, 0, 0)


# --- scrap -----------------------------------------------------------------------------

def test_a_scrap_writes_off_available_units_with_its_reason(session, world):
    run(session, ledger.scrap, "GD1", PUMP, 2, actor="clerk", reason="water damage")
    assert balance(session, "GD1") == (8, 0, 0)
    last = movements(session)[-1]
    assert (last.kind, last.on_hand_delta, last.reason) == ("scrap", -2, "water damage")


def test_reserved_units_cannot_be_scrapped(session, world):
    run(session, ledger.reserve, "HB1", PUMP, 3, actor="svc")
    with pytest.raises(InsufficientStock):
        run(session, ledger.scrap, "HB1", PUMP, 2, actor="clerk", reason="damaged")
    assert balance(session, "HB1") == (4, 3, 0)


# --- adjust (stock count) --------------------------------------------------------------

def test_a_count_above_on_hand_is_written_as_a_positive_adjustment(session, world):
    assert run(session, ledger.adjust_to_count, "GD1", PUMP, 13, actor="clerk", reason="count 11/23") == 3
    assert balance(session, "GD1") == (13, 0, 0)
    last = movements(session)[-1]
    assert (last.kind, last.on_hand_delta, last.reason) == ("adjustment", 3, "count 11/23")


def test_a_count_below_on_hand_is_written_as_a_negative_adjustment(session, world):
    assert run(session, ledger.adjust_to_count, "GD1", PUMP, 7, actor="clerk", reason="count") == -3
    assert balance(session, "GD1") == (7, 0, 0)


def test_a_count_equal_to_on_hand_writes_nothing(session, world):
    before = snapshot(session)
    assert run(session, ledger.adjust_to_count, "GD1", PUMP, 10, actor="clerk", reason="count") == 0
    assert snapshot(session) == before


def test_a_count_below_what_is_reserved_is_refused(session, world):
    run(session, ledger.reserve, "GD1", PUMP, 6, actor="svc")
    with pytest.raises(Conflict, match="6 of WM-PUMP-01 are reserved"):
        run(session, ledger.adjust_to_count, "GD1", PUMP, 5, actor="clerk", reason="count")
    assert balance(session, "GD1") == (10, 6, 0)


def test_an_adjustment_needs_a_reason(session, world):
    with pytest.raises(InvalidInput, match="needs a reason"):
        run(session, ledger.adjust_to_count, "GD1", PUMP, 5, actor="clerk", reason="  ")


# --- transfer legs ---------------------------------------------------------------------

def test_taking_units_in_transit_moves_them_from_source_on_hand_to_destination_in_transit(session, world):
    run(session, ledger.take_available, "HQ", PUMP, 6, kind="transfer_out", actor="hq", reason="top up",
        in_transit_to="GD1")
    assert balance(session, "HQ") == (44, 0, 0)
    assert balance(session, "GD1") == (10, 0, 6)


def test_landing_in_transit_puts_what_arrived_on_hand(session, world):
    run(session, ledger.take_available, "HQ", PUMP, 6, kind="transfer_out", actor="hq", reason="top up",
        in_transit_to="GD1")
    run(session, ledger.land_in_transit, "GD1", PUMP, expected=6, received=5, actor="clerk", reason="one short")
    assert balance(session, "GD1") == (15, 0, 0)


def test_landing_more_than_is_in_transit_is_refused(session, world):
    with pytest.raises(Conflict, match="in transit"):
        run(session, ledger.land_in_transit, "GD1", PUMP, expected=1, received=1, actor="clerk", reason="x")


# --- input and record ------------------------------------------------------------------

@pytest.mark.parametrize("qty", [0, -1, 1.5, True, "2", None])
def test_a_quantity_must_be_a_positive_whole_number(session, world, qty):
    with pytest.raises(InvalidInput, match="positive integer"):
        run(session, ledger.reserve, "GD1", PUMP, qty, actor="svc")


def test_every_movement_says_who_when_why_and_what_for(session, world):
    start = datetime.now(timezone.utc)
    run(session, ledger.reserve, "GD1", PUMP, 1, actor="sp:SP0001", reason="ticket T1",
        ref=ledger.Ref("requisition", "R42"))
    last = movements(session)[-1]
    assert (last.actor, last.reason, last.ref_type, last.ref_id) == ("sp:SP0001", "ticket T1", "requisition", "R42")
    assert last.at >= start.replace(microsecond=0) and last.at.tzinfo is not None


def test_balances_equal_the_ledger_after_every_kind_of_operation(session, world):
    run(session, ledger.receive, "HB1", PUMP, 6, actor="c")
    run(session, ledger.reserve, "HB1", PUMP, 5, actor="c")
    run(session, ledger.release, "HB1", PUMP, 1, actor="c")
    run(session, ledger.issue, "HB1", PUMP, 2, actor="c")
    run(session, ledger.scrap, "HB1", PUMP, 1, actor="c", reason="broken")
    run(session, ledger.take_available, "HB1", PUMP, 2, kind="transfer_out", actor="c", reason="t",
        in_transit_to="GD1")
    run(session, ledger.land_in_transit, "GD1", PUMP, expected=2, received=1, actor="c", reason="t")
    run(session, ledger.adjust_to_count, "HB1", PUMP, 4, actor="c", reason="count")
    assert ledger.ledger_differences(session) == []


def test_the_consistency_check_reports_a_tampered_balance(session, world):
    with transaction(session):
        session.execute(text("UPDATE stock_balance SET on_hand = on_hand + 1 WHERE warehouse_code = 'GD1' "
                             "AND sku = 'WM-PUMP-01'"))
    assert ledger.ledger_differences(session) == [{
        "warehouse": "GD1", "sku": PUMP,
        "balance": {"on_hand": 11, "reserved": 0, "in_transit": 0},
        "ledger": {"on_hand": 10, "reserved": 0, "in_transit": 0}}]


# --- guarantees held by the database itself --------------------------------------------

def test_the_database_refuses_to_update_a_movement(session, world):
    with pytest.raises(DBAPIError, match="append-only"):
        with transaction(session):
            session.execute(text("UPDATE stock_movement SET on_hand_delta = 999"))


def test_the_database_refuses_to_delete_a_movement(session, world):
    with pytest.raises(DBAPIError, match="append-only"):
        with transaction(session):
            session.execute(text("DELETE FROM stock_movement"))


def test_the_database_refuses_a_balance_with_negative_available_even_from_raw_sql(session, world):
    with pytest.raises(IntegrityError):
        with transaction(session):
            session.execute(text("UPDATE stock_balance SET reserved = on_hand + 1 WHERE warehouse_code = 'GD1'"))


# --- a transaction killed half-way ------------------------------------------------------

class Killed(RuntimeError):
    """The injected failure (a crash, a lost connection) in the middle of an operation."""


def kill_after(monkeypatch, name: str, calls: int) -> None:
    """Let `ledger.<name>` run `calls` times for real, then raise right after its last real run."""
    real, seen = getattr(ledger, name), []

    def dying(*args, **kwargs):
        result = real(*args, **kwargs)
        seen.append(1)
        if len(seen) == calls:
            raise Killed(f"killed after {name} #{calls}")
        return result

    monkeypatch.setattr(ledger, name, dying)


OPERATIONS = {
    "receive": lambda s: ledger.receive(s, "GD1", PUMP, 5, actor="c"),
    "reserve": lambda s: ledger.reserve(s, "GD1", PUMP, 5, actor="c"),
    "scrap": lambda s: ledger.scrap(s, "GD1", PUMP, 5, actor="c", reason="broken"),
    "adjust": lambda s: ledger.adjust_to_count(s, "GD1", PUMP, 3, actor="c", reason="count"),
    "transfer": lambda s: ledger.take_available(s, "GD1", PUMP, 5, kind="transfer_out", actor="c",
                                                reason="t", in_transit_to="HB1"),
}
KILL_POINTS = [
    ("receive", "_apply", 1), ("receive", "_record", 1),
    ("reserve", "_apply", 1), ("reserve", "_record", 1),
    ("scrap", "_record", 1), ("adjust", "_record", 1),
    # the source's ledger row is written, the destination's balance is not yet
    ("transfer", "_record", 1), ("transfer", "_apply", 2),
]


@pytest.mark.parametrize("operation, step, calls", KILL_POINTS,
                         ids=[f"{o}-after-{s.strip('_')}-{c}" for o, s, c in KILL_POINTS])
def test_a_transaction_killed_half_way_leaves_no_trace(session, world, monkeypatch, operation, step, calls):
    before = snapshot(session)
    kill_after(monkeypatch, step, calls)
    with pytest.raises(Killed):
        with transaction(session):
            OPERATIONS[operation](session)
    assert snapshot(session) == before
    assert ledger.ledger_differences(session) == []


def test_the_session_works_normally_after_a_killed_transaction(session, world, monkeypatch):
    kill_after(monkeypatch, "_record", 1)
    with pytest.raises(Killed):
        run(session, ledger.reserve, "GD1", PUMP, 5, actor="c")
    monkeypatch.undo()
    run(session, ledger.reserve, "GD1", PUMP, 5, actor="c")
    assert balance(session, "GD1") == (10, 5, 0)
