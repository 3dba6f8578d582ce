"""Old-part (旧件退回) and unused-part (退件) returns: expect, ship, receive, inspect, close,
sweep overdue, and what the returns mean for settlement and the centres' monthly report.

Accounting per requisition line and issuing warehouse: units issued there are either owed
as old parts (`expected`/`overdue` rows), sent back as old parts (`shipped` and beyond),
sent back unused, or not yet claimed (`free`, e.g. a dealer requisition without a ticket).
No return may claim more units than were issued. Callers own the transaction.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..access import Principal
from ..business_calendar import month_bounds
from ..catalog import Part
from ..db import to_money, utcnow
from ..errors import Conflict, InvalidInput, NotFound
from ..network import Center, ServicePoint
from ..policy import Policy, load_policy
from ..quotas import service as quotas
from ..requisitions import reads as requisitions
from ..requisitions.models import Requisition, RequisitionLine
from ..warehouses import ledger
from ..warehouses.ledger import Ref
from .models import KINDS, OUTCOMES, Return, ReturnCharge, parse_code

MAX_QTY = 10_000
MAX_TEXT = 200
SYSTEM = "system"
ISSUED = ("shipped", "delivered")
OWED = ("expected", "overdue")
IN_HAND = ("received", "inspected", "closed")
SENT = ("shipped",) + IN_HAND
RECEIVABLE = ("expected", "overdue", "shipped")
EARLY_CLOCK_SECONDS = 5


# ---------------------------------------------------------------- accounting per warehouse

@dataclass
class _Slot:
    """One line's units issued from one warehouse, and what returns already claim of them."""

    warehouse: str
    issued: int = 0
    sent_old: int = 0
    unused: int = 0
    owed: list[Return] = field(default_factory=list)

    def owed_rows(self, status: str) -> list[Return]:
        return sorted((r for r in self.owed if r.status == status), key=lambda r: (r.due_by, r.id))

    @property
    def expected_qty(self) -> int:
        return sum(r.qty for r in self.owed if r.status == "expected")

    @property
    def free(self) -> int:
        return self.issued - self.sent_old - self.unused - sum(r.qty for r in self.owed)


def _slots(session: Session, req: Requisition, line: RequisitionLine) -> list[_Slot]:
    slots: dict[str, _Slot] = {}
    for a in line.allocations:
        if a.status in ISSUED:
            slots.setdefault(a.warehouse_code, _Slot(a.warehouse_code)).issued += a.qty
    rows = session.scalars(select(Return).where(Return.requisition_id == req.id, Return.sku == line.sku,
                                                Return.status != "cancelled")).all()
    for row in rows:
        slot = slots.setdefault(row.warehouse_code, _Slot(row.warehouse_code))
        if row.kind == "unused":
            slot.unused += row.qty
        elif row.status in OWED:
            slot.owed.append(row)
        else:
            slot.sent_old += row.qty
    return list(slots.values())


def _new_return(req: Requisition, line: RequisitionLine, *, kind: str, warehouse: str, qty: int,
                status: str, at: datetime, actor: str, due_by: datetime | None = None,
                reason: str = "") -> Return:
    return Return(kind=kind, requisition=req, sku=line.sku, qty=qty, unit_price=line.unit_price,
                  service_point_code=req.service_point_code, dealer_code=req.dealer_code,
                  warehouse_code=warehouse, status=status, due_by=due_by, reason=reason,
                  created_at=at, created_by=actor)


def _split(session: Session, row: Return, qty: int) -> Return:
    """`qty` units of `row` as a row of their own (the row itself when it is exactly that)."""
    if qty == row.qty:
        return row
    row.qty -= qty
    twin = Return(kind=row.kind, requisition=row.requisition, sku=row.sku, qty=qty, unit_price=row.unit_price,
                  service_point_code=row.service_point_code, dealer_code=row.dealer_code,
                  warehouse_code=row.warehouse_code, status=row.status, due_by=row.due_by, reason=row.reason,
                  overdue_at=row.overdue_at, created_at=row.created_at, created_by=row.created_by)
    session.add(twin)
    return twin


# ---------------------------------------------------------------- expected returns on issue

