"""What the printed paper shows, read from the database into the builders' dataclasses.

Reads only. The web pages and the API call these, then hand the result to `labels` or
`sheets`; the pick list and parcel labels read the same pick list the clerk's page shows.
"""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from inventory.catalog import Part
from inventory.db import utcnow
from inventory.network import ServicePoint, Warehouse
from inventory.requisitions.models import Requisition
from inventory.returns.models import Return
from inventory.warehouses.bins import BinLocation, bins_of
from inventory.warehouses.models import StockBalance, Transfer

from . import sheets
from .labels import MAX_LABELS, Label

MAX_PICKS = 1000  # requisitions on one printed pick list
SHIPPING = ("reserved", "shipped", "delivered")  # allocations a parcel holds (not released ones)


def _names(session: Session, skus) -> dict[str, str]:
    skus = set(skus)
    return dict(session.execute(select(Part.sku, Part.name).where(Part.sku.in_(skus))).tuples().all()) if skus else {}


def _warehouse_names(session: Session, codes) -> dict[str, str]:
    return dict(session.execute(select(Warehouse.code, Warehouse.name).where(Warehouse.code.in_(set(codes)))).tuples().all())


# -- documents ----------------------------------------------------------------------------------

def pick_list(session: Session, warehouse: Warehouse) -> sheets.PickList:
    """The warehouse's open picks (units reserved to ship), each line with its bin."""
    from api.web.queries import pick_list as open_picks

    picks, _total = open_picks(session, warehouse.code, limit=MAX_PICKS)
    bins = bins_of(session, warehouse.code, {line.shelf_sku for p in picks for line in p.lines})
    lines = [sheets.PickLine(bins.get(line.shelf_sku), line.shelf_sku, _picked_name(line), line.qty, p.code,
                             p.service_point, p.promised_by) for p in picks for line in p.lines]
    return sheets.PickList(warehouse.code, warehouse.name, utcnow(), lines)


def _picked_name(line) -> str:
    """The line's part; when a successor on the shelf serves it (替代件), which sku it stands for."""
    return line.name if line.shelf_sku == line.sku else f"{line.name}（替代 {line.sku}）"


def packing_slip(session: Session, req: Requisition, warehouse: str | None = None) -> sheets.PackingSlip | None:
    """The requisition's parcel contents: every line's allocations that ship (or shipped), only
    those of `warehouse` when given (its own parcel); None when that leaves nothing."""
    rows = []
    for line in req.lines:
        for a in line.allocations:
            if a.status in SHIPPING and (warehouse is None or a.warehouse_code == warehouse):
                rows.append((line, a, getattr(a, "sku", None) or line.sku))  # the part that ships (替代件)
    if warehouse is not None and not rows:
        return None
    names = _names(session, {sku for _l, _a, sku in rows})
    bins: dict[tuple[str, str], str] = {}
    for wh in {a.warehouse_code for _l, a, _s in rows}:
        for sku, code in bins_of(session, wh, {s for _l, a, s in rows if a.warehouse_code == wh}).items():
            bins[(wh, sku)] = code
    point = session.get(ServicePoint, req.service_point_code)
    lines = [sheets.SlipLine(line.line_no, sku, names.get(sku, ""), a.qty, a.warehouse_code,
                             bins.get((a.warehouse_code, sku)), bool(line.in_warranty)) for line, a, sku in rows]
    return sheets.PackingSlip(
        req.code, req.status, req.service_point_code, point.name if point else "", req.ticket, req.dealer_code,
        req.created_at, utcnow(), tuple(sorted({a.warehouse_code for _l, a, _s in rows})), lines)


def transfer_note(session: Session, transfer: Transfer) -> sheets.TransferNote:
    names = _warehouse_names(session, (transfer.from_warehouse, transfer.to_warehouse))
    return sheets.TransferNote(
        transfer.id, transfer.status, transfer.from_warehouse, names.get(transfer.from_warehouse, ""),
        transfer.to_warehouse, names.get(transfer.to_warehouse, ""), transfer.sku,
        _names(session, [transfer.sku]).get(transfer.sku, ""), transfer.qty, transfer.qty_received,
        transfer.reason or "", transfer.created_at, transfer.shipped_at, utcnow(),
        bins_of(session, transfer.from_warehouse, [transfer.sku]).get(transfer.sku),
        bins_of(session, transfer.to_warehouse, [transfer.sku]).get(transfer.sku))


