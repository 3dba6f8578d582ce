"""The Flask application factory."""
from __future__ import annotations

import os

from flask import Flask, request
from flask_limiter import Limiter
from werkzeug.exceptions import HTTPException

from inventory.db import normalise_url
from inventory.errors import DomainError

from . import config
from .errors import domain_problem, http_problem, unexpected_problem
from .auth import rate_limit_key
from .extensions import db


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=os.path.join(os.getcwd(), "instance"))
    app.config.from_mapping(config.defaults())
    app.config.from_prefixed_env("PARTS")
    if test_config:
        app.config.update(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_url(app.config["DATABASE_URL"])
    db.init_app(app)
    Limiter(rate_limit_key, app=app, default_limits=[app.config["RATELIMIT_DEFAULT"]],
            storage_uri=app.config["RATELIMIT_STORAGE_URI"], default_limits_exempt_when=lambda: not _is_api())

    from . import v1, web
    from .celery_app import celery_init_app

    celery_init_app(app)

    v1.register(app)
    web.register(app)
    _register_error_handlers(app)
    return app


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _register_error_handlers(app: Flask) -> None:
    """API callers get problem+json for everything; web pages keep Flask's HTML errors."""

    @app.errorhandler(DomainError)
    def _domain(error: DomainError):
        db.session.rollback()
        return domain_problem(error)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        return http_problem(error) if _is_api() else error

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        if isinstance(error, HTTPException):
            return _http(error)
        return unexpected_problem(error)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
