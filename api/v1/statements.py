"""A service point's money (issue #18, point 3): its monthly statement, and the overcharge
penalties HQ records against it (seed 003: 多收费金额十倍罚款).

HQ reads every point's; a service point's key reads only its own (another's is 404, as if it
did not exist); other keys are refused (403).
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import jsonify
from flask.views import MethodView
from marshmallow import fields, validate

from inventory import overcharges
from inventory.errors import NotFound
from inventory.network import ServicePoint
from inventory.overcharges import MAX_NOTE, MAX_TICKET
from inventory.policy import load_policy
from inventory.tickets.report import month_bounds
from inventory.statements import monthly_statement, statement_to_dict
from inventory.world_schema import Money as MoneyIn

from ..auth import current_principal, roles
from ..extensions import db
from .common import Blueprint, Month, StrictSchema, create_once

blp = Blueprint("service_points", __name__, url_prefix="/api/v1/service-points",
                description="A service point's monthly statement and overcharge penalties")
RMB = {"description": "RMB, a decimal string"}


def _own_or_hq(code: str) -> None:
    """A point's key sees only its own point; for it nothing else exists."""
    principal = current_principal()
    if principal.role == "service_point" and principal.code != code:
        raise NotFound(f"no service point {code}", code="service_point.not_found", service_point=code)


class StatementPointSchema(StrictSchema):
    code = fields.String()
    name = fields.String()
    center = fields.String()
    province = fields.String()
    city_tier = fields.String(metadata={"description": "municipality, provincial_capital, prefecture, county"})


class PartDrawnSchema(StrictSchema):
    requisition = fields.String()
    line = fields.Integer()
    created_at = fields.String()
    ticket = fields.String(allow_none=True)
    sku = fields.String()
    name = fields.String()
    qty = fields.Integer()
    in_warranty = fields.Boolean(metadata={"description": "as decided on the line (warranty engine or HQ)"})
    unit_price = fields.String(metadata={"description": "RMB, the point's (dealer's) price per unit"})
    value = fields.String(metadata={"description": "RMB, qty x unit_price"})
    customer_price = fields.String(allow_none=True, metadata={"description": "RMB per unit out of warranty, as fixed "
                                                                            "when the requisition was submitted"})
    price_basis = fields.String(allow_none=True, metadata={"description": "list or markup"})
    to_collect = fields.String(metadata={"description": "RMB the customer pays for the line (0.00 in warranty)"})


class VisitFeeSchema(StrictSchema):
    ticket = fields.String()
    requisition = fields.String()
    kind = fields.String(metadata={"description": "visit (上门, by city tier) or in_shop (在点)"})
    city_tier = fields.String()
    amount = fields.String(metadata=RMB)


class StatementReturnChargeSchema(StrictSchema):
    return_ = fields.String(data_key="return")
    requisition = fields.String()
    ticket = fields.String(allow_none=True)
    sku = fields.String()
    qty = fields.Integer()
    kind = fields.String(metadata={"description": "overdue or wrong_part"})
    at = fields.String()
    amount = fields.String(metadata=RMB)


class OverchargeSchema(StrictSchema):
    id = fields.String()
    service_point = fields.String()
    ticket = fields.String(allow_none=True)
    charged = fields.String(metadata={"description": "RMB the customer was charged"})
    allowed = fields.String(metadata={"description": "RMB the point was allowed to charge"})
    excess = fields.String(metadata=RMB)
    multiple = fields.Integer(metadata={"description": "the policy's overcharge_penalty_multiple when recorded"})
    amount = fields.String(metadata={"description": "RMB, the penalty: excess x multiple"})
    note = fields.String()
    recorded_by = fields.String()
    recorded_at = fields.String()


class StatementOverchargeSchema(OverchargeSchema):
    class Meta:
        exclude = ("service_point",)


class HeldOldPartSchema(StrictSchema):
    return_ = fields.String(data_key="return")
    requisition = fields.String()
    sku = fields.String()
    qty = fields.Integer()
    status = fields.String()
    due_by = fields.String(allow_none=True)
    value = fields.String(metadata=RMB)


class HeldTicketSchema(StrictSchema):
    ticket = fields.String()
    units = fields.Integer()
    value = fields.String(metadata=RMB)
    old_parts = fields.List(fields.Nested(HeldOldPartSchema))


