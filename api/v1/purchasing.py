"""HQ buying: purchase orders proposed by the stock plan, approved, received against, closed short."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import ValidationError, fields, validate, validates_schema

from inventory.db import transaction
from inventory.purchasing import service as purchasing
from inventory.purchasing.models import PO_STATUSES

from ..auth import current_principal, roles
from ..extensions import db
from .common import Blueprint, Money, PageArgsSchema, StrictSchema, paginated

blp = Blueprint("purchasing", __name__, url_prefix="/api/v1/purchase-orders",
                description="HQ buying from suppliers (采购订单)")

MAX_QTY = purchasing.MAX_QTY


class PurchaseOrderLineSchema(StrictSchema):
    sku = fields.String()
    qty = fields.Integer()
    qty_received = fields.Integer()
    outstanding = fields.Integer()
    unit_price = Money()


class PurchaseOrderSchema(StrictSchema):
    id = fields.String(attribute="code")
    supplier = fields.String(attribute="supplier_code")
    warehouse = fields.String(attribute="warehouse_code")
    status = fields.String()
    reason = fields.String()
    created_by = fields.String()
    created_at = fields.AwareDateTime()
    approved_by = fields.String(allow_none=True)
    approved_at = fields.AwareDateTime(allow_none=True)
    expected_at = fields.AwareDateTime(allow_none=True)
    closing_note = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(PurchaseOrderLineSchema))


class PurchaseOrderQueryArgsSchema(PageArgsSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(PO_STATUSES))


class ReasonSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))


class ReceiptLineSchema(StrictSchema):
    sku = fields.String(required=True, validate=validate.Length(min=1, max=40))
    qty = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_QTY))


class ReceiptSchema(StrictSchema):
    lines = fields.List(fields.Nested(ReceiptLineSchema), required=True, validate=validate.Length(min=1, max=500))
    note = fields.String(load_default=None, validate=validate.Length(max=200),
                         metadata={"description": "why more than ordered was taken in, when it was"})

    @validates_schema
    def _each_sku_once(self, data, **kwargs):
        skus = [line["sku"] for line in data["lines"]]
        if len(set(skus)) != len(skus):
            raise ValidationError("a sku appears twice; give its whole quantity once", field_name="lines")


@blp.route("")
class PurchaseOrders(MethodView):
    @roles("hq")
    @blp.arguments(PurchaseOrderQueryArgsSchema, location="query")
    @blp.response(200, PurchaseOrderSchema(many=True), headers={"X-Total-Count": {"schema": {"type": "integer"}}})
    def get(self, args):
        """Purchase orders, newest first; `status=proposed` lists what waits for approval"""
        rows = purchasing.list_orders(db.session, status=args["status"], limit=10_000)
        start = (args["page"] - 1) * args["per_page"]
        return paginated(rows[start:start + args["per_page"]], len(rows))


@blp.route("/<string:code>")
class PurchaseOrderById(MethodView):
    @roles("hq")
    @blp.response(200, PurchaseOrderSchema)
    def get(self, code):
        """One purchase order with its lines"""
        return purchasing.get(db.session, code)


@blp.route("/<string:code>/approve")
class PurchaseOrderApprove(MethodView):
    @roles("hq")
    @blp.response(200, PurchaseOrderSchema)
    def post(self, code):
        """Approve a proposal: the order opens, expected after the supplier's lead time"""
        with transaction(db.session):
            return purchasing.approve(db.session, code, actor=current_principal().name)


@blp.route("/<string:code>/reject")
class PurchaseOrderReject(MethodView):
    @roles("hq")
    @blp.arguments(ReasonSchema)
    @blp.response(200, PurchaseOrderSchema)
    def post(self, body, code):
        """Reject a proposal, saying why"""
        with transaction(db.session):
            return purchasing.reject(db.session, code, actor=current_principal().name, reason=body["reason"])


@blp.route("/<string:code>/receipts")
class PurchaseOrderReceipts(MethodView):
    @roles("hq")
    @blp.arguments(ReceiptSchema)
    @blp.response(200, PurchaseOrderSchema)
    def post(self, body, code):
        """Receive a delivery at HQ: partial deliveries add up; more than ordered needs a `note`"""
        with transaction(db.session):
            return purchasing.receive(db.session, code, {line["sku"]: line["qty"] for line in body["lines"]},
                                      actor=current_principal().name, note=body["note"])


@blp.route("/<string:code>/close")
class PurchaseOrderClose(MethodView):
    @roles("hq")
    @blp.arguments(ReasonSchema)
    @blp.response(200, PurchaseOrderSchema)
    def post(self, body, code):
        """Close an open order short: what was not delivered is no longer on order"""
        with transaction(db.session):
            return purchasing.close_short(db.session, code, actor=current_principal().name, reason=body["reason"])
