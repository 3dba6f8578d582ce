"""HQ reports: the monthly penalty report (处罚规定) over the repair tickets completed in a month and
those still open at its end."""
from __future__ import annotations

from flask import jsonify
from flask.views import MethodView
from marshmallow import fields

from inventory.policy import load_policy
from inventory.tickets import penalties_for_month

from ..auth import roles
from ..extensions import db
from .common import Blueprint, Month, StrictSchema
from .csv_reports import csv_report

blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports", description="HQ reports")


class PenaltyArgsSchema(StrictSchema):
    month = Month(required=True, metadata={"description": "YYYY-MM, Beijing calendar; tickets completed within it "
                                                          "and those open at its end"})


class PartyTotalSchema(StrictSchema):
    party = fields.String()
    tickets = fields.Integer()
    hours = fields.Float()
    fines = fields.String(metadata={"description": "RMB"})
    bonuses = fields.String(metadata={"description": "RMB, timely-visit bonuses (points)"})


class CenterMonthSchema(StrictSchema):
    center = fields.String()
    province = fields.String()
    tickets = fields.Integer(metadata={"description": "counted in the rules: completed + open_at_month_end"})
    completed = fields.Integer(metadata={"description": "completed in the month"})
    open_at_month_end = fields.Integer(metadata={"description": "open at the month's end: counted by their age then"})
    within_3_days = fields.Integer()
    three_day_rate = fields.String()
    three_day_target = fields.String()
    meets_three_day_target = fields.Boolean()
    within_7_days = fields.Integer()
    seven_day_rate = fields.String()
    seven_day_target = fields.String()
    meets_seven_day_target = fields.Boolean()
    over_3_days = fields.Integer(metadata={"description": "over 3 days net of HQ's own overruns (bonus rule)"})
    over_3_days_rate = fields.String()
    over_7_days = fields.Integer()
    bonus_cancelled = fields.Boolean()
    cancelled_because = fields.List(fields.String(), metadata={"description": "over_3_days_rate, over_7_days_count"})
    fines = fields.Dict(keys=fields.String(), values=fields.String(),
                        metadata={"description": "role -> monthly fine (RMB) when over 7 days count is exceeded"})
    tickets_fined = fields.Integer(metadata={"description": "completed tickets over 7 days through the centre's cause"})
    ticket_fines = fields.Dict(keys=fields.String(), values=fields.String(),
                               metadata={"description": "role -> the month's per-ticket fines (RMB) for tickets over "
                                                        "7 days through the centre's cause"})
    role_totals = fields.Dict(keys=fields.String(), values=fields.String(),
                              metadata={"description": "role -> per-ticket plus monthly fines (RMB): what each of "
                                                       "service_director, parts_admin, chase_clerk pays"})


class UnattributedSchema(StrictSchema):
    count = fields.Integer()
    sample = fields.List(fields.String())


class SanbaoTicketSchema(StrictSchema):
    ticket = fields.String()
    center = fields.String(allow_none=True)
    open = fields.Boolean()
    outcome = fields.String()
    flags = fields.List(fields.String())


class SanbaoCountSchema(StrictSchema):
    tickets = fields.Integer(metadata={"description": "tickets with a 三包 right (proof of purchase needed)"})
    open = fields.Integer(metadata={"description": "of which still open at open_as_of"})
    outcomes = fields.Dict(keys=fields.String(), values=fields.Integer(),
                           metadata={"description": "return_or_exchange, exchange: tickets per outcome"})
    flags = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "tickets per right: return_or_exchange_7_days, exchange_15_days, repeat_fault, "
                       "unresolved_15_days, parts_wait_90_days"})
    sample = fields.List(fields.Nested(SanbaoTicketSchema), metadata={"description": "up to 20, open ones first"})


class PenaltyReportSchema(StrictSchema):
    month = fields.String()
    from_ = fields.AwareDateTime(data_key="from")
    until = fields.AwareDateTime()
    tickets = fields.Integer(metadata={"description": "tickets completed in the month"})
    open_at_month_end = fields.Integer(metadata={"description": "tickets open at open_as_of, counted by age"})
    parties = fields.List(fields.Nested(PartyTotalSchema))
    centers = fields.List(fields.Nested(CenterMonthSchema))
    exchange_flagged = fields.List(fields.String(), metadata={"description": "completed tickets that waited "
                                                                             "over the 三包 limit for parts"})
    sanbao = fields.Nested(SanbaoCountSchema, metadata={"description": "三包 rights of the month's tickets"})
    exchange_flagged_open = fields.List(fields.String(), metadata={"description": "tickets open at open_as_of "
                                                                                  "already over the limit"})
    open_as_of = fields.AwareDateTime()
    unattributed = fields.Nested(UnattributedSchema)
    overcharges = fields.Dict(metadata={
        "description": "service points' overcharge penalties recorded in the month (seed 003, ten times the "
                       "excess): count, amount (RMB), penalties (as GET /service-points/{code}/overcharges)"})


@blp.route("/penalties")
class Penalties(MethodView):
    @csv_report({"parties": "parties", "centers": "centers"}, name="penalties")
    @roles("hq")
    @blp.arguments(PenaltyArgsSchema, location="query")
    @blp.response(200, PenaltyReportSchema)
    def get(self, args):
        """The month's penalty report: per party and centre, 3-day/7-day rates against targets"""
        report = penalties_for_month(db.session, args["month"], load_policy(db.session))
        db.session.rollback()
        return jsonify(report)
