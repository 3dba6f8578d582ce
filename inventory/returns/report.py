"""Reading returns, never changing them: one return or a page of them as a principal may see
them, a warehouse's quarantine register, and the centres' monthly report (return rate,
overdue, unused, charges). Apart from the transitions (`lifecycle`) and the money
(`settlement`) so readers import nothing that writes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..access import Principal
from ..business_calendar import month_bounds
from ..errors import NotFound
from ..network import Center, ServicePoint
from .models import Return, ReturnCharge, parse_code


# ---------------------------------------------------------------- one return, a page of them

def visible_to(principal: Principal):
    """The SQL condition for the returns a principal may see (mirrors requisitions)."""
    if principal.role == "dealer":
        return Return.dealer_code == principal.code
    if principal.role == "service_point":
        return (Return.service_point_code == principal.code) & Return.dealer_code.is_(None)
    if principal.role == "hq":
        return Return.id.is_not(None)
    return Return.id.is_(None)


def load(session: Session, code: str, condition, *, for_update: bool = False) -> Return:
    """The return `code` if `condition` admits it (locked for the lifecycle's steps); else NotFound."""
    number = parse_code(code)
    if number is None:
        raise NotFound(f"no return {code}", code="return.not_found", return_code=code)
    stmt = select(Return).where(Return.id == number, condition)
    if for_update:
        stmt = stmt.with_for_update(of=Return)
    row = session.execute(stmt.execution_options(populate_existing=True)).unique().scalar_one_or_none()
    if row is None:
        raise NotFound(f"no return {code}", code="return.not_found", return_code=code)
    return row


def get(session: Session, principal: Principal, code: str) -> Return:
    """One return if the principal may see it; NotFound otherwise, whether or not it exists."""
    return load(session, code, visible_to(principal))


def list_for(session: Session, principal: Principal, *, status: str | None = None, kind: str | None = None,
             page: int = 1, per_page: int = 50) -> tuple[list[Return], int]:
    """The principal's returns, newest first, and the total count."""
    cond = visible_to(principal)
    if status:
        cond = cond & (Return.status == status)
    if kind:
        cond = cond & (Return.kind == kind)
    total = session.scalar(select(func.count()).select_from(Return).where(cond))
    rows = session.scalars(select(Return).where(cond).order_by(Return.id.desc())
                           .offset((page - 1) * per_page).limit(per_page)).unique().all()
    return list(rows), total


# ---------------------------------------------------------------- quarantine

def quarantine(session: Session, warehouse: str) -> list[Return]:
    """The quarantine register of a warehouse: returned units held out of stock until closed."""
    held = (Return.status == "received") | (
        (Return.status == "inspected") & ~((Return.kind == "unused") & (Return.outcome == "no_fault_found")))
    return list(session.scalars(select(Return).where(Return.warehouse_code == warehouse, held)
                                .order_by(Return.id)).unique())


# ---------------------------------------------------------------- monthly report per centre

RATE = Decimal("0.0001")


@dataclass
class CenterReturns:
    """One centre's month of returns (points attached to the centre, Beijing calendar).

    `return_rate`: of the old-part units due in the month, the share the points sent back
    (or the warehouse received) by the due date; None when nothing was due.
    """

    center: str
    due_units: int = 0
    returned_units: int = 0
    overdue_count: int = 0
    unused_units: int = 0
    charges: Decimal = Decimal("0.00")
    charges_by_kind: dict[str, Decimal] = field(default_factory=dict)

    @property
    def return_rate(self) -> Decimal | None:
        if not self.due_units:
            return None
        return (Decimal(self.returned_units) / Decimal(self.due_units)).quantize(RATE)


def monthly_report(session: Session, month: str) -> list[CenterReturns]:
    """Return rate, overdue count, unused returns and charges for every centre in a month."""
    start, end = month_bounds(month)
    report = {code: CenterReturns(code) for code in session.scalars(select(Center.code).order_by(Center.code))}
    center_of = select(ServicePoint.center_code).where(ServicePoint.code == Return.service_point_code).scalar_subquery()
    in_month = lambda column: (column >= start) & (column < end)  # noqa: E731
    rows = session.execute(
        select(center_of, Return.kind, Return.qty, Return.due_by, Return.shipped_at, Return.received_at,
               Return.overdue_at, Return.created_at)
        .where(Return.status != "cancelled",
               in_month(Return.due_by) | in_month(Return.overdue_at) | in_month(Return.created_at))).all()
    for center, kind, qty, due_by, shipped_at, received_at, overdue_at, created_at in rows:
        entry = report.setdefault(center, CenterReturns(center))
        if kind == "old_part" and due_by is not None and start <= due_by < end:
            entry.due_units += qty
            sent = shipped_at or received_at
            if sent is not None and sent <= due_by:
                entry.returned_units += qty
        if overdue_at is not None and start <= overdue_at < end:
            entry.overdue_count += 1
        if kind == "unused" and start <= created_at < end:
            entry.unused_units += qty
    charge_center = select(ServicePoint.center_code).where(
        ServicePoint.code == ReturnCharge.service_point_code).scalar_subquery()
    for center, kind, amount in session.execute(
            select(charge_center, ReturnCharge.kind, ReturnCharge.amount).where(in_month(ReturnCharge.at))):
        entry = report.setdefault(center, CenterReturns(center))
        entry.charges += amount
        entry.charges_by_kind[kind] = entry.charges_by_kind.get(kind, Decimal("0.00")) + amount
    return list(report.values())
