"""Read-only queries the pages need and the domain does not offer (pick lists, summaries,
dashboard figures). Nothing here writes; writes go through the domain services."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import BigInteger, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session, aliased

from inventory.catalog import Part
from inventory.db import utcnow
from inventory.network import Center, Dealer, ServicePoint, Warehouse
from inventory.quotas.models import QuotaAccount, QuotaMovement
from inventory.requisitions.models import Allocation, Requisition, RequisitionLine, format_code
from inventory.warehouses.models import StockBalance, Transfer

BUSINESS_UTC_OFFSET_HOURS = 8  # Beijing time has no daylight saving


# -- a warehouse's day ---------------------------------------------------------------------

@dataclass(frozen=True)
class WarehouseSummary:
    pick_lines: int
    pick_units: int
    picks_overdue: int
    transfers_to_ship: int
    transfers_to_receive: int
    skus: int
    units_on_hand: int
    stock_value: Decimal


def _cents(column):
    return type_coerce(column, BigInteger())


def warehouse_summary(session: Session, wh: str, now: datetime | None = None) -> WarehouseSummary:
    now = now or utcnow()
    picks = session.execute(
        select(func.count(), func.coalesce(func.sum(Allocation.qty), 0),
               func.coalesce(func.sum(case((Allocation.promised_by < now, 1), else_=0)), 0))
        .where(Allocation.warehouse_code == wh, Allocation.status == "reserved")).one()
    stock = session.execute(
        select(func.count(), func.coalesce(func.sum(StockBalance.on_hand), 0),
               func.coalesce(func.sum(StockBalance.on_hand * _cents(Part.unit_cost)), 0))
        .join(Part, Part.sku == StockBalance.sku)
        .where(StockBalance.warehouse_code == wh, StockBalance.on_hand > 0)).one()
    to_ship = session.scalar(select(func.count()).select_from(Transfer).where(
        Transfer.from_warehouse == wh, Transfer.status == "draft"))
    to_receive = session.scalar(select(func.count()).select_from(Transfer).where(
        Transfer.to_warehouse == wh, Transfer.status.in_(("shipped", "partially_received"))))
    return WarehouseSummary(pick_lines=picks[0], pick_units=int(picks[1]), picks_overdue=int(picks[2]),
                            transfers_to_ship=to_ship, transfers_to_receive=to_receive, skus=stock[0],
                            units_on_hand=int(stock[1]), stock_value=Decimal(int(stock[2])) / 100)


# -- pick list -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PickLine:
    sku: str
    name: str
    qty: int
    on_hand: int
    replaces: str | None = None  # the sku shipped by mistake before (错发): this pick is its replacement
    in_warranty: bool = False  # free (保内): its old part comes back (the engine's decision or HQ's)
    warranty_basis: str | None = None
    warranty_until: date | None = None
    warranty_overridden: bool = False
    ships: str | None = None  # the part on the shelf, scanned and shipped: the sku or its successor (替代件)

    @property
    def shelf_sku(self) -> str:
        return self.ships or self.sku


@dataclass
class Pick:
    """One requisition's reserved units at the warehouse: picked and shipped together."""

    code: str
    promised_by: datetime
    service_point: str
    service_point_name: str
    ticket: str | None
    lines: list[PickLine] = field(default_factory=list)

    @property
    def units(self) -> int:
        return sum(line.qty for line in self.lines)


def pick_list(session: Session, wh: str, *, limit: int = 100, offset: int = 0) -> tuple[list[Pick], int]:
    """The warehouse's requisitions with units reserved to ship, earliest promise first."""
    head = (select(Requisition.id, func.min(Allocation.promised_by).label("promise"))
            .join(RequisitionLine, RequisitionLine.requisition_id == Requisition.id)
            .join(Allocation, Allocation.line_id == RequisitionLine.id)
            .where(Allocation.warehouse_code == wh, Allocation.status == "reserved")
            .group_by(Requisition.id))
    total = session.scalar(select(func.count()).select_from(head.subquery()))
    ids = [row.id for row in session.execute(head.order_by("promise", Requisition.id).limit(limit).offset(offset))]
    if not ids:
        return [], total
    mis_shipped = aliased(Allocation)
    replaces = (select(func.max(mis_shipped.wrong_part_sku))
                .where(mis_shipped.line_id == RequisitionLine.id, mis_shipped.wrong_part_at.is_not(None))
                .correlate(RequisitionLine).scalar_subquery())
    rows = session.execute(
        select(Requisition.id, Requisition.ticket, ServicePoint.code, ServicePoint.name, Allocation.promised_by,
               RequisitionLine.sku, Part.name, Allocation.qty, StockBalance.on_hand, replaces,
               RequisitionLine.in_warranty, RequisitionLine.warranty_basis, RequisitionLine.warranty_until,
               RequisitionLine.warranty_override_at, Allocation.sku)
        .join(RequisitionLine, RequisitionLine.requisition_id == Requisition.id)
        .join(Allocation, Allocation.line_id == RequisitionLine.id)
        .join(ServicePoint, ServicePoint.code == Requisition.service_point_code)
        .join(Part, Part.sku == RequisitionLine.sku)
        .outerjoin(StockBalance, (StockBalance.warehouse_code == wh) & (StockBalance.sku == Allocation.sku))
        .where(Requisition.id.in_(ids), Allocation.warehouse_code == wh, Allocation.status == "reserved")
        .order_by(Allocation.promised_by, Requisition.id, RequisitionLine.line_no)).all()
    picks: dict[int, Pick] = {}
    for rid, ticket, sp, sp_name, promise, sku, name, qty, on_hand, replaced, free, basis, until, overridden, ships \
            in rows:
        pick = picks.get(rid)
        if pick is None:
            pick = picks[rid] = Pick(format_code(rid), promise, sp, sp_name, ticket)
        pick.promised_by = min(pick.promised_by, promise)
        pick.lines.append(PickLine(sku, name, qty, on_hand or 0, replaced, bool(free), basis, until,
                                   overridden is not None, ships if ships != sku else None))
    return sorted(picks.values(), key=lambda p: (p.promised_by, p.code)), total


