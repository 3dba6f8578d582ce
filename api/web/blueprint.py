"""The web blueprint itself, apart from any view: every page module adds its routes to it, and
`api.web.register` imports the page modules, so no page imports another page's module to find it."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/web")
