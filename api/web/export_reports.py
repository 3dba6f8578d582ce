"""The downloads of HQ's and a centre's reports and lists (dashboard, quotas, optimizer runs,
penalties, overcharges, cycle-count approvals and accuracy, stock plans, warehouses, policy, a
centre's month), beside each page (`<page>/export.<xlsx|csv>`) with the page's access and filters."""
from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from inventory import overcharges, planning
from inventory.catalog import Part
from inventory.centers import center_month
from inventory.errors import NotFound
from inventory.network import Center, Dealer
from inventory.policy import load_policy
from inventory.tickets import parts_waits_for_month, penalties_for_month
from inventory.tickets.report import month_bounds
from inventory.warehouses import cycle_counts as cc

from ..extensions import db
from . import queries
from .auth import login_required
from .centers import center_page
from .exports import Column, Table, capped, download, every_page, one_over_cap, refuse
from .labels import actor_label, quota_kind_label, status_label, warehouse_kind_label
from .reasons import reason_label
from .periods import period_arg
from .blueprint import bp

HQ = "hq"


# -- quotas ----------------------------------------------------------------------------------------

QUOTAS = [Column(_l("Dealer")), Column(_l("Name")), Column(_l("Month")), Column(_l("Monthly quota"), "money"),
          Column(_l("Limit"), "money"), Column(_l("Extension"), "money"), Column(_l("Credited"), "money"),
          Column(_l("Reserved"), "money"), Column(_l("Consumed"), "money"), Column(_l("Available"), "money"),
          Column(_l("Used"), "rate")]


@bp.get("/hq/quotas/export.<fmt>")
@login_required(HQ)
def quotas_export(fmt: str):
    period, text = period_arg(), (request.args.get("q") or "").strip()
    found = capped(queries.quota_overview(db.session, period, text or None))
    rows = [(r.dealer, r.name, period, r.monthly_quota, r.credit_limit, r.extension, r.credited, r.reserved,
             r.consumed, r.available, r.used_share) for r in found]
    return download(f"quotas-{period}", fmt, Table(_l("Dealer quotas"), QUOTAS, rows))


QUOTA_HISTORY = [Column(_l("When"), "datetime"), Column(_l("Month")), Column(_l("Kind")), Column(_l("Amount"), "money"),
                 Column(_l("By")), Column(_l("Reason")), Column(_l("Reference"))]


@bp.get("/hq/quotas/<code>/export.<fmt>")
@login_required(HQ)
def quota_dealer_export(code: str, fmt: str):
    if db.session.get(Dealer, code) is None:
        abort(404)
    found = capped(queries.quota_movements(db.session, code, limit=one_over_cap()))
    rows = [(m.at, m.period, quota_kind_label(m.kind), m.amount, actor_label(m.actor), reason_label(m.reason), m.ref_id)
            for m in found]
    return download(f"quota-{code}", fmt, Table(_l("Quota history"), QUOTA_HISTORY, rows))


# -- optimizer runs --------------------------------------------------------------------------------

# the page's figures (`hq.run_figures`, by key), each as two columns: before and after the run's plan
RUN_FIGURES = [("on_time_rate", "rate", _l("On-time rate before"), _l("On-time rate after")),
               ("unshipped_units", "int", _l("Units backordered before"), _l("Units backordered after")),
               ("cost", "money", _l("Shipping cost before (RMB)"), _l("Shipping cost after (RMB)")),
               ("objective", "money", _l("Objective before (RMB)"), _l("Objective after (RMB)"))]
RUNS = [Column(_l("Run")), Column(_l("Started"), "datetime"), Column(_l("Status")), Column(_l("Stage")),
        Column(_l("Progress"), "rate"),
        *[Column(heading, kind) for _key, kind, *headings in RUN_FIGURES for heading in headings],
        Column(_l("Transfers proposed"), "int"), Column(_l("Lines changed"), "int"), Column(_l("Time (s)"), "number")]
PROPOSALS = [Column(_l("Run")), Column(_l("Proposed"), "datetime"), Column(_l("Waiting for approval"), "int"),
             Column(_l("All"), "int")]


