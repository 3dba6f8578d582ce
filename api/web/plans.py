"""HQ's stock plans page (库存计划): the latest plan's figures, the plans so far as a chart and a
table, what a plan has each warehouse hold and its levels, and a new plan asked for under a
budget (made by the same task as the weekly plan; without a broker it is made during the request)."""
from __future__ import annotations

from decimal import Decimal

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length, Optional

from inventory import planning
from inventory.db import transaction
from inventory.errors import DomainError, NotFound
from inventory.policy import load_policy

from ..errors import status_of
from ..extensions import db
from ..tasks.runs import stalled_running_after
from . import charts
from .auth import actor_name, login_required
from .exports import max_rows
from .clerk import page_number
from .refusals import refusal
from .blueprint import bp

HQ = "hq"
HISTORY = 52          # plans on the chart and in the table: a year of Mondays
TARGETS_PER_PAGE = 50
RUNS_SHOWN = 5
SEPARATORS = str.maketrans("", "", ", ，_\u00a0")


class PlanForm(FlaskForm):
    budget = StringField(_l("Budget (RMB)"), validators=[Optional(), Length(max=24)],
                         filters=[lambda v: v.strip() if isinstance(v, str) else v])


def typed_budget(text: str | None) -> Decimal | None:
    """The budget as typed ("30,000,000" or "30000000.00"); None when blank; ValueError otherwise."""
    plain = (text or "").translate(SEPARATORS)
    if not plain:
        return None
    if not (plain.isascii() and planning.BUDGET_TEXT.fullmatch(plain)):
        raise ValueError(plain)
    return Decimal(plain)


def target_filters(args) -> tuple[str | None, str | None]:
    """The levels table's filters (warehouse code, part of a sku); its download reads the same."""
    return (args.get("warehouse") or "").strip()[:16] or None, (args.get("sku") or "").strip()[:40] or None


def _figures(key: str | int | None):
    """One plan by its code or id (None: no plan yet); an unknown code is a 404."""
    try:
        return None if key is None else planning.plan_figures(db.session, key)
    except NotFound:
        abort(404)


def _history_chart(history) -> str:
    """The plans oldest first: expected on-time rate over its bound, stock value against the budget."""
    points = [(format_datetime(p.created_at, "MM-dd"), p.code, p.expected_on_time_rate, p.upper_bound_rate,
               float(p.stock_value), float(p.budget)) for p in reversed(history)]
    return charts.plan_history(points, fmt_value=lambda v: f"{v / 10000:,.1f}",
                               title=_("Expected on-time rate and stock value over plans"))


def _render(code: str | None = None, form: PlanForm | None = None, status: int = 200):
    history, total_plans = planning.plan_history(db.session, limit=HISTORY, counted=False)
    plan = _figures(code or (history[0].id if history else None))   # by default the latest
    runs, _n = planning.plan_run_page(db.session, limit=RUNS_SHOWN)
    running_after = stalled_running_after(current_app.config)
    context = {"plan": plan, "history": history, "total_plans": total_plans, "runs": runs,
               "silent": {r.id: planning.silent_outcome(r, running_after=running_after) for r in runs},
               "stale_hours": int(planning.STALE_RUN.total_seconds() // 3600),
               "form": form or PlanForm(formdata=None), "chart": _history_chart(history) if history else "",
               "policy_budget": load_policy(db.session).stock_budget, "latest": history[0] if history else None}
    if plan is not None:
        page = page_number()
        warehouse, sku = target_filters(request.args)
        rows, matching = planning.target_rows(db.session, plan.id, warehouse=warehouse, sku=sku,
                                              offset=(page - 1) * TARGETS_PER_PAGE, limit=TARGETS_PER_PAGE)
        totals = planning.warehouse_totals(db.session, plan.id)
        context.update(targets_url=lambda **args: url_for("web.stock_plan" if code else "web.stock_plans",
                                                          **({"code": code} if code else {}), **args),
                       targets=rows, matching=matching, page=page, per_page=TARGETS_PER_PAGE, export_cap=max_rows(),
                       warehouse=warehouse, sku=sku or "", totals=totals,
                       total_units=sum(t.units for t in totals),
                       total_value=sum((t.value for t in totals), Decimal("0.00")))
    return render_template("hq/plans.html", **context), status


@bp.get("/hq/plans")
@login_required(HQ)
def stock_plans():
    return _render()


@bp.get("/hq/plans/<code>")
@login_required(HQ)
def stock_plan(code: str):
    return _render(code)


@bp.post("/hq/plans")
@login_required(HQ)
def request_stock_plan():
    """Ask for a plan under the typed budget (blank: the policy's) and queue its task."""
    from ..tasks.planning import dispatch

    form = PlanForm()
    if not form.validate():
        return _render(form=form, status=422)
    try:
        budget = typed_budget(form.budget.data)
    except ValueError:
        form.budget.errors.append(_("Enter RMB as digits with at most two decimal places, e.g. 30000000 or "
                                    "30,000,000.00."))
        return _render(form=form, status=422)
    try:
        with transaction(db.session):
            run = planning.request_plan(db.session, actor=actor_name(g.web_user), trigger="web", budget=budget)
            run_id, run_code = run.id, run.code
    except DomainError as error:
        form.budget.errors.append(refusal(error))
        return _render(form=form, status=status_of(error))
    why = dispatch(run_id)
    db.session.rollback()  # the task wrote with sessions of its own
    run = planning.get_plan_run(db.session, run_id)
    if why:
        flash(_("The task queue is unavailable; try again shortly."), "error")
    elif run.status == "failed":
        flash(_("Plan run %(run)s failed; nothing was changed. The error is in the server's log.", run=run_code),
              "error")
    elif run.status == "done":
        flash(_("Plan %(plan)s made; %(n)s purchase orders proposed.", plan=run.plan_code,
                n=run.purchase_orders_proposed), "success")
        return redirect(url_for("web.stock_plan", code=run.plan_code))
    else:
        flash(_("Plan run %(run)s queued. The plan shows here when it is made (minutes for the whole "
                "network).", run=run_code), "info")
    return redirect(url_for("web.stock_plans"))
