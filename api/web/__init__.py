"""Server-rendered pages for warehouse clerks and the HQ parts team (web UI).

Everything web-only is set up here: Flask-Babel (Chinese by default, English on request),
CSRF checking for this blueprint's forms (the JSON API authenticates by key and is left
alone), session lifetime, and the blueprint with its views.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Flask


def register(app: Flask) -> None:
    from flask_wtf.csrf import CSRFProtect

    from . import i18n
    from .views import bp

    app.config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(hours=12))
    app.config.setdefault("WEB_CHART_CACHE_SECONDS", 60)
    app.config.setdefault("WEB_IMPORT_MAX_ROWS", 20000)
    # CSRF is checked by the web blueprint itself (views.check_csrf), not app-wide.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    CSRFProtect(app)
    i18n.init_app(app)
    app.register_blueprint(bp)
