"""The appliance on a repair ticket (机器信息) and its repair history, found by serial.

The call centre records, once it knows them, the appliance a ticket repairs and the fault
reported (`PUT /api/v1/tickets/{t}/appliance`): product line, use, model, serial, purchase
date and the proof of it (invoice or warranty card), fault code. A record replaces the earlier
one (the call centre corrects a serial it misheard) and the correction is audited
(`ticket.appliance`, before and after); the same record again changes nothing. The ticket row is created as a stub when the appliance
arrives before any event, as events themselves do.

From it the warranty engine (`inventory.warranty`) gets its case:
- the report date is the ticket's `created` event as a Beijing calendar date (a ticket whose
  `created` event has not arrived is reported when asked: at the requisition's submit);
- the appliance's earlier repairs are the other tickets of the same serial reported before
  this one: reported and completed dates, fault, whether a visit was made by this report. A
  repair reported before this purchase date is another life of the serial (a refurbished
  unit) and is left out; one completed after this report still ran at it (counted up to it);
- a part fitted at an earlier repair is a line of the same sku on an earlier ticket's
  requisition whose units were delivered: fitted on that ticket's completion date, or on the
  delivery while that ticket was still open at this report.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit
from ..business_calendar import business_date
from ..db import utcnow
from ..errors import InvalidInput
from ..requisitions.models import Allocation, Requisition, RequisitionLine
from ..warranty import PRODUCT_LINES, PROOFS, USES, Case, Repair
from .events import _locked_ticket, check_code
from .models import RepairTicket, TicketAppliance, TicketEvent

MAX_TEXT = 64
MAX_FAULT = 32
EARLIEST_PURCHASE = date(1970, 1, 1)
CHUNK = 1000
FIELDS = ("product_line", "use", "model", "serial", "purchased_on", "proof", "fault")
SERIAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./\-]{0,63}$")


def _text(field: str, value: Any, longest: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field}: must not be blank", code="appliance.blank", field=field)
    value = value.strip()
    if len(value) > longest or not value.isprintable():
        raise InvalidInput(f"{field}: at most {longest} printable characters", code="appliance.text_too_long",
                           field=field, most=longest)
    return value


def check_appliance(product_line: Any, use: Any, model: Any, serial: Any, purchased_on: Any, proof: Any,
                    fault: Any, today: date) -> dict[str, Any]:
    """The record's values, normalised, or InvalidInput naming the first bad field."""
    if product_line not in PRODUCT_LINES:
        raise InvalidInput(f"product_line: unknown product line {product_line!r} (one of {', '.join(PRODUCT_LINES)})",
                           code="appliance.unknown_product_line", field="product_line", product_line=product_line)
    if use not in USES:
        raise InvalidInput(f"use: unknown use {use!r} (one of {', '.join(USES)})", code="appliance.unknown_use",
                           field="use", use=use)
    serial = _text("serial", serial, MAX_TEXT)
    if not SERIAL.match(serial):
        raise InvalidInput("serial: letters, digits, '-', '_', '.' or '/', starting with a letter or digit",
                           code="appliance.serial_invalid", field="serial")
    if proof is not None and proof not in PROOFS:
        raise InvalidInput(f"proof: unknown proof of purchase {proof!r} (one of {', '.join(PROOFS)}, or null: none)",
                           code="appliance.unknown_proof", field="proof", proof=proof)
    if purchased_on is not None:
        if not isinstance(purchased_on, date) or isinstance(purchased_on, datetime):
            raise InvalidInput("purchased_on: not a date", code="appliance.purchased_not_a_date", field="purchased_on")
        if not EARLIEST_PURCHASE <= purchased_on <= today:
            raise InvalidInput(f"purchased_on: {purchased_on.isoformat()} is not between "
                               f"{EARLIEST_PURCHASE.isoformat()} and today ({today.isoformat()})",
                               code="appliance.purchased_out_of_range", field="purchased_on",
                               purchased_on=purchased_on.isoformat(), today=today.isoformat())
    elif proof is not None:
        raise InvalidInput(f"purchased_on: {proof} without the purchase date it proves",
                           code="appliance.proof_without_date", field="purchased_on", proof=proof)
    return {"product_line": product_line, "use": use, "model": _text("model", model, MAX_TEXT), "serial": serial,
            "purchased_on": purchased_on, "proof": proof, "fault": _text("fault", fault, MAX_FAULT)}


