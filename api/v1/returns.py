"""Returns (旧件退回 / 退件): points and dealers send parts back; warehouse systems receive and inspect."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields, validate

from inventory.db import transaction
from inventory.returns import lifecycle, report, settlement
from inventory.returns.models import KINDS, OUTCOMES, STATUSES
from inventory.returns.lifecycle import MAX_QTY, MAX_TEXT

from ..auth import current_principal, roles
from ..extensions import db
from .common import Blueprint, EventTimeSchema, Money, Month, PageArgsSchema, StrictSchema, create_once, paginated
from .csv_reports import csv_report

blp = Blueprint("returns", __name__, url_prefix="/api/v1/returns",
                description="Old-part and unused-part returns, their inspection and charges")
CODE = validate.Length(min=1, max=40)
TEXT = validate.Length(max=MAX_TEXT)


class ReturnInSchema(StrictSchema):
    requisition = fields.String(required=True, validate=CODE,
                                metadata={"description": "the requisition the parts came on"})
    sku = fields.String(required=True, validate=CODE)
    qty = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_QTY))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS),
                         metadata={"description": "old_part: the faulty part taken out; unused: a new part not fitted"})
    reason = fields.String(load_default="", validate=TEXT)


class ReturnChargeSchema(StrictSchema):
    kind = fields.String(metadata={"description": "overdue or wrong_part"})
    amount = Money()
    at = fields.AwareDateTime()


class ReturnSchema(StrictSchema):
    id = fields.String(attribute="code")
    kind = fields.String(validate=validate.OneOf(KINDS))
    status = fields.String(validate=validate.OneOf(STATUSES))
    requisition = fields.String(attribute="requisition_code")
    ticket = fields.String(allow_none=True)
    sku = fields.String()
    qty = fields.Integer()
    unit_price = Money()
    service_point = fields.String(attribute="service_point_code")
    dealer = fields.String(attribute="dealer_code", allow_none=True)
    warehouse = fields.String(attribute="warehouse_code",
                              metadata={"description": "the issuing warehouse it goes back to"})
    due_by = fields.AwareDateTime(allow_none=True, metadata={"description": "old parts: when it must be back"})
    reason = fields.String()
    outcome = fields.String(allow_none=True, validate=validate.OneOf(OUTCOMES))
    note = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    shipped_at = fields.AwareDateTime(allow_none=True)
    overdue_at = fields.AwareDateTime(allow_none=True)
    received_at = fields.AwareDateTime(allow_none=True)
    inspected_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    charges = fields.List(fields.Nested(ReturnChargeSchema))


class ReturnQueryArgsSchema(PageArgsSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS))


class ReturnInspectSchema(StrictSchema):
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    note = fields.String(load_default=None, allow_none=True, validate=TEXT)


class ReturnCloseSchema(StrictSchema):
    note = fields.String(load_default=None, allow_none=True, validate=TEXT)


class ReturnsReportArgsSchema(StrictSchema):
    month = Month(required=True)


class CenterReturnsSchema(StrictSchema):
    center = fields.String()
    due_units = fields.Integer(metadata={"description": "old-part units due in the month"})
    returned_units = fields.Integer(metadata={"description": "of those, sent back by their due date"})
    return_rate = fields.Decimal(as_string=True, places=4, allow_none=True)
    overdue_count = fields.Integer(metadata={"description": "returns that went overdue in the month"})
    unused_units = fields.Integer()
    charges = Money()
    charges_by_kind = fields.Dict(keys=fields.String(), values=Money())


class TicketSettlementSchema(StrictSchema):
    ticket = fields.String()
    settlement_ready = fields.Boolean(attribute="ready")
    waiting = fields.List(fields.Nested(ReturnSchema))


@blp.route("")
class Returns(MethodView):
    @roles("dealer", "service_point")
    @blp.arguments(ReturnInSchema)
    @blp.response(201, ReturnSchema)
    @blp.alt_response(404, schema=None, description="no such requisition, or not yours")
    @blp.alt_response(422, schema=None, description="more than was issued, not returnable, sku not on the requisition")
    def post(self, body):
        """Send parts back: an old part (matches its expected return) or an unused part"""
        principal = current_principal()

        def create():
            return lifecycle.create_return(db.session, principal, body["requisition"], body["sku"], body["qty"],
                                           body["kind"], body["reason"])

        return create_once(principal.name, body, create, ReturnSchema().dump)

    @roles("dealer", "service_point", "hq")
    @blp.arguments(ReturnQueryArgsSchema, location="query")
    @blp.response(200, ReturnSchema(many=True), headers={"X-Total-Count": {"schema": {"type": "integer"}}})
    def get(self, args):
        """Your returns, newest first (HQ: all)"""
        rows, total = report.list_for(db.session, current_principal(), status=args["status"], kind=args["kind"],
                                      page=args["page"], per_page=args["per_page"])
        return paginated(rows, total)


@blp.route("/report")
class ReturnsReport(MethodView):
    @csv_report(name="returns-report")
    @roles("hq")
    @blp.arguments(ReturnsReportArgsSchema, location="query")
    @blp.response(200, CenterReturnsSchema(many=True))
    def get(self, args):
        """Per centre for a month: return rate, overdue count, unused returns, charges"""
        return report.monthly_report(db.session, args["month"])


@blp.route("/settlements/<string:ticket>")
class TicketSettlement(MethodView):
    @roles("hq", "call_center")
    @blp.response(200, TicketSettlementSchema)
    def get(self, ticket):
        """Whether a ticket's repair fee may be settled: held until its old parts are in"""
        return settlement.settlement(db.session, ticket)


@blp.route("/<string:code>")
class ReturnById(MethodView):
    @roles("dealer", "service_point", "hq")
    @blp.response(200, ReturnSchema)
    def get(self, code):
        """One return"""
        return report.get(db.session, current_principal(), code)


@blp.route("/<string:code>/receive")
class ReturnReceive(MethodView):
    @roles("hq")
    @blp.arguments(EventTimeSchema, required=False)
    @blp.response(200, ReturnSchema)
    def post(self, body, code):
        """The issuing warehouse has the parcel (warehouse systems)"""
        with transaction(db.session):
            row = lifecycle.receive(db.session, current_principal().name, code, at=(body or {}).get("at"))
        return row


@blp.route("/<string:code>/inspect")
class ReturnInspect(MethodView):
    @roles("hq")
    @blp.arguments(ReturnInspectSchema)
    @blp.response(200, ReturnSchema)
    def post(self, body, code):
        """Record the inspection outcome and apply its effect (stock, quota credit, charge); 409 twice"""
        with transaction(db.session):
            row = lifecycle.inspect(db.session, current_principal().name, code, body["outcome"], note=body["note"])
        return row


@blp.route("/<string:code>/close")
class ReturnClose(MethodView):
    @roles("hq")
    @blp.arguments(ReturnCloseSchema, required=False)
    @blp.response(200, ReturnSchema)
    def post(self, body, code):
        """File an inspected return: its quarantined units are disposed of"""
        with transaction(db.session):
            row = lifecycle.close(db.session, current_principal().name, code, note=(body or {}).get("note"))
        return row
