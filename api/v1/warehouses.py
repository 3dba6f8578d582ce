"""A warehouse's bins (库位): where each sku is kept there. HQ reads and sets any warehouse's; a
clerk's key (`parts keys create --clerk GD1`) only its own warehouse's - another's is 404, as
another owner's things are."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields, validate

from inventory.db import transaction
from inventory.errors import InvalidInput, NotFound
from inventory.warehouses import bins

from ..auth import current_principal, roles
from ..extensions import db
from .common import Blueprint, PageArgsSchema, StrictSchema, paginated

blp = Blueprint("warehouses", __name__, url_prefix="/api/v1/warehouses",
                description="Warehouses' master data: the bin (库位) of each sku")
WAREHOUSE_STAFF = ("hq", "clerk")
BIN_DOC = {"description": f"1-{bins.MAX_BIN} letters, digits or '-' (stored upper-case), e.g. A-01-02",
           "example": "A-01-02"}


def _warehouse_of_caller(code: str) -> str:
    """The warehouse if the caller keeps it (HQ: any; a clerk: their own), else NotFound."""
    principal = current_principal()
    if principal.role == "clerk" and principal.code != code:
        raise NotFound(f"no warehouse {code}", code="warehouse.not_found", warehouse=code)
    return code


class BinSchema(StrictSchema):
    sku = fields.String()
    name = fields.String(metadata={"description": "the part's name"})
    bin = fields.String(metadata=BIN_DOC)
    updated_by = fields.String()
    updated_at = fields.AwareDateTime()


class BinArgsSchema(PageArgsSchema):
    sku = fields.String(load_default=None, validate=validate.Length(min=1, max=40))
    bin = fields.String(load_default=None, validate=validate.Length(min=1, max=bins.MAX_BIN),
                        metadata={"description": "bins starting with this"})


class BinInSchema(StrictSchema):
    sku = fields.String(required=True, validate=validate.Length(min=1, max=40))
    bin = fields.String(required=True, allow_none=True, validate=validate.Length(min=1, max=bins.MAX_BIN),
                        metadata={**BIN_DOC, "description": BIN_DOC["description"] + "; null clears the sku's bin"})


class BinsInSchema(StrictSchema):
    bins = fields.List(fields.Nested(BinInSchema), required=True,
                       validate=validate.Length(min=1, max=bins.MAX_AT_ONCE))


class BinsSetSchema(StrictSchema):
    changed = fields.Integer(metadata={"description": "skus whose bin was set, moved or cleared"})
    bins = fields.List(fields.Nested(BinSchema), metadata={"description": "the bins of the skus sent, as now"})


@blp.route("/<string:code>/bins")
class WarehouseBins(MethodView):
    @roles(*WAREHOUSE_STAFF)
    @blp.arguments(BinArgsSchema, location="query")
    @blp.response(200, BinSchema(many=True), headers={"X-Total-Count": {"schema": {"type": "integer"}}})
    def get(self, args, code):
        """The warehouse's bins in bin order; `sku` or `bin` (a prefix) narrows them"""
        rows, total = bins.list_bins(db.session, _warehouse_of_caller(code), sku=args["sku"],
                                     bin_prefix=args["bin"], limit=args["per_page"],
                                     offset=(args["page"] - 1) * args["per_page"])
        return paginated(rows, total)

    @roles(*WAREHOUSE_STAFF)
    @blp.arguments(BinsInSchema)
    @blp.response(200, BinsSetSchema)
    @blp.alt_response(404, schema=None, description="no such warehouse, or not the clerk key's own")
    @blp.alt_response(422, schema=None, description="an unknown sku, a bad bin code or a sku listed twice: "
                                                    "nothing is changed")
    def put(self, body, code):
        """Set (or with null clear) the bins of the skus sent; the others keep theirs. All or nothing; audited"""
        warehouse = _warehouse_of_caller(code)
        wanted: dict[str, str | None] = {}
        for line in body["bins"]:
            if line["sku"] in wanted:
                raise InvalidInput(f"sku {line['sku']} is listed twice", code="bin.sku_twice", field="bins",
                                   sku=line["sku"])
            wanted[line["sku"]] = line["bin"]
        with transaction(db.session):
            changed = bins.set_bins(db.session, warehouse, wanted, actor=current_principal().name)
        rows, _total = bins.list_bins(db.session, warehouse, skus=wanted, limit=len(wanted))
        return {"changed": changed, "bins": rows}
