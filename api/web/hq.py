"""HQ parts team pages (总部配件组): dashboard, transfers to approve, optimizer runs, quotas,
policy. Imports of spreadsheets are in `imports.py`."""
from __future__ import annotations

from decimal import Decimal

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from inventory.db import transaction, utcnow
from inventory.errors import DomainError, NotFound
from inventory.network import Dealer
from inventory.policy import DEFAULTS, PolicySetting, format_value, load_policy, set_policy
from inventory.quotas import service as quotas
from inventory.warehouses import transfers
from inventory.warehouses.models import Transfer
from optimizer.runs import list_runs as list_optimizer_runs

from ..extensions import db
from ..tasks.runs import stalled_running_after
from . import charts, queries
from .actions import carried_out, row_action
from .auth import actor_name, login_required
from .clerk import page_number
from .forms import (ActionForm, choice, ExtensionForm, PolicyForm, RaiseLimitForm, RejectForm, TransferDraftForm,
                    unshown_errors)
from .periods import period_arg
from .refusals import refusal
from .blueprint import bp

HQ = "hq"
DASHBOARD_DAYS = 30


def cache() -> charts.TTLCache:
    return current_app.extensions.setdefault("web_cache", charts.TTLCache())


# -- dashboard -----------------------------------------------------------------------------------

def _dashboard_figures() -> dict:
    session = db.session
    since = queries.window_start(DASHBOARD_DAYS)
    by_day = queries.on_time_by_day(session, since)
    by_center = queries.on_time_by_center(session, since)
    value = queries.stock_value_by_warehouse(session)
    delivered = sum(n for _, n, _ in by_day)
    on_time = sum(ok for _, _, ok in by_day)
    return {
        "by_day": [(d, ok / n, n) for d, n, ok in by_day if n],
        "by_centre": [(f"{code} {name}", ok / n if n else 0.0, n) for code, name, n, ok in by_center],
        "shortages": queries.shortages_by_warehouse(session, since),
        "stock_value": value,
        "stock_value_total": sum((v for _, _, v in value), Decimal("0.00")),
        "penalties": queries.penalties_by_party(session, since),
        "delivered": delivered,
        "on_time_rate": on_time / delivered if delivered else None,
        "drafts": queries.count_transfers(session, "draft"),
        "promise_hours": load_policy(session).promise_hours,
    }


@bp.get("/hq/")
@login_required(HQ)
def dashboard():
    seconds = current_app.config["WEB_CHART_CACHE_SECONDS"]
    f = cache().get("dashboard", seconds, _dashboard_figures)
    money = lambda v: f"{float(v) / 10000:,.1f}"  # noqa: E731 - 万元 on the bars
    from .labels import party_label

    fined = [(party_label(party), float(v)) for party, v in f["penalties"] or [] if v > 0]  # a party fined nothing is no bar
    svg = {
        "by_day": charts.rate_line(f["by_day"], title=_("On-time rate by day")),
        "by_centre": charts.hbar([(label, rate) for label, rate, _n in f["by_centre"]], max_value=1.0,
                                 fmt=lambda r: f"{r * 100:.1f}%", css="bar ok", title=_("On-time rate by centre")),
        "shortages": charts.hbar([(label, short) for label, short, _b in f["shortages"][:20]],
                                 fmt=lambda v: f"{int(v)}", css="bar warn", title=_("Shortages by warehouse")),
        "stock_value": charts.hbar([(f"{code} {name}", float(v)) for code, name, v in f["stock_value"]],
                                   fmt=money, title=_("Stock value by warehouse")),
        "penalties": charts.hbar(fined, fmt=lambda v: f"{v:,.0f}", css="bar bad", title=_("Penalties by party")),
    }
    return render_template("hq/dashboard.html", f=f, svg=svg, days=DASHBOARD_DAYS, fined=fined)


@bp.get("/hq/warehouses")
@login_required(HQ)
def warehouses():
    return render_template("hq/warehouses.html", warehouses=queries.warehouses(db.session),
                           values={code: v for code, _n, v in cache().get(
                               "stock_value", current_app.config["WEB_CHART_CACHE_SECONDS"],
                               lambda: queries.stock_value_by_warehouse(db.session))})


# -- transfers to approve ------------------------------------------------------------------------

