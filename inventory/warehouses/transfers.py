"""Transfers between warehouses (调拨): draft -> shipped -> (partially) received or closed short.

A draft (written by a clerk or proposed by the optimizer run `proposal_run_id`) moves no
stock. Approving ships it: the units leave the source's available stock and go in transit
to the destination, in one transaction. Receipts land them, possibly in several parts;
closing with a discrepancy takes the units that never arrived off in-transit and records
how many they were. Stock moves only through `ledger`; every function here locks the
transfer row (serialising two clerks on the same transfer) and never commits.
"""
from __future__ import annotations

from datetime import datetime

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..catalog import Part
from ..db import utcnow
from ..errors import Conflict, InvalidInput, NotFound
from ..network import Warehouse
from . import ledger
from .models import Transfer

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
IN_TRANSIT = ("shipped", "partially_received")


def new_transfer_id() -> str:
    """`TR` + 10 random base32 characters (50 bits): unique without a counter to contend on."""
    return "TR" + "".join(secrets.choice(_ALPHABET) for _ in range(10))


def _ref(transfer: Transfer) -> ledger.Ref:
    return ledger.Ref("transfer", transfer.id)


def _require_text(value: str | None, what: str, code: str) -> str:
    if not value or not value.strip():
        raise InvalidInput(f"{what} needs a reason", code=code)
    return value.strip()


def get(session: Session, transfer_id: str, *, lock: bool = False) -> Transfer:
    transfer = session.get(Transfer, transfer_id, with_for_update=lock, populate_existing=lock)
    if transfer is None:
        raise NotFound(f"no transfer {transfer_id}", code="transfer.not_found", transfer=transfer_id)
    return transfer


def _in_status(session: Session, transfer_id: str, allowed: tuple[str, ...], doing: str) -> Transfer:
    transfer = get(session, transfer_id, lock=True)
    if transfer.status not in allowed:
        raise Conflict(f"cannot {doing} transfer {transfer.id}: it is {transfer.status}",
                       code=f"transfer.cannot_{doing}", transfer=transfer.id, status=transfer.status)
    return transfer


def create_draft(session: Session, from_warehouse: str, to_warehouse: str, sku: str, qty: int, *,
                 actor: str, reason: str = "", proposal_run_id: str | None = None,
                 now: datetime | None = None) -> Transfer:
    """Propose moving `qty` of `sku`; nothing is reserved until it is approved and shipped."""
    if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
        raise InvalidInput(f"quantity must be a positive integer, got {qty!r}", code="transfer.qty_not_positive",
                           qty=qty)
    if from_warehouse == to_warehouse:
        raise InvalidInput(f"a transfer cannot go from {from_warehouse} to itself", code="transfer.to_itself",
                           warehouse=from_warehouse)
    for code in (from_warehouse, to_warehouse):
        if session.get(Warehouse, code) is None:
            raise NotFound(f"no warehouse {code}", code="warehouse.not_found", warehouse=code)
    if session.get(Part, sku) is None:
        raise NotFound(f"no part {sku}", code="part.not_found", sku=sku)
    transfer = Transfer(id=new_transfer_id(), from_warehouse=from_warehouse, to_warehouse=to_warehouse,
                        sku=sku, qty=qty, qty_received=0, status="draft", reason=reason.strip(),
                        created_by=actor, created_at=now or utcnow(), proposal_run_id=proposal_run_id)
    session.add(transfer)
    session.flush()
    return transfer


def ship_own_draft(session: Session, transfer_id: str, *, actor: str, now: datetime | None = None) -> Transfer:
    """A warehouse ships a draft it wrote; an optimizer proposal ships only once HQ approves it
    (`approve_and_ship`), so a clerk is refused one and nothing moves."""
    transfer = get(session, transfer_id, lock=True)
    if transfer.status == "draft" and transfer.proposal_run_id:
        raise Conflict(f"transfer {transfer.id} is an optimizer proposal; it ships once HQ approves it",
                       code="transfer.proposal_needs_hq", transfer=transfer.id)
    return approve_and_ship(session, transfer_id, actor=actor, now=now)


def approve_and_ship(session: Session, transfer_id: str, *, actor: str, now: datetime | None = None) -> Transfer:
    """Ship a draft: source on hand falls, destination in transit rises, or nothing happens.

    Refused with `InsufficientStock` (the draft stays a draft) when the source has fewer
    units available than the transfer's quantity.
    """
    transfer = _in_status(session, transfer_id, ("draft",), "ship")
    now = now or utcnow()
    ledger.take_available(session, transfer.from_warehouse, transfer.sku, transfer.qty,
                          kind="transfer_out", actor=actor, ref=_ref(transfer), at=now,
                          reason=f"transfer {transfer.id} to {transfer.to_warehouse}",
                          in_transit_to=transfer.to_warehouse)
    transfer.status, transfer.shipped_by, transfer.shipped_at = "shipped", actor, now
    audit.record(session, actor, "transfer.approve", f"transfer:{transfer.id}", sku=transfer.sku, qty=transfer.qty,
                 from_warehouse=transfer.from_warehouse, to_warehouse=transfer.to_warehouse,
                 proposal_run_id=transfer.proposal_run_id)
    session.flush()
    return transfer


