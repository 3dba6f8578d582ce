"""Requisitions (配件申请): submit, list, get, cancel, ship, receive, report a wrong part (错发)."""
from __future__ import annotations

from decimal import Decimal

from flask.views import MethodView
from marshmallow import fields, validate

from inventory.db import transaction
from inventory.policy import policy_of_transaction
from inventory.requisitions import service as requisitions
from inventory.requisitions import warranty, wrong_part
from inventory.requisitions.models import STATUSES
from inventory.requisitions.reads import list_for
from inventory.requisitions.service import MAX_LINES, MAX_QTY, LineRequest
from inventory.requisitions.warranty import BASES as WARRANTY_BASES
from inventory.requisitions.wrong_part import MAX_NOTE, WrongPart

from ..auth import current_principal, roles
from ..extensions import db
from . import customer_charges
from .common import (Blueprint, Money, EventTimeSchema, PageArgsSchema, StrictBoolean, StrictSchema, create_once,
                     paginated)

blp = Blueprint("requisitions", __name__, url_prefix="/api/v1/requisitions",
                description="Parts requisitions with the 2-day delivery promise")
CODE = validate.Length(min=1, max=40)
CENT = Decimal("0.01")


ASSERTED = ("optional: what the caller believes. The warranty engine decides each line from the ticket's "
            "appliance; a different value is refused (422, type .../WarrantyMismatch) and nothing is reserved")


class LineInSchema(StrictSchema):
    sku = fields.String(required=True, validate=CODE)
    qty = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_QTY))
    in_warranty = StrictBoolean(load_default=None, allow_none=True, metadata={"description": ASSERTED})


class RequisitionInSchema(StrictSchema):
    ship_to = fields.String(required=True, validate=CODE)
    ticket = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64),
                           metadata={"description": "the repair ticket; its appliance decides each line's warranty "
                                                    "(without one no line is free)"})
    in_warranty = StrictBoolean(load_default=None, allow_none=True, metadata={
        "description": f"every line in (or out of) warranty: {ASSERTED}. A service point asserting true needs "
                       "its ticket"})
    lines = fields.List(fields.Nested(LineInSchema), required=True, validate=validate.Length(min=1, max=MAX_LINES))


class AllocationSchema(StrictSchema):
    warehouse = fields.String(attribute="warehouse_code")
    sku = fields.String(metadata={"description": "the part these units are: the line's sku, or a part that replaces "
                                                "it (替代件) serving the line when its own stock could not"})
    qty = fields.Integer()
    status = fields.String()
    promised_by = fields.AwareDateTime()
    eta = fields.AwareDateTime(metadata={"description": "expected arrival from the lane's transit time"})
    shipped_at = fields.AwareDateTime(allow_none=True)
    delivered_at = fields.AwareDateTime(allow_none=True)
    on_time = fields.Boolean(allow_none=True)


class WrongPartSchema(StrictSchema):
    warehouse = fields.String(attribute="warehouse_code", metadata={"description": "who shipped it"})
    qty = fields.Integer()
    received_sku = fields.String(attribute="wrong_part_sku", metadata={"description": "what arrived instead"})
    shipped_at = fields.AwareDateTime()
    delivered_at = fields.AwareDateTime(allow_none=True)
    reported_at = fields.AwareDateTime(attribute="wrong_part_at")


def served_by(line) -> list[dict]:
    """A line's units served with another sku than its own (替代件), by sku."""
    served: dict[str, int] = {}
    for a in line.allocations:
        if a.status != "released" and a.sku != line.sku:
            served[a.sku] = served.get(a.sku, 0) + a.qty
    return [{"sku": sku, "qty": qty} for sku, qty in sorted(served.items())]


