"""HQ's pages for out-of-warranty money (issue #18, point 3): a service point's monthly statement
(with its XLSX export and the form recording an overcharge penalty), and one requisition with
what the point must collect from the customer.

The overcharge form checks everything the domain would refuse (a known ticket when the allowed
amount is left to the service, more charged than allowed, two decimals) so every refusal reads
in the page's language; recording goes through `inventory.overcharges.record` (audited).
"""
from __future__ import annotations

import re
from decimal import Decimal

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from inventory import overcharges
from inventory.catalog import MAX_LIST_PRICE, Part
from inventory.customer_charges import requisition_charge, ticket_charge
from inventory.db import utcnow
from inventory.network import ServicePoint
from inventory.policy import load_policy
from inventory.quotas.service import period_of
from inventory.requisitions.models import Requisition, parse_code
from inventory.statements import monthly_statement
from inventory.tickets.report import month_bounds

from ..extensions import db
from .actions import carried_out
from .auth import actor_name, login_required
from .exports import download
from .periods import period_arg
from .statement_export import tables as statement_tables
from .blueprint import bp
from .warranty import override_form

HQ = "hq"
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,15}$")

TIER = {"municipality": _l("municipality"), "provincial_capital": _l("provincial capital"),
        "prefecture": _l("prefecture city"), "county": _l("county")}
VISIT = {"visit": _l("home visit"), "in_shop": _l("repaired at the point")}
BASIS = {"list": _l("list price"), "markup": _l("cost markup")}
CHARGE = {"overdue": _l("old part overdue"), "wrong_part": _l("wrong part returned")}


def _two_places(form, field) -> None:
    if field.data is not None and field.data != field.data.quantize(Decimal("0.01")):
        raise ValidationError(_l("At most two decimal places."))


def _money_field(label, *validators):
    return DecimalField(label, places=2, validators=[*validators, NumberRange(min=0, max=MAX_LIST_PRICE),
                                                     _two_places])


class OverchargeForm(FlaskForm):
    """A verified overcharge: what the customer paid, what was allowed (or the ticket to compute it)."""

    ticket = StringField(_l("Ticket"), validators=[Optional(), Length(max=overcharges.MAX_TICKET)],
                         filters=[lambda v: v.strip() or None if isinstance(v, str) else v])
    charged = _money_field(_l("Charged to the customer (RMB)"), InputRequired())
    allowed = _money_field(_l("Allowed (RMB; empty: what the ticket's requisitions allow)"), Optional())
    note = StringField(_l("How it was verified"), validators=[DataRequired(), Length(max=overcharges.MAX_NOTE)])


def _labels() -> dict:
    return {"tier_label": lambda c: TIER.get(c, c), "visit_label": lambda c: VISIT.get(c, c),
            "basis_label": lambda c: BASIS.get(c, c) if c else "", "charge_label": lambda c: CHARGE.get(c, c)}


def _point(code: str) -> ServicePoint:
    point = db.session.get(ServicePoint, code) if CODE.match(code) else None
    if point is None:
        abort(404)
    return point


def _render_statement(point: ServicePoint, period: str, form: OverchargeForm | None = None, status: int = 200):
    statement = monthly_statement(db.session, point.code, period, load_policy(db.session))
    page = render_template("hq/statement.html", s=statement, totals=statement.totals(), period=period,
                           form=form or OverchargeForm(formdata=None), **_labels())
    db.session.rollback()
    return page, status


@bp.get("/hq/statements")
@login_required(HQ)
def statements():
    """Choose a point and a month; the month's overcharge penalties across the network."""
    code = (request.args.get("point") or "").strip().upper()
    period = period_arg()
    error = None
    if code:
        if CODE.match(code) and db.session.get(ServicePoint, code) is not None:
            return redirect(url_for("web.statement", code=code, period=period))
        error = _("There is no service point %(code)s.", code=code)
    start, end = month_bounds(period)
    rows = overcharges.in_period(db.session, start, end)
    db.session.rollback()
    return render_template("hq/statements.html", period=period, code=code, error=error, penalties=rows), \
        404 if error else 200


@bp.get("/hq/statements/<code>")
@login_required(HQ)
def statement(code: str):
    """The point's month: parts in and out of warranty, fees to collect, charges, repair fees held."""
    return _render_statement(_point(code), period_arg(strict=True))


@bp.post("/hq/statements/<code>/overcharges")
@login_required(HQ)
def record_overcharge(code: str):
    """HQ records a verified overcharge; the point pays the excess times the policy's multiple."""
    point = _point(code)
    form = OverchargeForm()
    if form.validate() and _allowed_checks(form, point):
        done = carried_out(form.charged, lambda: overcharges.record(
            db.session, point.code, charged=form.charged.data, allowed=form.allowed.data, ticket=form.ticket.data,
            note=form.note.data, actor=actor_name(g.web_user), policy=load_policy(db.session)))
        if done:
            flash(_("Overcharge penalty recorded against %(point)s.", point=point.code), "success")
            return redirect(url_for("web.statement", code=point.code) + "#overcharges")
    return _render_statement(point, period_of(utcnow()), form, 422)


def _allowed_checks(form: OverchargeForm, point: ServicePoint) -> bool:
    """What the domain would refuse, said under the field in the page's language."""
    allowed = form.allowed.data
    if allowed is None:
        if not form.ticket.data:
            form.allowed.errors.append(_("Give the amount allowed, or the ticket to compute it from."))
            return False
        allowed = ticket_charge(db.session, point.code, form.ticket.data, load_policy(db.session))
        if allowed is None:
            form.ticket.errors.append(_("Ticket %(ticket)s has no requisition at %(point)s; give the amount "
                                        "allowed.", ticket=form.ticket.data, point=point.code))
            return False
    if form.charged.data <= allowed:
        form.charged.errors.append(_("The customer paid no more than the %(allowed)s allowed: no overcharge.",
                                     allowed=allowed))
        return False
    return True


@bp.get("/hq/statements/<code>.xlsx", defaults={"fmt": "xlsx"})
@bp.get("/hq/statements/<code>.csv", defaults={"fmt": "csv"})
@login_required(HQ)
def statement_xlsx(code: str, fmt: str):
    """The statement as a download: a summary and one table per kind of line (XLSX sheets, or CSV
    tables one after another)."""
    point, period = _point(code), period_arg(strict=True)
    statement = monthly_statement(db.session, point.code, period, load_policy(db.session))
    made = statement_tables(statement, _labels())
    db.session.rollback()
    return download(f"statement-{point.code}-{period}", fmt, made)


@bp.get("/hq/requisitions/<code>")
@login_required(HQ)
def requisition(code: str):
    """One requisition: its lines' warranty and what the point must collect from the customer."""
    number = parse_code(code)
    req = db.session.get(Requisition, number) if number is not None else None
    if req is None:
        abort(404)
    charge = requisition_charge(db.session, req, load_policy(db.session))
    names = {line.sku: line.sku for line in req.lines}
    names.update({p.sku: p.name for p in db.session.query(Part).filter(Part.sku.in_(list(names)))})
    point = db.session.get(ServicePoint, req.service_point_code)
    page = render_template("hq/requisition.html", req=req, charge=charge, point=point, names=names,
                           rows=list(zip(req.lines, charge.lines)), period=period_of(req.created_at),
                           warranty_forms={line.line_no: override_form(req, line) for line in req.lines}, **_labels())
    db.session.rollback()
    return page
