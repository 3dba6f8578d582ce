"""The Flask application factory."""
from __future__ import annotations

import contextlib
import json
import logging
import os
import re

from flask import Flask, request
from flask_limiter import Limiter
from werkzeug.exceptions import BadRequest, HTTPException, RequestURITooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from inventory.db import database_unavailable, normalise_url
from inventory.errors import DomainError

from . import config
from .errors import (domain_problem, http_problem, problem, retry_after_asked, unavailable_problem,
                     unexpected_problem)
from .auth import rate_limit_key
from .extensions import db

log = logging.getLogger(__name__)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=os.path.join(os.getcwd(), "instance"))
    app.config.from_mapping(config.defaults())
    app.config.from_prefixed_env("PARTS")
    if test_config:
        app.config.update(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_url(app.config["DATABASE_URL"])
    if app.config.get("PROXY_FIX"):  # behind nginx: trust one proxy's X-Forwarded-Proto/-For/-Host
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    db.init_app(app)
    app.teardown_appcontext(_close_session)  # runs before Flask-SQLAlchemy's own (teardowns run in reverse)
    app.after_request(_one_retry_after)  # before the limiter: Flask runs it after the limiter's
    Limiter(rate_limit_key, app=app, default_limits=[app.config["RATELIMIT_DEFAULT"]],
            storage_uri=app.config["RATELIMIT_STORAGE_URI"], default_limits_exempt_when=lambda: not _is_api())

    from . import v1, web
    from .celery_setup import celery_init_app

    celery_init_app(app)

    v1.register(app)
    web.register(app)
    _register_error_handlers(app)
    return app


# Pages: only our own script and stylesheet; inline style attributes (the quota meters) only.
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
            "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
DATA_CSP = "default-src 'none'; frame-ancestors 'none'"  # JSON is data, never a document
HSTS_SECONDS = 365 * 24 * 3600
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL and lone surrogates: no text column takes them
UNSTORABLE_MESSAGE = "text may not contain NUL characters or unpaired surrogates"
# gunicorn runs with --limit-request-line 0 (its own 414 is an HTML page, outside the API's
# problem+json contract), so the app bounds the URL itself, at gunicorn's largest limit.
MAX_URL = 8190
SHALLOW_BRACKETS = 200  # a JSON body with at most this many [ and { cannot nest near the recursion limit


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _unstorable(value) -> bool:
    if isinstance(value, str):
        return UNSTORABLE.search(value) is not None
    if isinstance(value, dict):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_unstorable(v) for v in value)
    return False


def _refuse_unstorable_input():
    """Input the databases cannot store (PostgreSQL refuses NUL in text; neither takes lone
    surrogates) or JSON nested beyond the parser's depth is refused up front, not met as a 500."""
    if len(request.full_path) > MAX_URL:
        if _is_api():
            return problem(414, "URI Too Long", f"the path and query may have at most {MAX_URL} characters")
        raise RequestURITooLarge()
    texts = [*(request.view_args or {}).values(), *request.args.keys(), *request.args.values(),
             *request.headers.values()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        texts += [*request.form.keys(), *request.form.values()]
    bad = _unstorable(texts)
    body = request.get_data(cache=True) if not bad and request.is_json and request.content_length else b""
    # In UTF-8 a NUL or a surrogate reaches a JSON text only as a \u escape (UTF-16 and -32, which the
    # parser also reads, have NUL bytes), and nesting as deep as the parser's limit needs that many
    # brackets: a body with none of these needs no parse here (the API parses it anyway).
    if b"\\u" in body or b"\x00" in body or body.count(b"[") + body.count(b"{") > SHALLOW_BRACKETS:
        try:
            bad = _unstorable(json.loads(body))
        except RecursionError:
            return _refuse(400, "the request body is nested too deeply")
        except ValueError:
            return None  # malformed JSON: the API's own parser answers 400
    return _refuse(422, UNSTORABLE_MESSAGE) if bad else None


def _refuse(status: int, detail: str):
    if _is_api():
        return problem(status, "Bad Request" if status == 400 else "Unprocessable Content", detail)
    raise BadRequest(detail)


def _close_session(_error=None) -> None:
    """End the request's session, whose connection PostgreSQL may have terminated after the
    request's work was done (its answer already made, its transaction committed). Closing rolls
    the connection back, which then fails; raised from a teardown that turned a done request's
    answer into gunicorn's bare 500 (the fault campaign's pg_terminate trials). The connection
    is discarded; the answer stands."""
    try:
        db.session.remove()
    except Exception as error:  # noqa: BLE001 - only the database's absence is swallowed
        if not database_unavailable(error):
            raise
        log.warning("closing a request's session: the database connection was gone (%s)", type(error).__name__)
        with contextlib.suppress(Exception):
            db.session.registry().invalidate()  # close its connections without the rollback
        db.session.registry.clear()


def _one_retry_after(response):
    """Flask-Limiter sets Retry-After on every limited response: the rate window's reset, or a
    later time already there. Retry-After means "retry then" only on a 429 or a 503, and a 503
    that asks for a retry in 2 s (the database restarting) means 2 s, not the window's 60: the
    answer's own value (`errors.retry_after_asked`) is kept, and elsewhere the header goes
    (X-RateLimit-Reset still says when the window resets)."""
    if "X-RateLimit-Reset" not in response.headers:
        return response
    asked = retry_after_asked()
    if asked is not None:
        response.headers["Retry-After"] = asked
    elif response.status_code != 429:
        response.headers.pop("Retry-After", None)
    return response


def _register_error_handlers(app: Flask) -> None:
    """API callers get problem+json for everything; anything else (an address no page has, a
    method a page does not take) gets the web's own error page, in the page's language."""

    @app.errorhandler(DomainError)
    def _domain(error: DomainError):
        db.session.rollback()
        return domain_problem(error)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if _is_api():
            return http_problem(error)
        from .web.views import http_error  # the web's pages are registered by now: it is imported

        page = http_error(error)
        if not isinstance(page, tuple):  # a redirect to sign in
            return page
        headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
        return (*page, headers)  # a 405 keeps its Allow

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        if isinstance(error, HTTPException):
            return _http(error)
        if database_unavailable(error):
            return unavailable_problem(error)
        return unexpected_problem(error)

    app.before_request(_refuse_unstorable_input)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:  # HSTS means nothing over plain HTTP (RFC 6797 says ignore it there)
            response.headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_SECONDS}; includeSubDomains")
        if response.mimetype in ("application/json", "application/problem+json"):
            response.headers.setdefault("Content-Security-Policy", DATA_CSP)
        elif not _is_api():  # the Swagger UI page under /api/ keeps its inline script
            response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
        return response
