"""Whether each requisition line is free (保内): decided by the warranty engine, never on the caller's word.

At submit every line is decided from the linked ticket's appliance (`tickets.appliance`) and the
part (the catalogue's `key_component`; a part fitted at an earlier repair of the same serial):
`in_warranty`, `warranty_basis`, `warranty_until` on the line. Downstream reads the line:
the old part's expected return (`returns.lifecycle.expect_returns_for_shipment`), the dealer's quota
credit for a confirmed defective old part, the point's statement.

- No ticket: not a repair we can decide (a dealer's stock order), so not free: basis `no_ticket`.
- A ticket without an appliance: not free, basis `no_appliance`; the call centre's record later
  decides the line again while nothing of it has been issued (`redecide_ticket`). A product
  does not give parts away on an unknown appliance; the point asks the call centre to record it
  (or HQ to override).
- A ticket the call centre has not dispatched to the requisition's point (not yet, or to another
  point since; the ticket's point is the latest of its events naming a `service_point`,
  `created` or `dispatched_point`): not free, basis `not_dispatched`. The appliance belongs to the repair, and the
  repair to the point the call centre sends; a point that names a ticket first does not take its
  free parts. The dispatch event decides the point's lines again (`record_ticket_event`).
- A caller may still send `in_warranty` (the requisition's, or a line's): it is checked, never
  used. A different value is refused whole with `WarrantyMismatch` (422) naming each line's
  decision, before anything is reserved.
- HQ may override a line's decision with a reason (`override`): audited
  (`requisition.warranty_override`); the engine's answer stays beside it (`warranty_computed`).
  Overridden lines are never decided again. An override that makes a shipped line free expects
  its old part now; one that makes it paid withdraws old parts still only expected.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session

from .. import audit
from ..access import Principal
from ..catalog import Part
from ..db import utcnow
from ..errors import Conflict, InvalidInput, NotFound
from ..policy import Policy, load_policy
from ..returns.lifecycle import expect_returns_for_shipment
from ..returns.models import Return
from ..warranty import BASES as ENGINE_BASES
from ..tickets.appliance import appliance_facts, fitted_on, save_appliance
from ..tickets.events import record_event
from ..tickets.models import RepairTicket, TicketAppliance, TicketEvent
from ..warranty import decide
from .history import add_event
from .models import Requisition, RequisitionLine
from .reads import get, warranty_to_dict

NO_TICKET = "no_ticket"
NO_APPLIANCE = "no_appliance"
NOT_DISPATCHED = "not_dispatched"
INVALID_CASE = "invalid_case"
BASES = ENGINE_BASES + (NO_TICKET, NO_APPLIANCE, NOT_DISPATCHED, INVALID_CASE)
MAX_REASON = 500


class WarrantyMismatch(InvalidInput):
    """The caller asserted an `in_warranty` the warranty engine does not decide; nothing was done."""

    code = "warranty.mismatch"


@dataclass(frozen=True)
class LineWarranty:
    """`unit_covered`: the engine's word on whether the whole unit is covered (its visit fee is free);
    None when the engine decided nothing (no ticket, no appliance, not dispatched, an invalid case)."""

    in_warranty: bool
    basis: str
    until: date | None
    unit_covered: bool | None = None


NOT_HERE = LineWarranty(False, NOT_DISPATCHED, None)  # another point's line: no appliance frees it

# Whether the ticket bound as `ticket` has its appliance recorded: for a query that reads other
# things too (a submit's), so a ticket without one costs no query of its own (`decide_parts`).
HAS_APPLIANCE = exists().where(TicketAppliance.ticket_code == bindparam("ticket"))
# the point the call centre dispatched the ticket to (None: not known yet); only its lines follow the appliance
TICKET_POINT = select(RepairTicket.service_point_code).where(RepairTicket.code == bindparam("ticket")).scalar_subquery()
# The same, read under a share lock on the ticket's row (PostgreSQL; SQLite has one writer at a time):
# a submit read by submit's first query. A dispatch or appliance holds the row's update lock while it
# decides the ticket's lines again, so a submit that names the ticket waits for it and reads the new
# point, or the dispatch waits for the submit and decides its line too; never a line decided on a
# point the ticket has just left.
_TICKET_ROW = (select(RepairTicket.service_point_code).where(RepairTicket.code == bindparam("ticket"))
               .with_for_update(read=True).cte("ticket_row"))
TICKET_POINT_LOCKED = select(_TICKET_ROW.c.service_point_code).scalar_subquery()


def decide_parts(session: Session, ticket: str | None, parts: list[Part], policy: Policy,
                 now: datetime | None = None, *, has_appliance: bool = True,
                 dispatched_here: bool = True) -> dict[str, LineWarranty]:
    """sku -> the engine's decision for each part on this ticket, reported when its `created`
    event says (else `now`). `has_appliance=False`: the caller read `HAS_APPLIANCE` false;
    `dispatched_here=False`: the ticket is not dispatched to the requisition's point (`TICKET_POINT`)."""
    now = now or utcnow()
    if not ticket:
        return {p.sku: LineWarranty(False, NO_TICKET, None) for p in parts}
    facts = appliance_facts(session, ticket) if has_appliance else None
    if facts is None:
        return {p.sku: LineWarranty(False, NO_APPLIANCE, None) for p in parts}
    if not dispatched_here:
        return {p.sku: NOT_HERE for p in parts}
    row = session.get(RepairTicket, ticket)
    reported_at = (row.created_at if row is not None and row.created_at is not None else None) or now
    fitted = fitted_on(session, facts, reported_at, {p.sku for p in parts})
    decided = {}
    for part in parts:
        try:
            answer = decide(facts.case(reported_at, sku=part.sku, key_component=bool(part.key_component),
                                       fitted_on=fitted.get(part.sku)), policy)
        except InvalidInput:  # the record contradicts the ticket (bought after the report): not free
            decided[part.sku] = LineWarranty(False, INVALID_CASE, None)
            continue
        decided[part.sku] = LineWarranty(answer.in_warranty, answer.basis, answer.until, answer.unit_covered)
    return decided


