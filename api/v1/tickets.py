"""Repair tickets (维修工单): call-centre events in, timeline and attribution out."""
from __future__ import annotations

from flask import jsonify
from flask.views import MethodView
from marshmallow import fields, validate

from inventory import tickets
from inventory.attribution import CAUSES, CENTER_ROLES, EVENT_TYPES, SPANS
from inventory.db import transaction
from inventory.policy import load_policy
from inventory.requisitions.warranty import record_appliance, record_ticket_event
from inventory.tickets import causes
from inventory.tickets.appliance import MAX_FAULT, MAX_TEXT, appliance_to_dict
from inventory.tickets.events import MAX_NOTE
from inventory.tickets.sanbao import FLAGS as SANBAO_FLAGS
from inventory.warranty import PRODUCT_LINES, PROOFS, USES

from ..auth import current_principal, roles
from ..extensions import db
from .common import Blueprint, StrictSchema, create_once

blp = Blueprint("tickets", __name__, url_prefix="/api/v1/tickets",
                description="Repair-ticket events, linked parts waits and who pays for the time")


class TicketEventInSchema(StrictSchema):
    type = fields.String(required=True, validate=validate.OneOf(EVENT_TYPES))
    at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=None,
                              metadata={"description": "when it happened (ISO 8601 with offset); not in the "
                                                       "future; default: the server's clock"})
    until = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=None,
                                 metadata={"description": "end of the excused time (rescheduled_by_customer, "
                                                          "force_majeure) or of the time lost to a wrong dispatch "
                                                          "(wrong_dispatch, 派单错误: from the wrong dispatch to the "
                                                          f"one that held); required for, and only for, "
                                                          f"{', '.join(SPANS)}"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=MAX_NOTE))
    service_point = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=16),
                                  metadata={"description": "the point repairing the ticket (usually on created "
                                                           "or dispatched_point); the latest event naming one wins"})
    family = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=32),
                           metadata={"description": "product family of the unit (twin_tub, fully_automatic, ...): "
                                                    "sets the timely-visit bonus"})


class TicketEventSchema(StrictSchema):
    id = fields.Integer()
    ticket = fields.String()
    type = fields.String(validate=validate.OneOf(EVENT_TYPES))
    at = fields.AwareDateTime()
    until = fields.AwareDateTime(allow_none=True)
    note = fields.String(allow_none=True)
    service_point = fields.String(allow_none=True)
    family = fields.String(allow_none=True)
    received_at = fields.AwareDateTime()
    received_by = fields.String()


class ChargeSchema(StrictSchema):
    party = fields.String(metadata={"description": "hq_dispatch, hq_parts_planning, hq_parts_group, "
                                                   "center:<code>, warehouse:<code> (a regional warehouse's late "
                                                   "or wrong shipment) or service_point:<code>"})
    reason = fields.String(metadata={"description": "the segment or cause: hq_dispatch, center_dispatch, "
                                                    "wrong_dispatch, regional_shortage, regional_late_shipment, "
                                                    "regional_wrong_part, hq_shortage, hq_late_shipment, "
                                                    "hq_wrong_part, contact, visit, repair; center_over_7_days for "
                                                    "the centre's per-role fines (0 hours)"})
    hours = fields.Float()
    fine = fields.String(metadata={"description": "RMB, two places"})
    requisitions = fields.List(fields.String())
    role = fields.String(validate=validate.OneOf(CENTER_ROLES),
                         metadata={"description": "on the centre's center_over_7_days rows: the person of the "
                                                  "centre the fine is paid from (服务主任, 配件中心管理员, 催单文员)"})


class LinkedLineSchema(StrictSchema):
    line = fields.Integer()
    sku = fields.String()
    qty = fields.Integer()
    backordered_qty = fields.Integer()
    stock_seen = fields.String(metadata={"description": "where stock could meet the promise at submit: regional, "
                                                        "other_warehouse, hq, late_only, nowhere"})
    shortage = fields.Boolean(metadata={"description": "the regional warehouse could not cover the line in time"})
    wrong_part = fields.Boolean(metadata={"description": "a warehouse shipped the wrong part (错发) on this line; "
                                                          "the wait lasts until the replacement arrives"})
    promised_by = fields.AwareDateTime()
    delivered_at = fields.AwareDateTime(allow_none=True)
    cause = fields.String(allow_none=True, validate=validate.OneOf(CAUSES),
                          metadata={"description": "the cause the wait is attributed by: HQ's when confirmed or "
                                                   "corrected, else the automatic one; null when cancelled"})
    cause_warehouse = fields.String(allow_none=True, metadata={
        "description": "the regional warehouse a regional_late_shipment / regional_wrong_part charges"})
    cause_status = fields.String(allow_none=True, validate=validate.OneOf(("automatic", "confirmed", "corrected")),
                                 metadata={"description": "automatic: from the rules; confirmed / corrected: HQ's "
                                                          "parts module kept or changed the automatic cause"})
    automatic_cause = fields.String(allow_none=True, validate=validate.OneOf(CAUSES))
    cause_confirmed_by = fields.String(allow_none=True)
    cause_confirmed_at = fields.AwareDateTime(allow_none=True)
    cause_note = fields.String(allow_none=True)
    in_warranty = fields.Boolean(metadata={"description": "the part is free: the warranty engine's decision from "
                                                         "the appliance, or HQ's override"})
    warranty_basis = fields.String(allow_none=True)
    warranty_until = fields.Date(allow_none=True)
    warranty_overridden = fields.Boolean()
    warranty_computed = fields.Boolean(allow_none=True)
    warranty_override_by = fields.String(allow_none=True)
    warranty_override_at = fields.AwareDateTime(allow_none=True)
    warranty_override_reason = fields.String(allow_none=True)


