"""RFC 9457 problem details for every API error: HTTP errors, domain refusals, crashes."""
from __future__ import annotations

import logging

import marshmallow as ma
from flask import g, jsonify
from werkzeug.exceptions import HTTPException

from inventory.errors import Conflict, DomainError, NotFound

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"
TYPE_BASE = "https://parts.example.invalid/problems/"
DATABASE_RETRY_SECONDS = 2  # Retry-After when the database does not answer (a restart takes a few seconds)


class ProblemSchema(ma.Schema):
    """An error response (RFC 9457)."""

    type = ma.fields.String(metadata={"description": "URI naming the kind of problem"})
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String()
    code = ma.fields.String(metadata={"description": "a domain refusal's stable code (e.g. requisition.already_cancelled, "
                                                     "stock.insufficient): what a client matches on, not the detail"})
    errors = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()),
                            metadata={"description": "field -> messages, for validation errors"})


def problem(status: int, title: str, detail: str = "", *, kind: str | None = None,
            errors: dict | None = None, headers: dict | None = None, code: str | None = None):
    body = {"type": TYPE_BASE + (kind or str(status)), "title": title, "status": status,
            "detail": detail or title}
    if code:
        body["code"] = code
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if headers and "Retry-After" in headers:
        g.retry_after = str(headers["Retry-After"])
    return response


def retry_after_asked() -> str | None:
    """The Retry-After a problem answer of this request asked for (see `app._one_retry_after`)."""
    return g.get("retry_after")


def flatten_errors(messages, prefix: str = "") -> dict[str, list[str]]:
    """webargs/marshmallow nest errors by location and index; clients want 'lines.0.qty'."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key in ("json", "query", "headers", "view_args", "form") and not prefix:
                flat.update(flatten_errors(value, ""))
                continue
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                name = prefix or "body"
            flat.update(flatten_errors(value, name))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat.setdefault(prefix or "body", []).extend(messages)
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            flat.update(flatten_errors(value, f"{prefix}.{index}"))
    else:
        flat.setdefault(prefix or "body", []).append(str(messages))
    return flat


def http_problem(error: HTTPException):
    data = getattr(error, "data", None) or {}
    errors = flatten_errors(data["messages"]) if "messages" in data else data.get("errors")
    detail = data.get("message") or error.description or error.name
    if errors and error.code == 400:
        detail = "the request body is not valid JSON"
    elif errors:
        detail = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items())
    headers = dict(data.get("headers") or {})
    if error.code == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="parts"')
    if getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    if error.code == 429 and getattr(error, "retry_after", None):
        headers["Retry-After"] = str(error.retry_after)
    return problem(error.code or 500, error.name, detail, errors=errors, headers=headers)


# A domain refusal's HTTP status, by its class (the nearest listed ancestor); any other refusal is 422.
# A refusal's code (`error.code`, answered as the problem's `code` member) names the rule within its
# class, so a code is mapped to its status by the class it is raised with (a state refusal is a Conflict:
# 409; an unknown line a NotFound: 404; a bad value an InvalidInput: 422), and clients match on the code.
STATUSES: dict[type[DomainError], tuple[int, str]] = {
    NotFound: (404, "Not Found"),
    Conflict: (409, "Conflict"),
    DomainError: (422, "Unprocessable Content"),
}


def status_of(error: DomainError) -> int:
    """The HTTP status a refusal is answered with (the web pages use it too)."""
    return _status(error)[0]


def _status(error: DomainError) -> tuple[int, str]:
    return next(STATUSES[kind] for kind in type(error).__mro__ if kind in STATUSES)


def domain_problem(error: DomainError):
    field = error.details.get("field")
    errors = error.details.get("errors") or ({field: [error.message]} if field else None)
    status, title = _status(error)
    return problem(status, title, error.message, kind=type(error).__name__, errors=errors, code=error.code)


def unavailable_problem(error: Exception):
    """The database did not answer: 503 with Retry-After, so clients and load balancers retry
    (a write with its Idempotency-Key, which answers whatever the first attempt committed)."""
    log.warning("database unavailable: %s", error.__class__.__name__, exc_info=error)
    return problem(503, "Service Unavailable", "the database did not answer; retry in a moment "
                   "(a write with the same Idempotency-Key)", headers={"Retry-After": str(DATABASE_RETRY_SECONDS)},
                   code="database.unavailable")


def unexpected_problem(error: Exception):
    log.exception("unhandled error", exc_info=error)
    return problem(500, "Internal Server Error", "an unexpected error occurred; it has been logged")
