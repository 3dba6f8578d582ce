"""Warranty on HQ's pages (issue #18, point 2): each line's decision shown as the engine made it
(basis, until, overridden), and HQ's override of one line from the requisition's page.

The override form offers only the other value and needs a reason; saving calls
`inventory.requisitions.warranty.override` in one transaction (audited) and comes back to the
requisition's page, which shows the line as overridden.
"""
from __future__ import annotations

from flask import abort, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from inventory.db import transaction
from inventory.errors import DomainError, NotFound
from inventory.requisitions import warranty

from ..extensions import db
from . import labels
from .auth import actor_name, login_required
from .blueprint import bp
from .refusals import refusal

HQ = "hq"


@bp.app_template_global()
def warranty_basis_label(code: str | None) -> str:
    """The engine's basis in the page's words ('' for a line decided before warranties were)."""
    return str(labels.WARRANTY_BASIS.get(code, code)) if code else ""


@bp.app_template_global()
def sanbao_flag_label(code: str) -> str:
    return str(labels.SANBAO_FLAG.get(code, code))


@bp.app_template_global()
def sanbao_outcome_label(code: str | None) -> str:
    return str(labels.SANBAO_OUTCOME.get(code, code)) if code else ""


@bp.app_template_global()
def sanbao_none_label(code: str | None) -> str:
    return str(labels.SANBAO_NONE.get(code, code)) if code else ""


@bp.app_template_global()
def appliance_label(kind: str, code: str | None) -> str:
    """A product line, use or proof of purchase in the page's words."""
    table = {"product_line": labels.PRODUCT_LINE, "use": labels.USE, "proof": labels.PROOF}[kind]
    return str(table.get(code, code)) if code else ""


class WarrantyOverrideForm(FlaskForm):
    """HQ makes one line free or paid against the engine, saying why."""

    in_warranty = BooleanField()
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=warranty.MAX_REASON)])


def override_form(req, line) -> WarrantyOverrideForm:
    """The form for one line, set to the value that changes it."""
    return WarrantyOverrideForm(formdata=None, data={"in_warranty": not line.in_warranty})


@bp.post("/hq/requisitions/<code>/lines/<int:line>/warranty")
@login_required(HQ)
def override_warranty(code: str, line: int):
    """Save HQ's override; a refusal (or a missing reason) is flashed and the page shows again."""
    form = WarrantyOverrideForm()
    if not form.validate():
        flash(_("Say why the warranty decision is overridden."), "error")
        return redirect(url_for("web.requisition", code=code) + f"#line-{line}")
    try:
        with transaction(db.session):
            warranty.override(db.session, actor_name(g.web_user), code, line, bool(form.in_warranty.data),
                              form.reason.data)
    except NotFound:
        abort(404)
    except DomainError as error:  # cancelled, already so, or its old part on its way: worded from its code
        flash(refusal(error), "error")
        return redirect(url_for("web.requisition", code=code) + f"#line-{line}")
    flash(_("The warranty of line %(line)s of %(code)s is overridden.", line=line, code=code), "success")
    return redirect(url_for("web.requisition", code=code) + f"#line-{line}")