class LinkedRequisitionSchema(StrictSchema):
    id = fields.String()
    status = fields.String()
    service_point = fields.String()
    submitted_at = fields.AwareDateTime()
    lines = fields.List(fields.Nested(LinkedLineSchema))


class ApplianceInSchema(StrictSchema):
    product_line = fields.String(required=True, validate=validate.OneOf(PRODUCT_LINES))
    use = fields.String(required=True, validate=validate.OneOf(USES))
    model = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT))
    serial = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT),
                           metadata={"description": "the unit's serial (机身编号): its earlier tickets are its repair "
                                                    "history"})
    purchased_on = fields.Date(required=True, allow_none=True,
                               metadata={"description": "the purchase date (YYYY-MM-DD) the proof shows; null: unknown"})
    proof = fields.String(required=True, allow_none=True, validate=validate.OneOf(PROOFS),
                          metadata={"description": "invoice or warranty_card; null: no proof of purchase, so nothing "
                                                   "is free and no 三包"})
    fault = fields.String(required=True, validate=validate.Length(min=1, max=MAX_FAULT),
                          metadata={"description": "the fault code reported (e.g. E21): repeats of it count toward 三包"})


class ApplianceSchema(ApplianceInSchema):
    recorded_at = fields.AwareDateTime()
    recorded_by = fields.String()


class RepairSchema(StrictSchema):
    ticket = fields.String()
    reported_on = fields.Date()
    completed_on = fields.Date(allow_none=True)
    fault = fields.String()
    visited = fields.Boolean()


class WarrantySchema(StrictSchema):
    in_warranty = fields.Boolean()
    basis = fields.String()
    until = fields.Date(allow_none=True)
    sanbao = fields.String(allow_none=True)


class SanbaoSchema(StrictSchema):
    outcome = fields.String(allow_none=True, validate=validate.OneOf(("return_or_exchange", "exchange")))
    flags = fields.List(fields.String(validate=validate.OneOf(SANBAO_FLAGS)))
    why_none = fields.String(allow_none=True, metadata={"description": "no_appliance, no_proof, not_reported"})


class TicketSchema(StrictSchema):
    ticket = fields.String()
    service_point = fields.String(allow_none=True)
    center = fields.String(allow_none=True)
    distance_class = fields.String(allow_none=True)
    family = fields.String()
    status = fields.String(validate=validate.OneOf(("open", "completed")))
    completed_at = fields.AwareDateTime(allow_none=True)
    as_of = fields.AwareDateTime()
    timeline = fields.List(fields.Nested(TicketEventSchema))
    requisitions = fields.List(fields.Nested(LinkedRequisitionSchema))
    late = fields.Boolean(allow_none=True)
    late_hours = fields.Float(allow_none=True)
    attribution = fields.List(fields.Nested(ChargeSchema))
    attribution_unavailable = fields.String(allow_none=True,
                                            metadata={"description": "why there is no attribution yet"})
    fine_total = fields.String()
    visit_bonus = fields.String()
    elapsed_hours = fields.Float()
    excused_hours = fields.Float()
    point_hours = fields.Float()
    parts_wait_hours = fields.Float()
    unexplained_parts_hours = fields.Float()
    within_3_days = fields.Boolean()
    within_7_days = fields.Boolean()
    over_7_days = fields.Boolean()
    late_excluding_hq = fields.Boolean()
    over_7_days_excluding_hq = fields.Boolean()
    center_hours = fields.Float(metadata={"description": "the centre's charged hours (late dispatch, regional "
                                                         "shortage, wrong dispatch, late or wrong shipments of its own "
                                                         "regional warehouses)"})
    over_7_days_center_cause = fields.Boolean(metadata={
        "description": "over 7 days through the centre's cause (因省级服务中心原因造成超7): without the centre's hours "
                       "the ticket would have been within 7 days; its three roles are fined"})
    exchange_flag = fields.Boolean(metadata={"description": "三包: waited more than exchange_wait_days for parts"})
    appliance = fields.Nested(ApplianceSchema, allow_none=True)
    repair_history = fields.List(fields.Nested(RepairSchema), metadata={
        "description": "earlier tickets of the same serial, reported before this one"})
    warranty = fields.Nested(WarrantySchema, allow_none=True, metadata={
        "description": "the unit's warranty for an ordinary part at this report (each line has its own)"})
    sanbao = fields.Nested(SanbaoSchema, metadata={"description": "三包 rights as of as_of: " + ", ".join(SANBAO_FLAGS)})
    segments = fields.List(fields.Dict(), metadata={"description": "the labelled timeline behind the rows"})
    engine_input = fields.Dict(allow_none=True, metadata={"description": "the offline ticket JSON: "
                                                                         "`parts attribute --input` replays it"})


