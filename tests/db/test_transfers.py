"""Transfers between warehouses: draft, ship, partial receipts, discrepancy, cancel, reject.

The tiny world holds WM-PUMP-01: HQ 50, GD1 10, HB1 4; WM-MOTOR-01: HQ 5.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from inventory.errors import Conflict, InsufficientStock, InvalidInput, NotFound
from inventory.warehouses import ledger, transfers
from inventory.warehouses.models import StockMovement, Transfer

from .test_ledger import MOTOR, PUMP, balance, run


def draft(session, qty=6, source="HQ", destination="GD1", sku=PUMP, **kwargs) -> str:
    return run(session, transfers.create_draft, source, destination, sku, qty, actor="hq-planner",
               **kwargs).id


def shipped(session, qty=6, **kwargs) -> str:
    transfer_id = draft(session, qty, **kwargs)
    run(session, transfers.approve_and_ship, transfer_id, actor="hq-clerk")
    return transfer_id


def fetch(session, transfer_id) -> Transfer:
    session.expire_all()
    return transfers.get(session, transfer_id)


def movement_count(session) -> int:
    return session.scalar(select(func.count()).select_from(StockMovement))


# --- drafts ----------------------------------------------------------------------------

def test_a_draft_moves_no_stock(session, world):
    before = movement_count(session)
    transfer = fetch(session, draft(session))
    assert (transfer.status, transfer.qty, transfer.qty_received) == ("draft", 6, 0)
    assert balance(session, "HQ") == (50, 0, 0) and balance(session, "GD1") == (10, 0, 0)
    assert movement_count(session) == before


def test_a_draft_gets_a_short_readable_id(session, world):
    assert re.fullmatch(r"TR[0-9A-HJKMNP-TV-Z]{10}", draft(session))


def test_a_draft_records_who_proposed_it_why_and_from_which_optimizer_run(session, world):
    transfer = fetch(session, draft(session, reason="2-day coverage", proposal_run_id="run-17"))
    assert (transfer.created_by, transfer.reason, transfer.proposal_run_id) == (
        "hq-planner", "2-day coverage", "run-17")
    assert transfer.created_at.tzinfo is not None


def test_a_draft_to_the_same_warehouse_is_refused(session, world):
    with pytest.raises(InvalidInput, match="from GD1 to itself"):
        draft(session, source="GD1", destination="GD1")


@pytest.mark.parametrize("field, value, message", [
    ("source", "ZZ1", "no warehouse ZZ1"),
    ("destination", "ZZ1", "no warehouse ZZ1"),
    ("sku", "NOPE", "no part NOPE"),
])
def test_a_draft_naming_something_unknown_is_refused(session, world, field, value, message):
    with pytest.raises(NotFound, match=message):
        draft(session, **{field: value})


@pytest.mark.parametrize("qty", [0, -3, 2.5])
def test_a_draft_of_no_whole_positive_quantity_is_refused(session, world, qty):
    with pytest.raises(InvalidInput, match="positive integer"):
        draft(session, qty=qty)


def test_an_unknown_transfer_is_not_found(session, world):
    with pytest.raises(NotFound, match="no transfer TR0000000000"):
        run(session, transfers.approve_and_ship, "TR0000000000", actor="hq")


# --- shipping --------------------------------------------------------------------------

def test_shipping_takes_units_from_the_source_and_puts_them_in_transit_to_the_destination(session, world):
    transfer = fetch(session, shipped(session, 6))
    assert (transfer.status, transfer.shipped_by, transfer.outstanding) == ("shipped", "hq-clerk", 6)
    assert transfer.shipped_at is not None
    assert balance(session, "HQ") == (44, 0, 0)
    assert balance(session, "GD1") == (10, 0, 6)


def test_shipping_writes_transfer_out_rows_that_refer_to_the_transfer(session, world):
    transfer_id = shipped(session, 6)
    rows = session.scalars(select(StockMovement).where(StockMovement.ref_id == transfer_id)
                           .order_by(StockMovement.id)).all()
    assert [(r.warehouse_code, r.kind, r.on_hand_delta, r.in_transit_delta, r.ref_type) for r in rows] == [
        ("HQ", "transfer_out", -6, 0, "transfer"), ("GD1", "transfer_out", 0, 6, "transfer")]


def test_shipping_more_than_the_source_has_available_is_refused_and_the_draft_stays_a_draft(session, world):
    transfer_id = draft(session, qty=5, source="HB1", destination="GD1")
    with pytest.raises(InsufficientStock, match="HB1 has fewer than 5"):
        run(session, transfers.approve_and_ship, transfer_id, actor="clerk")
    assert fetch(session, transfer_id).status == "draft"
    assert balance(session, "HB1") == (4, 0, 0) and balance(session, "GD1") == (10, 0, 0)


def test_a_warehouse_ships_its_own_draft_but_an_optimizer_proposal_only_once_hq_approves_it(session, world):
    own = draft(session, qty=2)
    assert run(session, transfers.ship_own_draft, own, actor="hq-clerk").status == "shipped"
    proposal = draft(session, qty=3, proposal_run_id="run-1")
    with pytest.raises(Conflict) as refused:
        run(session, transfers.ship_own_draft, proposal, actor="hq-clerk")
    assert (refused.value.code, refused.value.values) == ("transfer.proposal_needs_hq", {"transfer": proposal})
    assert fetch(session, proposal).status == "draft" and balance(session, "HQ") == (48, 0, 0)
    assert run(session, transfers.approve_and_ship, proposal, actor="hq:boss").status == "shipped"


def test_reserved_units_are_not_shipped_on_a_transfer(session, world):
    run(session, ledger.reserve, "HB1", PUMP, 2, actor="svc")
    transfer_id = draft(session, qty=3, source="HB1", destination="GD1")
    with pytest.raises(InsufficientStock):
        run(session, transfers.approve_and_ship, transfer_id, actor="clerk")


def test_a_transfer_to_a_warehouse_that_never_held_the_sku_opens_its_balance(session, world):
    shipped(session, 2, sku=MOTOR, destination="HB1")
    assert balance(session, "HB1", MOTOR) == (0, 0, 2)


def test_a_shipped_transfer_cannot_be_shipped_again(session, world):
    transfer_id = shipped(session, 6)
    with pytest.raises(Conflict, match="cannot ship transfer .* it is shipped"):
        run(session, transfers.approve_and_ship, transfer_id, actor="clerk")
    assert balance(session, "HQ") == (44, 0, 0)


# --- receiving -------------------------------------------------------------------------

def test_a_full_receipt_lands_everything_and_marks_the_transfer_received(session, world):
    transfer_id = shipped(session, 6)
    run(session, transfers.receive, transfer_id, 6, actor="gd1-clerk")
    transfer = fetch(session, transfer_id)
    assert (transfer.status, transfer.qty_received, transfer.outstanding) == ("received", 6, 0)
    assert transfer.received_at is not None and transfer.closed_by == "gd1-clerk"
    assert balance(session, "GD1") == (16, 0, 0)


def test_partial_receipts_add_up_to_the_whole(session, world):
    transfer_id = shipped(session, 6)
    run(session, transfers.receive, transfer_id, 2, actor="gd1-clerk")
    partly = fetch(session, transfer_id)
    assert (partly.status, partly.qty_received, partly.outstanding) == ("partially_received", 2, 4)
    assert balance(session, "GD1") == (12, 0, 4)
    run(session, transfers.receive, transfer_id, 4, actor="gd1-clerk")
    assert fetch(session, transfer_id).status == "received"
    assert balance(session, "GD1") == (16, 0, 0)


def test_receiving_more_than_is_outstanding_is_refused(session, world):
    transfer_id = shipped(session, 6)
    run(session, transfers.receive, transfer_id, 4, actor="gd1-clerk")
    with pytest.raises(Conflict, match="only 2 outstanding, cannot receive 3"):
        run(session, transfers.receive, transfer_id, 3, actor="gd1-clerk")
    assert balance(session, "GD1") == (14, 0, 2)


def test_a_draft_cannot_be_received(session, world):
    with pytest.raises(Conflict, match="cannot receive transfer .* it is draft"):
        run(session, transfers.receive, draft(session), 1, actor="gd1-clerk")


def test_a_received_transfer_cannot_be_received_again(session, world):
    transfer_id = shipped(session, 6)
    run(session, transfers.receive, transfer_id, 6, actor="gd1-clerk")
    with pytest.raises(Conflict, match="it is received"):
        run(session, transfers.receive, transfer_id, 1, actor="gd1-clerk")


# --- closing short ---------------------------------------------------------------------

def test_closing_with_a_discrepancy_takes_the_missing_units_off_in_transit_and_records_them(session, world):
    transfer_id = shipped(session, 6)
    run(session, transfers.receive, transfer_id, 4, actor="gd1-clerk")
    run(session, transfers.close_with_discrepancy, transfer_id, actor="gd1-clerk", note="carrier lost a box")
    transfer = fetch(session, transfer_id)
    assert (transfer.status, transfer.discrepancy, transfer.closing_note) == (
        "closed_with_discrepancy", 2, "carrier lost a box")
    assert balance(session, "GD1") == (14, 0, 0)
    last = session.scalars(select(StockMovement).order_by(StockMovement.id.desc())).first()
    assert (last.kind, last.in_transit_delta, last.on_hand_delta) == ("transfer_in", -2, 0)
    assert "discrepancy: 2 missing" in last.reason
    assert ledger.ledger_differences(session) == []


def test_closing_short_needs_a_note(session, world):
    with pytest.raises(InvalidInput, match="needs a reason"):
        run(session, transfers.close_with_discrepancy, shipped(session), actor="gd1-clerk", note=" ")


def test_a_received_transfer_cannot_be_closed_short(session, world):
    transfer_id = shipped(session, 6)
    run(session, transfers.receive, transfer_id, 6, actor="gd1-clerk")
    with pytest.raises(Conflict, match="cannot close"):
        run(session, transfers.close_with_discrepancy, transfer_id, actor="gd1-clerk", note="x")


# --- cancel and reject -----------------------------------------------------------------

def test_a_cancelled_draft_can_no_longer_be_shipped(session, world):
    transfer_id = draft(session)
    run(session, transfers.cancel, transfer_id, actor="hq-planner", reason="duplicate")
    transfer = fetch(session, transfer_id)
    assert (transfer.status, transfer.closed_by, transfer.closing_note) == ("cancelled", "hq-planner", "duplicate")
    with pytest.raises(Conflict, match="it is cancelled"):
        run(session, transfers.approve_and_ship, transfer_id, actor="hq")


def test_hq_rejects_a_proposed_draft_saying_why(session, world):
    transfer_id = draft(session, proposal_run_id="run-3")
    run(session, transfers.reject, transfer_id, actor="hq-lead", reason="GD1 is being closed")
    assert fetch(session, transfer_id).status == "rejected"


def test_rejecting_a_draft_needs_a_reason(session, world):
    with pytest.raises(InvalidInput, match="needs a reason"):
        run(session, transfers.reject, draft(session), actor="hq-lead", reason="")


@pytest.mark.parametrize("close", [transfers.cancel, transfers.reject])
def test_a_shipped_transfer_cannot_be_cancelled_or_rejected(session, world, close):
    transfer_id = shipped(session)
    with pytest.raises(Conflict, match="it is shipped"):
        run(session, close, transfer_id, actor="hq", reason="too late")


# --- listing and atomicity -------------------------------------------------------------

def test_transfers_can_be_listed_by_status_warehouse_sku_and_run(session, world):
    a = draft(session, proposal_run_id="run-1")
    b = shipped(session, 2, source="GD1", destination="HB1")
    c = draft(session, 1, sku=MOTOR, destination="HB1")
    listed = lambda **f: {t.id for t in transfers.list_transfers(session, **f)}  # noqa: E731
    assert listed() == {a, b, c}
    assert listed(status="shipped") == {b}
    assert listed(warehouse="HB1") == {b, c}
    assert listed(sku=MOTOR) == {c}
    assert listed(proposal_run_id="run-1") == {a}


def test_a_shipment_killed_after_the_source_leg_leaves_no_trace(session, world, monkeypatch):
    transfer_id = draft(session)
    real_apply, calls = ledger._apply, []

    def dying(*args, **kwargs):
        calls.append(args[1])
        if len(calls) == 2:  # the source's balance and ledger row are written; now the destination
            raise RuntimeError("killed")
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(ledger, "_apply", dying)
    with pytest.raises(RuntimeError, match="killed"):
        run(session, transfers.approve_and_ship, transfer_id, actor="hq")
    assert calls == ["HQ", "GD1"]
    assert fetch(session, transfer_id).status == "draft"
    assert balance(session, "HQ") == (50, 0, 0) and balance(session, "GD1") == (10, 0, 0)
    assert ledger.ledger_differences(session) == []
