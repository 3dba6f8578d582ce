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
    from .blueprint import bp
    from . import views  # noqa: F401  (sign-in, the start page, the shared hooks)
    # the pages: each adds its routes to bp
    from . import centers, clerk, hq, imports, plans, purchasing, returns  # noqa: F401
    from . import signin  # noqa: F401  (the sign-in guard; HQ's page of locks)
    from . import statements  # noqa: F401  (out-of-warranty money: statements, requisitions)
    from . import cycle_counts  # noqa: F401  (cycle counts: the blind count, HQ approvals, accuracy)
    from . import warranty  # noqa: F401  (warranty decisions shown on pages; HQ's override of a line)
    from . import printing  # noqa: F401  (bins; labels and documents as PDF: pick list, packing slip, notes)
    from . import scanning  # noqa: F401  (receiving a parcel or a return by scanning its QR)
    from . import export_pages, export_reports  # noqa: F401  (XLSX and CSV downloads beside each page)
    from . import supersessions  # noqa: F401  (replaced part numbers: HQ's list and form; the part page's lines)

    app.config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(hours=12))
    app.config.setdefault("WEB_CHART_CACHE_SECONDS", 60)
    app.config.setdefault("WEB_IMPORT_MAX_ROWS", 20000)
    # CSRF is checked by the web blueprint itself (views.check_csrf), not app-wide.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    CSRFProtect(app)
    i18n.init_app(app)
    app.register_blueprint(bp)
