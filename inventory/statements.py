"""A service point's monthly statement (网点月结单): what it drew in and out of warranty, what
it must collect from customers, what it is charged, and which repair fees are held.

The month is the Beijing calendar month (like quota periods). Parts are the lines of the point's
requisitions submitted in the month and not cancelled; fees to collect come from
`customer_charges` (the same figures the requisition shows); return charges are those booked in
the month (`returns`), overcharge penalties those recorded in it (`overcharges`). Repair fees are
held for tickets whose old parts had not reached the warehouse at the month's end (or now, for
the month under way): 维修费结算和配件领退相挂钩. Every total is the sum of its lines.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .catalog import Part
from .customer_charges import requisition_charges
from .db import utcnow
from .errors import NotFound
from .network import ServicePoint
from .overcharges import OverchargePenalty, in_period
from .policy import Policy
from .requisitions.models import Requisition
from .returns.models import Return, ReturnCharge
from .tickets.report import month_bounds

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PartDrawn:
    """One requisition line: the point's price (`value`, what the dealer's quota pays) and, out of
    warranty, what the customer pays for it (`to_collect`)."""

    requisition: str
    line: int
    created_at: datetime
    ticket: str | None
    sku: str
    name: str
    qty: int
    in_warranty: bool
    unit_price: Decimal
    value: Decimal
    customer_price: Decimal | None
    price_basis: str | None
    to_collect: Decimal


@dataclass(frozen=True)
class VisitFeeLine:
    ticket: str
    requisition: str
    kind: str
    city_tier: str
    amount: Decimal


@dataclass(frozen=True)
class ReturnChargeLine:
    return_code: str
    requisition: str
    ticket: str | None
    sku: str
    qty: int
    kind: str
    at: datetime
    amount: Decimal


@dataclass(frozen=True)
class HeldOldPart:
    return_code: str
    requisition: str
    sku: str
    qty: int
    status: str
    due_by: datetime | None
    value: Decimal


@dataclass(frozen=True)
class HeldTicket:
    """A ticket whose repair fee is held: its old parts not yet in the warehouse's hands."""

    ticket: str
    old_parts: tuple[HeldOldPart, ...]

    @property
    def units(self) -> int:
        return sum(p.qty for p in self.old_parts)

    @property
    def value(self) -> Decimal:
        return sum((p.value for p in self.old_parts), ZERO)


@dataclass
class Statement:
    point: ServicePoint
    month: str
    start: datetime
    end: datetime
    as_of: datetime
    parts: list[PartDrawn] = field(default_factory=list)
    visit_fees: list[VisitFeeLine] = field(default_factory=list)
    return_charges: list[ReturnChargeLine] = field(default_factory=list)
    overcharges: list[OverchargePenalty] = field(default_factory=list)
    held: list[HeldTicket] = field(default_factory=list)

    def totals(self) -> dict:
        """The statement's figures, each a sum over its lines."""
        inside = [p for p in self.parts if p.in_warranty]
        outside = [p for p in self.parts if not p.in_warranty]
        parts_to_collect = sum((p.to_collect for p in outside), ZERO)
        fees = sum((f.amount for f in self.visit_fees), ZERO)
        returns = sum((c.amount for c in self.return_charges), ZERO)
        penalties = sum((o.amount for o in self.overcharges), ZERO)
        return {
            "in_warranty": {"lines": len(inside), "units": sum(p.qty for p in inside),
                            "value": sum((p.value for p in inside), ZERO)},
            "out_of_warranty": {"lines": len(outside), "units": sum(p.qty for p in outside),
                                "value": sum((p.value for p in outside), ZERO), "to_collect": parts_to_collect},
            "visit_fees": {"tickets": len(self.visit_fees), "amount": fees},
            "to_collect": parts_to_collect + fees,
            "return_charges": returns,
            "overcharge_penalties": penalties,
            "charges": returns + penalties,
            "held": {"tickets": len(self.held), "old_part_units": sum(h.units for h in self.held),
                     "old_part_value": sum((h.value for h in self.held), ZERO)},
        }


def _parts_and_fees(session: Session, statement: Statement, policy: Policy) -> None:
    reqs = list(session.scalars(select(Requisition).where(
        Requisition.service_point_code == statement.point.code, Requisition.status != "cancelled",
        Requisition.created_at >= statement.start, Requisition.created_at < statement.end).order_by(Requisition.id)))
    charges = requisition_charges(session, reqs, policy)
    names = dict(session.execute(select(Part.sku, Part.name).where(
        Part.sku.in_({line.sku for req in reqs for line in req.lines}))).all()) if reqs else {}
    for req in reqs:
        charge = charges[req.id]
        for line, paid in zip(req.lines, charge.lines):
            statement.parts.append(PartDrawn(
                req.code, line.line_no, req.created_at, req.ticket, line.sku, names[line.sku], line.qty,
                paid.in_warranty, line.unit_price, line.unit_price * line.qty, paid.unit_price, paid.price_basis,
                paid.amount))
        if charge.visit is not None:
            v = charge.visit
            statement.visit_fees.append(VisitFeeLine(v.ticket, v.requisition, v.kind, v.city_tier, v.amount))


