"""HQ's parts module confirms or corrects the cause of a ticket's parts wait (需配件模块确认原因).

Seed 000 四.3 exempts the point and the centre from an HQ shortage once the parts module has
confirmed the cause. The rules in `waits` give an automatic cause from the requisition's
evidence, and the attribution charges it at once (the exemption is provisional: the ticket's
lines say `automatic` until HQ's word); this is where HQ's parts team puts its word on it, and
a correction re-attributes the ticket. In the caller's one transaction:
- the line's `PartsWaitCause` row is written (or replaced: the latest decision holds), with the
  automatic cause HQ saw, so the view can say `confirmed` (the same) or `corrected` (another);
- an audit row `ticket.parts_cause` records who, the cause before and after, and the ticket's
  fines before and after;
- the ticket is re-attributed from the same facts: penalties are derived from the facts and
  causes, never stored, so the returned view (and the monthly report) already charge the
  confirmed cause.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .. import audit
from ..attribution import CAUSES, WAREHOUSE_CAUSES, attribute
from ..db import utcnow
from ..errors import Conflict, InvalidInput, NotFound
from ..policy import Policy
from ..requisitions.models import parse_code
from .facts import TicketFacts
from .models import PartsWaitCause
from .service import ticket_facts, ticket_policy, ticket_view
from .waits import LineFacts, automatic_cause, judged_cause

MAX_NOTE = 500


def _lines(facts: TicketFacts, requisition: str, line: int | None) -> list[LineFacts]:
    """The requisition's lines on this ticket (one, when `line` is given); NotFound otherwise."""
    if parse_code(requisition) is None:
        raise NotFound(f"no requisition {requisition} on ticket {facts.code}", code="ticket.no_such_requisition",
                       requisition=requisition, ticket=facts.code)
    lines = [item for item in facts.lines if item.requisition == requisition]
    if not lines:
        raise NotFound(f"no requisition {requisition} on ticket {facts.code}", code="ticket.no_such_requisition",
                       requisition=requisition, ticket=facts.code)
    if line is not None:
        lines = [item for item in lines if item.line_no == line]
        if not lines:
            raise NotFound(f"requisition {requisition} has no line {line}", code="requisition.no_such_line",
                           requisition=requisition, line=line)
    if not lines[0].live:
        raise Conflict(f"requisition {requisition} is cancelled", code="requisition.cancelled", requisition=requisition)  # not a parts wait
    return lines


def _check_cause(cause: Any) -> str:
    if cause not in CAUSES:
        raise InvalidInput(f"cause: unknown cause {cause!r} (one of {', '.join(CAUSES)})", code="cause.unknown",
                           field="cause", cause=cause)
    return cause


def _warehouse(line: LineFacts, cause: str, warehouse: str | None) -> str | None:
    """The regional warehouse a warehouse cause charges: one that allocated the line's units."""
    if cause not in WAREHOUSE_CAUSES:
        if warehouse is not None:
            raise InvalidInput(f"warehouse: only {' and '.join(sorted(WAREHOUSE_CAUSES))} name a warehouse",
                               code="cause.warehouse_not_taken", field="warehouse", cause=cause)
        return None
    choices = line.regional_warehouses
    if warehouse is None:
        if len(choices) != 1:
            raise InvalidInput(f"warehouse: name the regional warehouse of line {line.line_no} "
                               f"({', '.join(choices) or 'none of its units came from one'})", code="cause.which_warehouse",
                               field="warehouse", line=line.line_no)
        return choices[0]
    if warehouse not in choices:
        raise InvalidInput(f"warehouse: {warehouse} did not allocate line {line.line_no} of {line.requisition} "
                           f"({', '.join(choices) or 'no regional warehouse did'})", code="cause.warehouse_not_allocating",
                           field="warehouse", warehouse=warehouse, line=line.line_no, requisition=line.requisition)
    return warehouse


def _check_note(note: str | None) -> str | None:
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise InvalidInput(f"note: at most {MAX_NOTE} characters", code="cause.note_too_long", field="note",
                           most=MAX_NOTE)
    return note


def _fine_total(session: Session, facts: TicketFacts, policy: Policy, now: datetime) -> Decimal | None:
    if facts.unattributable():
        return None
    return attribute(facts.engine_ticket(now), ticket_policy(session, facts, policy, now), now=now).fine_total


def _upsert(session: Session, values: dict[str, Any]) -> None:
    """Insert or replace the line's decision in one statement (two HQ users at once: the last wins)."""
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = module.insert(PartsWaitCause).values(**values)
    session.execute(stmt.on_conflict_do_update(
        index_elements=[PartsWaitCause.line_id], set_={k: v for k, v in values.items() if k != "line_id"}))


def confirm_cause(session: Session, ticket: str, requisition: str, cause: str, *, actor: str, policy: Policy,
                  line: int | None = None, warehouse: str | None = None, note: str | None = None,
                  now: datetime | None = None) -> dict[str, Any]:
    """Set the cause of the requisition's wait on this ticket (all its lines, or `line`) as HQ's
    parts module decided; audited; returns the re-attributed ticket view (`ticket_view`).

    NotFound: unknown ticket, requisition not on it, no such line. Conflict: cancelled.
    InvalidInput: unknown cause, a warehouse that cause cannot name, a note too long.
    Nothing is written unless every check passes; the caller's transaction commits it all."""
    now = now or utcnow()
    facts = ticket_facts(session, ticket)
    lines = _lines(facts, requisition, line)
    cause = _check_cause(cause)
    note = _check_note(note)
    judged_at = facts.completed_at or now
    decisions = []
    for item in lines:
        previous, previous_warehouse = judged_cause(item, judged_at)
        decisions.append({"line": item.line_no, "line_id": item.line_id,
                          "warehouse": _warehouse(item, cause, warehouse),
                          "automatic": automatic_cause(item, judged_at)[0], "previous": previous,
                          "previous_warehouse": previous_warehouse})
    fines_before = _fine_total(session, facts, policy, now)
    for d in decisions:
        _upsert(session, {"line_id": d["line_id"], "ticket_code": facts.code, "cause": cause,
                          "warehouse_code": d["warehouse"], "automatic_cause": d["automatic"], "note": note,
                          "confirmed_by": actor, "confirmed_at": now})
    view = ticket_view(session, facts.code, policy, now=now)
    for d in decisions:
        audit.record(session, actor, "ticket.parts_cause", f"ticket:{facts.code}", requisition=requisition,
                     line=d["line"], cause=cause, warehouse=d["warehouse"], previous=d["previous"],
                     previous_warehouse=d["previous_warehouse"], automatic=d["automatic"],
                     status="confirmed" if cause == d["automatic"] else "corrected", note=note,
                     fine_total_before=fines_before, fine_total_after=view.get("fine_total"))
    return view