# -- quotas ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class QuotaRow:
    dealer: str
    name: str
    monthly_quota: Decimal
    credit_limit: Decimal
    extension: Decimal
    reserved: Decimal
    consumed: Decimal
    credited: Decimal

    @property
    def available(self) -> Decimal:
        return self.credit_limit + self.extension + self.credited - self.reserved - self.consumed

    @property
    def used_share(self) -> float:
        total = self.credit_limit + self.extension + self.credited
        return float((self.reserved + self.consumed) / total) if total else 0.0


ZERO = Decimal("0.00")


def quota_overview(session: Session, period: str, text: str | None = None) -> list[QuotaRow]:
    """Every dealer's month without opening accounts (a dealer without one shows its plain limit)."""
    stmt = (select(Dealer.code, Dealer.name, Dealer.monthly_quota, QuotaAccount)
            .outerjoin(QuotaAccount, (QuotaAccount.dealer_code == Dealer.code) & (QuotaAccount.period == period))
            .order_by(Dealer.code))
    if text and text.strip():
        text = text.strip()
        stmt = stmt.where(or_(Dealer.code.icontains(text, autoescape=True), Dealer.name.icontains(text, autoescape=True)))
    rows = []
    for code, name, monthly, acct in session.execute(stmt):
        if acct is None:
            rows.append(QuotaRow(code, name, monthly, monthly, ZERO, ZERO, ZERO, ZERO))
        else:
            rows.append(QuotaRow(code, name, monthly, acct.credit_limit, acct.extension, acct.reserved,
                                 acct.consumed, acct.credited))
    return rows


def quota_movements(session: Session, dealer: str, limit: int = 100) -> list[QuotaMovement]:
    return list(session.scalars(select(QuotaMovement).where(QuotaMovement.dealer_code == dealer)
                                .order_by(QuotaMovement.id.desc()).limit(limit)))


# -- dashboard -------------------------------------------------------------------------------