def appliance_to_dict(row: TicketAppliance | ApplianceFacts | None) -> dict[str, Any] | None:
    """The record as the API shows it (`appliance` in `GET /tickets/{t}`)."""
    if row is None:
        return None
    return {"product_line": row.product_line, "use": row.use, "model": row.model, "serial": row.serial,
            "purchased_on": row.purchased_on.isoformat() if row.purchased_on else None, "proof": row.proof,
            "fault": row.fault, "recorded_at": row.recorded_at.isoformat(), "recorded_by": row.recorded_by}


def save_appliance(session: Session, ticket: str, *, product_line: Any, use: Any, model: Any, serial: Any,
                   purchased_on: Any, proof: Any, fault: Any, actor: str,
                   now: datetime | None = None) -> tuple[TicketAppliance, bool]:
    """Store (or correct) the ticket's appliance in the caller's transaction; a correction is
    audited. The row, and whether it changed (the same record again changes nothing).

    The purchase may not come after the ticket's report. Callers record an appliance through
    `requisitions.warranty.record_appliance`, which also decides again the ticket's lines that
    nothing has been issued for (the tickets sit below requisitions: they never call them)."""
    now = now or utcnow()
    code = check_code(ticket)
    values = check_appliance(product_line, use, model, serial, purchased_on, proof, fault, business_date(now))
    row = _locked_ticket(session, code, now)
    if values["purchased_on"] and row.created_at and values["purchased_on"] > business_date(row.created_at):
        raise InvalidInput(f"purchased_on: {values['purchased_on'].isoformat()} is after the ticket was reported "
                           f"({business_date(row.created_at).isoformat()})", code="appliance.purchased_after_report",
                           field="purchased_on", purchased_on=values["purchased_on"].isoformat(),
                           reported=business_date(row.created_at).isoformat())
    existing = session.get(TicketAppliance, code, populate_existing=True)
    if existing is not None and all(getattr(existing, k) == v for k, v in values.items()):
        return existing, False
    before = appliance_to_dict(existing)
    if existing is None:
        existing = TicketAppliance(ticket_code=code, **values, recorded_at=now, recorded_by=actor[:64])
        session.add(existing)
    else:
        for key, value in values.items():
            setattr(existing, key, value)
        existing.recorded_at, existing.recorded_by = now, actor[:64]
    session.flush()
    if before is not None:  # a correction changes what was decided on: who changed it, from what
        audit.record(session, actor, "ticket.appliance", f"ticket:{code}", before=before,
                     after=appliance_to_dict(existing))
    return existing, True


# ---------------------------------------------------------------- history by serial

@dataclass(frozen=True)
class EarlierRepair:
    """Another ticket of the same serial: when reported and completed, its fault, its first visit."""

    ticket: str
    reported_at: datetime
    completed_at: datetime | None
    fault: str
    visited_at: datetime | None


@dataclass(frozen=True)
class ApplianceFacts:
    """A ticket's appliance and every ticket of its serial (this one's own filtered out when used)."""

    ticket: str
    product_line: str
    use: str
    model: str
    serial: str
    purchased_on: date | None
    proof: str | None
    fault: str
    recorded_at: datetime
    recorded_by: str
    serial_tickets: tuple[EarlierRepair, ...] = ()

    def earlier(self, reported_at: datetime) -> tuple[EarlierRepair, ...]:
        """This serial's other tickets reported before `reported_at`, and not before its purchase."""
        return tuple(r for r in self.serial_tickets if r.ticket != self.ticket and r.reported_at < reported_at
                     and (self.purchased_on is None or business_date(r.reported_at) >= self.purchased_on))

    def repairs(self, reported_at: datetime) -> tuple[Repair, ...]:
        """The engine's earlier repairs as they stood at `reported_at`."""
        return tuple(Repair(business_date(r.reported_at),
                            business_date(r.completed_at) if r.completed_at and r.completed_at <= reported_at
                            else None,
                            r.fault, r.visited_at is not None and r.visited_at <= reported_at)
                     for r in self.earlier(reported_at))

    def case(self, reported_at: datetime, *, sku: str | None = None, key_component: bool = False,
             fitted_on: date | None = None) -> Case:
        """The engine's case for a part (or, without one, an ordinary part: the unit's own warranty).
        Without proof the purchase date is not the engine's to use: no proof, not covered."""
        purchased = self.purchased_on if self.proof else None
        reported_on = business_date(reported_at)
        if fitted_on is not None and (purchased is None or not purchased <= fitted_on <= reported_on):
            fitted_on = None
        return Case(product_line=self.product_line, use=self.use, purchased_on=purchased, reported_on=reported_on,
                    fault=self.fault, key_component=key_component, fitted_on=fitted_on,
                    repairs=self.repairs(reported_at), proof=self.proof if purchased else None, sku=sku)


