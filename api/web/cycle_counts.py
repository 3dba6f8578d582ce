"""Cycle count pages (循环盘点): the clerk's blind count of today's due list, HQ's approvals of
variances beyond the tolerance, and the count-accuracy report.

Blind: while a count is open no page of it shows a book quantity (the lines show sku, name
and class only); the book is read when the clerk submits.
"""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from inventory.catalog import Part
from inventory.errors import DomainError, NotFound
from inventory.network import Warehouse
from inventory.policy import load_policy
from inventory.warehouses import cycle_counts as cc
from inventory.warehouses import ledger

from ..extensions import db
from .actions import refused, row_action
from .auth import actor_name, login_required, warehouse_page
from .forms import ActionForm, RejectForm
from . import refusals
from .refusals import N_, refusal
from .blueprint import bp

HQ = "hq"
WINDOWS = (30, 90)
BACKLOG = 1_000_000  # every due sku: the page says how many wait beyond today's cap

# The cycle-count domain's refusals by code (worded like refusals.MESSAGES; the shared table after).
MESSAGES = {
    "count.still_open": N_("cycle count %(count)s of %(warehouse)s is still open; submit it first"),
    "count.nothing_due": N_("nothing is due for counting at %(warehouse)s today"),
    "count.submitted_again": N_("cycle count %(count)s is %(status)s; it cannot be submitted again"),
    "count.line_not_waiting": N_("cycle count line %(line)s is %(status)s; only a line awaiting approval can be decided"),
    "count.variance_exceeds_stock": N_("%(sku)s at %(warehouse)s now has %(current)s on hand, fewer than the "
                                       "variance of %(variance)s takes away; reject it and count again"),
    "count.reject_needs_reason": N_("rejecting a count needs a reason"),
    "count.not_a_quantity": N_("%(sku)s: a counted quantity must be a whole number from 0 to %(most)s"),
    "count.sku_not_on_count": N_("%(sku)s is not on cycle count %(count)s"),
    "count.line_missing": N_("%(sku)s: enter the counted quantity of every line"),
}
TABLE = {**refusals.MESSAGES, **MESSAGES}


def count_refusal(error: DomainError) -> str:
    """Why the domain refused, in the page's language: this module's table and the shared one."""
    return refusal(error, TABLE)


def _refused(action) -> str | None:
    """`actions.refused`, worded from this module's table and the shared one."""
    return refused(action, TABLE)


def field_name(line: cc.CycleCountLine) -> str:
    return f"line-{line.id}"


def count_form(lines: list[cc.CycleCountLine], formdata=None):
    """One whole-number field per line, blank until the clerk types what is on the shelf."""

    class BlindCountForm(FlaskForm):
        pass

    for line in lines:
        setattr(BlindCountForm, field_name(line), IntegerField(
            line.sku, validators=[InputRequired(), NumberRange(min=0, max=cc.MAX_COUNTED)]))
    return BlindCountForm() if formdata is None else BlindCountForm(formdata=formdata)


def _names(skus) -> dict[str, str]:
    skus = list(skus)
    return dict(db.session.execute(select(Part.sku, Part.name).where(Part.sku.in_(skus))).all()) if skus else {}


def _recent(warehouse: str, limit: int = 10):
    counts = list(db.session.scalars(select(cc.CycleCount).where(cc.CycleCount.warehouse_code == warehouse,
                                                                 cc.CycleCount.status != "counting")
                                     .order_by(cc.CycleCount.id.desc()).limit(limit)))
    summary = []
    for count in counts:
        lines = cc.lines_of(db.session, count.id)
        by_status = {}
        for line in lines:
            by_status[line.status] = by_status.get(line.status, 0) + 1
        summary.append((count, len(lines), by_status))
    return summary


# -- the clerk's count ---------------------------------------------------------------------------

def _render_count(warehouse: Warehouse, form=None, error: str | None = None, status: int = 200):
    session = db.session
    policy = load_policy(session)
    count = cc.open_count(session, warehouse.code)
    lines = cc.lines_of(session, count.id) if count else []
    backlog = [] if count else cc.due_list(session, warehouse.code, policy, limit=BACKLOG)
    due = backlog[:policy.cycle_count_daily_lines]  # today's count: what start_count takes
    by_class = {c: sum(1 for d in due if d.abc_class == c) for c in cc.CLASSES}
    return render_template(
        "clerk/cycle_count.html", warehouse=warehouse, count=count, lines=lines,
        names=_names([line.sku for line in lines]), form=form or (count_form(lines) if count else None),
        field_name=field_name, due=due, by_class=by_class, later=len(backlog) - len(due), start_form=ActionForm(prefix="start"),
        recent=_recent(warehouse.code), error=error), status


@bp.get("/w/<wh>/cycle-count")
@warehouse_page
def cycle_count(warehouse: Warehouse):
    return _render_count(warehouse)