class LineSchema(StrictSchema):
    line = fields.Integer(attribute="line_no", metadata={"description": "the line's number, from 1"})
    sku = fields.String()
    qty = fields.Integer()
    unit_price = Money()
    backordered_qty = fields.Integer()
    promised_by = fields.AwareDateTime()
    in_warranty = fields.Boolean(metadata={"description": "the part is free (保内): the warranty engine's decision, "
                                                         "or HQ's override of it"})
    warranty_basis = fields.String(allow_none=True, validate=validate.OneOf(WARRANTY_BASES), metadata={
        "description": "the engine's rule: unit, key_component, fitted_part, lifetime (covered); expired, no_proof, "
                       "no_appliance (the ticket has none recorded), not_dispatched (the call centre has not dispatched the "
                       "ticket to this point), no_ticket, invalid_case (the record "
                       "contradicts the ticket) (not covered); null on lines from before warranties were decided"})
    warranty_until = fields.Date(allow_none=True, metadata={"description": "the last day the basis covers (null "
                                                                           "for life or without proof)"})
    warranty_overridden = fields.Boolean(metadata={"description": "HQ overrode the engine's decision"})
    warranty_computed = fields.Boolean(allow_none=True, metadata={"description": "the engine's own in_warranty"})
    unit_covered = fields.Boolean(allow_none=True, metadata={
        "description": "the whole unit (整机) was covered when the engine decided the line: when false the "
                       "ticket pays the visit fee even for a free part (a key component past the unit's term); "
                       "null where the engine decided nothing"})
    warranty_override_by = fields.String(allow_none=True)
    warranty_override_at = fields.AwareDateTime(allow_none=True)
    warranty_override_reason = fields.String(allow_none=True)
    allocations = fields.Method("live_allocations")
    served_by = fields.Method("substitutes", metadata={
        "description": "units served with a part that replaces the line's sku (替代件): [{sku, qty}]; empty when "
                       "every unit is the sku asked for"})
    wrong_parts = fields.Method("mis_shipped", metadata={
        "description": "units that arrived as another part (错发); a replacement is among the allocations "
                       "or backordered"})

    def live_allocations(self, line):
        return ALLOCATIONS.dump([a for a in line.allocations if a.status != "released"])

    def substitutes(self, line):
        return served_by(line)

    def mis_shipped(self, line):
        return WRONG_PARTS.dump([a for a in line.allocations if a.mis_shipped])


# Built once: a schema's construction (deep copies of its fields) cost more than a line's dump.
ALLOCATIONS = AllocationSchema(many=True)
WRONG_PARTS = WrongPartSchema(many=True)


class EventSchema(StrictSchema):
    at = fields.AwareDateTime()
    kind = fields.String()
    actor = fields.String()


class RequisitionSchema(StrictSchema):
    id = fields.String(attribute="code")
    status = fields.String(validate=validate.OneOf(STATUSES))
    ship_to = fields.String(attribute="service_point_code")
    ticket = fields.String(allow_none=True)
    dealer = fields.String(attribute="dealer_code", allow_none=True)
    value = Money()
    created_at = fields.AwareDateTime()
    lines = fields.List(fields.Nested(LineSchema))
    customer_charge = fields.Method("to_collect", metadata={"description": customer_charges.DESCRIPTION})

    def to_collect(self, req):
        return customer_charges.charge_of(req)


REQUISITION = RequisitionSchema()


def _iso(value):
    return None if value is None else value.isoformat()


def _money(value):
    return None if value is None else str(value.quantize(CENT))


def _allocation(a) -> dict:
    return {"warehouse": a.warehouse_code, "sku": a.sku, "qty": a.qty, "status": a.status,
            "promised_by": _iso(a.promised_by), "eta": _iso(a.eta), "shipped_at": _iso(a.shipped_at),
            "delivered_at": _iso(a.delivered_at), "on_time": a.on_time}


