"""A dealer's monthly credit quota (配件额度)."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields

from inventory.db import utcnow
from inventory.quotas import service as quotas

from ..auth import current_principal, roles
from ..extensions import db
from .common import Blueprint, Money, Month, StrictSchema

blp = Blueprint("quota", __name__, url_prefix="/api/v1/quota", description="Dealer credit quota")


class QuotaSchema(StrictSchema):
    dealer = fields.String()
    period = fields.String(metadata={"description": "YYYY-MM, Beijing calendar"})
    limit = Money()
    extension = Money()
    reserved = Money()
    consumed = Money()
    credited = Money()
    available = Money()


class QuotaArgsSchema(StrictSchema):
    period = Month(load_default=None)


def quota_body(acct) -> dict:
    return {"dealer": acct.dealer_code, "period": acct.period, "limit": acct.credit_limit,
            "extension": acct.extension, "reserved": acct.reserved, "consumed": acct.consumed,
            "credited": acct.credited, "available": acct.available}


@blp.route("")
class Quota(MethodView):
    @roles("dealer")
    @blp.arguments(QuotaArgsSchema, location="query")
    @blp.response(200, QuotaSchema)
    def get(self, args):
        """The calling dealer's quota for a month (default: this month)"""
        dealer = current_principal().code
        period = args["period"] or quotas.period_of(utcnow())
        acct = quotas.account(db.session, dealer, period)
        body = quota_body(acct)
        db.session.rollback()  # reading opens the month's account lazily; nothing to keep from a GET
        return body
