"""A provincial centre's own month over the API (its key, or HQ's): its row of the penalties
report, its points' old-part returns, and its tickets with what each costs it.

A centre key reads only its own centre: another centre's code answers 404, as a code that does
not exist does. The figures are `inventory.centers`', the same as the centre's web pages.
"""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields, validate

from inventory.centers import center_month, center_returns
from inventory.errors import NotFound
from inventory.policy import load_policy

from ..auth import current_principal, roles
from ..extensions import db
from .common import Blueprint, Money, Month, PageArgsSchema, StrictSchema, paginated
from .csv_reports import csv_report
from .reports import CenterMonthSchema

blp = Blueprint("centers", __name__, url_prefix="/api/v1/centers",
                description="A provincial centre's own month (centre keys: their own centre only; HQ: any)")


class CenterMonthArgsSchema(StrictSchema):
    month = Month(required=True)


class CenterTicketsArgsSchema(PageArgsSchema):
    month = Month(required=True)


class CenterOwnReturnsSchema(StrictSchema):
    due_units = fields.Integer(metadata={"description": "old-part units of the centre's points due in the month"})
    returned_units = fields.Integer(metadata={"description": "of those, sent back (or received) by the due date"})
    return_rate = fields.Decimal(as_string=True, allow_none=True, metadata={"description": "None: nothing due"})
    overdue_count = fields.Integer()
    unused_units = fields.Integer()
    charges = Money()
    charges_by_kind = fields.Dict(keys=fields.String(), values=Money())
    held_settlements = fields.Integer(metadata={"description": "tickets whose repair fee waits for an old part now"})


class CenterMonthOutSchema(StrictSchema):
    center = fields.String()
    name = fields.String()
    province = fields.String()
    month = fields.String()
    open_as_of = fields.AwareDateTime(metadata={"description": "open tickets counted as they stood then"})
    rates = fields.Nested(CenterMonthSchema, metadata={"description": "the centre's row of the penalties report"})
    returns = fields.Nested(CenterOwnReturnsSchema)
    unattributed = fields.List(fields.String(), metadata={"description": "tickets that cannot be attributed yet"})


class CenterTicketSchema(StrictSchema):
    ticket = fields.String()
    service_point = fields.String()
    status = fields.String(validate=validate.OneOf(("open", "completed")))
    created_at = fields.AwareDateTime(allow_none=True)
    completed_at = fields.AwareDateTime(allow_none=True)
    elapsed_hours = fields.Float()
    late_hours = fields.Float()
    over_3_days = fields.Boolean()
    over_7_days = fields.Boolean()
    center_hours = fields.Float()
    center_cause = fields.Boolean(metadata={"description": "over 7 days through the centre's cause: its roles fined"})
    center_fines = Money()
    center_reasons = fields.List(fields.String())
    fine_total = Money(metadata={"description": "every party's fines on the ticket"})
    exchange_flag = fields.Boolean()


def _own(code: str) -> None:
    """A centre key asking for another centre learns nothing: 404, as for a centre that does not exist."""
    principal = current_principal()
    if principal.role == "center" and principal.code != code:
        raise NotFound(f"no centre {code}", code="center.not_found", center=code)


@blp.route("/<string:code>/month")
class CenterMonth(MethodView):
    @roles("hq", "center")
    @blp.arguments(CenterMonthArgsSchema, location="query")
    @blp.response(200, CenterMonthOutSchema)
    @blp.alt_response(404, schema=None, description="no such centre, or another centre's")
    def get(self, args, code):
        """The centre's month: 3-/7-day rates, bonus rules, its roles' fines, its points' returns"""
        _own(code)
        month = center_month(db.session, code, args["month"], load_policy(db.session))
        return {**month, "returns": center_returns(db.session, code, args["month"])}


@blp.route("/<string:code>/tickets")
class CenterTickets(MethodView):
    @csv_report(name="center-tickets")
    @roles("hq", "center")
    @blp.arguments(CenterTicketsArgsSchema, location="query")
    @blp.response(200, CenterTicketSchema(many=True))
    @blp.alt_response(404, schema=None, description="no such centre, or another centre's")
    def get(self, args, code):
        """The centre's tickets of the month (open ones first, longest first) with what each costs it"""
        _own(code)
        tickets = center_month(db.session, code, args["month"], load_policy(db.session))["tickets"]
        start = (args["page"] - 1) * args["per_page"]
        return paginated(tickets[start:start + args["per_page"]], len(tickets))
