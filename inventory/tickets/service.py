"""One ticket for HQ and the call centre: its engine input, and the view behind `GET /tickets/{t}`.

The view's attribution is the engine's (`attribution_io.attribution_to_dict`), and the view
carries `engine_input`: the offline JSON of API.md, causes and `as_of` included, so
`parts attribute --input` on it prints exactly the attribution the API showed.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..attribution import EVENT_TYPES, Ticket, attribute
from ..attribution_io import attribution_to_dict
from ..db import utcnow
from ..errors import InvalidInput, NotFound
from ..business_calendar import month_of
from ..policy import Policy, policy_for_month
from ..requisitions.models import RequisitionLine
from ..requisitions.reads import warranty_to_dict
from ..warranty import decide
from ..warranty_io import decision_to_dict
from .appliance import appliance_facts, appliance_to_dict, business_date
from .events import check_code, check_time
from .facts import TicketFacts, load_facts
from .models import RepairTicket, TicketEvent
from .sanbao import live_flags
from .waits import LineFacts, automatic_cause, delivered_at, judged_cause


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def event_to_dict(event: TicketEvent) -> dict[str, Any]:
    """A stored event as the API shows it (the body of `POST /tickets/{t}/events`)."""
    return {"id": event.id, "ticket": event.ticket_code, "type": event.type, "at": _iso(event.at),
            "until": _iso(event.until), "note": event.note, "service_point": event.service_point_code,
            "family": event.family, "received_at": _iso(event.received_at), "received_by": event.received_by}


def ticket_to_json(ticket: Ticket, as_of: datetime | None = None) -> dict[str, Any]:
    """The offline ticket JSON of API.md ('The same engine offline'), ready for `parts attribute`."""
    data: dict[str, Any] = {
        "ticket": ticket.code, "service_point": ticket.service_point, "center": ticket.center,
        "distance_class": ticket.distance_class, "family": ticket.family,
        "events": [{"type": e.type, "at": _iso(e.at), **({"until": _iso(e.until)} if e.until else {}),
                    **({"note": e.note} if e.note else {})} for e in ticket.events],
        "parts_waits": [{"requisition": w.requisition, "submitted_at": _iso(w.submitted_at),
                         "promised_by": _iso(w.promised_by),
                         **({"delivered_at": _iso(w.delivered_at)} if w.delivered_at else {}), "cause": w.cause,
                         **({"warehouse": w.warehouse} if w.warehouse else {})}
                        for w in ticket.parts_waits],
    }
    if ticket.center_warehouses:
        data["center_warehouses"] = list(ticket.center_warehouses)
    if as_of is not None:
        data["as_of"] = _iso(as_of)
    return data


def ticket_facts(session: Session, code: str) -> TicketFacts:
    """The facts of one known ticket; NotFound when no event of it has arrived."""
    try:
        check_code(code)
    except InvalidInput:
        raise NotFound(f"no ticket {code}", code="ticket.not_found", ticket=code) from None
    facts = load_facts(session, RepairTicket.code == code).get(code)
    if facts is None:
        raise NotFound(f"no ticket {code}", code="ticket.not_found", ticket=code)
    return facts


def build_ticket_input(session: Session, code: str, now: datetime | None = None) -> Ticket:
    """The engine's input for one ticket as of `now` (InvalidInput while it cannot be attributed)."""
    return ticket_facts(session, code).engine_ticket(now or utcnow())


def _timeline(session: Session, code: str) -> list[dict[str, Any]]:
    rows = session.scalars(select(TicketEvent).where(TicketEvent.ticket_code == code)).all()
    rows = sorted(rows, key=lambda e: (e.at, EVENT_TYPES.index(e.type), e.id))
    return [event_to_dict(e) for e in rows]


def _cause(line: LineFacts, judged_at: datetime) -> dict[str, Any]:
    """The line's cause, where it comes from (`automatic`, or HQ's `confirmed` / `corrected`) and
    the automatic cause beside it; all None for a cancelled line (not a wait)."""
    if not line.live:
        return {"cause": None, "cause_warehouse": None, "cause_status": None, "automatic_cause": None,
                "cause_confirmed_by": None, "cause_confirmed_at": None, "cause_note": None}
    cause, warehouse = judged_cause(line, judged_at)
    confirmed = line.confirmed
    return {"cause": cause, "cause_warehouse": warehouse,
            "cause_status": confirmed.status if confirmed else "automatic",
            "automatic_cause": automatic_cause(line, judged_at)[0],
            "cause_confirmed_by": confirmed.confirmed_by if confirmed else None,
            "cause_confirmed_at": _iso(confirmed.confirmed_at) if confirmed else None,
            "cause_note": confirmed.note if confirmed else None}


