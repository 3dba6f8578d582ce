"""Cycle counts for HQ (循环盘点): the counts and their lines, a warehouse's due list, variances to
approve or reject, and the count-accuracy report. Clerks count on the web pages.

Blind: while a count is `counting` its lines carry no book quantity (nor counted or variance);
they are filled in when the clerk submits.
"""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields, validate
from sqlalchemy import func, select

from inventory.db import transaction
from inventory.errors import NotFound
from inventory.network import Warehouse
from inventory.policy import load_policy
from inventory.warehouses import cycle_counts as cc

from ..auth import current_principal, roles
from ..extensions import db
from .common import Blueprint, Money, PageArgsSchema, StrictSchema, paginated
from .csv_reports import csv_report

blp = Blueprint("cycle_counts", __name__, url_prefix="/api/v1/cycle-counts",
                description="Cycle counts: ABC due lists, blind counts, HQ approval of large variances, accuracy")
LARGEST_ID = 2 ** 62  # ids beyond any row answer 404 instead of overflowing the database's integer


class CycleCountLineSchema(StrictSchema):
    id = fields.Integer()
    sku = fields.String()
    abc_class = fields.String(metadata={"description": "A, B or C when the count was made"})
    status = fields.String(metadata={"description": "to_count, posted, awaiting_approval, approved, rejected"})
    counted = fields.Integer(allow_none=True, metadata={"description": "null while the count is open"})
    book = fields.Integer(allow_none=True, metadata={"description": "on hand at submit; null while the count is "
                                                                    "open (blind count)"})
    variance = fields.Integer(allow_none=True, metadata={"description": "counted - book; null while open"})
    variance_value = Money(allow_none=True, metadata={"description": "|variance| x unit cost, RMB"})
    within_tolerance = fields.Boolean(allow_none=True)
    posted_delta = fields.Integer(allow_none=True, metadata={"description": "what the ledger wrote to on hand"})
    decided_by = fields.String(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    note = fields.String(allow_none=True)


class CycleCountSchema(StrictSchema):
    id = fields.Integer()
    warehouse = fields.String()
    status = fields.String(metadata={"description": "counting, submitted (lines await HQ) or closed"})
    created_by = fields.String()
    created_at = fields.AwareDateTime()
    submitted_by = fields.String(allow_none=True)
    submitted_at = fields.AwareDateTime(allow_none=True)
    lines = fields.List(fields.Nested(CycleCountLineSchema))


class CycleCountQueryArgsSchema(PageArgsSchema):
    warehouse = fields.String(load_default=None, validate=validate.Length(min=1, max=16))
    status = fields.String(load_default=None, validate=validate.OneOf(cc.COUNT_STATUSES))


class CycleCountDueArgsSchema(StrictSchema):
    warehouse = fields.String(required=True, validate=validate.Length(min=1, max=16))


class CycleCountDueSchema(StrictSchema):
    sku = fields.String()
    abc_class = fields.String()
    last_counted = fields.AwareDateTime(allow_none=True, metadata={"description": "null: never counted here"})


class CycleCountAccuracyArgsSchema(StrictSchema):
    days = fields.Integer(load_default=30, validate=validate.OneOf((30, 90)))


class CycleCountAccuracyRowSchema(StrictSchema):
    warehouse = fields.String()
    abc_class = fields.String()
    lines = fields.Integer(metadata={"description": "lines counted (submitted) in the period"})
    within = fields.Integer(metadata={"description": "of them, within the tolerance (posted without approval)"})
    share_within = fields.Float(allow_none=True)
    variance_value = Money(metadata={"description": "sum of |variance| x unit cost, RMB"})


class CycleCountAccuracySchema(StrictSchema):
    days = fields.Integer()
    rows = fields.List(fields.Nested(CycleCountAccuracyRowSchema))
    total = fields.Nested(CycleCountAccuracyRowSchema)


class CycleCountRejectSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))


BLIND = ("counted", "book", "variance", "variance_value", "within_tolerance", "posted_delta")


def _line(line: cc.CycleCountLine, counting: bool) -> dict:
    body = {name: getattr(line, name) for name in CycleCountLineSchema._declared_fields}
    if counting:  # the book is read at submit; nothing of it leaves while the clerk counts
        body.update({name: None for name in BLIND})
    return body


