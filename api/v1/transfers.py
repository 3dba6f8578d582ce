"""Transfers between warehouses: HQ approves (ships) or rejects the optimizer's drafts."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields, validate

from inventory.db import transaction
from inventory.warehouses import transfers
from inventory.warehouses.models import TRANSFER_STATUSES

from ..auth import current_principal, roles
from ..extensions import db
from .common import Blueprint, PageArgsSchema, StrictSchema, paginated

blp = Blueprint("transfers", __name__, url_prefix="/api/v1/transfers", description="Transfers between warehouses")


class TransferSchema(StrictSchema):
    id = fields.String()
    from_warehouse = fields.String()
    to_warehouse = fields.String()
    sku = fields.String()
    qty = fields.Integer()
    qty_received = fields.Integer()
    status = fields.String()
    reason = fields.String()
    proposal_run_id = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = fields.AwareDateTime()
    shipped_at = fields.AwareDateTime(allow_none=True)


class TransferQueryArgsSchema(PageArgsSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(TRANSFER_STATUSES))
    run = fields.String(load_default=None, validate=validate.Length(max=20))
    warehouse = fields.String(load_default=None, validate=validate.Length(max=16))


class RejectSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))


@blp.route("")
class Transfers(MethodView):
    @roles("hq")
    @blp.arguments(TransferQueryArgsSchema, location="query")
    @blp.response(200, TransferSchema(many=True), headers={"X-Total-Count": {"schema": {"type": "integer"}}})
    def get(self, args):
        """Transfers, newest first; `run` gives one optimizer run's proposals"""
        rows = transfers.list_transfers(db.session, status=args["status"], warehouse=args["warehouse"],
                                        proposal_run_id=args["run"])
        start = (args["page"] - 1) * args["per_page"]
        return paginated(rows[start:start + args["per_page"]], len(rows))


@blp.route("/<string:transfer_id>/approve")
class TransferApprove(MethodView):
    @roles("hq")
    @blp.response(200, TransferSchema)
    def post(self, transfer_id):
        """Approve a draft: it ships now (source on hand falls, destination in transit rises)"""
        with transaction(db.session):
            return transfers.approve_and_ship(db.session, transfer_id, actor=current_principal().name)


@blp.route("/<string:transfer_id>/reject")
class TransferReject(MethodView):
    @roles("hq")
    @blp.arguments(RejectSchema)
    @blp.response(200, TransferSchema)
    def post(self, body, transfer_id):
        """Reject a draft, saying why"""
        with transaction(db.session):
            return transfers.reject(db.session, transfer_id, actor=current_principal().name, reason=body["reason"])
