"""The downloads of the warehouse pages and the stock lookup: each route sits beside its page
(`<page>/export.<xlsx|csv>`), takes the page's access and filters, and exports every row those
filters select, not one page of them. The tables are built here (HQ's reports in
`export_reports`); `exports` writes the files."""
from __future__ import annotations

from flask import abort, g, request
from flask_babel import lazy_gettext as _l

from inventory.errors import NotFound
from inventory.network import Warehouse
from inventory.policy import load_policy
from inventory.purchasing import service as purchasing
from inventory.warehouses import cycle_counts as cc
from inventory.warehouses import enquiry
from inventory.warehouses.models import Transfer

from ..extensions import db
from . import queries
from .auth import login_required, warehouse_page
from .exports import Column, Table, capped, download, every_page, export_url, one_over_cap, refuse
from .labels import OUTCOME, actor_label, movement_label, purchase_note, return_kind_label, status_label
from .reasons import reason_label
from .blueprint import bp

HQ = "hq"
bp.add_app_template_global(export_url)  # the pages' download links (macros.export_links)


# -- stock, movements, picks (a warehouse's clerk, HQ; the stock lookup: everyone) ---------------

STOCK = [Column(_l("SKU")), Column(_l("Part")), Column(_l("Warehouse")), Column(_l("Warehouse name")),
         Column(_l("On hand"), "int"), Column(_l("Reserved"), "int"), Column(_l("Available"), "int"),
         Column(_l("In transit"), "int")]


@bp.get("/stock/export.<fmt>")
@login_required()
def stock_export(fmt: str):
    from .clerk import stock_filters

    text, wh, only_available = stock_filters(request.args, g.web_user)

    def fetch(limit, offset):
        page = enquiry.search_stock(db.session, text or None, warehouse=wh, only_available=only_available,
                                    limit=limit, offset=offset)
        return page.rows, page.total

    rows = [(r.sku, r.name, r.warehouse, r.warehouse_name, r.on_hand, r.reserved, r.available, r.in_transit)
            for r in every_page(fetch)]
    return download(f"stock{'-' + wh if wh else ''}", fmt, Table(_l("Stock lookup"), STOCK, rows))


MOVEMENTS = [Column(_l("When"), "datetime"), Column(_l("Kind")), Column(_l("SKU")), Column(_l("On hand"), "int"),
             Column(_l("Reserved"), "int"), Column(_l("In transit"), "int"), Column(_l("By")), Column(_l("Reason")),
             Column(_l("Reference"))]


@bp.get("/w/<wh>/movements/export.<fmt>")
@warehouse_page
def movements_export(warehouse: Warehouse, fmt: str):
    from .clerk import movement_filters

    filters, errors = movement_filters(request.args)
    if errors:
        refuse("; ".join(str(e) for e in errors.values()))

    def fetch(limit, offset):
        page = enquiry.movement_history(db.session, warehouse=warehouse.code, **filters, limit=limit, offset=offset)
        return page.rows, page.total

    rows = [(m.at, movement_label(m.kind, m), m.sku, m.on_hand_delta, m.reserved_delta, m.in_transit_delta,
             actor_label(m.actor), reason_label(m.reason), m.ref_id) for m in every_page(fetch)]
    return download(f"movements-{warehouse.code}", fmt, Table(_l("Movements"), MOVEMENTS, rows))


PICKS = [Column(_l("Requisition")), Column(_l("Promised by"), "datetime"), Column(_l("Service point")),
         Column(_l("Service point name")), Column(_l("Ticket")), Column(_l("SKU")), Column(_l("Part")),
         Column(_l("Qty"), "int"), Column(_l("On hand"), "int"), Column(_l("Warranty")),
         Column(_l("Replacement for"))]


@bp.get("/w/<wh>/picks/export.<fmt>")
@warehouse_page
def picks_export(warehouse: Warehouse, fmt: str):
    picks, total = queries.pick_list(db.session, warehouse.code, limit=one_over_cap())
    capped(picks)
    yes, no = _l("in warranty"), _l("out of warranty")
    rows = [(p.code, p.promised_by, p.service_point, p.service_point_name, p.ticket, line.sku, line.name, line.qty,
             line.on_hand, yes if line.in_warranty else no, line.replaces) for p in picks for line in p.lines]
    return download(f"picks-{warehouse.code}", fmt, Table(_l("Pick list"), PICKS, rows))