def _draft_form(formdata=None) -> TransferDraftForm:
    form = TransferDraftForm(formdata=formdata) if formdata is not None else TransferDraftForm()
    choices = [choice(w.code, f"{w.code} {w.name}") for w in queries.warehouses(db.session)]
    form.from_warehouse.choices = choices
    form.to_warehouse.choices = choices
    return form


DRAFTS_PAGE = 50  # a night's proposals for the national network run to thousands: a page at a time


def _render_hq_transfers(draft_form=None, posted=None, errors=None, status=200):
    run, page = request.args.get("run") or None, page_number()
    drafts = queries.transfer_list(db.session, statuses=("draft",), run=run, limit=DRAFTS_PAGE,
                                   offset=(page - 1) * DRAFTS_PAGE)
    total = queries.transfer_count(db.session, statuses=("draft",), run=run)
    moving = queries.transfer_list(db.session, statuses=("shipped", "partially_received"), limit=50)
    posted = posted or {}
    forms = {t.id: {"approve": ActionForm(prefix=f"ok-{t.id}"),
                    "reject": posted.get((t.id, "reject")) or RejectForm(prefix=f"no-{t.id}", formdata=None)}
             for t in drafts}
    errors = {**unshown_errors(posted, forms), **(errors or {})}
    return render_template("hq/transfers.html", drafts=drafts, moving=moving, forms=forms, run=run, page=page,
                           per_page=DRAFTS_PAGE, total=total, draft_form=draft_form or _draft_form(),
                           errors=errors), status


@bp.get("/hq/transfers")
@login_required(HQ)
def hq_transfers():
    return _render_hq_transfers()


@bp.post("/hq/transfers/new")
@login_required(HQ)
def new_transfer():
    form = _draft_form(request.form)
    if form.validate():
        try:
            with transaction(db.session):
                t = transfers.create_draft(db.session, form.from_warehouse.data, form.to_warehouse.data,
                                           form.sku.data, form.qty.data, actor=actor_name(g.web_user),
                                           reason=form.reason.data or "")
        except NotFound:  # both warehouses were chosen from the list: what is missing is the part
            form.sku.errors.append(_("No part with this SKU."))
        except DomainError as error:
            form.to_warehouse.errors.append(refusal(error))
        else:
            flash(_("Transfer %(id)s drafted.", id=t.id), "success")
            return redirect(url_for("web.hq_transfers"))
    return _render_hq_transfers(draft_form=form, status=422)


@bp.post("/hq/transfers/<transfer_id>/approve")
@login_required(HQ)
def approve_transfer(transfer_id: str):
    if db.session.get(Transfer, transfer_id) is None:
        abort(404)
    return row_action(lambda: transfers.approve_and_ship(db.session, transfer_id, actor=actor_name(g.web_user)),
                      transfer_id, _render_hq_transfers, _("Transfer %(id)s approved and shipped.", id=transfer_id),
                      url_for("web.hq_transfers", run=request.args.get("run")))


@bp.post("/hq/transfers/<transfer_id>/reject")
@login_required(HQ)
def reject_transfer(transfer_id: str):
    if db.session.get(Transfer, transfer_id) is None:
        abort(404)
    form = RejectForm(prefix=f"no-{transfer_id}")
    if form.validate() and carried_out(form.reason, lambda: transfers.reject(
            db.session, transfer_id, actor=actor_name(g.web_user), reason=form.reason.data)):
        flash(_("Transfer %(id)s rejected.", id=transfer_id), "info")
        return redirect(url_for("web.hq_transfers", run=request.args.get("run")))
    return _render_hq_transfers(posted={(transfer_id, "reject"): form}, status=422)


# -- optimizer runs ------------------------------------------------------------------------------

def _on_time_rate(kpis: dict) -> float | None:
    """The share of the open lines' units the plan gets there by their promise."""
    units = kpis["on_time_units"] + kpis["late_units"] + kpis["unshipped_units"]
    return kpis["on_time_units"] / units if units else None


def _figures(kpis: dict) -> dict:
    return {"on_time_rate": _on_time_rate(kpis), "unshipped_units": kpis["unshipped_units"],
            "cost": Decimal(kpis["cost"]), "objective": Decimal(kpis["objective"])}


def run_figures(run: dict) -> dict:
    """What HQ decides with (`optimizer.runs.kpis`), each as (before, after) the run's plan; empty
    for a run not done, so its row shows blanks."""
    before, after = run.get("before"), run.get("after")
    if run.get("status") != "done" or not before or not after:
        return {}
    before, after = _figures(before), _figures(after)
    return {key: (before[key], after[key]) for key in before}