def expect_returns_for_shipment(session: Session, requisition: Requisition, at: datetime,
                                actor: str = SYSTEM) -> list[Return]:
    """Expect the old part of every returnable unit just issued for an in-warranty ticket.

    One expected return per shipped line and issuing warehouse, due `return_due_days`
    (*policy*) after issue. Idempotent: units already expected or returned are not expected again.
    """
    if not requisition.ticket:
        return []
    due_by = at + timedelta(days=load_policy(session).return_due_days)
    created = []
    for line in requisition.lines:
        if not line.in_warranty or not session.get(Part, line.sku).returnable:
            continue
        for slot in _slots(session, requisition, line):
            if slot.free > 0:
                row = _new_return(requisition, line, kind="old_part", warehouse=slot.warehouse, qty=slot.free,
                                  status="expected", at=at, actor=actor, due_by=due_by,
                                  reason=f"old part of ticket {requisition.ticket}")
                session.add(row)
                created.append(row)
    session.flush()
    return created


# ---------------------------------------------------------------- the point or dealer returns parts

def _check_request(principal: Principal, qty, kind: str, reason: str) -> None:
    if principal.role not in ("dealer", "service_point"):
        raise InvalidInput("only dealers and service points return parts")
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
    if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= MAX_QTY:
        raise InvalidInput(f"qty must be a whole number from 1 to {MAX_QTY}", field="qty")
    if len(reason or "") > MAX_TEXT:
        raise InvalidInput(f"reason may have at most {MAX_TEXT} characters", field="reason")


def create_return(session: Session, principal: Principal, requisition: str, sku: str, qty: int,
                  kind: str, reason: str = "", now: datetime | None = None) -> Return:
    """The owner sends units back: an old part (matching what is expected) or an unused part.

    Another's requisition is NotFound. An old part ships the oldest matching expected return
    (split when fewer units come) instead of creating a second record of the same units.
    """
    now = now or utcnow()
    _check_request(principal, qty, kind, reason)
    req = requisitions.get(session, principal, requisition, for_update=True)
    line = next((l for l in req.lines if l.sku == sku), None)
    if line is None:
        raise InvalidInput(f"{sku} is not on requisition {req.code}", field="sku")
    slots = _slots(session, req, line)
    if kind == "old_part":
        row = _send_old_part(session, req, line, slots, qty, principal.name, now)
    else:
        row = _send_unused(session, req, line, slots, qty, principal.name, now)
    row.status, row.shipped_at, row.shipped_by = "shipped", now, principal.name
    if reason:
        row.reason = reason
    session.flush()
    return row


def _too_many(what: str, req: Requisition, sku: str, qty: int, pieces: list[tuple[str, int]]) -> InvalidInput:
    """More than any one return may hold: either split it as `pieces` say, or it exceeds what was issued."""
    total = sum(n for _, n in pieces)
    if total >= qty:
        return InvalidInput(f"no single return can hold {qty} {what} {sku} of {req.code}; send them separately "
                            f"({', '.join(f'{label}: {n}' for label, n in pieces)})", field="qty")
    return InvalidInput(f"only {total} {what} {sku} of {req.code} can still be returned; "
                        f"{qty} is more than was issued", field="qty")


def _send_old_part(session, req, line, slots, qty, actor, now) -> Return:
    if not line.in_warranty:
        raise InvalidInput(f"{line.sku} on {req.code} was not an in-warranty repair; its old part stays with the "
                           "customer", field="kind")
    if not session.get(Part, line.sku).returnable:
        raise InvalidInput(f"{line.sku} is not returnable; its old part is not taken back", field="sku")
    for status in OWED:  # owed units first: expected before overdue, earliest due first
        for slot in slots:
            for row in slot.owed_rows(status):
                if row.qty >= qty:
                    return _split(session, row, qty)
    for slot in slots:
        if slot.free >= qty:
            row = _new_return(req, line, kind="old_part", warehouse=slot.warehouse, qty=qty,
                              status="shipped", at=now, actor=actor)
            session.add(row)
            return row
    owed = [(f"{r.code} to {r.warehouse_code}", r.qty) for status in OWED for s in slots for r in s.owed_rows(status)]
    raise _too_many("old", req, line.sku, qty, owed + [(f"to {s.warehouse}", s.free) for s in slots if s.free > 0])