def _count(count: cc.CycleCount) -> dict:
    counting = count.status == "counting"
    return {"id": count.id, "warehouse": count.warehouse_code, "status": count.status,
            "created_by": count.created_by, "created_at": count.created_at, "submitted_by": count.submitted_by,
            "submitted_at": count.submitted_at,
            "lines": [_line(line, counting) for line in cc.lines_of(db.session, count.id)]}


def _row(row: cc.Accuracy) -> dict:
    return {"warehouse": row.warehouse, "abc_class": row.abc_class, "lines": row.lines, "within": row.within,
            "share_within": row.share_within, "variance_value": row.variance_value}


def _id(value: int, what: str, code: str, name: str) -> int:
    if value > LARGEST_ID:
        raise NotFound(f"no {what} {value}", code=code, **{name: value})
    return value


@blp.route("")
class CycleCounts(MethodView):
    @roles("hq")
    @blp.arguments(CycleCountQueryArgsSchema, location="query")
    @blp.response(200, CycleCountSchema(many=True), headers={"X-Total-Count": {"schema": {"type": "integer"}}})
    def get(self, args):
        """Counts, newest first, with their lines (no book quantity while a count is open)"""
        cond = []
        if args["warehouse"]:
            cond.append(cc.CycleCount.warehouse_code == args["warehouse"])
        if args["status"]:
            cond.append(cc.CycleCount.status == args["status"])
        total = db.session.scalar(select(func.count()).select_from(cc.CycleCount).where(*cond))
        counts = db.session.scalars(select(cc.CycleCount).where(*cond).order_by(cc.CycleCount.id.desc())
                                    .offset((args["page"] - 1) * args["per_page"]).limit(args["per_page"]))
        return paginated([_count(c) for c in counts], total)


@blp.route("/<int:count_id>")
class CycleCountOne(MethodView):
    @roles("hq")
    @blp.response(200, CycleCountSchema)
    def get(self, count_id):
        """One count and its lines"""
        return _count(cc.get_count(db.session, _id(count_id, "cycle count", "cycle_count.not_found", "count")))


@blp.route("/due")
class CycleCountDue(MethodView):
    @roles("hq")
    @blp.arguments(CycleCountDueArgsSchema, location="query")
    @blp.response(200, CycleCountDueSchema(many=True))
    def get(self, args):
        """What a warehouse's next count would hold (most overdue first, up to the daily cap)"""
        if db.session.get(Warehouse, args["warehouse"]) is None:
            raise NotFound(f"no warehouse {args['warehouse']}", code="warehouse.not_found", warehouse=args["warehouse"])
        due = cc.due_list(db.session, args["warehouse"], load_policy(db.session))
        return [{"sku": d.sku, "abc_class": d.abc_class, "last_counted": d.last_counted} for d in due]


@blp.route("/accuracy")
class CycleCountAccuracy(MethodView):
    @csv_report({"rows": "rows"}, name="count-accuracy")
    @roles("hq")
    @blp.arguments(CycleCountAccuracyArgsSchema, location="query")
    @blp.response(200, CycleCountAccuracySchema)
    def get(self, args):
        """Count accuracy per warehouse and ABC class over the last 30 or 90 days"""
        rows = cc.accuracy_report(db.session, days=args["days"])
        return {"days": args["days"], "rows": [_row(r) for r in rows], "total": _row(cc.accuracy_total(rows))}


@blp.route("/lines/<int:line_id>/approve")
class CycleCountLineApprove(MethodView):
    @roles("hq")
    @blp.response(200, CycleCountLineSchema)
    def post(self, line_id):
        """Approve a variance beyond the tolerance: it is posted on the current book"""
        with transaction(db.session):
            line = cc.approve_line(db.session, _id(line_id, "cycle count line", "cycle_count.line_not_found", "line"),
                                   actor=current_principal().name)
            return _line(line, False)


@blp.route("/lines/<int:line_id>/reject")
class CycleCountLineReject(MethodView):
    @roles("hq")
    @blp.arguments(CycleCountRejectSchema)
    @blp.response(200, CycleCountLineSchema)
    def post(self, body, line_id):
        """Reject a variance, saying why: nothing is posted and the sku is due again"""
        with transaction(db.session):
            line = cc.reject_line(db.session, _id(line_id, "cycle count line", "cycle_count.line_not_found", "line"),
                                  actor=current_principal().name,
                                  reason=body["reason"])
            return _line(line, False)
