"""Stock plans (库存计划, HQ): the plans made so far, one plan's totals per warehouse and its
levels, and a new plan asked for under a budget (made by a task; follow it at its run)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import url_for
from flask.views import MethodView
from marshmallow import fields, validate

from inventory import planning
from inventory.planning import MAX_BUDGET, RUN_STATUSES

from ..auth import current_principal, roles
from ..errors import problem
from ..extensions import db
from .common import Blueprint, Money, PageArgsSchema, StrictSchema, create_once, paginated
from .csv_reports import csv_report

blp = Blueprint("stock_plans", __name__, url_prefix="/api/v1/stock-plans",
                description="Stock plans: forecast and placement under a budget (库存计划)")


class BudgetField(fields.Field):
    """RMB as a decimal string ("30000000.00"): more than 0, at most 10^10, two places at most."""

    default_error_messages = {
        "invalid": 'give RMB as a decimal string with at most two places, e.g. "30000000.00"',
        "range": f"a budget must be more than 0.00 and at most {MAX_BUDGET:,} RMB",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not planning.BUDGET_TEXT.fullmatch(value):
            raise self.make_error("invalid")
        try:
            amount = Decimal(value)
        except InvalidOperation as exc:  # pragma: no cover - the pattern admits only digits
            raise self.make_error("invalid") from exc
        if not 0 < amount <= MAX_BUDGET:
            raise self.make_error("range")
        return amount

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{value:.2f}"


class PlanRequestSchema(StrictSchema):
    budget = BudgetField(load_default=None, allow_none=True, metadata={
        "type": "string", "format": "decimal", "pattern": f"^{planning.BUDGET_TEXT.pattern}$", "example": "30000000.00",
        "description": "RMB of stock at cost to place; default the policy's `stock_budget`"})


class StockPlanSchema(StrictSchema):
    id = fields.String(attribute="code", metadata={"example": "SP000012"})
    created_at = fields.AwareDateTime()
    created_by = fields.String()
    budget = Money(metadata={"description": "RMB of average stock the plan was asked to keep over the year"})
    placed_budget = Money(allow_none=True, metadata={
        "description": "RMB it placed this week: the budget's share for the season, corrected by the stock "
                       "held against the last plan (null for plans kept before December 2026)"})
    stock_value = Money(metadata={"description": "expected stock on hand at cost, RMB"})
    expected_on_time_rate = fields.Float(metadata={"description": "share of units the model expects within "
                                                                   "the 2-day promise"})
    upper_bound_rate = fields.Float(metadata={"description": "no placement under the budget does better"})
    gap = fields.Float(metadata={"description": "upper bound minus the plan's rate (optimality gap)"})
    seconds = fields.Float(metadata={"description": "time to forecast and place"})
    forecast_units_per_day = fields.Float()
    target_count = fields.Integer(metadata={"description": "(warehouse, sku) levels the plan sets"})


class WarehouseTotalSchema(StrictSchema):
    warehouse = fields.String()
    name = fields.String()
    kind = fields.String(metadata={"description": "hq or regional"})
    skus = fields.Integer()
    units = fields.Integer()
    value = Money(metadata={"description": "the levels at today's unit cost, RMB"})


class StockPlanDetailSchema(StockPlanSchema):
    warehouses = fields.List(fields.Nested(WarehouseTotalSchema))


class StockTargetSchema(StrictSchema):
    warehouse = fields.String()
    sku = fields.String()
    name = fields.String()
    level = fields.Integer(metadata={"description": "base-stock level the nights refill to"})
    keep = fields.Integer(metadata={"description": "units HQ keeps back from transfers for its own points"})
    unit_cost = Money()
    value = Money()


class StockTargetQueryArgsSchema(PageArgsSchema):
    warehouse = fields.String(load_default=None, validate=validate.Length(max=16),
                              metadata={"description": "one warehouse's levels (its code)"})
    sku = fields.String(load_default=None, validate=validate.Length(max=40),
                        metadata={"description": "skus containing this text, ignoring case"})


class PlanRunSchema(StrictSchema):
    id = fields.String(attribute="code", metadata={"example": "SPR000003"})
    status = fields.String(validate=validate.OneOf(RUN_STATUSES))
    trigger = fields.String(metadata={"description": "api, web or weekly"})
    created_by = fields.String()
    created_at = fields.AwareDateTime()
    started_at = fields.AwareDateTime(allow_none=True)
    finished_at = fields.AwareDateTime(allow_none=True)
    budget = Money(allow_none=True, metadata={"description": "null: the policy's stock_budget"})
    plan = fields.String(attribute="plan_code", allow_none=True, metadata={"description": "the plan made, once done"})
    purchase_orders_proposed = fields.Integer()
    error = fields.String(allow_none=True)
    heartbeat_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "when the start making it last showed life (every 30 s while it reads and solves)"})
    heartbeat_age_seconds = fields.Float(attribute="heartbeat_age", allow_none=True, metadata={
        "description": "seconds since then while running, else null; beat's sweep sends a run silent "
                       "for RUNS_STALLED_RUNNING_SECONDS (15 min) again"})
    requeued = fields.Integer(metadata={"description": "times beat's sweep sent its task again"})


class PlanRunStartedSchema(StrictSchema):
    id = fields.String()
    status = fields.String()
    location = fields.String(metadata={"description": "follow the run here"})


def _page(args) -> dict:
    return {"offset": (args["page"] - 1) * args["per_page"], "limit": args["per_page"]}


def _run_location(code: str) -> str:
    return url_for("stock_plans.PlanRunById", code=code)


@blp.route("")
class StockPlans(MethodView):
    @roles("hq")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, StockPlanSchema(many=True), headers={"X-Total-Count": {"schema": {"type": "integer"}}})
    def get(self, args):
        """Stock plans, newest first, with the figures HQ decides with"""
        rows, total = planning.plan_history(db.session, **_page(args))
        return paginated(rows, total)

    @roles("hq")
    @blp.arguments(PlanRequestSchema, required=False)
    @blp.response(202, PlanRunStartedSchema, headers={"Location": {"schema": {"type": "string"},
                                                                   "description": "the run's status"}})
    @blp.alt_response(409, "CONFLICT", description="a plan is being made already")
    @blp.alt_response(503, "SERVICE_UNAVAILABLE", description="the task queue is unavailable")
    def post(self, body):
        """Ask for a new plan (and its purchase proposals) under `budget`; follow it at Location"""
        from ..tasks.planning import dispatch

        principal = current_principal()
        budget = (body or {}).get("budget")

        def create():
            return planning.request_plan(db.session, actor=principal.name, trigger="api", budget=budget)

        def render(run):
            return {"id": run.code, "status": run.status, "location": _run_location(run.code)}

        def then(started):
            why = dispatch(planning.parse_plan_run_code(started["id"]))
            db.session.rollback()  # the task wrote with sessions of its own
            if why:
                return problem(503, "Service Unavailable", why, headers={"Retry-After": "60"})
            return None

        answer = create_once(principal.name, {"budget": None if budget is None else str(budget)}, create, render,
                             status=202, then=then)
        if answer.status_code == 202:
            answer.headers["Location"] = answer.get_json()["location"]
        return answer


@blp.route("/runs")
class PlanRuns(MethodView):
    @roles("hq")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, PlanRunSchema(many=True), headers={"X-Total-Count": {"schema": {"type": "integer"}}})
    def get(self, args):
        """Plan runs, newest first: asked for by HQ or the weekly job"""
        rows, total = planning.plan_run_page(db.session, **_page(args))
        return paginated(rows, total)


@blp.route("/runs/<string:code>")
class PlanRunById(MethodView):
    @roles("hq")
    @blp.response(200, PlanRunSchema)
    def get(self, code):
        """A plan run: queued, running, done (with its plan) or failed (with the error)"""
        return planning.get_plan_run(db.session, code)


@blp.route("/<string:code>")
class StockPlanById(MethodView):
    @roles("hq")
    @blp.response(200, StockPlanDetailSchema)
    def get(self, code):
        """One plan: its figures and what it has each warehouse hold"""
        plan = planning.plan_figures(db.session, code)
        return {**plan.__dict__, "warehouses": planning.warehouse_totals(db.session, plan.id)}


@blp.route("/<string:code>/targets")
class StockPlanTargets(MethodView):
    @csv_report(name="plan-targets")
    @roles("hq")
    @blp.arguments(StockTargetQueryArgsSchema, location="query")
    @blp.response(200, StockTargetSchema(many=True), headers={"X-Total-Count": {"schema": {"type": "integer"}}})
    def get(self, args, code):
        """A plan's levels by warehouse and sku; filter by `warehouse` and `sku`"""
        plan = planning.plan_figures(db.session, code)
        rows, total = planning.target_rows(db.session, plan.id, warehouse=args["warehouse"], sku=args["sku"],
                                           **_page(args))
        return paginated(rows, total)
