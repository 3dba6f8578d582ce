"""The HQ penalties report (扣罚报表) and, on it, HQ's parts module confirming or correcting the
cause of each parts wait that ran past its promise (配件模块确认原因).

Each wait row carries a small form: the causes it may take (a regional warehouse's causes only
when a regional warehouse allocated the line, naming one of those), an optional note. Saving
calls `inventory.tickets.confirm_cause` in one transaction (audited, the ticket re-attributed)
and comes back to the month's report, which charges the decided cause at once.
"""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from inventory.attribution import CAUSES, CENTER_ROLES, WAREHOUSE_CAUSES
from inventory.policy import load_policy
from inventory.tickets import confirm_cause, parts_waits_for_month, penalties_for_month
from inventory.tickets.causes import MAX_NOTE

from ..extensions import db
from .actions import carried_out
from .auth import actor_name, login_required
from .forms import choice
from .labels import party_label
from .periods import period_arg
from .blueprint import bp

HQ = "hq"
WAITS_SHOWN = 50

CAUSE = {
    "none": _l("no one (the carrier's delay)"),
    "regional_shortage": _l("regional warehouse short (the centre)"),
    "hq_shortage": _l("short everywhere (HQ parts planning)"),
    "hq_late_shipment": _l("HQ shipped late (HQ parts group)"),
    "hq_wrong_part": _l("HQ shipped the wrong part (HQ parts group)"),
    "regional_late_shipment": _l("regional warehouse shipped late"),
    "regional_wrong_part": _l("regional warehouse shipped the wrong part"),
}
CAUSE_STATUS = {"automatic": _l("automatic"), "confirmed": _l("confirmed by HQ"), "corrected": _l("corrected by HQ")}
ROLE = {"service_director": _l("service director"), "parts_admin": _l("parts admin"),
        "chase_clerk": _l("chase clerk")}


class PartsCauseForm(FlaskForm):
    """HQ's word on one line's wait: the cause, the regional warehouse a warehouse cause names, a note."""

    ticket = HiddenField(validators=[DataRequired(), Length(max=64)])
    requisition = HiddenField(validators=[DataRequired(), Length(max=20)])
    line = IntegerField(validators=[InputRequired(), NumberRange(min=1)])
    cause = SelectField(_l("Cause"), validators=[DataRequired()])
    warehouse = SelectField(_l("Warehouse"), validators=[Optional()], validate_choice=False)
    note = StringField(_l("Note"), validators=[Optional(), Length(max=MAX_NOTE)])


def _cause_form(wait: dict) -> PartsCauseForm:
    """A row's form, offering the causes and warehouses that line can take."""
    regional = wait["regional_warehouses"]
    form = PartsCauseForm(formdata=None, prefix=f"w-{wait['requisition']}-{wait['line']}",
                          data={"ticket": wait["ticket"], "requisition": wait["requisition"], "line": wait["line"],
                                "cause": wait["cause"], "warehouse": wait["cause_warehouse"] or ""})
    form.cause.choices = [choice(c, CAUSE[c]) for c in CAUSES if c not in WAREHOUSE_CAUSES or regional]
    form.warehouse.choices = [choice(code, code) for code in regional]
    return form


def _render(period: str, posted: PartsCauseForm | None = None, status: int = 200):
    session = db.session
    report = penalties_for_month(session, period, load_policy(session))
    waits = parts_waits_for_month(session, period, limit=WAITS_SHOWN)
    forms = [_cause_form(wait) for wait in waits["waits"]]
    if posted is not None:  # show the refused form in its row, with its errors
        key = (posted.requisition.data, posted.line.data)
        for i, wait in enumerate(waits["waits"]):
            if (wait["requisition"], wait["line"]) == key:
                posted.cause.choices, posted.warehouse.choices = forms[i].cause.choices, forms[i].warehouse.choices
                forms[i] = posted
    db.session.rollback()
    fined_centers = [c for c in report["centers"] if any(v != "0.00" for v in c["role_totals"].values())]

    return render_template("hq/penalties.html", period=period, report=report, waits=waits,
                           fined_centers=fined_centers, party_label=party_label,
                           rows=list(zip(waits["waits"], forms)), cause_label=lambda c: CAUSE.get(c, c),
                           cause_status_label=lambda s: CAUSE_STATUS.get(s, s), role_label=lambda r: ROLE.get(r, r),
                           roles=CENTER_ROLES), status


@bp.get("/hq/penalties")
@login_required(HQ)
def penalties():
    """The monthly penalties report: fines per party and per centre role, 3-/7-day rates, bonus
    rules, 三包, and the parts waits whose causes HQ confirms."""
    return _render(period_arg(begun=True))


@bp.post("/hq/penalties/causes")
@login_required(HQ)
def confirm_parts_cause():
    """HQ's parts module confirms or corrects a wait's cause; the ticket is re-attributed at once."""
    period = period_arg(begun=True)
    prefix = next((key[:-len("-cause")] for key in request.form if key.endswith("-cause")), None)
    form = PartsCauseForm(prefix=prefix or "")
    form.cause.choices = [choice(c, CAUSE[c]) for c in CAUSES]
    form.warehouse.choices = []
    if form.validate():
        cause = form.cause.data
        warehouse = (form.warehouse.data or None) if cause in WAREHOUSE_CAUSES else None
        done = carried_out(form.cause, lambda: confirm_cause(
            db.session, form.ticket.data, form.requisition.data, cause, actor=actor_name(g.web_user),
            policy=load_policy(db.session), line=form.line.data, warehouse=warehouse, note=form.note.data))
        if done:
            flash(_("Cause of %(requisition)s on ticket %(ticket)s saved; the ticket is re-attributed.",
                    requisition=form.requisition.data, ticket=form.ticket.data), "success")
            return redirect(url_for("web.penalties", period=period)
                            + f"#w-{form.requisition.data}-{form.line.data}")
    return _render(period, posted=form, status=422)