def _warranties(session: Session, facts: TicketFacts) -> dict[int, dict[str, Any]]:
    """Each linked line's warranty decision (or HQ's override), by line id."""
    ids = [line.line_id for line in facts.lines if line.line_id is not None]
    if not ids:
        return {}
    rows = session.scalars(select(RequisitionLine).where(RequisitionLine.id.in_(ids))).all()
    return {row.id: warranty_to_dict(row) for row in rows}


def _requisitions(session: Session, facts: TicketFacts, now: datetime) -> list[dict[str, Any]]:
    """Linked requisitions with each line's evidence (stock_seen at submit, a wrong part), its cause
    and its warranty."""
    judged_at = facts.completed_at or now
    warranties = _warranties(session, facts)
    out: dict[str, dict[str, Any]] = {}
    for line in facts.lines:
        req = out.setdefault(line.requisition, {
            "id": line.requisition, "status": line.requisition_status, "service_point": line.service_point,
            "submitted_at": _iso(line.submitted_at), "lines": []})
        req["lines"].append({
            "line": line.line_no, "sku": line.sku, "qty": line.qty, "backordered_qty": line.backordered_qty,
            "stock_seen": line.stock_seen, "shortage": line.shortage, "wrong_part": line.wrong_part,
            "promised_by": _iso(line.promised_by),
            "delivered_at": _iso(delivered_at(line)), **_cause(line, judged_at),
            **warranties.get(line.line_id, {})})
    return list(out.values())


def _appliance_view(session: Session, code: str, facts: TicketFacts, policy: Policy, now: datetime,
                    attribution: Any) -> dict[str, Any]:
    """The appliance, its earlier repairs by serial, the unit's warranty (an ordinary part) and the
    ticket's 三包 rights as of `now`."""
    appliance = appliance_facts(session, code)
    reported_at = min((e.at for e in facts.events if e.type == "created"), default=None)
    end = min(facts.completed_at or now, now)
    if attribution is not None:
        maker_hours, waited = attribution.elapsed_hours, attribution.exchange_flag
    else:
        maker_hours, waited = ((end - reported_at).total_seconds() / 3600 if reported_at else 0.0), False
    view = {"appliance": appliance_to_dict(appliance), "repair_history": [], "warranty": None,
            "sanbao": live_flags(appliance, reported_at, maker_hours, waited, policy)}
    if appliance is None:
        return view
    at = reported_at or now
    view["repair_history"] = [
        {"ticket": r.ticket, "reported_on": business_date(r.reported_at).isoformat(),
         "completed_on": business_date(r.completed_at).isoformat() if r.completed_at else None,
         "fault": r.fault, "visited": r.visited_at is not None and r.visited_at <= at}
        for r in appliance.earlier(at)]
    try:
        view["warranty"] = decision_to_dict(decide(appliance.case(at), policy))
    except InvalidInput as exc:
        view["warranty"] = {"in_warranty": False, "basis": "invalid_case", "until": None, "sanbao": None,
                            "problem": exc.message}
    return view


def ticket_policy(session: Session, facts: TicketFacts, policy: Policy, now: datetime) -> Policy:
    """The policy a ticket's fines are read with: a completed ticket's are booked in its month, so
    as that month's report reads them (`policy_for_month`); an open ticket's with `policy`."""
    if facts.completed_at is None or facts.completed_at > now:
        return policy
    return policy_for_month(session, month_of(facts.completed_at), policy, now)


def ticket_view(session: Session, code: str, policy: Policy, now: datetime | None = None) -> dict[str, Any]:
    """Timeline, linked requisitions and the attribution (API.md shape plus HQ's extras) as of `now`."""
    now = check_time(now, "as_of") or utcnow()
    facts = ticket_facts(session, code)
    view: dict[str, Any] = {
        "ticket": code, "service_point": facts.service_point, "center": facts.center,
        "distance_class": facts.distance_class, "family": facts.family,
        "status": "completed" if facts.completed_at else "open", "completed_at": _iso(facts.completed_at),
        "as_of": _iso(now),
        "timeline": _timeline(session, code), "requisitions": _requisitions(session, facts, now),
    }
    reason = facts.unattributable()
    if reason:
        return {**view, **_appliance_view(session, code, facts, policy, now, None), "late": None,
                "late_hours": None, "attribution": [], "attribution_unavailable": reason, "engine_input": None}
    ticket = facts.engine_ticket(now)
    policy = ticket_policy(session, facts, policy, now)
    result = attribute(ticket, policy, now=now)
    return {**view, **_appliance_view(session, code, facts, policy, now, result), **attribution_to_dict(result),
            "attribution_unavailable": None, "engine_input": ticket_to_json(ticket, as_of=now)}