def _return_charges(session: Session, statement: Statement) -> None:
    rows = session.scalars(select(ReturnCharge).where(
        ReturnCharge.service_point_code == statement.point.code,
        ReturnCharge.at >= statement.start, ReturnCharge.at < statement.end).order_by(ReturnCharge.at, ReturnCharge.id))
    for c in rows:
        r = c.part_return
        statement.return_charges.append(ReturnChargeLine(r.code, r.requisition_code, r.ticket, r.sku, r.qty, c.kind,
                                                         c.at, c.amount))


def _held(session: Session, statement: Statement) -> None:
    """Old parts owed for a ticket, issued before `as_of` and not received by then."""
    as_of = statement.as_of
    rows = session.scalars(select(Return).join(Return.requisition).where(
        Return.service_point_code == statement.point.code, Return.kind == "old_part",
        Return.status != "cancelled", Requisition.ticket.is_not(None), Return.created_at < as_of,
        or_(Return.received_at.is_(None), Return.received_at >= as_of)).order_by(Return.id)).unique()
    by_ticket: dict[str, list[HeldOldPart]] = {}
    for r in rows:
        by_ticket.setdefault(r.ticket, []).append(HeldOldPart(r.code, r.requisition_code, r.sku, r.qty, r.status,
                                                              r.due_by, r.unit_price * r.qty))
    statement.held = [HeldTicket(ticket, tuple(parts)) for ticket, parts in sorted(by_ticket.items())]


def monthly_statement(session: Session, point: str, month: str, policy: Policy,
                      now: datetime | None = None) -> Statement:
    """The point's statement for `month` ('YYYY-MM'); NotFound for an unknown point."""
    start, end = month_bounds(month)
    row = session.get(ServicePoint, point)
    if row is None:
        raise NotFound(f"no service point {point}", code="service_point.not_found", service_point=point)
    statement = Statement(row, month, start, end, min(end, now or utcnow()))
    _parts_and_fees(session, statement, policy)
    _return_charges(session, statement)
    statement.overcharges = in_period(session, start, end, point)
    _held(session, statement)
    return statement


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _money_tree(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _money_tree(v) for k, v in value.items()}
    return value


def statement_to_dict(s: Statement) -> dict:
    """The API's statement: money as decimal strings, times in ISO 8601 UTC."""
    iso = lambda t: None if t is None else t.isoformat()  # noqa: E731
    return {
        "service_point": {"code": s.point.code, "name": s.point.name, "center": s.point.center_code,
                          "province": s.point.province, "city_tier": s.point.city_tier},
        "month": s.month, "from": iso(s.start), "until": iso(s.end), "held_as_of": iso(s.as_of),
        "parts": [{"requisition": p.requisition, "line": p.line, "created_at": iso(p.created_at), "ticket": p.ticket,
                   "sku": p.sku, "name": p.name, "qty": p.qty, "in_warranty": p.in_warranty,
                   "unit_price": _money(p.unit_price), "value": _money(p.value),
                   "customer_price": _money(p.customer_price), "price_basis": p.price_basis,
                   "to_collect": _money(p.to_collect)} for p in s.parts],
        "visit_fees": [{"ticket": f.ticket, "requisition": f.requisition, "kind": f.kind, "city_tier": f.city_tier,
                        "amount": _money(f.amount)} for f in s.visit_fees],
        "return_charges": [{"return": c.return_code, "requisition": c.requisition, "ticket": c.ticket, "sku": c.sku,
                            "qty": c.qty, "kind": c.kind, "at": iso(c.at), "amount": _money(c.amount)}
                           for c in s.return_charges],
        "overcharge_penalties": [{"id": o.code, "ticket": o.ticket, "charged": _money(o.charged),
                                  "allowed": _money(o.allowed), "excess": _money(o.excess), "multiple": o.multiple,
                                  "amount": _money(o.amount), "note": o.note, "recorded_by": o.recorded_by,
                                  "recorded_at": iso(o.recorded_at)} for o in s.overcharges],
        "held": [{"ticket": h.ticket, "units": h.units, "value": _money(h.value),
                  "old_parts": [{"return": p.return_code, "requisition": p.requisition, "sku": p.sku, "qty": p.qty,
                                 "status": p.status, "due_by": iso(p.due_by), "value": _money(p.value)}
                                for p in h.old_parts]} for h in s.held],
        "totals": _money_tree(s.totals()),
    }
