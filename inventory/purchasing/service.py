"""HQ buying (采购): proposals up to the plan's levels, approval into orders, receipts, closing short.

The stock plan says, per sku, the network position HQ should buy up to (`optimizer.stock_plan`
`echelon()`); `propose` compares it with the position (on hand - reserved + in transit +
on order - backordered, across every warehouse), rounds each shortfall up to the cheapest
supplier's minimum order and pack size, and writes one proposed order per supplier,
superseding older proposals. HQ approves (the order opens with its expected date), rejects,
receives — partly, in several deliveries, or more than ordered with a reason — and closes an
order short when the rest will not come. Goods go on hand at HQ through `ledger.receive`, in
the same transaction as the order's line. Functions never commit.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .. import audit, supersession
from ..db import utcnow
from ..errors import Conflict, InvalidInput, NotFound
from ..network import hq_code
from ..requisitions.models import Requisition, RequisitionLine
from ..warehouses import ledger
from ..warehouses.models import StockBalance
from .models import OPEN, PurchaseOrder, PurchaseOrderLine, Supplier, SupplierPart, parse_code

OPEN_REQUISITIONS = ("allocated", "partially_backordered", "backordered")
MAX_QTY = 1_000_000


@dataclass(frozen=True)
class Terms:
    supplier: str
    unit_price: object
    min_order: int
    pack_size: int
    lead_days: int


def order_qty(shortfall: int, terms: Terms) -> int:
    """The least quantity the supplier ships that covers `shortfall`: whole packs, at least the minimum."""
    packs = math.ceil(max(shortfall, terms.min_order) / terms.pack_size)
    return packs * terms.pack_size


def best_terms(session: Session, skus=None) -> dict[str, Terms]:
    """Per sku the supplier to buy from: the cheapest, then the fastest, then by code."""
    stmt = (select(SupplierPart.sku, SupplierPart.supplier_code, SupplierPart.unit_price, SupplierPart.min_order,
                   SupplierPart.pack_size, Supplier.lead_days)
            .join(Supplier, Supplier.code == SupplierPart.supplier_code))
    best: dict[str, Terms] = {}
    for sku, supplier, price, minimum, pack, lead in session.execute(stmt):
        if skus is not None and sku not in skus:
            continue
        terms = Terms(supplier, price, minimum, pack, lead)
        old = best.get(sku)
        if old is None or (price, lead, supplier) < (old.unit_price, old.lead_days, old.supplier):
            best[sku] = terms
    return best


def on_order(session: Session) -> dict[str, int]:
    """Units ordered and not yet received per sku, over the open orders."""
    rows = session.execute(
        select(PurchaseOrderLine.sku, func.sum(PurchaseOrderLine.qty - PurchaseOrderLine.qty_received))
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .where(PurchaseOrder.status.in_(OPEN), PurchaseOrderLine.qty > PurchaseOrderLine.qty_received)
        .group_by(PurchaseOrderLine.sku))
    return {sku: int(units) for sku, units in rows}


def positions(session: Session) -> dict[str, int]:
    """The network position per sku: on hand - reserved + in transit - backordered + on order.
    A replaced sku's backorders count against its final successor (替代件: that is what will serve
    them and what is bought)."""
    pos: dict[str, int] = defaultdict(int)
    finals = supersession.final_successors(supersession.load(session))
    for sku, units in session.execute(
            select(StockBalance.sku, func.sum(StockBalance.on_hand - StockBalance.reserved + StockBalance.in_transit))
            .group_by(StockBalance.sku)):
        pos[sku] += int(units or 0)
    for sku, short in session.execute(
            select(RequisitionLine.sku, func.sum(RequisitionLine.backordered_qty))
            .join(Requisition, Requisition.id == RequisitionLine.requisition_id)
            .where(Requisition.status.in_(OPEN_REQUISITIONS), RequisitionLine.backordered_qty > 0)
            .group_by(RequisitionLine.sku)):
        pos[finals.get(sku, sku)] -= int(short or 0)
    for sku, units in on_order(session).items():
        pos[sku] += units
    return dict(pos)


def _hq(session: Session) -> str:
    code = hq_code(session)
    if code is None:
        raise Conflict("the network has no HQ warehouse to buy for", code="purchase_order.no_hq_warehouse")
    return code


def propose(session: Session, targets: dict[str, int], *, actor: str, now: datetime | None = None,
            reason: str = "order up to the stock plan") -> list[PurchaseOrder]:
    """Proposed orders that lift each sku's position to its target; earlier proposals are superseded.
    Skus without a supplier are left out (`unbuyable` tells which)."""
    now = now or utcnow()
    for sku, target in targets.items():
        if not isinstance(target, int) or isinstance(target, bool) or not 0 <= target <= MAX_QTY:
            raise InvalidInput(f"target for {sku}: a whole number of units from 0 to {MAX_QTY:,}",
                               code="purchase_order.target_out_of_range", field="targets", sku=sku)
    session.execute(update(PurchaseOrder).where(PurchaseOrder.status == "proposed")
                    .values(status="rejected", closing_note="superseded by a newer proposal", closed_by=actor,
                            closed_at=now).execution_options(synchronize_session=False))
    pos = positions(session)
    wanted = {sku: t - pos.get(sku, 0) for sku, t in targets.items() if t > pos.get(sku, 0)}
    terms = best_terms(session, set(wanted))
    by_supplier: dict[str, list[tuple[str, int, Terms]]] = defaultdict(list)
    for sku in sorted(wanted):
        if sku in terms:
            by_supplier[terms[sku].supplier].append((sku, order_qty(wanted[sku], terms[sku]), terms[sku]))
    hq = _hq(session)
    orders = []
    for supplier in sorted(by_supplier):
        order = PurchaseOrder(supplier_code=supplier, warehouse_code=hq, status="proposed", reason=reason,
                              created_by=actor, created_at=now)
        order.lines = [PurchaseOrderLine(sku=sku, qty=qty, unit_price=t.unit_price, qty_received=0)
                       for sku, qty, t in by_supplier[supplier]]
        session.add(order)
        orders.append(order)
    session.flush()
    return orders


def unbuyable(session: Session, skus) -> list[str]:
    """The skus no supplier sells."""
    terms = best_terms(session, set(skus))
    return sorted(s for s in skus if s not in terms)


def get(session: Session, code: str, *, lock: bool = False) -> PurchaseOrder:
    number = parse_code(code)
    order = session.get(PurchaseOrder, number, with_for_update=lock, populate_existing=lock) if number else None
    if order is None:
        raise NotFound(f"no purchase order {code}", code="purchase_order.not_found", order=code)
    return order


def _in_status(session: Session, code: str, allowed: tuple[str, ...], doing: str) -> PurchaseOrder:
    order = get(session, code, lock=True)
    if order.status not in allowed:
        raise Conflict(f"cannot {doing} purchase order {order.code}: it is {order.status}",
                       code=f"purchase_order.cannot_{doing.replace(' against', '')}", order=order.code,
                       status=order.status)
    return order


def approve(session: Session, code: str, *, actor: str, now: datetime | None = None) -> PurchaseOrder:
    """HQ approves a proposal: the order opens, expected after the supplier's lead time."""
    now = now or utcnow()
    order = _in_status(session, code, ("proposed",), "approve")
    lead = session.scalar(select(Supplier.lead_days).where(Supplier.code == order.supplier_code))
    order.status, order.approved_by, order.approved_at = "open", actor, now
    order.expected_at = now + timedelta(days=int(lead or 0))
    audit.record(session, actor, "purchase_order.approve", f"purchase_order:{order.code}",
                 supplier=order.supplier_code, lines=len(order.lines))
    return order


