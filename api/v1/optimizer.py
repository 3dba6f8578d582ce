"""Optimizer runs (HQ parts team): start one, follow its progress, read its KPIs and proposals."""
from __future__ import annotations

from flask.views import MethodView
from kombu.exceptions import OperationalError as BrokerDown
from marshmallow import fields, validate

from inventory import planning
from inventory.db import transaction
from inventory.warehouses.transfers import list_transfers
from optimizer.runs import run_summary

from ..auth import current_principal, roles
from ..errors import problem
from ..extensions import db
from .common import Blueprint, StrictSchema, create_once
from .csv_reports import csv_report
from .transfers import TransferSchema

blp = Blueprint("optimizer", __name__, url_prefix="/api/v1/optimizer", description="The allocation optimizer")


class RunArgsSchema(StrictSchema):
    shards = fields.Integer(load_default=1, validate=validate.Range(min=1, max=16),
                            metadata={"description": "sku shards solved in parallel by the workers"})


class RunStartedSchema(StrictSchema):
    id = fields.String()
    status = fields.String()


class KpiSchema(StrictSchema):
    on_time_units = fields.Integer()
    late_units = fields.Integer()
    unshipped_units = fields.Integer()
    value = fields.String()
    cost = fields.String()
    objective = fields.String()
    feasible = fields.Boolean()


class RunSchema(StrictSchema):
    id = fields.String()
    status = fields.String()
    trigger = fields.String()
    stage = fields.String()
    progress = fields.Float()
    as_of = fields.String(allow_none=True)
    inputs_hash = fields.String(allow_none=True)
    solve_seconds = fields.Float(allow_none=True)
    before = fields.Nested(KpiSchema, allow_none=True)
    after = fields.Nested(KpiSchema, allow_none=True)
    lines_changed = fields.Integer()
    lines_skipped = fields.Integer()
    transfers_proposed = fields.Integer()
    error = fields.String(allow_none=True)
    heartbeat_at = fields.String(allow_none=True, metadata={
        "description": "when the start running it last showed life (every 30 s while it solves)"})
    heartbeat_age_seconds = fields.Float(allow_none=True, metadata={
        "description": "seconds since then while running, else null; beat's sweep sends a run silent "
                       "for RUNS_STALLED_RUNNING_SECONDS (15 min) again"})
    requeued = fields.Integer(metadata={"description": "times beat's sweep sent its task again"})
    proposed_transfers = fields.List(fields.Nested(TransferSchema))


@blp.route("/runs")
class Runs(MethodView):
    @roles("hq")
    @blp.arguments(RunArgsSchema, required=False)
    @blp.response(202, RunStartedSchema)
    def post(self, body):
        """Start a run now; follow it at GET /optimizer/runs/{id}. An Idempotency-Key starts one run
        for any number of retries with the same body"""
        from ..tasks.optimizer import start_run

        principal = current_principal()
        shards = (body or {}).get("shards", 1)

        def create():
            return planning.create_run(db.session, trigger="api", actor=principal.name, shards=shards)

        def render(run):
            return {"id": run.code, "status": run.status}

        def then(started):
            run_id = planning.parse_run_code(started["id"])
            try:
                start_run.apply_async((run_id,), ignore_result=True)  # nobody waits on it: progress is in the row
            except (BrokerDown, OSError, RuntimeError) as exc:  # broker or result store unreachable
                with transaction(db.session):
                    planning.mark_failed(planning.get_run(db.session, run_id, lock=True), f"queue unavailable: {exc}")
                return problem(503, "Service Unavailable", "the task queue is unavailable; try again shortly",
                               headers={"Retry-After": "60"})
            db.session.rollback()  # the task wrote with sessions of its own
            return None

        return create_once(principal.name, {"shards": shards}, create, render, status=202, then=then)

    @csv_report(name="optimizer-runs")
    @roles("hq")
    @blp.response(200, RunSchema(many=True))
    def get(self):
        """The latest runs"""
        return [run_summary(r) for r in planning.list_runs(db.session)]


@blp.route("/runs/<string:code>")
class RunById(MethodView):
    @roles("hq")
    @blp.response(200, RunSchema)
    def get(self, code):
        """A run: status, progress, KPIs before and after, proposed transfers"""
        run = planning.get_run(db.session, code)
        body = run_summary(run)
        body["proposed_transfers"] = list_transfers(db.session, proposal_run_id=run.code)
        return body