@bp.get("/hq/optimizer/export.<fmt>")
@login_required(HQ)
def optimizer_export(fmt: str):
    from optimizer.runs import list_runs

    from .hq import run_figures

    def figures(run: dict) -> tuple:
        """Each of the page's figures before and after the run's plan; blanks for a run not done."""
        shown = run_figures(run)
        return tuple(value for key, *_ in RUN_FIGURES for value in (shown[key] if shown else (None, None)))

    runs = capped(list_runs(db.session, limit=one_over_cap()))
    rows = [(r["id"], r.get("started_at"), status_label(r.get("status", "")), r.get("stage"), r.get("progress"),
             *figures(r), r.get("transfers_proposed"), r.get("lines_changed"), r.get("solve_seconds")) for r in runs]
    return download("optimizer-runs", fmt, [Table(_l("Runs"), RUNS, rows),
                                            Table(_l("Proposed transfers by run"), PROPOSALS,
                                                  [(run, at, waiting, n) for run, waiting, n, at
                                                   in capped(queries.proposal_runs(db.session))])])


# -- penalties (扣罚报表) -----------------------------------------------------------------------------

PARTIES = [Column(_l("Party")), Column(_l("Tickets"), "int"), Column(_l("Hours over allowance"), "number"),
           Column(_l("Fines"), "money"), Column(_l("Bonuses"), "money")]
CENTERS = [Column(_l("Centre")), Column(_l("Province")), Column(_l("Tickets"), "int"),
           Column(_l("Open at month end"), "int"), Column(_l("Within 3 days"), "rate"), Column(_l("Target"), "rate"),
           Column(_l("Within 7 days"), "rate"), Column(_l("Target"), "rate"), Column(_l("Over 7 days"), "int"),
           Column(_l("Monthly bonus"))]
ROLE_FINES = [Column(_l("Centre")), Column(_l("Role")), Column(_l("Tickets over 7 days through the centre"), "int"),
              Column(_l("Per-ticket fines"), "money"), Column(_l("Monthly fine"), "money"), Column(_l("Total"), "money")]
WAITS = [Column(_l("Ticket")), Column(_l("Centre")), Column(_l("Requisition")), Column(_l("Line"), "int"),
         Column(_l("SKU")), Column(_l("Hours past promise"), "number"), Column(_l("Cause")),
         Column(_l("Warehouse")), Column(_l("Decision"))]
OVERCHARGES = [Column(_l("Penalty")), Column(_l("Service point")), Column(_l("Ticket")), Column(_l("Charged"), "money"),
               Column(_l("Allowed"), "money"), Column(_l("Penalty (RMB)"), "money"), Column(_l("When"), "datetime")]


@bp.get("/hq/penalties/export.<fmt>")
@login_required(HQ)
def penalties_export(fmt: str):
    """The month's report as the page shows it, the parts waits all of them (the page shows 50)."""
    from .labels import party_label
    from .penalties import CAUSE, CAUSE_STATUS, ROLE

    period, session = period_arg(begun=True), db.session
    report = penalties_for_month(session, period, load_policy(session))
    waits = parts_waits_for_month(session, period, limit=one_over_cap())["waits"]
    capped(waits)
    start, end = month_bounds(period)
    charged = overcharges.in_period(session, start, end)
    session.rollback()
    kept, cancelled, yes, no = _l("kept"), _l("cancelled"), _l("yes"), _l("no")
    from .warranty import sanbao_flag_label
    tables = [
        Table(_l("Fines by party"), PARTIES, [(party_label(p["party"]), p["tickets"], p["hours"], p["fines"],
                                               p["bonuses"]) for p in report["parties"]]),
        Table(_l("Centres"), CENTERS, [(c["center"], c["province"], c["tickets"], c["open_at_month_end"],
                                        c["three_day_rate"], c["three_day_target"], c["seven_day_rate"],
                                        c["seven_day_target"], c["over_7_days"],
                                        cancelled if c["bonus_cancelled"] else kept) for c in report["centers"]]),
        Table(_l("Fines to the roles"), ROLE_FINES, [
            (c["center"], ROLE.get(role, role), c["tickets_fined"], c["ticket_fines"].get(role, "0.00"),
             c["fines"].get(role, "0.00"), c["role_totals"][role])
            for c in report["centers"] if any(v != "0.00" for v in c["role_totals"].values()) for role in ROLE]),
        Table(_l("Parts waits past their promise"), WAITS, [
            (w["ticket"], w["center"], w["requisition"], w["line"], w["sku"], w["hours_past_promise"],
             CAUSE.get(w["cause"], w["cause"]), w["cause_warehouse"], CAUSE_STATUS.get(w["cause_status"]))
            for w in waits]),
        Table(_l("Overcharge penalties"), OVERCHARGES, _overcharge_rows(charged)),
        Table(_l("Waiting over 90 days for parts (exchange under 三包)"), [Column(_l("Ticket")), Column(_l("Open"))],
              [(t, no) for t in report["exchange_flagged"] or []]
              + [(t, yes) for t in report["exchange_flagged_open"] or []]),
        Table(_l("三包 rights of the month's tickets"), [Column(_l("Right")), Column(_l("Tickets"), "int")],
              [(sanbao_flag_label(flag), n) for flag, n in report["sanbao"]["flags"].items()]),
    ]
    return download(f"penalties-{period}", fmt, tables)