def _send_unused(session, req, line, slots, qty, actor, now) -> Return:
    """An unused unit also withdraws its old part's expectation: it was never fitted."""
    for slot in slots:
        if slot.free + slot.expected_qty >= qty:
            _withdraw_expected(session, slot, qty - slot.free, actor, now)
            row = _new_return(req, line, kind="unused", warehouse=slot.warehouse, qty=qty,
                              status="shipped", at=now, actor=actor)
            session.add(row)
            return row
    raise _too_many("unused", req, line.sku, qty,
                    [(f"to {s.warehouse}", s.free + s.expected_qty) for s in slots if s.free + s.expected_qty > 0])


def _withdraw_expected(session: Session, slot: _Slot, qty: int, actor: str, now: datetime,
                       note: str = "expectation withdrawn: the unit came back unused") -> None:
    for row in reversed(slot.owed_rows("expected")):
        if qty <= 0:
            return
        withdrawn = _split(session, row, min(qty, row.qty))
        qty -= withdrawn.qty
        withdrawn.status, withdrawn.closed_at, withdrawn.closed_by = "cancelled", now, actor
        withdrawn.note = note


def withdraw_unissued(session: Session, req: Requisition, line: RequisitionLine, *, actor: str,
                      now: datetime, note: str) -> int:
    """Withdraw expected old parts beyond the units still issued (some were shipped as the wrong
    part, so no old part was taken out for them); their replacement expects its own. Returns the
    units withdrawn."""
    withdrawn = 0
    for slot in _slots(session, req, line):
        excess = min(-slot.free, slot.expected_qty)
        if excess > 0:
            _withdraw_expected(session, slot, excess, actor, now, note)
            withdrawn += excess
    return withdrawn


# ---------------------------------------------------------------- reading

def visible_to(principal: Principal):
    """The SQL condition for the returns a principal may see (mirrors requisitions)."""
    if principal.role == "dealer":
        return Return.dealer_code == principal.code
    if principal.role == "service_point":
        return (Return.service_point_code == principal.code) & Return.dealer_code.is_(None)
    if principal.role == "hq":
        return Return.id.is_not(None)
    return Return.id.is_(None)


def _load(session: Session, code: str, condition, *, for_update: bool = False) -> Return:
    number = parse_code(code)
    if number is None:
        raise NotFound(f"no return {code}")
    stmt = select(Return).where(Return.id == number, condition)
    if for_update:
        stmt = stmt.with_for_update(of=Return)
    row = session.execute(stmt.execution_options(populate_existing=True)).unique().scalar_one_or_none()
    if row is None:
        raise NotFound(f"no return {code}")
    return row


def get(session: Session, principal: Principal, code: str) -> Return:
    """One return if the principal may see it; NotFound otherwise, whether or not it exists."""
    return _load(session, code, visible_to(principal))


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


# ---------------------------------------------------------------- warehouse clerk actions

def _at_warehouse(warehouse: str | None):
    """A clerk sees only the returns addressed to their warehouse; HQ (None) sees all."""
    return Return.id.is_not(None) if warehouse is None else Return.warehouse_code == warehouse


def _event_time(at: datetime | None, now: datetime, not_before: datetime) -> datetime:
    if at is None:
        return now
    if at.tzinfo is None:
        raise InvalidInput("at must carry a UTC offset", field="at")
    if at > now + timedelta(seconds=EARLY_CLOCK_SECONDS):
        raise InvalidInput("at may not lie in the future", field="at")
    if at < not_before:
        raise InvalidInput("at is before the return was sent or expected", field="at")
    return at


def receive(session: Session, actor: str, code: str, *, at: datetime | None = None,
            warehouse: str | None = None, now: datetime | None = None) -> Return:
    """The issuing warehouse has the parcel (also one the point never announced, or a late one)."""
    now = now or utcnow()
    row = _load(session, code, _at_warehouse(warehouse), for_update=True)
    if row.status not in RECEIVABLE:
        raise Conflict(f"return {code} is {row.status}; it cannot be received again", code="return.received_again",
                       return_code=code, status=row.status)
    row.received_at = _event_time(at, now, row.shipped_at or row.created_at)
    row.status, row.received_by = "received", actor
    return row