def check_asserted(decided: list[tuple[int, str, LineWarranty]], asserted: bool | None,
                   asserted_lines: list[bool | None]) -> None:
    """Refuse (WarrantyMismatch) a requisition whose caller asserts another in_warranty than decided.
    `decided` is (index, sku, decision) per line; `asserted` the requisition's, `asserted_lines` each line's."""
    wrong: dict[str, list[str]] = {}
    for (i, sku, decision), line_asserted in zip(decided, asserted_lines):
        for field, value in ((f"lines.{i}.in_warranty", line_asserted), ("in_warranty", asserted)):
            if value is not None and value != decision.in_warranty:
                until = f" until {decision.until.isoformat()}" if decision.until else ""
                wrong.setdefault(field, []).append(
                    f"line {i + 1} ({sku}): in_warranty is {str(decision.in_warranty).lower()}, not "
                    f"{str(value).lower()} (basis {decision.basis}{until})")
    if wrong:
        detail = "; ".join(m for msgs in wrong.values() for m in msgs)
        raise WarrantyMismatch("in_warranty is decided by the warranty engine from the ticket's appliance: "
                               f"{detail}. Leave in_warranty out to take the decision, have the call centre "
                               "record the appliance, or ask HQ to override the line", errors=wrong)


def apply(line: RequisitionLine, decision: LineWarranty) -> None:
    """The decision onto the line; its frozen customer price (`customer_price`, set at submit) stays."""
    line.in_warranty = line.warranty_computed = decision.in_warranty
    line.warranty_basis, line.warranty_until = decision.basis, decision.until
    line.unit_covered = decision.unit_covered


def refresh_requisition(req: Requisition) -> None:
    """The requisition's own flag, kept for older readers: true when any line is free."""
    req.in_warranty = any(line.in_warranty for line in req.lines)


def _issued(line: RequisitionLine) -> bool:
    return any(a.status in ("shipped", "delivered") or a.mis_shipped for a in line.allocations)


def redecide_ticket(session: Session, ticket: str, policy: Policy, *, actor: str,
                    now: datetime | None = None) -> list[RequisitionLine]:
    """Decide again the ticket's lines that nothing has been issued for and HQ has not overridden
    (the appliance was recorded or corrected, or the ticket dispatched); the changed lines. Issued
    lines keep what they were issued as: their returns and credits follow it. Only the point the
    call centre dispatched the ticket to gets its appliance's free parts: another point's lines
    (it named the ticket before it was known; submit refuses that after) are `not_dispatched`."""
    dispatched_to = session.scalar(select(TICKET_POINT), {"ticket": ticket})
    reqs = session.scalars(select(Requisition).where(Requisition.ticket == ticket, Requisition.cancelled_at.is_(None))
                           .order_by(Requisition.id).with_for_update()).all()
    lines = [(req, line) for req in reqs for line in req.lines
             if not _issued(line) and not line.warranty_overridden]
    if not lines:
        return []
    parts = {p.sku: p for p in session.scalars(select(Part).where(Part.sku.in_({line.sku for _, line in lines})))}
    now = now or utcnow()
    here = decide_parts(session, ticket, list(parts.values()), policy, now)
    elsewhere = {sku: d if d.basis == NO_APPLIANCE else NOT_HERE for sku, d in here.items()}  # as decide_parts
    changed = []
    for req, line in lines:
        decision = (here if req.service_point_code == dispatched_to else elsewhere)[line.sku]
        if (line.in_warranty, line.warranty_basis, line.warranty_until, line.unit_covered) != (
                decision.in_warranty, decision.basis, decision.until, decision.unit_covered):
            if line.in_warranty != decision.in_warranty:  # what the customer pays changed: in the line's history
                add_event(session, req, "warranty_redecided", actor, now, line=line.line_no,
                          in_warranty=decision.in_warranty, basis=decision.basis)
            apply(line, decision)
            changed.append(line)
    for req in reqs:
        refresh_requisition(req)
    session.flush()
    return changed