@bp.get("/stock/<sku>/export.<fmt>")
@login_required()
def stock_sku_export(sku: str, fmt: str):
    try:
        found = enquiry.stock_for_sku(db.session, sku)
    except NotFound:
        abort(404)
    rows = [(r.warehouse, r.warehouse_name, r.on_hand, r.reserved, r.available, r.in_transit) for r in found.rows]
    return download(f"stock-{sku}", fmt, Table(f"{found.sku} {found.name}", [
        Column(_l("Warehouse")), Column(_l("Warehouse name")), Column(_l("On hand"), "int"),
        Column(_l("Reserved"), "int"), Column(_l("Available"), "int"), Column(_l("In transit"), "int")], rows))


# -- transfers -------------------------------------------------------------------------------------

TRANSFERS = [Column(_l("Transfer")), Column(_l("Status")), Column(_l("From")), Column(_l("To")), Column(_l("SKU")),
             Column(_l("Qty"), "int"), Column(_l("Received"), "int"), Column(_l("Outstanding"), "int"),
             Column(_l("Reason")), Column(_l("Proposed by")), Column(_l("Run")), Column(_l("Created"), "datetime"),
             Column(_l("Shipped"), "datetime")]


def _transfer_rows(transfers: list[Transfer]) -> list[tuple]:
    return [(t.id, status_label(t.status), t.from_warehouse, t.to_warehouse, t.sku, t.qty, t.qty_received,
             t.outstanding, reason_label(t.reason), actor_label(t.created_by), t.proposal_run_id, t.created_at,
             t.shipped_at)
            for t in capped(transfers)]


@bp.get("/w/<wh>/transfers/export.<fmt>")
@warehouse_page
def warehouse_transfers_export(warehouse: Warehouse, fmt: str):
    """What the page lists, every one: drafts to ship from here, arriving here, and all done."""
    from .clerk import DONE, IN_TRANSIT

    session, code, most = db.session, warehouse.code, one_over_cap()
    found = (queries.transfer_list(session, statuses=("draft",), from_warehouse=code, limit=most)
             + queries.transfer_list(session, statuses=IN_TRANSIT, to_warehouse=code, limit=most)
             + queries.transfer_list(session, statuses=DONE, warehouse=code, limit=most))
    return download(f"transfers-{code}", fmt, Table(_l("Transfers"), TRANSFERS, _transfer_rows(found)))


@bp.get("/hq/transfers/export.<fmt>")
@login_required(HQ)
def hq_transfers_export(fmt: str):
    """The drafts to approve (of one optimizer run with `?run=`) and every transfer in transit."""
    run, most = request.args.get("run") or None, one_over_cap()
    found = (queries.transfer_list(db.session, statuses=("draft",), run=run, limit=most)
             + queries.transfer_list(db.session, statuses=("shipped", "partially_received"), limit=most))
    return download("transfers", fmt, Table(_l("Transfers"), TRANSFERS, _transfer_rows(found)))


# -- returns ---------------------------------------------------------------------------------------

RETURNS = [Column(_l("Return")), Column(_l("Status")), Column(_l("Kind")), Column(_l("Requisition")),
           Column(_l("Service point")), Column(_l("SKU")), Column(_l("Qty"), "int"), Column(_l("Due by"), "datetime"),
           Column(_l("Reason")), Column(_l("Outcome"))]


@bp.get("/w/<wh>/returns/export.<fmt>")
@warehouse_page
def warehouse_returns_export(warehouse: Warehouse, fmt: str):
    from .returns import TO_RECEIVE

    found = capped(queries.returns_at(db.session, warehouse.code, TO_RECEIVE + ("received", "inspected"),
                                      limit=one_over_cap()))
    rows = [(r.code, status_label(r.status), return_kind_label(r.kind), r.requisition_code, r.service_point_code,
             r.sku, r.qty, r.due_by, reason_label(r.reason), str(OUTCOME.get(r.outcome, r.outcome)) if r.outcome else None)
            for r in found]
    return download(f"returns-{warehouse.code}", fmt, Table(_l("Returns"), RETURNS, rows))


# -- purchasing ------------------------------------------------------------------------------------

PURCHASES = [Column(_l("Order")), Column(_l("Status")), Column(_l("Supplier")), Column(_l("Warehouse")),
             Column(_l("Created"), "datetime"), Column(_l("SKU")), Column(_l("Ordered"), "int"),
             Column(_l("Received"), "int"), Column(_l("Outstanding"), "int"), Column(_l("Unit price (RMB)"), "money"),
             Column(_l("Value (RMB)"), "money"), Column(_l("Note"))]