def inspect(session: Session, actor: str, code: str, outcome: str, *, note: str | None = None,
            warehouse: str | None = None, now: datetime | None = None) -> Return:
    """Record what the part turned out to be and apply its effect in the same transaction.

    Unused and good: back on hand (`return_in`). Defective, no fault found on an old part, or
    wrong: held in quarantine (this row), never available. Defective from a dealer's
    in-warranty requisition: its value credited back to the dealer's quotas. Wrong part:
    its price charged to the service point.
    """
    now = now or utcnow()
    if outcome not in OUTCOMES:
        raise InvalidInput(f"outcome must be one of {', '.join(OUTCOMES)}", field="outcome")
    if note is not None and len(note) > MAX_TEXT:
        raise InvalidInput(f"note may have at most {MAX_TEXT} characters", field="note")
    row = _load(session, code, _at_warehouse(warehouse), for_update=True)
    if row.status in ("inspected", "closed"):
        raise Conflict(f"return {code} was already inspected ({row.outcome})", code="return.inspected_again",
                       return_code=code, outcome=row.outcome)
    if row.status != "received":
        raise Conflict(f"return {code} is {row.status}; receive it before inspecting", code="return.not_received",
                       return_code=code, status=row.status)
    row.status, row.outcome, row.note, row.inspected_at, row.inspected_by = "inspected", outcome, note, now, actor
    ref = Ref("return", row.code)
    if row.kind == "unused" and outcome == "no_fault_found":
        ledger.receive(session, row.warehouse_code, _sku_shipped(row), row.qty, actor=actor, kind="return_in",
                       reason="unused part returned in good order", ref=ref, at=now)
    line = next((l for l in row.requisition.lines if l.sku == row.sku), None)
    if outcome == "defective_confirmed" and row.dealer_code and line is not None and line.in_warranty:
        quotas.credit(session, row.dealer_code, quotas.period_of(now), row.unit_price * row.qty,
                     actor=actor, ref_id=row.code)
    if outcome == "wrong_part":
        _charge(session, row, "wrong_part", load_policy(session), now, actor)
    return row


def _sku_shipped(row: Return) -> str:
    """The part an unused return physically is: the substitute its warehouse shipped for the line
    (替代件) when it shipped none of the line's own sku, else the line's sku."""
    line = next((l for l in row.requisition.lines if l.sku == row.sku), None)
    sent = {a.sku for a in (line.allocations if line else []) if a.warehouse_code == row.warehouse_code
            and a.status in ISSUED}
    return next(iter(sent)) if len(sent) == 1 else row.sku


def close(session: Session, actor: str, code: str, *, note: str | None = None,
          warehouse: str | None = None, now: datetime | None = None) -> Return:
    """File an inspected return: its quarantined units are disposed of (scrapped, sent to the supplier)."""
    now = now or utcnow()
    if note is not None and len(note) > MAX_TEXT:
        raise InvalidInput(f"note may have at most {MAX_TEXT} characters", field="note")
    row = _load(session, code, _at_warehouse(warehouse), for_update=True)
    if row.status != "inspected":
        raise Conflict(f"return {code} is {row.status}; only an inspected return can be closed",
                       code="return.not_inspected", return_code=code, status=row.status)
    row.status, row.closed_at, row.closed_by = "closed", now, actor
    if note:
        row.note = f"{row.note}; {note}" if row.note else note
    return row


def quarantine(session: Session, warehouse: str) -> list[Return]:
    """The quarantine register of a warehouse: returned units held out of stock until closed."""
    held = (Return.status == "received") | (
        (Return.status == "inspected") & ~((Return.kind == "unused") & (Return.outcome == "no_fault_found")))
    return list(session.scalars(select(Return).where(Return.warehouse_code == warehouse, held)
                                .order_by(Return.id)).unique())


# ---------------------------------------------------------------- charges and the overdue sweep

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
