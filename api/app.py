"""The Flask application factory."""
from __future__ import annotations

from flask import Flask

from inventory.db import normalise_url

from . import config
from .extensions import db


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(config.defaults())
    app.config.from_prefixed_env("PARTS")
    if test_config:
        app.config.update(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_url(app.config["DATABASE_URL"])
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    db.init_app(app)

    from .web import register as register_web

    register_web(app)
    return app