def _purchase_export(fmt: str, warehouse: Warehouse | None):
    """The orders the page shows (proposals for HQ, open ones, closed ones), one row per line."""
    shown = ("open", "partially_received", "received", "closed_short", "rejected") + (() if warehouse else ("proposed",))
    orders = [o for o in capped(purchasing.list_orders(db.session, limit=one_over_cap()))
              if o.status in shown and (warehouse is None or o.warehouse_code == warehouse.code)]
    rows = [(o.code, status_label(o.status), o.supplier_code, o.warehouse_code, o.created_at, line.sku, line.qty,
             line.qty_received, line.outstanding, line.unit_price, line.unit_price * line.qty,
             purchase_note(o.closing_note or o.reason)) for o in orders for line in o.lines]
    name = f"purchasing-{warehouse.code}" if warehouse else "purchasing"
    return download(name, fmt, Table(_l("Purchasing"), PURCHASES, rows))


@bp.get("/hq/purchasing/export.<fmt>")
@login_required(HQ)
def hq_purchasing_export(fmt: str):
    return _purchase_export(fmt, None)


@bp.get("/w/<wh>/purchasing/export.<fmt>")
@warehouse_page
def clerk_purchasing_export(warehouse: Warehouse, fmt: str):
    return _purchase_export(fmt, warehouse)


# -- the clerk's cycle count (blind: no book quantity) ----------------------------------------------

@bp.get("/w/<wh>/cycle-count/export.<fmt>")
@warehouse_page
def cycle_count_export(warehouse: Warehouse, fmt: str):
    """The open count's lines to count (sku, name, class: blind, no book), else every sku due, and
    the recent counts; a count sheet to take to the shelf."""
    from .cycle_counts import _names, _recent

    session = db.session
    count = cc.open_count(session, warehouse.code)
    if count is not None:
        lines = cc.lines_of(session, count.id)
        names = _names([line.sku for line in lines])
        first = Table(_l("Count %(id)s", id=count.id), [Column(_l("SKU")), Column(_l("Name")), Column(_l("Class")),
                                                        Column(_l("Counted quantity"), "int")],
                      [(line.sku, names.get(line.sku), line.abc_class, None) for line in lines])
    else:
        due = capped(cc.due_list(session, warehouse.code, load_policy(session), limit=one_over_cap()))
        names = _names([d.sku for d in due])
        first = Table(_l("Due for counting"), [Column(_l("SKU")), Column(_l("Name")), Column(_l("Class")),
                                               Column(_l("Last counted"), "datetime")],
                      [(d.sku, names.get(d.sku), d.abc_class, d.last_counted) for d in due])
    recent = Table(_l("Recent counts"), [
        Column(_l("Count"), "int"), Column(_l("Submitted"), "datetime"), Column(_l("Status")),
        Column(_l("Lines"), "int"), Column(_l("Posted"), "int"), Column(_l("Awaiting approval"), "int"),
        Column(_l("To count again"), "int")],
        [(c.id, c.submitted_at, status_label(c.status), n, by.get("posted", 0) + by.get("approved", 0),
          by.get("awaiting_approval", 0), by.get("rejected", 0)) for c, n, by in _recent(warehouse.code)])
    return download(f"cycle-count-{warehouse.code}", fmt, [first, recent])


# -- bins (库位) ------------------------------------------------------------------------------------

@bp.get("/w/<wh>/bins/export.<fmt>")
@warehouse_page
def bins_export(warehouse: Warehouse, fmt: str):
    """The warehouse's bins in bin order, under the page's filters (`?sku=`, `?bin=` a bin's start)."""
    from inventory.warehouses import bins

    sku = (request.args.get("sku") or "").strip() or None

    def fetch(limit, offset):
        return bins.list_bins(db.session, warehouse.code, sku=sku, bin_prefix=request.args.get("bin"),
                              limit=limit, offset=offset)

    rows = [(r.bin, r.sku, r.name, r.updated_by, r.updated_at) for r in every_page(fetch)]
    return download(f"bins-{warehouse.code}", fmt, Table(_l("Bins"), [
        Column(_l("Bin")), Column(_l("SKU")), Column(_l("Part")), Column(_l("Set by")),
        Column(_l("When"), "datetime")], rows))