def _business_day(session: Session, column):
    """The Beijing calendar day of a UTC timestamp column, as SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("Asia/Shanghai", column), "YYYY-MM-DD")
    return func.date(column, f"+{BUSINESS_UTC_OFFSET_HOURS} hours")


def on_time_by_day(session: Session, since: datetime) -> list[tuple[str, int, int]]:
    """(day, delivered shipments, of which on time) for shipments delivered since `since`."""
    day = _business_day(session, Allocation.delivered_at).label("day")
    rows = session.execute(
        select(day, func.count(), func.sum(case((Allocation.on_time.is_(True), 1), else_=0)))
        .where(Allocation.status == "delivered", Allocation.delivered_at >= since)
        .group_by(day).order_by(day)).all()
    return [(str(d), int(n), int(ok or 0)) for d, n, ok in rows]


def on_time_by_center(session: Session, since: datetime) -> list[tuple[str, str, int, int]]:
    rows = session.execute(
        select(Center.code, Center.name, func.count(), func.sum(case((Allocation.on_time.is_(True), 1), else_=0)))
        .join(RequisitionLine, RequisitionLine.id == Allocation.line_id)
        .join(Requisition, Requisition.id == RequisitionLine.requisition_id)
        .join(ServicePoint, ServicePoint.code == Requisition.service_point_code)
        .join(Center, Center.code == ServicePoint.center_code)
        .where(Allocation.status == "delivered", Allocation.delivered_at >= since)
        .group_by(Center.code, Center.name).order_by(Center.code)).all()
    return [(c, n, int(total), int(ok or 0)) for c, n, total, ok in rows]


def center_warehouses(session: Session) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for code, center in session.execute(select(Warehouse.code, Warehouse.center_code).order_by(Warehouse.code)):
        if center:
            out.setdefault(center, []).append(code)
    return out


def shortages_by_warehouse(session: Session, since: datetime) -> list[tuple[str, int, int]]:
    """(regional warehouse(s) of a centre, lines since `since` their regional stock could not
    serve, units backordered now on open requisitions), one row per centre with any."""
    short = case((RequisitionLine.stock_seen != "regional", 1), else_=0)
    open_back = case((Requisition.cancelled_at.is_(None), RequisitionLine.backordered_qty), else_=0)
    rows = session.execute(
        select(ServicePoint.center_code, func.sum(short), func.sum(open_back))
        .join(Requisition, Requisition.id == RequisitionLine.requisition_id)
        .join(ServicePoint, ServicePoint.code == Requisition.service_point_code)
        .where(Requisition.created_at >= since)
        .group_by(ServicePoint.center_code)).all()
    names = center_warehouses(session)
    out = [("/".join(names.get(c, [c])), int(s or 0), int(b or 0)) for c, s, b in rows]
    return sorted((r for r in out if r[1] or r[2]), key=lambda r: (-r[1], r[0]))


def stock_value_by_warehouse(session: Session) -> list[tuple[str, str, Decimal]]:
    rows = session.execute(
        select(Warehouse.code, Warehouse.name,
               func.coalesce(func.sum(StockBalance.on_hand * _cents(Part.unit_cost)), 0))
        .join(StockBalance, StockBalance.warehouse_code == Warehouse.code)
        .join(Part, Part.sku == StockBalance.sku)
        .group_by(Warehouse.code, Warehouse.name)).all()
    out = [(code, name, Decimal(int(cents)) / 100) for code, name, cents in rows]
    return sorted(out, key=lambda r: -r[2])


def penalties_by_party(session: Session, since: datetime) -> list[tuple[str, Decimal]] | None:
    """Fines per responsible party, or None while the ticket module offers no such figures."""
    try:
        from inventory import tickets  # being built; optional until it lands
    except ImportError:
        return None
    figures = getattr(tickets, "penalties_by_party", None)
    if figures is None:
        return None
    return [(str(party), Decimal(amount)) for party, amount in figures(session, since=since)]


def window_start(days: int, now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=days)


def count_transfers(session: Session, status: str) -> int:
    return session.scalar(select(func.count()).select_from(Transfer).where(Transfer.status == status))


def proposal_runs(session: Session) -> list[tuple[str, int, int, datetime]]:
    """Optimizer proposals seen in the transfer table: (run id, drafts waiting, all, first made)."""
    rows = session.execute(
        select(Transfer.proposal_run_id, func.sum(case((Transfer.status == "draft", 1), else_=0)),
               func.count(), func.min(Transfer.created_at))
        .where(Transfer.proposal_run_id.is_not(None))
        .group_by(Transfer.proposal_run_id).order_by(func.min(Transfer.created_at).desc())).all()
    return [(r, int(w or 0), int(n), at) for r, w, n, at in rows]


def warehouses(session: Session) -> list[Warehouse]:
    return list(session.scalars(select(Warehouse).order_by(Warehouse.kind, Warehouse.code)))


def int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None



# -- returns at a warehouse ----------------------------------------------------------------------

def returns_at(session: Session, wh: str, statuses: tuple[str, ...], limit: int = 200) -> list:
    """Returns addressed to the warehouse in the given states, oldest first."""
    from inventory.returns.models import Return

    return list(session.scalars(select(Return).where(Return.warehouse_code == wh, Return.status.in_(statuses))
                                .order_by(Return.id).limit(limit)).unique())


# -- transfers -----------------------------------------------------------------------------------

def transfer_list(session: Session, *, statuses: tuple[str, ...] | None = None, from_warehouse: str | None = None,
                  to_warehouse: str | None = None, warehouse: str | None = None, run: str | None = None,
                  limit: int = 200, offset: int = 0) -> list[Transfer]:
    """Transfers, newest first, filtered; `warehouse` matches either end."""
    stmt = _transfers_where(select(Transfer), statuses, from_warehouse, to_warehouse, warehouse, run)
    return list(session.scalars(stmt.order_by(Transfer.created_at.desc(), Transfer.id).limit(limit).offset(offset)))


def transfer_count(session: Session, *, statuses: tuple[str, ...] | None = None, from_warehouse: str | None = None,
                   to_warehouse: str | None = None, warehouse: str | None = None, run: str | None = None) -> int:
    """How many transfers `transfer_list` would list with the same filters and no limit (a page's total)."""
    return session.scalar(_transfers_where(select(func.count()).select_from(Transfer), statuses, from_warehouse,
                                           to_warehouse, warehouse, run))


def _transfers_where(stmt, statuses, from_warehouse, to_warehouse, warehouse, run):
    if statuses:
        stmt = stmt.where(Transfer.status.in_(statuses))
    if from_warehouse:
        stmt = stmt.where(Transfer.from_warehouse == from_warehouse)
    if to_warehouse:
        stmt = stmt.where(Transfer.to_warehouse == to_warehouse)
    if warehouse:
        stmt = stmt.where((Transfer.from_warehouse == warehouse) | (Transfer.to_warehouse == warehouse))
    if run:
        stmt = stmt.where(Transfer.proposal_run_id == run)
    return stmt
