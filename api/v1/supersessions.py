"""Replaced part numbers (替代件): anyone with a key reads them; HQ sets them, one or many at once
(all or none: a self replacement, an unknown sku or a one-way cycle refuses the lot), or removes one."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields, validate
from sqlalchemy import func, select

from inventory import supersession
from inventory.db import transaction
from inventory.supersession import MAX_ROWS, Replacement, Supersession

from ..auth import current_principal, roles
from ..extensions import db
from .common import Blueprint, PageArgsSchema, StrictBoolean, StrictSchema, paginated

blp = Blueprint("supersessions", __name__, url_prefix="/api/v1/supersessions",
                description="Replaced part numbers: which newer part may serve a request for an older one")
ANY = ("dealer", "service_point", "call_center", "hq")
SKU = validate.Length(min=1, max=40)


class SupersessionSchema(StrictSchema):
    old_sku = fields.String(metadata={"description": "the replaced part; its requests may be served with new_sku"})
    new_sku = fields.String(metadata={"description": "the part that replaces it"})
    two_way = fields.Boolean(metadata={"description": "the old part may also serve requests for the new one"})
    set_by = fields.String()
    set_at = fields.AwareDateTime()


class SupersessionInSchema(StrictSchema):
    new_sku = fields.String(required=True, validate=SKU)
    two_way = StrictBoolean(load_default=False)


class SupersessionLineInSchema(SupersessionInSchema):
    old_sku = fields.String(required=True, validate=SKU)


class SupersessionsInSchema(StrictSchema):
    replacements = fields.List(fields.Nested(SupersessionLineInSchema), required=True,
                               validate=validate.Length(min=1, max=MAX_ROWS))


class SupersessionsSetSchema(StrictSchema):
    changed = fields.Integer(metadata={"description": "replacements that differed and were set"})
    replacements = fields.List(fields.Nested(SupersessionSchema))


@blp.route("")
class Supersessions(MethodView):
    @roles(*ANY)
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, SupersessionSchema(many=True), headers={"X-Total-Count": {"schema": {"type": "integer"}}})
    def get(self, args):
        """Every replacement, by old sku"""
        total = db.session.scalar(select(func.count()).select_from(Supersession))
        rows = db.session.scalars(select(Supersession).order_by(Supersession.old_sku)
                                  .offset((args["page"] - 1) * args["per_page"]).limit(args["per_page"])).all()
        return paginated(rows, total)

    @roles("hq")
    @blp.arguments(SupersessionsInSchema)
    @blp.response(200, SupersessionsSetSchema)
    def put(self, body):
        """HQ sets many replacements at once: all or none; audited"""
        rows = [Replacement(r["old_sku"], r["new_sku"], r["two_way"]) for r in body["replacements"]]
        with transaction(db.session):
            changed = supersession.set_replacements(db.session, rows, actor=current_principal().name, source="api")
            saved = db.session.scalars(select(Supersession).where(Supersession.old_sku.in_([r.old_sku for r in rows]))
                                       .order_by(Supersession.old_sku)).all()
        return {"changed": changed, "replacements": saved}


@blp.route("/<string:old_sku>")
class SupersessionBySku(MethodView):
    @roles("hq")
    @blp.arguments(SupersessionInSchema)
    @blp.response(200, SupersessionSchema)
    def put(self, body, old_sku):
        """HQ sets the part that replaces old_sku; audited"""
        with transaction(db.session):
            supersession.set_replacements(db.session, [Replacement(old_sku, body["new_sku"], body["two_way"])],
                                          actor=current_principal().name, source="api")
            row = db.session.get(Supersession, old_sku)
        return row

    @roles("hq")
    @blp.response(204)
    def delete(self, old_sku):
        """HQ says old_sku is no longer replaced; audited"""
        with transaction(db.session):
            supersession.remove_replacement(db.session, old_sku, actor=current_principal().name, source="api")
