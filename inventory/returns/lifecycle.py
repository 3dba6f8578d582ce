"""The life of an old-part (旧件退回) or unused-part (退件) return, step by step: expected when a
free repair's part ships, sent by the point or dealer, received and inspected by the issuing
warehouse, closed. Each step is a status transition in the caller's transaction. It is its own
module so the transitions read in order; what a step means for money (credits, charges) is
`settlement`'s, and what returns add up to (lists, quarantine, the monthly report) `report`'s.

Accounting per requisition line and issuing warehouse: units issued there are either owed
as old parts (`expected`/`overdue` rows), sent back as old parts (`shipped` and beyond),
sent back unused, or not yet claimed (`free`, e.g. a dealer requisition without a ticket).
No return may claim more units than were issued. Callers own the transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..access import Principal
from ..catalog import Part
from ..db import utcnow
from ..errors import Conflict, InvalidInput
from ..policy import load_policy
from ..requisitions import reads as requisitions
from ..requisitions.models import Requisition, RequisitionLine
from ..warehouses import ledger
from ..warehouses.ledger import Ref
from .models import KINDS, OUTCOMES, Return
from .report import load
from .settlement import settle_inspection

MAX_QTY = 10_000
MAX_TEXT = 200
SYSTEM = "system"
ISSUED = ("shipped", "delivered")
OWED = ("expected", "overdue")
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
        raise InvalidInput("only dealers and service points return parts", code="return.requesters_only")
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", code="return.kind_unknown", field="kind",
                           kinds=", ".join(KINDS))
    if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= MAX_QTY:
        raise InvalidInput(f"qty must be a whole number from 1 to {MAX_QTY}", code="return.qty_out_of_range",
                           field="qty", most=MAX_QTY)
    if len(reason or "") > MAX_TEXT:
        raise InvalidInput(f"reason may have at most {MAX_TEXT} characters", code="return.reason_too_long",
                           field="reason", most=MAX_TEXT)


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
        raise InvalidInput(f"{sku} is not on requisition {req.code}", code="return.sku_not_on_requisition",
                           field="sku", sku=sku, requisition=req.code)
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
        split = ", ".join(f"{label}: {n}" for label, n in pieces)
        return InvalidInput(f"no single return can hold {qty} {what} {sku} of {req.code}; send them separately "
                            f"({split})", code="return.split_needed", field="qty", qty=qty, what=what, sku=sku,
                            requisition=req.code, pieces=split)
    return InvalidInput(f"only {total} {what} {sku} of {req.code} can still be returned; "
                        f"{qty} is more than was issued", code="return.more_than_issued", field="qty", total=total,
                        what=what, sku=sku, requisition=req.code, qty=qty)


def _send_old_part(session, req, line, slots, qty, actor, now) -> Return:
    if not line.in_warranty:
        raise InvalidInput(f"{line.sku} on {req.code} was not an in-warranty repair; its old part stays with the "
                           "customer", code="return.not_in_warranty", field="kind", sku=line.sku,
                           requisition=req.code)
    if not session.get(Part, line.sku).returnable:
        raise InvalidInput(f"{line.sku} is not returnable; its old part is not taken back",
                           code="return.not_returnable", field="sku", sku=line.sku)
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


def unclaimed_units(session: Session, req: Requisition, line: RequisitionLine) -> int:
    """The line's units in the point's hands that no return accounts for as the part ordered:
    delivered, and neither sent back unused nor fitted (their old part sent). Only these can still
    turn out to be a wrong part; the others would be counted back on the shelf twice. Counted over
    the whole line: a return does not say which warehouse's unit it is (`_send_unused` books it to
    the first that has room), and units still on their way are in no one's hands."""
    delivered = sum(a.qty for a in line.allocations if a.status == "delivered")
    return delivered - sum(s.unused + s.sent_old for s in _slots(session, req, line))


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


# ---------------------------------------------------------------- warehouse clerk actions

def _at_warehouse(warehouse: str | None):
    """A clerk sees only the returns addressed to their warehouse; HQ (None) sees all."""
    return Return.id.is_not(None) if warehouse is None else Return.warehouse_code == warehouse


def _event_time(at: datetime | None, now: datetime, not_before: datetime) -> datetime:
    if at is None:
        return now
    if at.tzinfo is None:
        raise InvalidInput("at must carry a UTC offset", code="time.without_offset", field="at")
    if at > now + timedelta(seconds=EARLY_CLOCK_SECONDS):
        raise InvalidInput("at may not lie in the future", code="time.in_future", field="at")
    if at < not_before:
        raise InvalidInput("at is before the return was sent or expected", code="return.received_before_sent",
                           field="at")
    return at


def receive(session: Session, actor: str, code: str, *, at: datetime | None = None,
            warehouse: str | None = None, now: datetime | None = None) -> Return:
    """The issuing warehouse has the parcel (also one the point never announced, or a late one)."""
    now = now or utcnow()
    row = load(session, code, _at_warehouse(warehouse), for_update=True)
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
    wrong: held in quarantine (this row), never available. Its money (`settlement.settle_inspection`):
    defective from a dealer's in-warranty requisition, its value credited back to the dealer's
    quotas; a wrong part, its price charged to the service point.
    """
    now = now or utcnow()
    if outcome not in OUTCOMES:
        raise InvalidInput(f"outcome must be one of {', '.join(OUTCOMES)}", code="return.outcome_unknown",
                           field="outcome", outcomes=", ".join(OUTCOMES))
    if note is not None and len(note) > MAX_TEXT:
        raise InvalidInput(f"note may have at most {MAX_TEXT} characters", code="return.note_too_long", field="note",
                           most=MAX_TEXT)
    row = load(session, code, _at_warehouse(warehouse), for_update=True)
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
    settle_inspection(session, row, actor=actor, now=now)
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
        raise InvalidInput(f"note may have at most {MAX_TEXT} characters", code="return.note_too_long", field="note",
                           most=MAX_TEXT)
    row = load(session, code, _at_warehouse(warehouse), for_update=True)
    if row.status != "inspected":
        raise Conflict(f"return {code} is {row.status}; only an inspected return can be closed",
                       code="return.not_inspected", return_code=code, status=row.status)
    row.status, row.closed_at, row.closed_by = "closed", now, actor
    if note:
        row.note = f"{row.note}; {note}" if row.note else note
    return row
