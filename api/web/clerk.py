"""Warehouse clerk pages (仓管员): the warehouse's day, pick and ship, receive, count, history,
transfers; and stock lookup, which every signed-in user may use."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import partial

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from inventory.business_calendar import BUSINESS_TZ as BEIJING, FIRST_YEAR, LAST_YEAR
from inventory.catalog import Part
from inventory.db import transaction
from inventory.errors import Conflict, DomainError, NotFound
from inventory.network import Warehouse
from inventory.requisitions import service as requisitions
from inventory.policy import load_policy
from inventory.warehouses import cycle_counts, enquiry, ledger, transfers
from inventory.warehouses.models import MOVEMENT_KINDS, Transfer

from ..extensions import db
from . import queries
from .actions import carried_out, row_action
from .auth import actor_name, login_required, warehouse_page
from .forms import ActionForm, CountForm, ReceiveForm, TransferCloseForm, TransferReceiveForm, unshown_errors
from .refusals import refusal
from .blueprint import bp

IN_TRANSIT = ("shipped", "partially_received")
DONE = ("received", "closed_with_discrepancy", "cancelled", "rejected")
PAGE = 50


def page_number() -> int:
    number = queries.int_or_none(request.args.get("page")) or 1
    return max(1, min(number, 100_000))


# -- home ----------------------------------------------------------------------------------------

@bp.get("/w/<wh>/")
@warehouse_page
def warehouse_home(warehouse: Warehouse):
    summary = queries.warehouse_summary(db.session, warehouse.code)
    picks, _total = queries.pick_list(db.session, warehouse.code, limit=5)
    recent = enquiry.movement_history(db.session, warehouse=warehouse.code, limit=8)
    return render_template("clerk/home.html", warehouse=warehouse, summary=summary, picks=picks,
                           recent=recent.rows)


# -- pick and ship -------------------------------------------------------------------------------

def _render_picks(warehouse: Warehouse, errors: dict[str, str] | None = None, status: int = 200,
                  scanned: dict[str, list[str]] | None = None):
    page = page_number()
    picks, total = queries.pick_list(db.session, warehouse.code, limit=PAGE, offset=(page - 1) * PAGE)
    forms = {p.code: ActionForm(prefix=p.code) for p in picks}
    return render_template("clerk/picks.html", warehouse=warehouse, picks=picks, total=total, page=page,
                           per_page=PAGE, forms=forms, errors=errors or {}, scanned=scanned or {}), status


def posted_scans() -> list[str]:
    """The skus scanned for a pick, one a line as a keyboard-wedge scanner types them."""
    return [line.strip() for line in request.form.get("scanned", "").splitlines() if line.strip()]


@bp.get("/w/<wh>/picks")
@warehouse_page
def pick_list(warehouse: Warehouse):
    return _render_picks(warehouse)


@bp.post("/w/<wh>/picks/<code>/ship")
@warehouse_page
def ship_pick(warehouse: Warehouse, code: str):
    scanned = posted_scans()  # every unit scanned before it ships: the domain refuses a wrong part (错发)
    return row_action(lambda: requisitions.ship(db.session, actor_name(g.web_user), code, warehouse=warehouse.code,
                                                scanned=scanned),
                      code, partial(_render_picks, warehouse, scanned={code: scanned}),
                      _("Requisition %(code)s shipped.", code=code), url_for("web.pick_list", wh=warehouse.code))


# -- receive and count ---------------------------------------------------------------------------

def _posted_for_a_part(form) -> bool:
    """The receive and count forms name one part: `?sku=` fills it in; True once the form is
    posted valid for a part that exists (else the form says what is wrong)."""
    if request.method == "GET" and request.args.get("sku"):
        form.sku.data = request.args["sku"]
    if not form.validate_on_submit():
        return False
    if db.session.get(Part, form.sku.data) is None:
        form.sku.errors.append(_("No part with this SKU."))
        return False
    return True


@bp.route("/w/<wh>/receive", methods=["GET", "POST"])
@warehouse_page
def receive(warehouse: Warehouse):
    form = ReceiveForm()
    if _posted_for_a_part(form):
        ref = ledger.Ref("delivery_note", form.reference.data.strip()) if form.reference.data else None
        remark = form.reason.data.strip() if form.reason.data else ""
        reason = f"receipt: {remark}" if remark else "receipt"
        if carried_out(form.qty, lambda: ledger.receive(db.session, warehouse.code, form.sku.data, form.qty.data,
                                                        actor=actor_name(g.web_user), ref=ref, reason=reason)):
            flash(_("Received %(qty)s × %(sku)s.", qty=form.qty.data, sku=form.sku.data), "success")
            return redirect(url_for("web.receive", wh=warehouse.code))
    status = 422 if form.errors else 200
    return render_template("clerk/receive.html", warehouse=warehouse, form=form), status


@bp.route("/w/<wh>/count", methods=["GET", "POST"])
@warehouse_page
def count(warehouse: Warehouse):
    form = CountForm()
    if _posted_for_a_part(form):
        try:
            with transaction(db.session):
                # the cycle count's rule (one owner): beyond the tolerance it waits for HQ
                [done] = cycle_counts.direct_counts(db.session, warehouse.code,
                                                    [(form.sku.data, form.counted.data, form.reason.data)],
                                                    load_policy(db.session), actor=actor_name(g.web_user))
        except Conflict as error:
            form.counted.errors.append(refusal(error))
        except DomainError as error:
            form.reason.errors.append(refusal(error))
        else:
            delta = done.posted_delta
            if done.waiting:
                flash(_("%(sku)s counted %(n)s: the difference is beyond the tolerance, so nothing was posted; "
                        "it waits for HQ's approval (cycle count %(count)s).", sku=form.sku.data,
                        n=form.counted.data, count=done.count_id), "info")
            elif delta:
                flash(_("%(sku)s counted %(n)s: on hand changed by %(delta)+d.", sku=form.sku.data,
                        n=form.counted.data, delta=delta), "success")
            else:
                flash(_("%(sku)s counted %(n)s: matches the books, nothing changed.", sku=form.sku.data,
                        n=form.counted.data), "info")
            return redirect(url_for("web.count", wh=warehouse.code))
    balance = ledger.get_balance(db.session, warehouse.code, form.sku.data) if form.sku.data else None
    status = 422 if form.errors else 200
    return render_template("clerk/count.html", warehouse=warehouse, form=form, balance=balance), status


@bp.get("/w/<wh>/balance.json")
@warehouse_page
def balance(warehouse: Warehouse):
    """What the books say for one sku here (the count and receive forms show it as you type)."""
    sku = (request.args.get("sku") or "").strip()
    part = db.session.get(Part, sku) if sku else None
    if part is None:
        return jsonify({"sku": sku, "known": False})
    row = ledger.get_balance(db.session, warehouse.code, sku)
    return jsonify({"sku": sku, "known": True, "name": part.name,
                    "on_hand": row.on_hand if row else 0, "reserved": row.reserved if row else 0,
                    "available": row.available if row else 0, "in_transit": row.in_transit if row else 0})


# -- movement history ----------------------------------------------------------------------------

def _day(value: str | None, field: str, errors: dict) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors[field] = _("Use a date like 2025-01-31.")
        return None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:  # the date picker offers years 1-9999; UTC has no room for them
        errors[field] = _("Use a date from %(first)s to %(last)s.", first=FIRST_YEAR, last=LAST_YEAR)
        return None
    return day


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, BEIJING).astimezone(timezone.utc)


def movement_filters(args) -> tuple[dict, dict]:
    """The movements page's filters as `enquiry.movement_history` takes them, and what is wrong
    with any (the page and its download read the same query string)."""
    errors = {}
    kind = args.get("kind") or None
    if kind and kind not in MOVEMENT_KINDS:
        errors["kind"] = _("Unknown movement kind.")
        kind = None
    since, until = _day(args.get("since"), "since", errors), _day(args.get("until"), "until", errors)
    if since and until and until < since:
        errors["until"] = _("The end date is before the start date.")
    return {"sku": (args.get("sku") or "").strip() or None, "kind": kind,
            "actor": (args.get("actor") or "").strip() or None, "ref_id": (args.get("ref") or "").strip() or None,
            "since": _start_of(since) if since else None,
            "until": _start_of(until + timedelta(days=1)) if until else None}, errors


@bp.get("/w/<wh>/movements")
@warehouse_page
def movements(warehouse: Warehouse):
    filters, errors = movement_filters(request.args)
    page = page_number()
    result = enquiry.movement_history(db.session, warehouse=warehouse.code, **filters,
                                      limit=PAGE, offset=(page - 1) * PAGE)
    return render_template("clerk/movements.html", warehouse=warehouse, result=result, page=page,
                           per_page=PAGE, kinds=MOVEMENT_KINDS, errors=errors), 400 if errors else 200


# -- transfers -----------------------------------------------------------------------------------

def _transfer_here(warehouse: Warehouse, transfer_id: str, end: str) -> Transfer:
    transfer = db.session.get(Transfer, transfer_id)
    if transfer is None or getattr(transfer, end) != warehouse.code:
        abort(404)
    return transfer


def _render_transfers(warehouse: Warehouse, posted: dict | None = None, errors: dict | None = None,
                      status: int = 200):
    session, code = db.session, warehouse.code
    outgoing = queries.transfer_list(session, statuses=("draft",), from_warehouse=code)
    incoming = queries.transfer_list(session, statuses=IN_TRANSIT, to_warehouse=code)
    # what left here and is still on its way is listed first: nowhere else shows it to its sender
    done = (queries.transfer_list(session, statuses=IN_TRANSIT, from_warehouse=code, limit=30)
            + queries.transfer_list(session, statuses=DONE, warehouse=code, limit=30))
    posted = posted or {}
    forms = {}
    for t in outgoing:
        forms[t.id] = {"ship": posted.get((t.id, "ship")) or ActionForm(prefix=f"ship-{t.id}")}
    for t in incoming:
        receive_form = posted.get((t.id, "receive")) or TransferReceiveForm(prefix=f"recv-{t.id}", formdata=None)
        if receive_form.qty.data is None:
            receive_form.qty.data = t.outstanding
        forms[t.id] = {"receive": receive_form,
                       "close": posted.get((t.id, "close")) or TransferCloseForm(prefix=f"close-{t.id}", formdata=None)}
    errors = {**unshown_errors(posted, forms), **(errors or {})}
    return render_template("clerk/transfers.html", warehouse=warehouse, outgoing=outgoing, incoming=incoming,
                           done=done, forms=forms, errors=errors), status


@bp.get("/w/<wh>/transfers")
@warehouse_page
def warehouse_transfers(warehouse: Warehouse):
    return _render_transfers(warehouse)


@bp.post("/w/<wh>/transfers/<transfer_id>/ship")
@warehouse_page
def ship_transfer(warehouse: Warehouse, transfer_id: str):
    transfer = _transfer_here(warehouse, transfer_id, "from_warehouse")
    return row_action(lambda: transfers.ship_own_draft(db.session, transfer.id, actor=actor_name(g.web_user)),
                      transfer_id, partial(_render_transfers, warehouse), _("Transfer %(id)s shipped.", id=transfer_id),
                      url_for("web.warehouse_transfers", wh=warehouse.code))


@bp.post("/w/<wh>/transfers/<transfer_id>/receive")
@warehouse_page
def receive_transfer(warehouse: Warehouse, transfer_id: str):
    _transfer_here(warehouse, transfer_id, "to_warehouse")
    form = TransferReceiveForm(prefix=f"recv-{transfer_id}")
    if form.validate() and carried_out(form.qty, lambda: transfers.receive(
            db.session, transfer_id, form.qty.data, actor=actor_name(g.web_user), note=form.note.data or "")):
        flash(_("Received %(qty)s on transfer %(id)s.", qty=form.qty.data, id=transfer_id), "success")
        return redirect(url_for("web.warehouse_transfers", wh=warehouse.code))
    return _render_transfers(warehouse, posted={(transfer_id, "receive"): form}, status=422)


@bp.post("/w/<wh>/transfers/<transfer_id>/close")
@warehouse_page
def close_transfer(warehouse: Warehouse, transfer_id: str):
    _transfer_here(warehouse, transfer_id, "to_warehouse")
    form = TransferCloseForm(prefix=f"close-{transfer_id}")
    if form.validate() and carried_out(form.note, lambda: transfers.close_with_discrepancy(
            db.session, transfer_id, actor=actor_name(g.web_user), note=form.note.data)):
        flash(_("Transfer %(id)s closed short.", id=transfer_id), "success")
        return redirect(url_for("web.warehouse_transfers", wh=warehouse.code))
    return _render_transfers(warehouse, posted={(transfer_id, "close"): form}, status=422)


# -- stock lookup (everyone) ---------------------------------------------------------------------

def stock_filters(args, user) -> tuple[str, str | None, bool]:
    """The stock lookup's search text, warehouse (a clerk's own unless chosen) and 'only available'."""
    text = (args.get("q") or "").strip()
    if "warehouse" in args:
        wh = args.get("warehouse") or None
    else:
        wh = user.warehouse_code if user.role == "clerk" else None
    return text, wh, args.get("available") == "1"


@bp.get("/stock")
@login_required()
def stock():
    text, wh, only_available = stock_filters(request.args, g.web_user)
    page = page_number()
    result = enquiry.search_stock(db.session, text or None, warehouse=wh, only_available=only_available,
                                  limit=PAGE, offset=(page - 1) * PAGE)
    return render_template("stock.html", result=result, q=text, wh=wh, only_available=only_available,
                           page=page, per_page=PAGE, warehouses=queries.warehouses(db.session))


@bp.get("/stock/<sku>")
@login_required()
def stock_sku(sku: str):
    try:
        found = enquiry.stock_for_sku(db.session, sku)
    except NotFound:
        abort(404)
    part = db.session.get(Part, sku)
    return render_template("stock_sku.html", stock=found, part=part)
