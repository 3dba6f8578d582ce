"""HQ's page of replaced part numbers (替代件): the list, setting one, removing one; the part
page's replacement lines (`part_replacements`). The spreadsheet import is the import desk's
`supersessions` kind (`supersession_rows`)."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import DataRequired, Length

from inventory import supersession
from inventory.catalog import Part
from inventory.db import transaction
from inventory.errors import DomainError

from ..extensions import db
from .auth import actor_name, login_required
from .refusals import refusal
from .sheet_rows import Checked
from .supersession_rows import apply_rows, check_rows
from .blueprint import bp


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ReplacementForm(FlaskForm):
    old_sku = StringField(_l("Replaced part (old SKU)"), validators=[DataRequired(), Length(max=40)], filters=[_strip])
    new_sku = StringField(_l("Replaced by (new SKU)"), validators=[DataRequired(), Length(max=40)], filters=[_strip])
    two_way = BooleanField(_l("Interchangeable both ways"))


class RemoveForm(FlaskForm):
    old_sku = HiddenField(validators=[DataRequired(), Length(max=40)])


@bp.app_template_global()
def part_replacements(sku: str) -> dict:
    """What replaces a part and what it replaces, for the part page."""
    return supersession.links_of(db.session, sku)


def _page(form: ReplacementForm | None = None, problems=(), status: int = 200):
    rows = supersession.listing(db.session)
    names = dict(db.session.execute(select(Part.sku, Part.name).where(
        Part.sku.in_({s for r in rows for s in (r.old_sku, r.new_sku)}))).all()) if rows else {}
    chains = supersession.Chains.of(supersession.Replacement(r.old_sku, r.new_sku, r.two_way) for r in rows)
    return render_template("hq/supersessions.html", rows=rows, names=names, chains=chains, problems=problems,
                           form=form or ReplacementForm(formdata=None), remove=RemoveForm(formdata=None)), status


@bp.get("/hq/supersessions")
@login_required("hq")
def supersessions():
    return _page()


@bp.post("/hq/supersessions")
@login_required("hq")
def supersession_set():
    form = ReplacementForm()
    if not form.validate():
        return _page(form, status=422)
    checked = Checked(kind="supersessions", rows=[])
    check_rows(db.session, [{"old_sku": form.old_sku.data, "new_sku": form.new_sku.data,
                             "two_way": form.two_way.data, "_row": 1}], checked)
    if checked.problems:
        db.session.rollback()
        return _page(form, [str(p) for p in checked.problems], status=422)
    try:
        with transaction(db.session):
            apply_rows(db.session, checked.rows, actor=actor_name(g.web_user), source="web")
    except DomainError as error:
        return _page(form, [refusal(error)], status=422)
    flash(_("%(old)s is now replaced by %(new)s.", old=form.old_sku.data, new=form.new_sku.data), "success")
    return redirect(url_for("web.supersessions"))


@bp.post("/hq/supersessions/remove")
@login_required("hq")
def supersession_remove():
    form = RemoveForm()
    if form.validate():
        try:
            with transaction(db.session):
                supersession.remove_replacement(db.session, form.old_sku.data, actor=actor_name(g.web_user),
                                                source="web")
        except DomainError:
            flash(_("%(old)s is not replaced by any part.", old=form.old_sku.data), "error")
            return redirect(url_for("web.supersessions"))
        flash(_("%(old)s is no longer replaced.", old=form.old_sku.data), "success")
    return redirect(url_for("web.supersessions"))