def record_ticket_event(session: Session, ticket: str, type: str, at: datetime | None = None,
                        until: datetime | None = None, note: str | None = None,
                        principal: Principal | None = None, *, policy: Policy | None = None,
                        service_point: str | None = None, family: str | None = None,
                        now: datetime | None = None) -> TicketEvent:
    """Store a ticket event (`tickets.record_event`) in the caller's transaction; when it moved the
    ticket to another point (its dispatch) or changed when the fault was reported (a `created`
    event, maybe arriving after the point's requisition), the ticket's lines not yet issued are
    decided again: the point's follow the appliance as of the report, any other point's are not free."""
    decides = service_point is not None or type == "created"
    before = session.execute(_DECIDED_BY, {"ticket": ticket}).first() if decides else None
    event = record_event(session, ticket, type, at, until, note, principal, service_point=service_point,
                         family=family, now=now)
    if decides and session.execute(_DECIDED_BY, {"ticket": event.ticket_code}).first() != before:
        redecide_ticket(session, event.ticket_code, policy or load_policy(session),
                        actor=principal.name if principal else "system", now=now)
    return event


# what of a ticket a line's decision rests on, besides its appliance: its point and when it was reported
_DECIDED_BY = select(RepairTicket.service_point_code, RepairTicket.created_at).where(
    RepairTicket.code == bindparam("ticket"))


def record_appliance(session: Session, ticket: str, *, actor: str, policy: Policy | None = None,
                     now: datetime | None = None, **appliance: Any) -> TicketAppliance:
    """Record (or correct) the ticket's appliance (`tickets.appliance.save_appliance`: product_line,
    use, model, serial, purchased_on, proof, fault) in the caller's transaction; when it changed,
    the ticket's lines that nothing has been issued for are decided again from it (`redecide_ticket`)."""
    now = now or utcnow()
    row, changed = save_appliance(session, ticket, actor=actor, now=now, **appliance)
    if changed:
        redecide_ticket(session, row.ticket_code, policy or load_policy(session), actor=actor, now=now)
    return row


def override(session: Session, actor: str, code: str, line_no: int, in_warranty: Any, reason: Any,
             now: datetime | None = None) -> Requisition:
    """HQ sets a line free or paid against the engine's decision, with a reason; audited.

    Setting it back to the engine's answer lifts the override. Making a shipped line free expects
    its old part from now; making it paid withdraws its old parts still expected, and is refused
    (409) once one is on its way or overdue."""

    now = now or utcnow()
    if not isinstance(in_warranty, bool):
        raise InvalidInput("in_warranty: true or false", code="warranty.in_warranty_not_boolean", field="in_warranty")
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput("reason: say why HQ overrides the warranty decision", code="warranty.override_needs_reason",
                           field="reason")
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"reason: at most {MAX_REASON} characters", code="warranty.override_reason_too_long",
                           field="reason", most=MAX_REASON)
    req = get(session, Principal("hq"), code, for_update=True)
    line = next((item for item in req.lines if item.line_no == line_no), None)
    if line is None:
        raise NotFound(f"requisition {code} has no line {line_no}", code="requisition.no_such_line",
                       requisition=code, line=line_no)
    if req.cancelled_at is not None:
        raise Conflict(f"requisition {code} is cancelled", code="requisition.cancelled", requisition=code)
    if line.in_warranty == in_warranty:
        raise Conflict(f"line {line_no} of {code} is already {'in' if in_warranty else 'out of'} warranty",
                       code="warranty.already_in" if in_warranty else "warranty.already_out",
                       line=line_no, requisition=code)
    before = warranty_to_dict(line)
    if not in_warranty:
        _withdraw_old_parts(session, req, line, actor, now)
    line.in_warranty = in_warranty
    if in_warranty == line.warranty_computed:
        line.warranty_override_by = line.warranty_override_at = line.warranty_override_reason = None
    else:
        line.warranty_override_by, line.warranty_override_at, line.warranty_override_reason = actor[:64], now, reason
    refresh_requisition(req)
    session.flush()
    if in_warranty and req.ticket and _issued(line):
        expect_returns_for_shipment(session, req, now, actor=actor)
    audit.record(session, actor, "requisition.warranty_override", f"requisition:{code}/line:{line_no}", sku=line.sku,
                 before=before, after=warranty_to_dict(line), reason=reason)
    add_event(session, req, "warranty_override", actor, now, line=line_no, in_warranty=in_warranty, reason=reason)
    return req


def _withdraw_old_parts(session: Session, req: Requisition, line: RequisitionLine, actor: str, now: datetime) -> None:
    rows = session.scalars(select(Return).where(Return.requisition_id == req.id, Return.sku == line.sku,
                                                Return.kind == "old_part", Return.status != "cancelled")).all()
    beyond = [r for r in rows if r.status != "expected"]
    if beyond:
        raise Conflict(f"the old part of line {line.line_no} of {req.code} is already {beyond[0].status} "
                       f"({beyond[0].code}); settle that return before making the line paid",
                       code="warranty.old_part_returning", line=line.line_no, requisition=req.code,
                       status=beyond[0].status, return_code=beyond[0].code)
    for row in rows:
        row.status, row.closed_at, row.closed_by = "cancelled", now, actor[:64]
        row.note = "withdrawn: HQ made the line out of warranty"