class PartsCauseInSchema(StrictSchema):
    requisition = fields.String(required=True, validate=validate.Length(min=1, max=20),
                                metadata={"description": "a requisition linked to the ticket (R...)"})
    line = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1),
                          metadata={"description": "its line; default: every line of the requisition"})
    cause = fields.String(required=True, validate=validate.OneOf(CAUSES),
                          metadata={"description": "the cause HQ's parts module confirms (the automatic one) or "
                                                   "sets instead"})
    warehouse = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=16),
                              metadata={"description": "for regional_late_shipment / regional_wrong_part: the "
                                                       "regional warehouse; default: the one that allocated the line"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=causes.MAX_NOTE))


class TicketArgsSchema(StrictSchema):
    as_of = fields.AwareDateTime(load_default=None, default_timezone=None,
                                 metadata={"description": "attribute an open ticket up to this time (default: now)"})


@blp.route("/<string:ticket>/events")
class TicketEvents(MethodView):
    @roles("call_center", "hq")
    @blp.arguments(TicketEventInSchema)
    @blp.response(201, TicketEventSchema)
    @blp.alt_response(422, schema=None, description="unknown type, at in the future, until missing or not after at")
    def post(self, body, ticket):
        """Record a ticket event (any order; an exact repeat is stored once and answered the same).
        One that dispatches the ticket to a point decides its requisitions' lines not yet issued again:
        only that point's parts follow the ticket's appliance"""
        principal = current_principal()

        def create():
            return record_ticket_event(db.session, ticket, body["type"], body["at"], body["until"], body["note"],
                                       principal, service_point=body["service_point"], family=body["family"])

        return create_once(principal.name, body, create, tickets.event_to_dict)


@blp.route("/<string:ticket>")
class TicketById(MethodView):
    @roles("call_center", "hq")
    @blp.arguments(TicketArgsSchema, location="query")
    @blp.response(200, TicketSchema)
    def get(self, args, ticket):
        """Timeline, linked requisitions and who pays for the time (attribution)"""
        view = tickets.ticket_view(db.session, ticket, load_policy(db.session), now=args["as_of"])
        db.session.rollback()
        return jsonify(view)


@blp.route("/<string:ticket>/parts-causes")
class TicketPartsCauses(MethodView):
    @roles("hq")
    @blp.arguments(PartsCauseInSchema)
    @blp.response(200, TicketSchema)
    @blp.alt_response(404, schema=None, description="no such ticket, requisition on it, or line")
    @blp.alt_response(409, schema=None, description="the requisition is cancelled: it is not a wait")
    @blp.alt_response(422, schema=None, description="unknown cause, or a warehouse the cause cannot name")
    def post(self, body, ticket):
        """HQ's parts module confirms or corrects a parts wait's cause (配件模块确认原因); audited; the ticket re-attributed"""
        with transaction(db.session):
            view = causes.confirm_cause(db.session, ticket, body["requisition"], body["cause"],
                                        actor=current_principal().name, policy=load_policy(db.session),
                                        line=body["line"], warehouse=body["warehouse"], note=body["note"])
        return jsonify(view)


@blp.route("/<string:ticket>/appliance")
class TicketApplianceRecord(MethodView):
    @roles("call_center", "hq")
    @blp.arguments(ApplianceInSchema)
    @blp.response(200, ApplianceSchema)
    @blp.alt_response(422, schema=None, description="unknown product line, use or proof; a proof without its date; "
                                                    "a purchase after the report or in the future")
    def put(self, body, ticket):
        """Record (or correct) the appliance the ticket repairs and the fault reported; audited when it changes.
        Lines of the ticket's requisitions not yet issued are decided again from it."""
        principal = current_principal()
        with transaction(db.session):
            row = record_appliance(db.session, ticket, actor=principal.name, policy=load_policy(db.session), **body)
            answer = appliance_to_dict(row)
        return jsonify(answer)