class StatementSchema(StrictSchema):
    service_point = fields.Nested(StatementPointSchema)
    month = fields.String()
    from_ = fields.String(data_key="from")
    until = fields.String()
    held_as_of = fields.String(metadata={"description": "the month's end, or now for the month under way"})
    parts = fields.List(fields.Nested(PartDrawnSchema), metadata={
        "description": "lines of the point's requisitions submitted in the month, not cancelled"})
    visit_fees = fields.List(fields.Nested(VisitFeeSchema), metadata={
        "description": "one per ticket, on its first requisition with an out-of-warranty line"})
    return_charges = fields.List(fields.Nested(StatementReturnChargeSchema), metadata={
        "description": "charges for old parts overdue or returned as the wrong part, booked in the month"})
    overcharge_penalties = fields.List(fields.Nested(StatementOverchargeSchema))
    held = fields.List(fields.Nested(HeldTicketSchema), metadata={
        "description": "tickets whose repair fee is held: old parts not in the warehouse's hands at held_as_of"})
    totals = fields.Dict(metadata={
        "description": "in_warranty {lines, units, value}, out_of_warranty {lines, units, value, to_collect}, "
                       "visit_fees {tickets, amount}, to_collect, return_charges, overcharge_penalties, charges "
                       "(return_charges + overcharge_penalties), held {tickets, old_part_units, old_part_value}; "
                       "each the sum of its lines"})


@blp.route("/<string:code>/statements/<string:month>")
class PointStatement(MethodView):
    @roles("hq", "service_point")
    @blp.response(200, StatementSchema)
    @blp.alt_response(404, schema=None, description="no such service point (a point's key: not its own)")
    def get(self, code, month):
        """The point's monthly statement (Beijing month YYYY-MM): parts in and out of warranty, fees to collect,
        charges, repair fees held"""
        _own_or_hq(code)
        statement = monthly_statement(db.session, code, month, load_policy(db.session))
        body = statement_to_dict(statement)
        db.session.rollback()
        return jsonify(body)


class OverchargeInSchema(StrictSchema):
    charged = MoneyIn(required=True, metadata={"type": "string", "format": "decimal",
                                               "description": "RMB the customer was charged (a decimal string)"})
    allowed = MoneyIn(load_default=None, allow_none=True,
                      metadata={"type": "string", "format": "decimal",
                                "description": "RMB the point may charge (a decimal string); omitted: what the "
                                               "service says the point may collect for `ticket`"})
    ticket = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=MAX_TICKET))
    note = fields.String(required=True, validate=validate.Length(min=1, max=MAX_NOTE),
                         metadata={"description": "how the overcharge was verified (the customer's complaint, the "
                                                  "receipt seen)"})


class OverchargeArgsSchema(StrictSchema):
    month = Month(load_default=None, metadata={"description": "YYYY-MM (Beijing); omitted: every month"})


@blp.route("/<string:code>/overcharges")
class PointOvercharges(MethodView):
    @roles("hq")
    @blp.arguments(OverchargeInSchema)
    @blp.response(201, OverchargeSchema)
    @blp.alt_response(404, schema=None, description="no such service point")
    def post(self, body, code):
        """HQ records a verified overcharge: the point pays the excess times the policy's multiple (ten, seed 003)"""
        principal = current_principal()

        def create():
            return overcharges.record(db.session, code, charged=body["charged"], allowed=body["allowed"],
                                      ticket=body["ticket"], note=body["note"], actor=principal.name,
                                      policy=load_policy(db.session))

        return create_once(principal.name, {**body, "service_point": code}, create, overcharges.to_dict)

    @roles("hq", "service_point")
    @blp.arguments(OverchargeArgsSchema, location="query")
    @blp.response(200, OverchargeSchema(many=True))
    @blp.alt_response(404, schema=None, description="no such service point (a point's key: not its own)")
    def get(self, args, code):
        """The overcharge penalties recorded against the point, oldest first"""
        _own_or_hq(code)
        if db.session.get(ServicePoint, code) is None:
            raise NotFound(f"no service point {code}", code="service_point.not_found", service_point=code)
        if args["month"]:
            start, end = month_bounds(args["month"])
        else:
            start, end = datetime(1970, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc)
        rows = [overcharges.to_dict(row) for row in overcharges.in_period(db.session, start, end, code)]
        db.session.rollback()
        return jsonify(rows)
