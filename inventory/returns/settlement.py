"""What returns mean for money: a wrong or overdue old part charged to the service point (once
per return), a defective old part of a dealer's free repair credited back to its quota, and
whether a ticket's repair fee may be settled (维修费结算和配件领退相挂钩). Apart from the
transitions (`lifecycle`) so the rules of money have one home: `lifecycle.inspect` and the
overdue sweep here both apply them. Callers own the transaction.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import to_money, utcnow
from ..network import ServicePoint
from ..policy import Policy, load_policy
from ..quotas import service as quotas
from ..requisitions.models import Requisition
from .models import Return, ReturnCharge


# ---------------------------------------------------------------- charges, credits and the overdue sweep

def _charge(session: Session, row: Return, kind: str, policy: Policy, at: datetime, actor: str) -> ReturnCharge | None:
    """Charge the part's price x `return_charge_rate` (*policy*) once per return.

    A part already charged as overdue is not charged again when it turns out to be the wrong
    one: both charges stand for the same missing part.
    """
    if row.charges:
        return None
    charge = ReturnCharge(service_point_code=row.service_point_code, kind=kind, at=at, actor=actor,
                          amount=to_money(row.unit_price * row.qty * policy.return_charge_rate))
    row.charges.append(charge)
    return charge


def settle_inspection(session: Session, row: Return, *, actor: str, now: datetime) -> None:
    """The money of an inspected return (`lifecycle.inspect`): a defective old part from a dealer's
    in-warranty line credits its value back to the dealer's quota; a wrong part is charged."""
    line = next((l for l in row.requisition.lines if l.sku == row.sku), None)
    if row.outcome == "defective_confirmed" and row.dealer_code and line is not None and line.in_warranty:
        quotas.credit(session, row.dealer_code, quotas.period_of(now), row.unit_price * row.qty,
                     actor=actor, ref_id=row.code)
    if row.outcome == "wrong_part":
        _charge(session, row, "wrong_part", load_policy(session), now, actor)


def sweep_overdue(session: Session, now: datetime | None = None, actor: str = "returns.sweep") -> list[Return]:
    """Expected returns past their due date become overdue and are charged, once.

    Rows are locked and re-checked, so a second or concurrent sweep finds nothing left to do;
    the unique (return, kind) charge is the backstop.
    """
    now = now or utcnow()
    policy = load_policy(session)
    rows = session.scalars(select(Return).where(Return.status == "expected", Return.due_by < now)
                           .order_by(Return.id).with_for_update(of=Return)
                           .execution_options(populate_existing=True)).unique().all()
    for row in rows:
        row.status, row.overdue_at = "overdue", now
        _charge(session, row, "overdue", policy, now, actor)
    session.flush()
    return list(rows)


# ---------------------------------------------------------------- settlement (维修费结算和配件领退相挂钩)

@dataclass(frozen=True)
class Settlement:
    """Whether a ticket's repair fee may be settled, and the old parts it still waits for."""

    ticket: str
    waiting: tuple[Return, ...]

    @property
    def ready(self) -> bool:
        return not self.waiting


NOT_IN = ("expected", "shipped", "overdue")


def settlement(session: Session, ticket: str) -> Settlement:
    """A ticket settles once every old part owed for it is in the warehouse's hands.

    Overdue parts keep it held even though they were charged: the charge is for lateness.
    """
    waiting = session.scalars(select(Return).join(Return.requisition)
                              .where(Requisition.ticket == ticket, Return.kind == "old_part",
                                     Return.status.in_(NOT_IN))
                              .order_by(Return.id)).unique().all()
    return Settlement(ticket, tuple(waiting))


def settlement_ready(session: Session, ticket: str) -> bool:
    return settlement(session, ticket).ready


def held_settlements(session: Session, center: str | None = None) -> list[Settlement]:
    """Every ticket whose settlement is held, with the old parts it waits for (oldest first)."""
    stmt = (select(Return).join(Return.requisition)
            .where(Requisition.ticket.is_not(None), Return.kind == "old_part", Return.status.in_(NOT_IN)))
    if center is not None:
        stmt = stmt.join(ServicePoint, ServicePoint.code == Return.service_point_code).where(
            ServicePoint.center_code == center)
    by_ticket: dict[str, list[Return]] = defaultdict(list)
    for row in session.scalars(stmt.order_by(Return.id)).unique():
        by_ticket[row.ticket].append(row)
    return [Settlement(ticket, tuple(rows)) for ticket, rows in by_ticket.items()]
