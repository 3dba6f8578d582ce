"""Receiving by scanning (扫码收货): a transfer parcel's or a returned part's QR carries its id as
plain text, as the API names it (`TR...`, `RT...`); scanning it on the receive, transfers or
returns page receives it. A keyboard-wedge scanner types the id and Enter into the form's one
field, so the form works without JavaScript; `static/scan.js` adds the phone camera."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from inventory.db import transaction
from inventory.errors import DomainError, NotFound
from inventory.network import Warehouse
from inventory.returns import lifecycle
from inventory.returns.models import parse_code as return_number
from inventory.warehouses import transfers

from ..extensions import db
from . import clerk, returns as return_pages
from .auth import actor_name, warehouse_page
from .forms import ReceiveForm
from .refusals import refusal
from .blueprint import bp

MAX_CODE = 64


class ScanReceiveForm(FlaskForm):
    code = StringField(_l("Parcel or return code"),
                       validators=[DataRequired(message=_l("Scan or type a code.")), Length(max=MAX_CODE)])
    back = HiddenField()


def _render(back: str, warehouse: Warehouse, errors: dict[str, str], status: int):
    """The page the scan came from, with what went wrong above its lists."""
    if back == "transfers":
        return clerk._render_transfers(warehouse, errors=errors, status=status)
    if back == "returns":
        return return_pages._render(warehouse, errors=errors, status=status)
    return render_template("clerk/receive.html", warehouse=warehouse, form=ReceiveForm(formdata=None),
                           scan_errors=errors), status


def _receive(code: str, warehouse: Warehouse, actor: str) -> str:
    """Receive what `code` names at `warehouse`; what the clerk is told."""
    if return_number(code) is not None:
        lifecycle.receive(db.session, actor, code, warehouse=warehouse.code)
        return _("Return %(code)s received; inspect it next.", code=code)
    _transfer, landed = transfers.receive_parcel(db.session, code, warehouse=warehouse.code, actor=actor)
    return _("Received %(qty)s on transfer %(id)s.", qty=landed, id=code)


PAGES = {"receive": "web.receive", "transfers": "web.warehouse_transfers", "returns": "web.warehouse_returns"}


@bp.post("/w/<wh>/receive/scan")
@warehouse_page
def receive_scanned(warehouse: Warehouse):
    form = ScanReceiveForm()
    back = form.back.data if form.back.data in PAGES else "receive"
    if not form.validate():
        return _render(back, warehouse, {_("Scan"): " ".join(str(e) for e in form.code.errors)}, 422)
    code = form.code.data.strip()
    try:
        with transaction(db.session):
            done = _receive(code, warehouse, actor_name(g.web_user))
    except NotFound:
        why = _("%(code)s is neither a transfer nor a return on its way to %(warehouse)s.",
                code=code, warehouse=warehouse.code)
        return _render(back, warehouse, {code: why}, 404)
    except DomainError as error:
        return _render(back, warehouse, {code: refusal(error)}, 409)
    flash(done, "success")
    return redirect(url_for(PAGES[back], wh=warehouse.code))
