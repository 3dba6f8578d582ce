"""Receiving a transfer parcel by scanning its QR (`transfers.receive_parcel`): all that is still
outstanding lands at the scanning warehouse, through the ledger; nothing else. SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from inventory.db import transaction
from inventory.errors import Conflict, NotFound
from inventory.warehouses import ledger, transfers

HQ = "hq:boss"


def shipped(session, qty=6, dest="GD1") -> str:
    with transaction(session):
        transfer = transfers.create_draft(session, "HQ", dest, "WM-PUMP-01", qty, actor=HQ)
        transfers.approve_and_ship(session, transfer.id, actor=HQ)
        return transfer.id


def books(session, warehouse="GD1"):
    row = ledger.get_balance(session, warehouse, "WM-PUMP-01")
    return row.on_hand, row.in_transit


def test_scanning_a_parcel_lands_what_is_still_outstanding(session, world):
    tid = shipped(session)
    with transaction(session):
        transfers.receive(session, tid, 2, actor="clerk:gd")
    with transaction(session):
        transfer, landed = transfers.receive_parcel(session, tid, warehouse="GD1", actor="clerk:gd")
    assert (landed, transfer.status, transfer.qty_received) == (4, "received", 6)
    assert books(session) == (16, 0)
    assert ledger.ledger_differences(session) == []


def test_a_parcel_for_another_warehouse_is_not_found_there(session, world):
    tid = shipped(session, dest="HB1")
    with pytest.raises(NotFound), transaction(session):
        transfers.receive_parcel(session, tid, warehouse="GD1", actor="clerk:gd")
    assert books(session, "HB1") == (4, 6)


@pytest.mark.parametrize("step", ["draft", "received"])
def test_a_parcel_not_in_transit_is_refused_with_its_status(session, world, step):
    with transaction(session):
        tid = transfers.create_draft(session, "HQ", "GD1", "WM-PUMP-01", 3, actor=HQ).id
        if step == "received":
            transfers.approve_and_ship(session, tid, actor=HQ)
            transfers.receive(session, tid, 3, actor="clerk:gd")
    with pytest.raises(Conflict, match=f"cannot receive transfer {tid}: it is {step}"), transaction(session):
        transfers.receive_parcel(session, tid, warehouse="GD1", actor="clerk:gd")
    assert books(session) == (10 + (3 if step == "received" else 0), 0)
