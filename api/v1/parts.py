"""Parts: search the catalogue, and see where a part can come from within the promise."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields, validate

from inventory import supersession
from inventory.catalog import Part, search_parts
from inventory.errors import NotFound
from inventory.policy import load_policy
from inventory.requisitions.availability import availability, ship_to_point

from ..auth import current_principal, roles
from ..extensions import db
from .common import Blueprint, Money, PageArgsSchema, StrictSchema, paginated

blp = Blueprint("parts", __name__, url_prefix="/api/v1/parts", description="The parts catalogue")
ANY = ("dealer", "service_point", "call_center", "hq")


class PartSchema(StrictSchema):
    sku = fields.String()
    name = fields.String()
    unit_price = Money()
    list_price = Money(allow_none=True, metadata={"description": "the customer's price out of warranty (the price "
                                                                "list); null when HQ has set none"})
    family = fields.String()
    key_component = fields.Boolean()
    returnable = fields.Boolean()
    weight_kg = fields.Float()


class AvailabilitySchema(StrictSchema):
    warehouse = fields.String()
    available = fields.Integer()
    transit_hours = fields.Integer(allow_none=True)


class ReplacedSchema(StrictSchema):
    sku = fields.String()
    two_way = fields.Boolean(metadata={"description": "this part may also serve requests for the one replacing it"})


class PartDetailSchema(PartSchema):
    replaced_by = fields.String(allow_none=True, metadata={
        "description": "the part that replaces this one (替代件): requests for this sku are served from its stock "
                       "when this sku's own cannot keep the promise; null when not replaced"})
    two_way = fields.Boolean(metadata={"description": "replaced_by and this part serve each other's requests"})
    final_successor = fields.String(allow_none=True, metadata={"description": "the end of the replacement chain"})
    replaces = fields.List(fields.Nested(ReplacedSchema), metadata={"description": "the parts this one replaces"})
    served_by = fields.List(fields.String(), metadata={
        "description": "the skus whose stock may serve a request for this one, in the order they are used"})
    ship_to = fields.String(allow_none=True)
    availability = fields.List(fields.Nested(AvailabilitySchema))
    two_day_available = fields.Integer(allow_none=True,
                                       metadata={"description": "units that can arrive within the promise"})


class PartSearchArgsSchema(PageArgsSchema):
    q = fields.String(load_default="", validate=validate.Length(max=100))


class PartDetailArgsSchema(StrictSchema):
    ship_to = fields.String(load_default=None, validate=validate.Length(max=40),
                            metadata={"description": "dealers with several ship-to points choose one"})


@blp.route("")
class Parts(MethodView):
    @roles(*ANY)
    @blp.arguments(PartSearchArgsSchema, location="query")
    @blp.response(200, PartSchema(many=True), headers={"X-Total-Count": {"schema": {"type": "integer"}}})
    def get(self, args):
        """Search parts by sku or name"""
        rows, total = search_parts(db.session, args["q"], offset=(args["page"] - 1) * args["per_page"],
                                   limit=args["per_page"])
        return paginated(rows, total)


@blp.route("/<string:sku>")
class PartBySku(MethodView):
    @roles(*ANY)
    @blp.arguments(PartDetailArgsSchema, location="query")
    @blp.response(200, PartDetailSchema)
    def get(self, args, sku):
        """One part, with availability toward the caller's ship-to point"""
        part = db.session.get(Part, sku)
        if part is None:
            raise NotFound(f"no part {sku}", code="part.not_found", sku=sku)
        point = ship_to_point(db.session, current_principal(), args["ship_to"])
        found = availability(db.session, sku, point, load_policy(db.session))
        body = PartSchema().dump(part)
        body.update(supersession.links_of(db.session, sku))
        body.update(ship_to=found.ship_to, two_day_available=found.within_promise,
                    availability=[{"warehouse": s.warehouse, "available": s.available, "transit_hours": s.transit_hours}
                                  for s in found.sources])
        return body

