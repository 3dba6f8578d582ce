"""The customer price list (零部件收费标准): each part's list price out of warranty. Anyone with
a key reads it; HQ sets prices, one sku or many at once (all or none)."""
from __future__ import annotations

from decimal import Decimal

from flask.views import MethodView
from marshmallow import fields, validate
from sqlalchemy import select

from inventory.catalog import Part, customer_price, search_parts, set_list_prices
from inventory.db import transaction
from inventory.errors import InvalidInput, NotFound
from inventory.policy import load_policy
from inventory.world_schema import Money as MoneyIn

from ..auth import current_principal, roles
from ..extensions import db
from .common import Blueprint, Money, PageArgsSchema, StrictSchema, paginated

blp = Blueprint("price_list", __name__, url_prefix="/api/v1/price-list",
                description="The customer price list: what an out-of-warranty customer pays for a part")
ANY = ("dealer", "service_point", "call_center", "hq")
MAX_PRICES = 5000
PRICE = {"type": "string", "format": "decimal"}


class PriceSchema(StrictSchema):
    sku = fields.String()
    name = fields.String()
    list_price = Money(allow_none=True, metadata={"description": "set by HQ; null when none is set"})
    customer_price = Money(metadata={"description": "what the customer pays per unit: the list price, else unit "
                                                    "cost x the policy's list_price_markup rounded up to whole yuan"})
    price_basis = fields.String(metadata={"description": "list or markup"})


class PriceArgsSchema(PageArgsSchema):
    q = fields.String(load_default="", validate=validate.Length(max=100))


class PriceInSchema(StrictSchema):
    list_price = MoneyIn(required=True, metadata={**PRICE, "description": "RMB, e.g. \"168.00\""})


class PriceLineInSchema(PriceInSchema):
    sku = fields.String(required=True, validate=validate.Length(min=1, max=40))


class PricesInSchema(StrictSchema):
    prices = fields.List(fields.Nested(PriceLineInSchema), required=True,
                         validate=validate.Length(min=1, max=MAX_PRICES))


class PricesSetSchema(StrictSchema):
    changed = fields.Integer(metadata={"description": "prices that differed and were set"})
    prices = fields.List(fields.Nested(PriceSchema))


def _row(part: Part, markup: Decimal) -> dict:
    price, basis = customer_price(part, markup)
    return {"sku": part.sku, "name": part.name, "list_price": part.list_price, "customer_price": price,
            "price_basis": basis}


@blp.route("")
class PriceList(MethodView):
    @roles(*ANY)
    @blp.arguments(PriceArgsSchema, location="query")
    @blp.response(200, PriceSchema(many=True), headers={"X-Total-Count": {"schema": {"type": "integer"}}})
    def get(self, args):
        """The price list, by sku; `q` searches sku or name"""
        parts, total = search_parts(db.session, args["q"], offset=(args["page"] - 1) * args["per_page"],
                                    limit=args["per_page"])
        markup = load_policy(db.session).list_price_markup
        return paginated([_row(p, markup) for p in parts], total)

    @roles("hq")
    @blp.arguments(PricesInSchema)
    @blp.response(200, PricesSetSchema)
    def put(self, body):
        """HQ sets many list prices at once: all or none (an unknown sku refuses the lot); audited"""
        prices = {}
        for line in body["prices"]:
            if line["sku"] in prices:
                raise InvalidInput(f"sku {line['sku']} is listed twice", code="price_list.sku_twice", field="prices",
                                   sku=line["sku"])
            prices[line["sku"]] = line["list_price"]
        with transaction(db.session):
            changed = set_list_prices(db.session, prices, actor=current_principal().name, source="api")
            markup = load_policy(db.session).list_price_markup
            rows = [_row(p, markup) for p in db.session.scalars(
                select(Part).where(Part.sku.in_(list(prices))).order_by(Part.sku))]
        return {"changed": changed, "prices": rows}


@blp.route("/<string:sku>")
class PriceBySku(MethodView):
    @roles(*ANY)
    @blp.response(200, PriceSchema)
    def get(self, sku):
        """One part's price to the customer"""
        part = db.session.get(Part, sku)
        if part is None:
            raise NotFound(f"no part {sku}", code="part.not_found", sku=sku)
        return _row(part, load_policy(db.session).list_price_markup)

    @roles("hq")
    @blp.arguments(PriceInSchema)
    @blp.response(200, PriceSchema)
    def put(self, body, sku):
        """HQ sets one part's list price; audited"""
        with transaction(db.session):
            if db.session.get(Part, sku) is None:
                raise NotFound(f"no part {sku}", code="part.not_found", sku=sku)
            set_list_prices(db.session, {sku: body["list_price"]}, actor=current_principal().name, source="api")
            row = _row(db.session.get(Part, sku), load_policy(db.session).list_price_markup)
        return row