def return_note(session: Session, row: Return) -> sheets.ReturnNote:
    point = session.get(ServicePoint, row.service_point_code)
    names = _warehouse_names(session, [row.warehouse_code])
    return sheets.ReturnNote(
        row.code, row.kind, row.status, row.requisition.code, row.service_point_code, point.name if point else "",
        row.warehouse_code, names.get(row.warehouse_code, ""), row.sku, _names(session, [row.sku]).get(row.sku, ""),
        row.qty, row.reason or "", row.due_by, row.outcome, utcnow())


# -- labels -------------------------------------------------------------------------------------

def sku_labels(session: Session, warehouse: Warehouse, skus: list[str] | None = None) -> list[Label]:
    """Code 128 labels of skus: those asked for, else every sku the warehouse holds or has a bin for."""
    if skus is None:
        held = select(StockBalance.sku).where(StockBalance.warehouse_code == warehouse.code,
                                              or_(StockBalance.on_hand > 0, StockBalance.in_transit > 0))
        binned = select(BinLocation.sku).where(BinLocation.warehouse_code == warehouse.code)
        skus = sorted(set(session.scalars(held.limit(MAX_LABELS))) | set(session.scalars(binned.limit(MAX_LABELS))))
    names = _names(session, skus)
    bins = bins_of(session, warehouse.code, names)
    labels = []
    for sku in sorted(names, key=lambda s: (bins.get(s) is None, bins.get(s, ""), s))[:MAX_LABELS]:
        where = f"库位 {bins[sku]}" if sku in bins else "未设库位"
        labels.append(Label("code128", sku, names[sku], (where, f"{warehouse.code} {warehouse.name}")))
    return labels


def bin_labels(session: Session, warehouse: Warehouse, bins: list[str] | None = None) -> list[Label]:
    """Code 128 labels of the warehouse's bins (each bin once), naming the skus kept there."""
    stmt = (select(BinLocation.bin, BinLocation.sku, Part.name).join(Part, Part.sku == BinLocation.sku)
            .where(BinLocation.warehouse_code == warehouse.code).order_by(BinLocation.bin, BinLocation.sku))
    if bins is not None:
        stmt = stmt.where(BinLocation.bin.in_(bins))
    kept: dict[str, list[str]] = {}
    for code, sku, name in session.execute(stmt):
        kept.setdefault(code, []).append(f"{sku} {name}")
    return [Label("code128", code, f"{warehouse.code} 库位 {code}",
                  (parts[0], f"另有 {len(parts) - 1} 种配件" if len(parts) > 1 else f"{warehouse.name}"))
            for code, parts in list(kept.items())[:MAX_LABELS]]


def parcel_labels(session: Session, warehouse: Warehouse, codes: list[str] | None = None) -> list[Label]:
    """QR labels of the parcels the warehouse ships: its open picks (or the requisitions asked for)."""
    from api.web.queries import pick_list as open_picks

    picks, _total = open_picks(session, warehouse.code, limit=MAX_LABELS)
    if codes is not None:
        picks = [p for p in picks if p.code in set(codes)]
    return [Label("qr", p.code, f"包裹 发往 {p.service_point}",
                  (p.service_point_name, f"发货仓 {warehouse.code} {warehouse.name}", f"共 {p.units} 件",
                   f"工单 {p.ticket}" if p.ticket else ""))
            for p in picks]


RETURN_STATES = ("expected", "shipped", "overdue", "received", "inspected")


def return_labels(session: Session, warehouse: Warehouse, codes: list[int] | None = None) -> list[Label]:
    """QR labels of returns coming to or held at the warehouse (or the ones asked for by id)."""
    stmt = select(Return).where(Return.warehouse_code == warehouse.code).order_by(Return.id).limit(MAX_LABELS)
    stmt = stmt.where(Return.id.in_(codes)) if codes is not None else stmt.where(Return.status.in_(RETURN_STATES))
    rows = list(session.scalars(stmt).unique())
    names = _names(session, {r.sku for r in rows})
    return [Label("qr", r.code, sheets.KIND_ZH.get(r.kind, r.kind),
                  (f"{r.sku} {names.get(r.sku, '')} × {r.qty}", f"申请单 {r.requisition.code}",
                   f"{r.service_point_code} 退往 {warehouse.code}"))
            for r in rows]