def _overcharge_rows(found) -> list[tuple]:
    return [(o.code, o.service_point_code, o.ticket, o.charged, o.allowed, o.amount, o.recorded_at)
            for o in capped(found)]


@bp.get("/hq/statements/export.<fmt>")
@login_required(HQ)
def statements_export(fmt: str):
    """The month's overcharge penalties across the network (the statements page's list)."""
    period = period_arg()
    start, end = month_bounds(period)
    rows = _overcharge_rows(overcharges.in_period(db.session, start, end))
    db.session.rollback()
    return download(f"overcharges-{period}", fmt, Table(_l("Overcharge penalties"), OVERCHARGES, rows))


# -- cycle counts ----------------------------------------------------------------------------------

APPROVALS = [Column(_l("Warehouse")), Column(_l("Count"), "int"), Column(_l("Submitted by")),
             Column(_l("Submitted"), "datetime"), Column(_l("SKU")), Column(_l("Part")), Column(_l("Class")),
             Column(_l("Counted"), "int"), Column(_l("Book at count"), "int"), Column(_l("Variance"), "int"),
             Column(_l("Variance value (RMB)"), "money"), Column(_l("Clerk’s reason"))]
ACCURACY = [Column(_l("Warehouse")), Column(_l("Class")), Column(_l("Lines counted"), "int"),
            Column(_l("Within tolerance"), "int"), Column(_l("Share within tolerance"), "rate"),
            Column(_l("Absolute variance value (RMB)"), "money")]


@bp.get("/hq/cycle-counts/export.<fmt>")
@login_required(HQ)
def cycle_count_approvals_export(fmt: str):
    waiting = capped(cc.awaiting_approval(db.session))
    skus = list({line.sku for line, _count in waiting})
    names = dict(db.session.execute(select(Part.sku, Part.name).where(Part.sku.in_(skus))).all()) if skus else {}
    rows = [(count.warehouse_code, count.id, count.submitted_by, count.submitted_at, line.sku, names.get(line.sku),
             line.abc_class, line.counted, line.book, line.variance, line.variance_value, line.note)
            for line, count in waiting]
    return download("cycle-count-approvals", fmt, Table(_l("Variances awaiting approval"), APPROVALS, rows))


@bp.get("/hq/cycle-counts/accuracy/export.<fmt>")
@login_required(HQ)
def cycle_count_accuracy_export(fmt: str):
    from .cycle_counts import WINDOWS

    from flask_babel import gettext as _

    raw = request.args.get("days", "30")
    if raw not in {str(d) for d in WINDOWS}:
        refuse(_("Choose the last 30 or 90 days."))
    found = capped(cc.accuracy_report(db.session, days=int(raw)))
    rows = [(r.warehouse, r.abc_class, r.lines, r.within, r.share_within, r.variance_value) for r in found]
    return download(f"count-accuracy-{raw}d", fmt, Table(_l("Count accuracy"), ACCURACY, rows))


# -- stock plans -----------------------------------------------------------------------------------

TARGETS = [Column(_l("Warehouse")), Column(_l("SKU")), Column(_l("Part")), Column(_l("Level"), "int"),
           Column(_l("HQ keeps back"), "int"), Column(_l("Unit cost (RMB)"), "money"), Column(_l("Value (RMB)"), "money")]


WAREHOUSE_TOTALS = [Column(_l("Warehouse")), Column(_l("Name")), Column(_l("Kind")), Column(_l("SKUs held"), "int"),
                    Column(_l("Units"), "int"), Column(_l("Value at cost (RMB)"), "money")]
