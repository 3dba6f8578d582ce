"""HQ buying pages (采购): the stock plan's proposals to approve or reject, and the open orders,
received at HQ as deliveries come (partly, or more than ordered with a note) or closed short."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from inventory.purchasing import service as purchasing
from inventory.network import Warehouse
from inventory.purchasing.models import PurchaseOrder, Supplier, parse_code

from ..extensions import db
from .actions import carried_out, row_action
from .auth import actor_name, login_required, warehouse_page
from .forms import ActionForm, RejectForm, unshown_errors
from .blueprint import bp

LINES_SHOWN = 30  # a plan's order to one supplier can run to thousands of lines: the rest are in the download

HQ = "hq"
MAX_QTY = purchasing.MAX_QTY


class ReceiptForm(FlaskForm):
    """One delivery against an order: a quantity per outstanding line (read by `quantities`)."""

    note = StringField(_l("Note (needed when more than ordered arrived)"), validators=[Optional(), Length(max=200)])


class CloseForm(FlaskForm):
    reason = StringField(_l("Why the rest will not come"), validators=[DataRequired(), Length(max=200)])


def quantities(order: PurchaseOrder, form) -> tuple[dict[str, int], list[str]]:
    """The quantities typed per line (`qty-<line id>`; blank or 0 skips a line) and any errors."""
    got, errors = {}, []
    for line in order.lines:
        raw = (form.get(f"qty-{line.id}") or "").strip()
        if not raw:
            continue
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 7 and int(raw) <= MAX_QTY):
            errors.append(_("%(sku)s: a whole number from 0 to %(most)s.", sku=line.sku, most="{:,}".format(MAX_QTY)))
        elif int(raw):
            got[line.sku] = int(raw)
    if not got and not errors:
        errors.append(_("Enter the quantity that arrived for at least one line."))
    return got, errors


def _order_or_404(code: str) -> PurchaseOrder:
    number = parse_code(code)
    order = db.session.get(PurchaseOrder, number) if number else None
    if order is None:
        abort(404)
    return order


def _render(posted=None, errors=None, status=200, warehouse=None):
    """HQ's page; with `warehouse`, its clerk's: the orders delivered there, to receive only."""
    proposals = [] if warehouse else purchasing.list_orders(db.session, status="proposed")
    open_orders = [o for o in purchasing.list_orders(db.session, limit=200)
                   if o.status in ("open", "partially_received") and (warehouse is None or o.warehouse_code == warehouse.code)]
    recent = [o for o in purchasing.list_orders(db.session, limit=30)
              if o.status in ("received", "closed_short", "rejected")]
    posted = posted or {}
    forms = {o.code: {"approve": ActionForm(prefix=f"ok-{o.code}"),
                      "reject": posted.get((o.code, "reject")) or RejectForm(prefix=f"no-{o.code}", formdata=None)}
             for o in proposals}
    forms.update({o.code: {"receive": posted.get((o.code, "receive")) or ReceiptForm(prefix=f"in-{o.code}",
                                                                                    formdata=None),
                           "close": posted.get((o.code, "close")) or CloseForm(prefix=f"cl-{o.code}", formdata=None)}
                  for o in open_orders})
    errors = {**unshown_errors(posted, forms), **(errors or {})}
    value = {o.code: sum((line.unit_price * line.qty for line in o.lines), 0) for o in proposals + open_orders}
    if warehouse:
        recent = [o for o in recent if o.warehouse_code == warehouse.code]
        receive_url = lambda code: url_for("web.clerk_receive_purchase", wh=warehouse.code, code=code)  # noqa: E731
    else:
        receive_url = lambda code: url_for("web.receive_purchase", code=code)  # noqa: E731
    suppliers = dict(db.session.execute(select(Supplier.code, Supplier.name)).all())
    return render_template("hq/purchasing.html", proposals=proposals, open_orders=open_orders, recent=recent,
                           forms=forms, errors=errors, value=value, typed=request.form, warehouse=warehouse,
                           receive_url=receive_url, suppliers=suppliers, LINES_SHOWN=LINES_SHOWN), status


@bp.get("/hq/purchasing")
@login_required(HQ)
def hq_purchasing():
    return _render()


@bp.post("/hq/purchasing/<code>/approve")
@login_required(HQ)
def approve_purchase(code: str):
    _order_or_404(code)
    return row_action(lambda: purchasing.approve(db.session, code, actor=actor_name(g.web_user)), code, _render,
                      _("Purchase order %(code)s approved.", code=code), url_for("web.hq_purchasing"))


@bp.post("/hq/purchasing/<code>/reject")
@login_required(HQ)
def reject_purchase(code: str):
    _order_or_404(code)
    return _with_reason(code, "reject", RejectForm(prefix=f"no-{code}"), purchasing.reject,
                        _("Purchase order %(code)s rejected.", code=code))


def _with_reason(code: str, step: str, form, change, done: str):
    """HQ's two ends of an order that take a reason, rejecting a proposal and closing one short:
    both answer alike (done: `done`, back to the page; else the form again, saying why)."""
    if form.validate() and carried_out(form.reason, lambda: change(
            db.session, code, actor=actor_name(g.web_user), reason=form.reason.data)):
        flash(done, "info")
        return redirect(url_for("web.hq_purchasing"))
    return _render(posted={(code, step): form}, status=422)


def _receive(order: PurchaseOrder, back: str, warehouse=None):
    code = order.code
    form = ReceiptForm(prefix=f"in-{code}")
    if form.validate():
        got, errors = quantities(order, request.form)
        form.note.errors.extend(errors)
        if not errors and carried_out(form.note, lambda: purchasing.receive(
                db.session, code, got, actor=actor_name(g.web_user), note=form.note.data or None)):
            flash(_("Received against %(code)s.", code=code), "success")
            return redirect(back)
    return _render(posted={(code, "receive"): form}, status=422, warehouse=warehouse)


@bp.post("/hq/purchasing/<code>/receive")
@login_required(HQ)
def receive_purchase(code: str):
    return _receive(_order_or_404(code), url_for("web.hq_purchasing"))


@bp.get("/w/<wh>/purchasing")
@warehouse_page
def clerk_purchasing(warehouse: Warehouse):
    """The clerk of the warehouse HQ buys into receives the suppliers' deliveries (采购收货)."""
    return _render(warehouse=warehouse)


@bp.post("/w/<wh>/purchasing/<code>/receive")
@warehouse_page
def clerk_receive_purchase(warehouse: Warehouse, code: str):
    order = _order_or_404(code)
    if order.warehouse_code != warehouse.code:
        abort(404)
    return _receive(order, url_for("web.clerk_purchasing", wh=warehouse.code), warehouse)


@bp.post("/hq/purchasing/<code>/close")
@login_required(HQ)
def close_purchase(code: str):
    _order_or_404(code)
    return _with_reason(code, "close", CloseForm(prefix=f"cl-{code}"), purchasing.close_short,
                        _("Purchase order %(code)s closed short.", code=code))