@bp.get("/hq/optimizer")
@login_required(HQ)
def optimizer_runs():
    runs = list_optimizer_runs(db.session, running_after=stalled_running_after(current_app.config))
    return render_template("hq/optimizer.html", runs=[{**r, "figures": run_figures(r)} for r in runs],
                           proposals=queries.proposal_runs(db.session))


# -- quotas --------------------------------------------------------------------------------------

@bp.get("/hq/quotas")
@login_required(HQ)
def quota_list():
    period, text = period_arg(), (request.args.get("q") or "").strip()
    rows = queries.quota_overview(db.session, period, text or None)
    return render_template("hq/quotas.html", rows=rows, period=period, q=text)


def _render_dealer(dealer: Dealer, raise_form=None, extension_form=None, status=200):
    period = quotas.period_of(utcnow())
    row = next(iter(queries.quota_overview(db.session, period, dealer.code)), None)
    row = row if row and row.dealer == dealer.code else None
    return render_template(
        "hq/quota_dealer.html", dealer=dealer, row=row, period=period,
        movements=queries.quota_movements(db.session, dealer.code),
        raise_form=raise_form or RaiseLimitForm(prefix="raise", formdata=None),
        extension_form=extension_form or ExtensionForm(prefix="ext", formdata=None)), status


def _dealer(code: str) -> Dealer:
    dealer = db.session.get(Dealer, code)
    if dealer is None:
        abort(404)
    return dealer


@bp.get("/hq/quotas/<code>")
@login_required(HQ)
def quota_dealer(code: str):
    return _render_dealer(_dealer(code))


def _change_quota(code: str, form, amount, change, done_message, **posted):
    """HQ's two changes to a dealer's quota, a higher monthly limit and a one-off extension:
    both take an amount and a reason, and answer alike."""
    dealer = _dealer(code)
    if form.validate() and carried_out(amount, lambda: change(db.session, code, amount.data,
                                                              actor=actor_name(g.web_user), reason=form.reason.data)):
        flash(str(done_message) % {"dealer": code, "amount": amount.data}, "success")
        return redirect(url_for("web.quota_dealer", code=code))
    return _render_dealer(dealer, status=422, **posted)


@bp.post("/hq/quotas/<code>/raise")
@login_required(HQ)
def raise_limit(code: str):
    form = RaiseLimitForm(prefix="raise")
    return _change_quota(code, form, form.new_limit, quotas.raise_limit,
                         _l("Monthly limit of %(dealer)s raised to %(amount)s."), raise_form=form)


@bp.post("/hq/quotas/<code>/extend")
@login_required(HQ)
def grant_extension(code: str):
    form = ExtensionForm(prefix="ext")
    return _change_quota(code, form, form.amount, quotas.grant_extension,
                         _l("Extension of %(amount)s granted to %(dealer)s for this month."), extension_form=form)


# -- policy --------------------------------------------------------------------------------------

def _render_policy(posted: dict | None = None, status: int = 200):
    policy = load_policy(db.session).as_dict()
    overrides = {row.key: row for row in db.session.scalars(select(PolicySetting))}
    forms = {}
    for key in DEFAULTS:
        form = (posted or {}).get(key)
        if form is None:
            form = PolicyForm(prefix=key, formdata=None)
            form.value.data = format_value(policy[key])
        forms[key] = form
    return render_template("hq/policy.html", defaults=DEFAULTS, policy=policy, overrides=overrides,
                           forms=forms, format_value=format_value), status


@bp.get("/hq/policy")
@login_required(HQ)
def policy_table():
    return _render_policy()


@bp.post("/hq/policy/<key>")
@login_required(HQ)
def set_policy_value(key: str):
    if key not in DEFAULTS:
        abort(404)
    form = PolicyForm(prefix=key)
    if form.validate() and carried_out(form.value, lambda: set_policy(db.session, key, form.value.data.strip(),
                                                                      actor=actor_name(g.web_user))):
        cache().clear()
        flash(_("Policy %(key)s saved.", key=key), "success")
        return redirect(url_for("web.policy_table") + f"#{key}")
    return _render_policy({key: form}, status=422)


# -- penalties report (扣罚报表) and parts-wait causes: their own module, routes on the same blueprint --

from . import penalties  # noqa: E402,F401