PLANS = [Column(_l("Plan")), Column(_l("Made"), "datetime"), Column(_l("By")), Column(_l("Budget (RMB)"), "money"),
         Column(_l("Expected stock value (RMB)"), "money"), Column(_l("Expected on-time"), "rate"),
         Column(_l("Upper bound"), "rate"), Column(_l("Gap"), "rate"), Column(_l("Forecast units a day"), "number"),
         Column(_l("Time (s)"), "number")]


def _targets_export(code: str | None, fmt: str):
    from .plans import target_filters

    if code is None:
        history, _total = planning.plan_history(db.session, limit=1, counted=False)
        if not history:
            abort(404)
        code = history[0].code
    try:
        plan = planning.plan_figures(db.session, code)
    except NotFound:  # as the page: no such plan
        abort(404)
    warehouse, sku = target_filters(request.args)

    def fetch(limit, offset):
        return planning.target_rows(db.session, plan.id, warehouse=warehouse, sku=sku, offset=offset, limit=limit)

    rows = [(t.warehouse, t.sku, t.name, t.level, t.keep, t.unit_cost, t.value) for t in every_page(fetch)]
    totals = [(t.warehouse, t.name, warehouse_kind_label(t.kind), t.skus, t.units, t.value)
              for t in planning.warehouse_totals(db.session, plan.id)]
    history = every_page(lambda limit, offset: planning.plan_history(db.session, offset=offset, limit=limit,
                                                                     counted=False))
    plans = [(p.code, p.created_at, actor_label(p.created_by), p.budget, p.stock_value, p.expected_on_time_rate,
              p.upper_bound_rate, p.gap, p.forecast_units_per_day, p.seconds) for p in history]
    return download(f"plan-{plan.code}", fmt, [
        Table(_l("Levels by warehouse and part"), TARGETS, rows),
        Table(_l("What plan %(code)s has each warehouse hold", code=plan.code), WAREHOUSE_TOTALS, totals),
        Table(_l("Plans so far"), PLANS, plans)])


@bp.get("/hq/plans/export.<fmt>")
@login_required(HQ)
def stock_plans_export(fmt: str):
    return _targets_export(None, fmt)


@bp.get("/hq/plans/<code>/export.<fmt>")
@login_required(HQ)
def stock_plan_export(code: str, fmt: str):
    return _targets_export(code, fmt)


# -- a centre's tickets ----------------------------------------------------------------------------

TICKETS = [Column(_l("Ticket")), Column(_l("Service point")), Column(_l("Status")), Column(_l("Reported"), "datetime"),
           Column(_l("Hours"), "number"), Column(_l("Hours over 3 days"), "number"),
           Column(_l("Centre’s hours over allowance"), "number"), Column(_l("Charged to the centre for")),
           Column(_l("Centre fines"), "money")]


@bp.get("/centers/<center>/export.<fmt>")
@center_page
def center_export(center: Center, fmt: str):
    """The centre's month's tickets under the page's filter (`?only=`), every one."""
    from inventory.centers import center_returns

    from .centers import FILTERS, REASON, TICKET_STATUS, _shown
    from .penalties import ROLE

    period = period_arg()
    month = center_month(db.session, center.code, period, load_policy(db.session))
    db.session.rollback()
    only = request.args.get("only") if request.args.get("only") in FILTERS else None
    shown = capped(_shown(month["tickets"], only))
    rows = [(t["ticket"], t["service_point"], TICKET_STATUS.get(t["status"], t["status"]), t["created_at"],
             t["elapsed_hours"], t["late_hours"], t["center_hours"],
             "、".join(str(REASON.get(r, r)) for r in t["center_reasons"]), t["center_fines"]) for t in shown]
    rates, back = month["rates"], center_returns(db.session, center.code, period)
    db.session.rollback()
    fines = [(ROLE.get(role, role), rates["ticket_fines"].get(role, "0.00"), rates["fines"].get(role, "0.00"),
              rates["role_totals"][role]) for role in ROLE]
    returns = [(_l("Old parts due this month (units)"), back["due_units"]),
               (_l("Sent back by the due date (units)"), back["returned_units"]),
               (_l("Return rate"), None if back["return_rate"] is None else float(back["return_rate"])),
               (_l("Returns gone overdue this month"), back["overdue_count"]),
               (_l("Unused parts returned (units)"), back["unused_units"]),
               (_l("Charged to the points (RMB)"), back["charges"]),
               (_l("Tickets whose repair fee waits for an old part today"), back["held_settlements"])]
    return download(f"tickets-{center.code}-{period}", fmt, [
        Table(_l("The month’s tickets"), TICKETS, rows),
        Table(_l("Fines to the centre’s three roles"), [Column(_l("Role")), Column(_l("Per-ticket fines"), "money"),
                                                        Column(_l("Monthly fine"), "money"),
                                                        Column(_l("Total"), "money")], fines),
        Table(_l("Old-part returns of the centre’s points"), [Column(_l("Item")), Column(_l("Value"), "auto")],
              [(str(label), value) for label, value in returns])])