def reject(session: Session, code: str, *, actor: str, reason: str, now: datetime | None = None) -> PurchaseOrder:
    order = _in_status(session, code, ("proposed",), "reject")
    order.status, order.closed_by, order.closed_at = "rejected", actor, now or utcnow()
    order.closing_note = _reason(reason)
    audit.record(session, actor, "purchase_order.reject", f"purchase_order:{order.code}", reason=order.closing_note)
    return order


def _reason(text: str | None) -> str:
    if not text or not text.strip():
        raise InvalidInput("a reason is needed", code="purchase_order.reason_needed", field="reason")
    if len(text.strip()) > 200:
        raise InvalidInput("the reason is longer than 200 characters", code="purchase_order.reason_too_long",
                           field="reason", most=200)
    return text.strip()


def receive(session: Session, code: str, received: dict[str, int], *, actor: str, now: datetime | None = None,
            note: str | None = None) -> PurchaseOrder:
    """A delivery against an open order: each sku's units go on hand at the order's warehouse.
    More than ordered is accepted only with a `note` saying why (over-delivery, 超量收货)."""
    now = now or utcnow()
    order = _in_status(session, code, OPEN, "receive against")
    if not received:
        raise InvalidInput("a receipt needs at least one line", code="purchase_order.receipt_without_lines", field="lines")
    by_sku = {line.sku: line for line in order.lines}
    for sku, qty in received.items():
        if sku not in by_sku:
            raise InvalidInput(f"{sku} is not on purchase order {order.code}", code="purchase_order.sku_not_on_order",
                               field="lines", sku=sku, order=order.code)
        if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= MAX_QTY:
            raise InvalidInput(f"quantity of {sku}: a whole number from 1 to {MAX_QTY:,}",
                               code="purchase_order.receipt_qty_out_of_range", field="lines", sku=sku)
    over = {sku: by_sku[sku].qty_received + qty - by_sku[sku].qty for sku, qty in received.items()
            if by_sku[sku].qty_received + qty > by_sku[sku].qty}
    if over and not (note and note.strip()):
        sku, extra = next(iter(over.items()))
        raise InvalidInput(f"{extra} more of {sku} than ordered: say why to accept it", code="purchase_order.over_received",
                           field="note", extra=extra, sku=sku)
    ref = ledger.Ref("purchase_order", order.code)
    for sku in sorted(received):
        ledger.receive(session, order.warehouse_code, sku, received[sku], actor=actor,
                       reason=f"purchase order {order.code}" + (f": {note.strip()}" if note and note.strip() else ""),
                       ref=ref, at=now)
        by_sku[sku].qty_received += received[sku]
    done = all(line.qty_received >= line.qty for line in order.lines)
    order.status = "received" if done else "partially_received"
    audit.record(session, actor, "purchase_order.receive", f"purchase_order:{order.code}", received=received,
                 over=over or None, note=note)
    return order


def close_short(session: Session, code: str, *, actor: str, reason: str, now: datetime | None = None) -> PurchaseOrder:
    """The rest of an open order will not come (短交): it no longer counts as on order."""
    order = _in_status(session, code, OPEN, "close")
    order.closing_note = _reason(reason)
    order.status, order.closed_by, order.closed_at = "closed_short", actor, now or utcnow()
    audit.record(session, actor, "purchase_order.close_short", f"purchase_order:{order.code}",
                 short={line.sku: line.outstanding for line in order.lines if line.outstanding},
                 reason=order.closing_note)
    return order


def list_orders(session: Session, *, status: str | None = None, limit: int = 100) -> list[PurchaseOrder]:
    stmt = select(PurchaseOrder).order_by(PurchaseOrder.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(PurchaseOrder.status == status)
    return list(session.scalars(stmt))