def _line(line) -> dict:
    allocations = line.allocations
    return {"line": line.line_no, "sku": line.sku, "qty": line.qty, "unit_price": _money(line.unit_price),
            "backordered_qty": line.backordered_qty, "promised_by": _iso(line.promised_by),
            "in_warranty": line.in_warranty, "warranty_basis": line.warranty_basis,
            "warranty_until": _iso(line.warranty_until), "warranty_overridden": line.warranty_overridden,
            "warranty_computed": line.warranty_computed, "unit_covered": line.unit_covered,
            "warranty_override_by": line.warranty_override_by,
            "warranty_override_at": _iso(line.warranty_override_at),
            "warranty_override_reason": line.warranty_override_reason,
            "allocations": [_allocation(a) for a in allocations if a.status != "released"],
            "served_by": served_by(line),
            "wrong_parts": WRONG_PARTS.dump([a for a in allocations if a.mis_shipped]) if any(
                a.mis_shipped for a in allocations) else []}


def requisition_body(req) -> dict:
    """`RequisitionSchema().dump(req)` written out by hand: a submit's response, where marshmallow's
    field-by-field dump cost more CPU than the rest of the view (tests compare the two)."""
    return {"id": req.code, "status": req.status, "ship_to": req.service_point_code, "ticket": req.ticket,
            "dealer": req.dealer_code, "value": _money(req.value), "created_at": _iso(req.created_at),
            "lines": [_line(line) for line in req.lines], "customer_charge": customer_charges.charge_of(req)}


class RequisitionDetailSchema(RequisitionSchema):
    history = fields.List(fields.Nested(EventSchema), attribute="events")


class WrongPartFieldsSchema(StrictSchema):
    received_sku = fields.String(required=True, validate=CODE,
                                 metadata={"description": "the sku of the part that arrived instead"})
    qty = fields.Integer(load_default=None, strict=True, validate=validate.Range(min=1, max=MAX_QTY),
                         metadata={"description": "how many of the line's units were wrong; default all"})
    warehouse = fields.String(load_default=None, validate=CODE,
                              metadata={"description": "the sender, when the line came from several warehouses "
                                                       "and only some units were wrong"})
    note = fields.String(load_default="", validate=validate.Length(max=MAX_NOTE))


class WrongPartInSchema(WrongPartFieldsSchema):
    line = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_LINES),
                          metadata={"description": "the line's number (`line` in the requisition)"})


class ReceiveInSchema(EventTimeSchema):
    warehouse = fields.String(load_default=None, validate=CODE,
                              metadata={"description": "confirm only the parcel this warehouse sent (a line served "
                                                       "from several warehouses arrives in several parcels)"})
    wrong_parts = fields.List(fields.Nested(WrongPartInSchema), load_default=list,
                              validate=validate.Length(max=MAX_LINES),
                              metadata={"description": "lines whose arriving units are another part (错发): "
                                                       "recorded and replaced instead of delivered"})


class WrongPartReportSchema(EventTimeSchema, WrongPartFieldsSchema):
    pass


def _wrong_part(body: dict, line: int) -> WrongPart:
    return WrongPart(line=line, received_sku=body["received_sku"], qty=body["qty"], warehouse=body["warehouse"],
                     note=body["note"])


class RequisitionQueryArgsSchema(PageArgsSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))


@blp.route("")
class Requisitions(MethodView):
    @roles("dealer", "service_point")
    @blp.arguments(RequisitionInSchema)
    @blp.response(201, RequisitionSchema)
    def post(self, body):
        """Submit a requisition: reserve within the 2-day promise (dealers: against quota)"""
        principal = current_principal()

        def create():
            return requisitions.submit(db.session, principal, ship_to=body["ship_to"], ticket=body["ticket"],
                               in_warranty=body["in_warranty"], policy=policy_of_transaction(db.session()),
                               lines=[LineRequest(line["sku"], line["qty"], line["in_warranty"])
                                      for line in body["lines"]])

        return create_once(principal.name, body, create, requisition_body)

    @roles("dealer", "service_point", "hq")
    @blp.arguments(RequisitionQueryArgsSchema, location="query")
    @blp.response(200, RequisitionSchema(many=True), headers={"X-Total-Count": {"schema": {"type": "integer"}}})
    def get(self, args):
        """Your requisitions, newest first (HQ: all)"""
        rows, total = list_for(db.session, current_principal(), status=args["status"],
                               page=args["page"], per_page=args["per_page"])
        customer_charges.warm(rows)
        return paginated(rows, total)