# -- HQ's dashboard, warehouses and policy; one sku's stock ------------------------------------------

@bp.get("/hq/export.<fmt>")
@login_required(HQ)
def dashboard_export(fmt: str):
    """The dashboard's figures behind its charts, one table per chart (the last 30 days)."""
    from .labels import party_label
    from .hq import DASHBOARD_DAYS, _dashboard_figures, cache

    f = cache().get("dashboard", current_app.config["WEB_CHART_CACHE_SECONDS"], _dashboard_figures)
    tables = [
        Table(_l("2-day on-time rate by day"), [Column(_l("Day"), "date"), Column(_l("On-time rate"), "rate"),
                                                 Column(_l("Deliveries"), "int")],
              [(datetime.strptime(day, "%Y-%m-%d").date(), rate, n) for day, rate, n in f["by_day"]]),
        Table(_l("2-day on-time rate by centre"), [Column(_l("Centre")), Column(_l("On-time rate"), "rate"),
                                                    Column(_l("Deliveries"), "int")], f["by_centre"]),
        Table(_l("Shortages by warehouse"), [Column(_l("Warehouse")), Column(_l("Lines short"), "int"),
                                             Column(_l("Units backordered"), "int")], f["shortages"]),
        Table(_l("Stock value by warehouse"), [Column(_l("Warehouse")), Column(_l("Name")),
                                               Column(_l("Stock value"), "money")], f["stock_value"]),
        Table(_l("Penalties by party"), [Column(_l("Party")), Column(_l("Fines"), "money")],
              [(party_label(party), amount) for party, amount in f["penalties"] or []]),
    ]
    return download(f"dashboard-{DASHBOARD_DAYS}d", fmt, tables)


@bp.get("/hq/warehouses/export.<fmt>")
@login_required(HQ)
def warehouses_export(fmt: str):
    from .labels import warehouse_kind_label

    values = {code: value for code, _name, value in queries.stock_value_by_warehouse(db.session)}
    rows = [(w.code, w.name, warehouse_kind_label(w.kind), w.center_code, values.get(w.code, 0))
            for w in capped(queries.warehouses(db.session))]
    return download("warehouses", fmt, Table(_l("Warehouses"), [
        Column(_l("Code")), Column(_l("Name")), Column(_l("Kind")), Column(_l("Centre")),
        Column(_l("Stock value"), "money")], rows))


@bp.get("/hq/policy/export.<fmt>")
@login_required(HQ)
def policy_export(fmt: str):
    """Every policy key: its default, where the default comes from, the value in force, who changed it."""
    from flask_babel import gettext as _

    from inventory.policy import DEFAULTS, PolicySetting, format_value

    policy = load_policy(db.session).as_dict()
    overrides = {row.key: row for row in db.session.scalars(select(PolicySetting))}
    rows = []
    for key, item in DEFAULTS.items():
        origin = item.origin
        source = (_("our default") if origin.ours
                  else _("seed %(seed)s: %(section)s", seed=origin.seed, section=origin.section))
        changed = overrides.get(key)
        rows.append((key, _(item.description), format_value(item.default), source, format_value(policy[key]),
                     changed.updated_by if changed else None, changed.updated_at if changed else None))
    return download("policy", fmt, Table(_l("Policy table"), [
        Column(_l("Setting")), Column(_l("Description")), Column(_l("Default")), Column(_l("Source")),
        Column(_l("Current value")), Column(_l("Changed by")), Column(_l("Changed"), "datetime")], rows))
