"""Shared pieces of the v1 resources: pagination, event times, idempotent creation."""
from __future__ import annotations

import flask_smorest
from flask import jsonify, request
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from webargs.flaskparser import FlaskParser

from inventory import idempotency
from inventory.business_calendar import FIRST_YEAR, LAST_YEAR, MONTH, is_month
from inventory.db import transaction

from ..extensions import db

MAX_PER_PAGE = 200


class StrictParser(FlaskParser):
    """Unknown query-string keys are refused (422) like unknown body fields, not dropped."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": RAISE, "querystring": RAISE}


class Blueprint(flask_smorest.Blueprint):
    """A flask-smorest blueprint with the strict argument parser."""

    ARGUMENTS_PARSER = StrictParser()


class Money(fields.Decimal):
    """RMB as a decimal string with two places ("125.00"), as API.md fixes."""

    def __init__(self, **kwargs):
        super().__init__(places=2, as_string=True, **kwargs)


class StrictBoolean(fields.Boolean):
    """JSON `true` or `false` only. marshmallow's Boolean also takes "no", "off", "0", 0 and 1, so a
    client's mistake (a string where a flag belongs) would silently become a warranty decision."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class IsMonth(validate.Validator):
    """A `YYYY-MM` month the calendar knows: `business_calendar.is_month`, the rule `month_bounds`
    applies, so a month a schema lets through is never refused deeper with another shape."""

    error = f"must be YYYY-MM, from {FIRST_YEAR}-01 to {LAST_YEAR}-12"

    def __call__(self, value):
        if not is_month(value):
            raise ValidationError(self.error)
        return value


class Month(fields.String):
    """Every month parameter of the API (`?month=`, `?period=`): a string that `IsMonth` takes. The
    OpenAPI document shows its form; the years are in its description."""

    def __init__(self, **kwargs):
        metadata = kwargs.pop("metadata", {})
        description = metadata.get("description", "YYYY-MM, Beijing calendar")
        metadata = {**metadata, "pattern": f"^{MONTH.pattern}$",
                    "description": f"{description}; a month from {FIRST_YEAR}-01 to {LAST_YEAR}-12"}
        super().__init__(validate=IsMonth(), metadata=metadata, **kwargs)


class StrictSchema(Schema):
    """Unknown fields are an error (422), never silently dropped."""

    class Meta:
        ordered = True


class PageArgsSchema(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class EventTimeSchema(StrictSchema):
    at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=None,
                              metadata={"description": "when it happened (ISO 8601 with offset); not in the future"})


def paginated(items, total: int):
    """A page for flask-smorest to dump, with the total in X-Total-Count."""
    return items, 200, {"X-Total-Count": str(total)}


def _respond(body: dict, status: int):
    """A finished response: flask-smorest passes it through without dumping it again."""
    response = jsonify(body)
    response.status_code = status
    return response


def create_once(principal: str, payload, create, render, *, status: int = 201, then=None):
    """Run `create()` in one transaction and answer `render(result)` with `status` (201),
    honouring Idempotency-Key: a repeat with the same body returns the first response unchanged.
    `then(body)`, when given, runs after a new creation is committed (it queues the work a 202
    promises); a response it returns is the answer instead, and the key is then forgotten, so a
    retry with the same key tries again."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        with transaction(db.session):
            body = render(create())
        return _after(then, body, status)
    idempotency.check_key(key)
    print_ = idempotency.fingerprint(request.method, request.path, payload)
    replay = idempotency.find(db.session, principal, key, print_)
    if replay is None:
        try:
            with transaction(db.session):
                body = render(create())
                idempotency.remember(db.session, principal, key, print_, status, body)
            answer = _after(then, body, status)
            if answer.status_code >= 500:
                with transaction(db.session):
                    idempotency.forget(db.session, principal, key)
            return answer
        except Exception as exc:
            from sqlalchemy.exc import IntegrityError

            if not isinstance(exc, IntegrityError):
                raise
            replay = idempotency.find(db.session, principal, key, print_)  # a concurrent twin won
            if replay is None:
                raise
    return _respond(replay.body, replay.status)


def _after(then, body: dict, status: int):
    answer = then(body) if then is not None else None
    return answer if answer is not None else _respond(body, status)