def _chunks(values: set[str]):
    ordered = sorted(values)
    for i in range(0, len(ordered), CHUNK):
        yield ordered[i:i + CHUNK]


def _serial_tickets(session: Session, serials: set[str]) -> dict[str, list[EarlierRepair]]:
    """Every reported ticket of these serials, oldest first: one query per thousand serials, then
    their first visits, one query per thousand tickets (never a scan of all visits)."""
    rows = []
    for chunk in _chunks(serials):
        rows += session.connection().execute(
            select(TicketAppliance.serial, TicketAppliance.ticket_code, RepairTicket.created_at,
                   RepairTicket.completed_at, TicketAppliance.fault)
            .join(RepairTicket, RepairTicket.code == TicketAppliance.ticket_code)
            .where(TicketAppliance.serial.in_(chunk), RepairTicket.created_at.is_not(None))).all()
    visits: dict[str, datetime] = {}
    for chunk in _chunks({row.ticket_code for row in rows}):
        visits.update(session.connection().execute(
            select(TicketEvent.ticket_code, func.min(TicketEvent.at))
            .where(TicketEvent.ticket_code.in_(chunk), TicketEvent.type == "visited")
            .group_by(TicketEvent.ticket_code)).all())
    found: dict[str, list[EarlierRepair]] = defaultdict(list)
    for serial, code, created, completed, fault in sorted(rows, key=lambda r: (r.created_at, r.ticket_code)):
        found[serial].append(EarlierRepair(code, created, completed, fault, visits.get(code)))
    return found


def load_appliances(session: Session, codes: set[str]) -> dict[str, ApplianceFacts]:
    """The appliances of these tickets with their serials' tickets, set-based (the monthly report)."""
    rows = []
    for chunk in _chunks(set(codes)):
        rows += session.connection().execute(select(TicketAppliance).where(TicketAppliance.ticket_code.in_(chunk))).all()
    history = _serial_tickets(session, {row.serial for row in rows})
    return {row.ticket_code: ApplianceFacts(row.ticket_code, row.product_line, row.use, row.model, row.serial,
                                            row.purchased_on, row.proof, row.fault, row.recorded_at, row.recorded_by,
                                            tuple(history.get(row.serial, ())))
            for row in rows}


def appliance_facts(session: Session, code: str) -> ApplianceFacts | None:
    return load_appliances(session, {code}).get(code)


def fitted_on(session: Session, facts: ApplianceFacts, reported_at: datetime, skus: set[str]) -> dict[str, date]:
    """sku -> the latest date an earlier repair of this appliance fitted it (see the module docstring)."""
    earlier = {r.ticket: r for r in facts.earlier(reported_at)}
    if not earlier or not skus:
        return {}
    rows = session.connection().execute(
        select(Requisition.ticket, RequisitionLine.sku, func.max(Allocation.delivered_at))
        .join(RequisitionLine, RequisitionLine.requisition_id == Requisition.id)
        .join(Allocation, Allocation.line_id == RequisitionLine.id)
        .where(Requisition.ticket.in_(sorted(earlier)), Requisition.status != "cancelled",
               RequisitionLine.sku.in_(sorted(skus)), Allocation.status == "delivered")
        .group_by(Requisition.ticket, RequisitionLine.sku))
    found: dict[str, date] = {}
    for ticket, sku, delivered in rows:
        done = earlier[ticket].completed_at
        when = done if done is not None and done <= reported_at else delivered
        if when is None or when > reported_at:
            continue
        day = business_date(when)
        found[sku] = max(found.get(sku, day), day)
    return found
