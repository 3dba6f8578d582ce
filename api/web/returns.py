"""Returned parts at a warehouse (旧件退回, 退件): receive the parcel, inspect it, close it."""
from __future__ import annotations

from functools import partial

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from inventory.network import Warehouse
from inventory.returns import lifecycle
from inventory.returns.models import OUTCOMES, parse_code

from ..extensions import db
from . import queries
from .actions import carried_out, row_action
from .auth import actor_name, warehouse_page
from .forms import ActionForm, choice, unshown_errors
from .labels import OUTCOME as OUTCOME_LABELS
from .blueprint import bp

TO_RECEIVE = ("expected", "shipped", "overdue")


class InspectForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), choices=[choice("", "—")] + [choice(o, OUTCOME_LABELS[o]) for o in OUTCOMES],
                          validators=[DataRequired(message=_l("Choose what the part turned out to be."))])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


class CloseForm(FlaskForm):
    note = StringField(_l("Disposal"), validators=[Optional(), Length(max=200)])


def _render(warehouse: Warehouse, posted: dict | None = None, errors: dict | None = None, status: int = 200):
    session = db.session
    to_receive = queries.returns_at(session, warehouse.code, TO_RECEIVE)
    to_inspect = queries.returns_at(session, warehouse.code, ("received",))
    to_close = queries.returns_at(session, warehouse.code, ("inspected",))
    posted = posted or {}
    forms = {}
    for r in to_receive:
        forms[r.code] = {"receive": ActionForm(prefix=f"rcv-{r.code}")}
    for r in to_inspect:
        forms[r.code] = {"inspect": posted.get((r.code, "inspect")) or InspectForm(prefix=f"insp-{r.code}", formdata=None)}
    for r in to_close:
        forms[r.code] = {"close": posted.get((r.code, "close")) or CloseForm(prefix=f"cls-{r.code}", formdata=None)}
    errors = {**unshown_errors(posted, forms), **(errors or {})}
    return render_template("clerk/returns.html", warehouse=warehouse, to_receive=to_receive,
                           to_inspect=to_inspect, to_close=to_close, forms=forms, errors=errors,
                           outcome_labels=OUTCOME_LABELS), status


def _known(code: str) -> None:
    if parse_code(code) is None:
        abort(404)


@bp.get("/w/<wh>/returns")
@warehouse_page
def warehouse_returns(warehouse: Warehouse):
    return _render(warehouse)


@bp.post("/w/<wh>/returns/<code>/receive")
@warehouse_page
def receive_return(warehouse: Warehouse, code: str):
    _known(code)
    return row_action(lambda: lifecycle.receive(db.session, actor_name(g.web_user), code, warehouse=warehouse.code),
                      code, partial(_render, warehouse), _("Return %(code)s received; inspect it next.", code=code),
                      url_for("web.warehouse_returns", wh=warehouse.code))


@bp.post("/w/<wh>/returns/<code>/inspect")
@warehouse_page
def inspect_return(warehouse: Warehouse, code: str):
    _known(code)
    form = InspectForm(prefix=f"insp-{code}")
    if form.validate() and carried_out(form.outcome, lambda: lifecycle.inspect(
            db.session, actor_name(g.web_user), code, form.outcome.data, note=form.note.data or None,
            warehouse=warehouse.code)):
        flash(_("Return %(code)s inspected: %(outcome)s.", code=code, outcome=OUTCOME_LABELS[form.outcome.data]),
              "success")
        return redirect(url_for("web.warehouse_returns", wh=warehouse.code))
    return _render(warehouse, posted={(code, "inspect"): form}, status=422)


@bp.post("/w/<wh>/returns/<code>/close")
@warehouse_page
def close_return(warehouse: Warehouse, code: str):
    _known(code)
    form = CloseForm(prefix=f"cls-{code}")
    if form.validate() and carried_out(form.note, lambda: lifecycle.close(
            db.session, actor_name(g.web_user), code, note=form.note.data or None, warehouse=warehouse.code)):
        flash(_("Return %(code)s closed.", code=code), "success")
        return redirect(url_for("web.warehouse_returns", wh=warehouse.code))
    return _render(warehouse, posted={(code, "close"): form}, status=422)
