"""A warehouse's bins (库位) and what its clerk prints: label sheets (skus and bins in Code 128,
parcels and returns in QR) and documents (pick list, packing slip 装箱单, transfer note, return
note) as PDF, built by `api.documents`. HQ may open and print them too (GET), not set bins."""
from __future__ import annotations

import io

from flask import abort, current_app, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from inventory.catalog import Part
from inventory.network import Warehouse
from inventory.requisitions.models import Requisition, parse_code as requisition_number
from inventory.returns.models import Return, parse_code as return_number
from inventory.warehouses import bins
from inventory.warehouses.models import Transfer

from ..documents import gather, labels, sheets
from ..documents.pdf import FontUnavailable
from ..extensions import db
from .actions import carried_out
from .auth import actor_name, warehouse_page
from .clerk import page_number
from .forms import BinForm
from .blueprint import bp

PAGE = 50
MAX_ASKED = 500  # codes named in one label request (?sku=...&sku=...)


def _pdf(build, filename: str):
    """Send a built PDF inline (the browser shows it, ready to print); a missing font says so."""
    try:
        data = build(font=current_app.config.get("PDF_CJK_FONT"))
    except FontUnavailable as error:
        current_app.logger.error("PDF not built: %s", error)
        return str(error), 503, {"Content-Type": "text/plain; charset=utf-8"}
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=filename, as_attachment=False)


def _asked(name: str) -> list[str] | None:
    values = [v.strip() for v in request.args.getlist(name) if v.strip()]
    if len(values) > MAX_ASKED:
        abort(400)
    return values or None


def _label_sheet(found: list[labels.Label], title: str, filename: str):
    if not found:
        abort(404)
    return _pdf(lambda font: labels.label_sheet(found, title=title, font=font), filename)


# -- bins ----------------------------------------------------------------------------------------

def _render_bins(warehouse: Warehouse, form: BinForm, status: int = 200):
    page = page_number()
    sku = (request.args.get("sku") or "").strip() or None
    rows, total = bins.list_bins(db.session, warehouse.code, sku=sku, bin_prefix=request.args.get("bin"),
                                 limit=PAGE, offset=(page - 1) * PAGE)
    return render_template("clerk/bins.html", warehouse=warehouse, rows=rows, total=total, page=page,
                           per_page=PAGE, form=form), status


@bp.get("/w/<wh>/bins")
@warehouse_page
def warehouse_bins(warehouse: Warehouse):
    return _render_bins(warehouse, BinForm(formdata=None))


@bp.post("/w/<wh>/bins")
@warehouse_page
def set_bin(warehouse: Warehouse):
    form = BinForm()
    if form.validate():
        if db.session.get(Part, form.sku.data) is None:
            form.sku.errors.append(_("No part with this SKU."))
        elif carried_out(form.bin, lambda: bins.set_bins(db.session, warehouse.code, {form.sku.data: form.bin.data or None},
                                                         actor=actor_name(g.web_user))):
            if form.bin.data:
                flash(_("%(sku)s is kept in bin %(bin)s.", sku=form.sku.data, bin=form.bin.data.upper()), "success")
            else:
                flash(_("%(sku)s has no bin any more.", sku=form.sku.data), "info")
            return redirect(url_for("web.warehouse_bins", wh=warehouse.code))
    return _render_bins(warehouse, form, 422)


# -- label sheets: /w/<wh>/labels/<sheet>.pdf ------------------------------------------------------
# Each sheet holds the labels of the codes asked for (?<arg>=... read by `read`, those it cannot read
# dropped), else all of the warehouse's: skus held or binned here and bins in Code 128, parcels to
# ship from here and returns coming here or held here in QR.

def _label_route(sheet: str, endpoint: str, arg: str, read, gatherer, title: str) -> None:
    def view(warehouse: Warehouse):
        asked = _asked(arg)
        codes = None if asked is None else [c for c in map(read, asked) if c is not None]
        return _label_sheet(gatherer(db.session, warehouse, codes), f"{warehouse.code} {title}",
                            f"{sheet[:-1]}-labels-{warehouse.code}.pdf")

    bp.add_url_rule(f"/w/<wh>/labels/{sheet}.pdf", endpoint, warehouse_page(view), methods=["GET"])


_label_route("skus", "sku_labels", "sku", str, gather.sku_labels, "配件标签")
_label_route("bins", "bin_labels", "bin", str.upper, gather.bin_labels, "库位标签")
_label_route("parcels", "parcel_labels", "code", str, gather.parcel_labels, "包裹标签")
_label_route("returns", "return_labels", "code", return_number, gather.return_labels, "返件标签")


# -- documents -----------------------------------------------------------------------------------

@bp.get("/w/<wh>/picks.pdf")
@warehouse_page
def pick_list_pdf(warehouse: Warehouse):
    doc = gather.pick_list(db.session, warehouse)
    return _pdf(lambda font: sheets.pick_list(doc, font=font), f"pick-list-{warehouse.code}.pdf")


@bp.get("/w/<wh>/picks/<code>/packing-slip.pdf")
@warehouse_page
def packing_slip_pdf(warehouse: Warehouse, code: str):
    """This warehouse's parcel of the requisition: what it ships (or shipped) of it."""
    number = requisition_number(code)
    req = db.session.get(Requisition, number) if number is not None else None
    doc = gather.packing_slip(db.session, req, warehouse.code) if req is not None else None
    if doc is None:
        abort(404)
    return _pdf(lambda font: sheets.packing_slip(doc, font=font), f"packing-slip-{req.code}.pdf")


@bp.get("/w/<wh>/transfers/<transfer_id>/note.pdf")
@warehouse_page
def transfer_note_pdf(warehouse: Warehouse, transfer_id: str):
    transfer = db.session.get(Transfer, transfer_id)
    if transfer is None or warehouse.code not in (transfer.from_warehouse, transfer.to_warehouse):
        abort(404)
    doc = gather.transfer_note(db.session, transfer)
    return _pdf(lambda font: sheets.transfer_note(doc, font=font), f"transfer-{transfer.id}.pdf")


@bp.get("/w/<wh>/returns/<code>/note.pdf")
@warehouse_page
def return_note_pdf(warehouse: Warehouse, code: str):
    number = return_number(code)
    row = db.session.get(Return, number) if number is not None else None
    if row is None or row.warehouse_code != warehouse.code:
        abort(404)
    doc = gather.return_note(db.session, row)
    return _pdf(lambda font: sheets.return_note(doc, font=font), f"return-{row.code}.pdf")