def receive(session: Session, transfer_id: str, qty: int, *, actor: str, note: str = "",
            now: datetime | None = None) -> Transfer:
    """Land `qty` units at the destination; several partial receipts may add up to the whole."""
    transfer = _in_status(session, transfer_id, IN_TRANSIT, "receive")
    if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
        raise InvalidInput(f"quantity must be a positive integer, got {qty!r}", code="transfer.qty_not_positive",
                           qty=qty)
    if qty > transfer.outstanding:
        raise Conflict(f"transfer {transfer.id} has only {transfer.outstanding} outstanding, "
                       f"cannot receive {qty}", code="transfer.over_outstanding", transfer=transfer.id,
                       outstanding=transfer.outstanding, qty=qty)
    now = now or utcnow()
    ledger.land_in_transit(session, transfer.to_warehouse, transfer.sku, expected=qty, received=qty,
                           actor=actor, ref=_ref(transfer), at=now,
                           reason=note.strip() or f"transfer {transfer.id} from {transfer.from_warehouse}")
    transfer.qty_received += qty
    transfer.received_at = now
    if transfer.qty_received == transfer.qty:
        transfer.status, transfer.closed_by, transfer.closed_at = "received", actor, now
    else:
        transfer.status = "partially_received"
    session.flush()
    return transfer


def receive_parcel(session: Session, transfer_id: str, *, warehouse: str, actor: str,
                   now: datetime | None = None) -> tuple[Transfer, int]:
    """The parcel's QR (its transfer id) was scanned where it arrived: all still outstanding lands;
    the transfer and the units landed.

    A parcel for another warehouse is not found here, as if it did not exist; a short parcel is
    received on the transfer's own form (a quantity) or closed short instead."""
    if get(session, transfer_id).to_warehouse != warehouse:
        raise NotFound(f"no transfer {transfer_id} to {warehouse}", code="transfer.not_found_to",
                       transfer=transfer_id, warehouse=warehouse)
    landing = _in_status(session, transfer_id, IN_TRANSIT, "receive").outstanding
    return receive(session, transfer_id, landing, actor=actor, now=now), landing


def close_with_discrepancy(session: Session, transfer_id: str, *, actor: str, note: str) -> Transfer:
    """Give up on the units still in transit: they leave in-transit and become the discrepancy.

    The missing units are recorded on the transfer (and in the ledger row's reason) for
    whoever follows up with the carrier; they never reach anyone's on hand.
    """
    note = _require_text(note, "closing a transfer short", "transfer.close_needs_reason")
    transfer = _in_status(session, transfer_id, IN_TRANSIT, "close")
    missing, now = transfer.outstanding, utcnow()
    ledger.land_in_transit(session, transfer.to_warehouse, transfer.sku, expected=missing, received=0,
                           actor=actor, ref=_ref(transfer), at=now,
                           reason=f"discrepancy: {missing} missing on transfer {transfer.id}: {note}"[:200])
    transfer.status, transfer.discrepancy, transfer.closing_note = "closed_with_discrepancy", missing, note
    transfer.closed_by, transfer.closed_at = actor, now
    session.flush()
    return transfer


def cancel(session: Session, transfer_id: str, *, actor: str, reason: str = "") -> Transfer:
    """Withdraw a draft (its author changed their mind); shipped transfers cannot be cancelled."""
    return _close_draft(session, transfer_id, "cancelled", actor, reason.strip() or None, "cancel")


def reject(session: Session, transfer_id: str, *, actor: str, reason: str, now: datetime | None = None) -> Transfer:
    """HQ turns a proposed draft down, saying why."""
    reason = _require_text(reason, "rejecting a transfer", "transfer.reject_needs_reason")
    transfer = _close_draft(session, transfer_id, "rejected", actor, reason, "reject", now)
    audit.record(session, actor, "transfer.reject", f"transfer:{transfer.id}", reason=transfer.closing_note,
                 proposal_run_id=transfer.proposal_run_id)
    return transfer


def _close_draft(session, transfer_id, status, actor, note, doing, now=None) -> Transfer:
    transfer = _in_status(session, transfer_id, ("draft",), doing)
    transfer.status, transfer.closing_note = status, note
    transfer.closed_by, transfer.closed_at = actor, now or utcnow()
    session.flush()
    return transfer


def list_transfers(session: Session, *, status: str | None = None, warehouse: str | None = None,
              sku: str | None = None, proposal_run_id: str | None = None) -> list[Transfer]:
    """Transfers, newest first; `warehouse` matches either end."""
    stmt = select(Transfer).order_by(Transfer.created_at.desc(), Transfer.id)
    if status is not None:
        stmt = stmt.where(Transfer.status == status)
    if warehouse is not None:
        stmt = stmt.where((Transfer.from_warehouse == warehouse) | (Transfer.to_warehouse == warehouse))
    if sku is not None:
        stmt = stmt.where(Transfer.sku == sku)
    if proposal_run_id is not None:
        stmt = stmt.where(Transfer.proposal_run_id == proposal_run_id)
    return list(session.scalars(stmt))
