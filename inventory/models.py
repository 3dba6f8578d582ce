"""Imports every table so `Base.metadata` is complete (Alembic, tests, create_all)."""
from .access import ApiKey, User  # noqa: F401
from .catalog import Part  # noqa: F401
from .db import Base  # noqa: F401
from .network import Center, Dealer, Lane, ServicePoint, Warehouse, dealer_ship_to  # noqa: F401
from .policy import PolicySetting  # noqa: F401
from .warehouses.models import StockBalance, StockMovement  # noqa: F401
