"""Web pages."""
from flask import Blueprint, render_template
from sqlalchemy import func, select

from inventory.catalog import Part
from inventory.network import Center, Dealer, ServicePoint, Warehouse
from inventory.warehouses.models import StockBalance

from ..extensions import db

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/web")


@bp.get("/healthz")
def healthz():
    db.session.execute(select(1))
    return {"status": "ok"}


@bp.get("/")
def index():
    session = db.session
    counts = {label: session.scalar(select(func.count()).select_from(model)) for label, model in (
        ("warehouses", Warehouse), ("centers", Center), ("service_points", ServicePoint),
        ("dealers", Dealer), ("parts", Part))}
    units = session.scalar(select(func.coalesce(func.sum(StockBalance.on_hand), 0)))
    return render_template("index.html", counts=counts, units=units)
