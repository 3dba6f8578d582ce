"""Push events (webhooks): a dealer or service point registers receivers, reads the delivery
log and replays a delivery. Deliveries are sent by the `webhooks.dispatch` task, never here."""
from __future__ import annotations

import json

from flask import current_app
from flask.views import MethodView
from marshmallow import fields, validate

from inventory.db import transaction
from inventory.webhooks import service as webhooks
from inventory.webhooks.models import DELIVERY_STATUSES, EVENTS
from inventory.webhooks.net import MAX_URL

from ..auth import current_principal, roles
from ..extensions import db
from .common import Blueprint, PageArgsSchema, StrictSchema, create_once, paginated

blp = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks",
                description="Push events (webhooks): signed POSTs of your requisitions', returns' and quota's events")
OWNERS = ("dealer", "service_point")
ID = validate.Length(min=1, max=40)


class WebhookInSchema(StrictSchema):
    url = fields.String(required=True, validate=validate.Length(min=1, max=MAX_URL),
                        metadata={"description": "http(s) URL of your receiver; private, loopback and link-local "
                                                 "addresses are refused unless the server allows them"})
    events = fields.List(fields.String(validate=validate.OneOf(EVENTS)), required=True,
                         validate=validate.Length(min=1, max=len(EVENTS)))
    secret = fields.String(required=True, validate=validate.Length(min=webhooks.SECRET_MIN, max=webhooks.SECRET_MAX),
                           metadata={"description": "signs every delivery (Parts-Signature); never shown again"})


class WebhookSchema(StrictSchema):
    id = fields.String(attribute="code")
    url = fields.String()
    events = fields.List(fields.String(), attribute="event_names")
    created_at = fields.AwareDateTime()


class AttemptSchema(StrictSchema):
    number = fields.Integer()
    at = fields.AwareDateTime()
    status_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    duration_ms = fields.Integer()


class DeliverySchema(StrictSchema):
    id = fields.String(metadata={"description": "the payload's `id`, the same on every retry"})
    event = fields.String(attribute="event.name")
    status = fields.String(metadata={"description": "pending (being retried), delivered, failed, cancelled"})
    created_at = fields.AwareDateTime()
    attempts = fields.Integer()
    at = fields.AwareDateTime(attribute="last_attempt_at", allow_none=True, metadata={"description": "last attempt"})
    status_code = fields.Integer(attribute="last_status_code", allow_none=True)
    error = fields.String(attribute="last_error", allow_none=True)
    next_attempt_at = fields.AwareDateTime(allow_none=True)
    delivered_at = fields.AwareDateTime(allow_none=True)
    replay_of = fields.String(allow_none=True)
    data = fields.Method("_data", metadata={"description": "the event's `data`, as sent"})
    log = fields.List(fields.Nested(AttemptSchema), metadata={"description": "each attempt, oldest first"})

    def _data(self, delivery):
        return json.loads(delivery.event.data)


class DeliveryQueryArgsSchema(PageArgsSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(DELIVERY_STATUSES))


@blp.route("")
class Webhooks(MethodView):
    @roles(*OWNERS)
    @blp.arguments(WebhookInSchema)
    @blp.response(201, WebhookSchema)
    def post(self, body):
        """Register a webhook: `{url, events, secret}`"""
        principal = current_principal()

        def create():
            return webhooks.register(db.session, principal, url=body["url"], events=body["events"],
                                     secret=body["secret"],
                                     allow_private=bool(current_app.config.get("WEBHOOKS_ALLOW_PRIVATE")))

        return create_once(principal.name, body, create, WebhookSchema().dump)

    @roles(*OWNERS)
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, WebhookSchema(many=True), headers={"X-Total-Count": {"schema": {"type": "integer"}}})
    def get(self, args):
        """Your webhooks, newest first"""
        rows, total = webhooks.list_for(db.session, current_principal(), page=args["page"], per_page=args["per_page"])
        return paginated(rows, total)


@blp.route("/<string:webhook_id>")
class OneWebhook(MethodView):
    @roles(*OWNERS)
    @blp.response(204)
    def delete(self, webhook_id):
        """Remove a webhook: nothing more is sent to it (pending deliveries are cancelled)"""
        with transaction(db.session):
            webhooks.remove(db.session, current_principal(), webhook_id[:40])
        return None


@blp.route("/<string:webhook_id>/deliveries")
class Deliveries(MethodView):
    @roles(*OWNERS)
    @blp.arguments(DeliveryQueryArgsSchema, location="query")
    @blp.response(200, DeliverySchema(many=True), headers={"X-Total-Count": {"schema": {"type": "integer"}}})
    def get(self, args, webhook_id):
        """The delivery log, newest first: each delivery's event, status, and every attempt's status code or error"""
        rows, total = webhooks.deliveries(db.session, current_principal(), webhook_id[:40], status=args["status"],
                                          page=args["page"], per_page=args["per_page"])
        return paginated(rows, total)


@blp.route("/<string:webhook_id>/deliveries/<string:delivery_id>/replay")
class Replay(MethodView):
    @roles(*OWNERS)
    @blp.response(202, DeliverySchema)
    def post(self, webhook_id, delivery_id):
        """Send a delivered or failed delivery's event again, as a new delivery (`replay_of` names the first)"""
        with transaction(db.session):
            return webhooks.replay(db.session, current_principal(), webhook_id[:40], delivery_id[:40])