@blp.route("/<string:code>")
class RequisitionById(MethodView):
    @roles("dealer", "service_point", "hq")
    @blp.response(200, RequisitionDetailSchema)
    def get(self, code):
        """One requisition with its history"""
        return requisitions.get(db.session, current_principal(), code)


@blp.route("/<string:code>/cancel")
class RequisitionCancel(MethodView):
    @roles("dealer", "service_point", "hq")
    @blp.response(200, RequisitionSchema)
    def post(self, code):
        """Cancel: release reservations and quota (409 once shipped)"""
        with transaction(db.session):
            req = requisitions.cancel(db.session, current_principal(), code)
        return req


@blp.route("/<string:code>/ship")
class RequisitionShip(MethodView):
    @roles("hq")
    @blp.arguments(EventTimeSchema, required=False)
    @blp.response(200, RequisitionSchema)
    def post(self, body, code):
        """Ship every reserved allocation (warehouse systems)"""
        with transaction(db.session):
            req = requisitions.ship(db.session, current_principal().name, code, at=(body or {}).get("at"))
        return req


@blp.route("/<string:code>/receive")
class RequisitionReceive(MethodView):
    @roles("dealer", "service_point")
    @blp.arguments(ReceiveInSchema, required=False)
    @blp.response(200, RequisitionSchema)
    def post(self, body, code):
        """Confirm arrival; each allocation is on time or late from here, or reported as the wrong part"""
        body = body or {}
        reports = [_wrong_part(w, w["line"]) for w in body.get("wrong_parts") or ()]
        with transaction(db.session):
            req = requisitions.receive(db.session, current_principal(), code, at=body.get("at"),
                               warehouse=body.get("warehouse"), wrong_parts=reports)
        return req


@blp.route("/<string:code>/lines/<int:line>/wrong-part")
class RequisitionLineWrongPart(MethodView):
    @roles("dealer", "service_point", "hq")
    @blp.arguments(WrongPartReportSchema)
    @blp.response(200, RequisitionSchema)
    @blp.alt_response(404, schema=None, description="no such requisition of yours, or no such line")
    @blp.alt_response(409, schema=None, description="nothing of the line has been delivered yet")
    def post(self, body, code, line):
        """Report that delivered units of a line are the wrong part (错发): they are replaced; a repeat changes nothing"""
        with transaction(db.session):
            req = wrong_part.report(db.session, current_principal(), code, _wrong_part(body, line), at=body["at"])
        return req


class WarrantyOverrideInSchema(StrictSchema):
    in_warranty = StrictBoolean(required=True, metadata={"description": "HQ's decision for the line; the engine's "
                                                                         "own answer lifts an override"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=warranty.MAX_REASON),
                           metadata={"description": "why (the customer's invoice seen, a goodwill repair, ...)"})


@blp.route("/<string:code>/lines/<int:line>/warranty")
class RequisitionLineWarranty(MethodView):
    @roles("hq")
    @blp.arguments(WarrantyOverrideInSchema)
    @blp.response(200, RequisitionSchema)
    @blp.alt_response(404, schema=None, description="no such requisition, or no such line")
    @blp.alt_response(409, schema=None, description="cancelled, already so, or its old part is on its way")
    def post(self, body, code, line):
        """HQ overrides a line's warranty decision (改判), with a reason; audited, shown as overridden"""
        with transaction(db.session):
            req = warranty.override(db.session, current_principal().name, code, line, body["in_warranty"],
                                    body["reason"])
        return req
