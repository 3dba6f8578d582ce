"""Imports every table so `Base.metadata` is complete (Alembic, tests, create_all)."""
from .access import ApiKey, User  # noqa: F401
from .catalog import Part  # noqa: F401
from .db import Base  # noqa: F401
from .network import Center, Dealer, Lane, ServicePoint, Warehouse, dealer_ship_to  # noqa: F401
from .policy import PolicySetting  # noqa: F401
from .warehouses.models import StockBalance, StockMovement  # noqa: F401
from .warehouses.models import Transfer  # noqa: F401
from .idempotency import IdempotencyRecord  # noqa: F401,E402
from .quotas.models import QuotaAccount, QuotaMovement  # noqa: F401,E402
from .requisitions.models import Allocation, Requisition, RequisitionEvent, RequisitionLine  # noqa: F401,E402
from .returns.models import Return, ReturnCharge  # noqa: F401,E402
from .tickets.models import RepairTicket, TicketAppliance, TicketEvent  # noqa: F401,E402
from .planning import OptimizerRun, OptimizerRunInput, OptimizerShardResult, StockPlanRecord, StockTarget  # noqa: F401,E402,E501
from .planning import StockPlanRun  # noqa: F401,E402
from .audit import AuditEntry  # noqa: F401,E402
from .purchasing.models import PurchaseOrder, PurchaseOrderLine, Supplier, SupplierPart  # noqa: F401,E402
from .overcharges import OverchargePenalty  # noqa: F401,E402
from .signin import SigninAttempt  # noqa: F401,E402
from .webhooks.models import Webhook, WebhookAttempt, WebhookCursor, WebhookDelivery, WebhookEvent  # noqa: F401,E402,E501
from .warehouses.cycle_counts import CycleCount, CycleCountLine  # noqa: F401,E402
from .supersession import Supersession  # noqa: F401,E402
from .warehouses.bins import BinLocation  # noqa: F401,E402