@bp.post("/w/<wh>/cycle-count/start")
@warehouse_page
def start_cycle_count(warehouse: Warehouse):
    form = ActionForm(prefix="start")
    if not form.validate():
        abort(400)
    started = []
    why = _refused(lambda: started.append(cc.start_count(db.session, warehouse.code, load_policy(db.session),
                                                        actor=actor_name(g.web_user))))
    if why:
        return _render_count(warehouse, error=why, status=409)
    flash(_("Today's count has %(n)s parts. Count what is on the shelf.", n=len(cc.lines_of(db.session, started[0].id))),
          "success")
    return redirect(url_for("web.cycle_count", wh=warehouse.code))


@bp.post("/w/<wh>/cycle-count/<int:count_id>")
@warehouse_page
def submit_cycle_count(warehouse: Warehouse, count_id: int):
    try:
        count = cc.get_count(db.session, count_id, warehouse=warehouse.code)
    except NotFound:
        abort(404)
    if count.status != "counting":  # submitted twice (another tab): the domain says so in its words
        why = _refused(lambda: cc.submit_count(db.session, count.id, {}, load_policy(db.session),
                                               actor=actor_name(g.web_user), warehouse=warehouse.code))
        return _render_count(warehouse, error=why, status=409)
    lines = cc.lines_of(db.session, count.id)
    form = count_form(lines, request.form)
    if not form.validate():
        return _render_count(warehouse, form=form, error=_("Check the marked quantities; nothing was saved."),
                             status=422)
    counted = {line.sku: form[field_name(line)].data for line in lines}
    done = []
    why = _refused(lambda: done.append(cc.submit_count(db.session, count.id, counted, load_policy(db.session),
                                                       actor=actor_name(g.web_user), warehouse=warehouse.code)))
    if why:
        return _render_count(warehouse, form=form, error=why, status=409)
    waiting = sum(1 for line in cc.lines_of(db.session, count.id) if line.status == "awaiting_approval")
    if waiting:
        flash(_("Count submitted. %(n)s lines differ beyond the tolerance and wait for HQ's approval.", n=waiting),
              "info")
    else:
        flash(_("Count submitted and posted."), "success")
    return redirect(url_for("web.cycle_count", wh=warehouse.code))


# -- HQ: approvals -------------------------------------------------------------------------------

def _render_approvals(errors: dict[int, str] | None = None, posted: dict | None = None, status: int = 200):
    waiting = cc.awaiting_approval(db.session)
    posted = posted or {}
    forms = {line.id: {"approve": ActionForm(prefix=f"approve-{line.id}"),
                       "reject": posted.get(line.id) or RejectForm(prefix=f"reject-{line.id}", formdata=None)}
             for line, _count in waiting}
    now_on_hand = {}
    for line, count in waiting:
        row = ledger.get_balance(db.session, count.warehouse_code, line.sku)
        now_on_hand[line.id] = row.on_hand if row else 0
    return render_template("hq/cycle_counts.html", waiting=waiting, forms=forms, errors=errors or {},
                           names=_names({line.sku for line, _c in waiting}), now_on_hand=now_on_hand), status


@bp.get("/hq/cycle-counts")
@login_required(HQ)
def cycle_count_approvals():
    return _render_approvals()


@bp.post("/hq/cycle-counts/lines/<int:line_id>/approve")
@login_required(HQ)
def approve_cycle_count_line(line_id: int):
    if not ActionForm(prefix=f"approve-{line_id}").validate():
        abort(400)
    return row_action(lambda: cc.approve_line(db.session, line_id, actor=actor_name(g.web_user)), line_id,
                      _render_approvals, _("The variance was posted."), url_for("web.cycle_count_approvals"),
                      table=TABLE)


@bp.post("/hq/cycle-counts/lines/<int:line_id>/reject")
@login_required(HQ)
def reject_cycle_count_line(line_id: int):
    form = RejectForm(prefix=f"reject-{line_id}")
    if not form.validate():
        return _render_approvals(posted={line_id: form}, status=422)
    return row_action(lambda: cc.reject_line(db.session, line_id, actor=actor_name(g.web_user),
                                             reason=form.reason.data), line_id, _render_approvals, _("Rejected: the part will be counted again."),
                      url_for("web.cycle_count_approvals"), category="info", table=TABLE)


# -- HQ: accuracy --------------------------------------------------------------------------------

@bp.get("/hq/cycle-counts/accuracy")
@login_required(HQ)
def cycle_count_accuracy():
    raw = request.args.get("days", "30")
    if raw not in {str(d) for d in WINDOWS}:
        return render_template("hq/cycle_count_accuracy.html", rows=[], total=None, days=None, windows=WINDOWS,
                               error=_("Choose the last 30 or 90 days.")), 400
    rows = cc.accuracy_report(db.session, days=int(raw))
    return render_template("hq/cycle_count_accuracy.html", rows=rows, total=cc.accuracy_total(rows),
                           days=int(raw), windows=WINDOWS, error=None)
