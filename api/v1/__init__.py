"""REST API v1 (API.md): flask-smorest blueprints, one module per resource."""
from __future__ import annotations

import importlib

from flask import Flask, request
import http

from flask_smorest import Api
from flask_smorest.utils import prepare_response

from ..errors import PROBLEM, ProblemSchema, http_problem, problem
from .common import Money


RESOURCES = ("parts", "requisitions", "quota", "returns", "tickets", "reports", "optimizer", "transfers", "purchasing",
             "stock_plans", "price_list", "statements", "centers", "webhooks",
             "cycle_counts", "warehouses", "documents", "supersessions")


class PartsApi(Api):
    """flask-smorest with RFC 9457 problem details as the error format."""

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = "DEFAULT_ERROR"

    def handle_http_exception(self, error):
        return http_problem(error)

    def _register_responses(self):
        """Document every error response as application/problem+json, as it is served."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM if status >= 400 else self.DEFAULT_RESPONSE_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error (RFC 9457 problem details)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def _require_json():
    """A body that is not JSON is refused up front (415) rather than read as empty."""
    if request.path.startswith("/api/") and request.method in ("POST", "PUT", "PATCH") and request.content_length and not request.is_json:
        return problem(415, "Unsupported Media Type", "send the body as application/json")
    return None


def _swagger_ui_asset(filename: str):
    """Swagger UI's files from the swagger-ui-bundle package: the docs work offline."""
    from flask import send_from_directory
    from swagger_ui_bundle import swagger_ui_path

    return send_from_directory(str(swagger_ui_path), filename, max_age=86400)


def register(app: Flask) -> Api:
    app.config.setdefault("API_TITLE", "Spare parts service")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("OPENAPI_SWAGGER_UI_PATH", "docs")
    app.config.setdefault("OPENAPI_SWAGGER_UI_URL", "/api/v1/docs/assets/")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "security": [{"bearerAuth": []}],
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        "info": {"description": "Dealers, service points, the call centre and HQ integrate here. "
                                "Errors are application/problem+json (RFC 9457)."},
    })
    api = PartsApi(app)
    api.register_field(Money, "string", "decimal")
    app.before_request(_require_json)
    app.add_url_rule("/api/v1/docs/assets/<path:filename>", "swagger_ui_assets", _swagger_ui_asset)
    for name in RESOURCES:
        api.register_blueprint(importlib.import_module(f"{__name__}.{name}").blp)
    return api
