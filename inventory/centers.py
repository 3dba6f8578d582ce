"""What a provincial service centre (省级服务中心) reads of its own: its tickets of a month with
their attribution, its row of the monthly penalties report (3-/7-day rates against the province
targets, the bonus rules, the fines of its service director, parts admin and chase clerk), one
of its tickets, and its points' old-part returns.

Scoped at the query: only the centre's tickets are read, so another centre's data never enters
the computation. The figures are the HQ report's: the same facts (`load_facts`), the same
engine, the same `penalty_report.monthly_report`, whose rules are per centre
(`tests/db/test_centers.py` compares them).
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .attribution import center_parties
from .db import utcnow
from .errors import NotFound
from .network import Center, ServicePoint
from .penalty_report import CenterMonth, PenaltyReport, monthly_report, report_to_dict
from .policy import Policy, policy_for_month
from .requisitions.models import Requisition
from .returns import report as returns_report
from .returns.settlement import held_settlements
from .tickets.facts import TicketFacts, load_facts
from .tickets.models import RepairTicket
from .tickets.report import attributions, month_bounds, open_at
from .tickets.service import ticket_facts, ticket_view

ZERO = Decimal("0.00")


def get_center(session: Session, code: str) -> Center:
    center = session.get(Center, code)
    if center is None:
        raise NotFound(f"no centre {code}", code="center.not_found", center=code)
    return center


def of_center(center: str):
    """The condition on `RepairTicket` of tickets that may be `center`'s: repaired by one of its
    points, or with no point yet and a requisition from one. The point is resolved by
    `load_facts` as for the HQ report; `_facts` keeps those whose centre is this one."""
    points = select(ServicePoint.code).where(ServicePoint.center_code == center)
    linked = select(Requisition.ticket).where(Requisition.service_point_code.in_(points))
    return RepairTicket.service_point_code.in_(points) | (
        RepairTicket.service_point_code.is_(None) & RepairTicket.code.in_(linked))


def _facts(session: Session, where, center: str) -> dict[str, TicketFacts]:
    found = load_facts(session, where & of_center(center))
    return {code: facts for code, facts in found.items() if facts.center == center}


def _ticket_row(facts: TicketFacts, result, center: str, *, still_open: bool) -> dict[str, Any]:
    """One line of the centre's ticket list: the customer's view and what the centre is charged."""
    mine = [c for c in result.attribution if c.party == f"center:{center}"]
    its_cause = center_parties(center, facts.center_warehouses)
    reasons = [c.reason for c in result.attribution if c.party in its_cause]
    return {"ticket": facts.code, "service_point": facts.service_point, "status": "open" if still_open else "completed",
            "created_at": min((e.at for e in facts.events if e.type == "created"), default=None),
            "completed_at": result.completed_at, "elapsed_hours": result.elapsed_hours,
            "late_hours": result.late_hours, "over_3_days": result.late, "over_7_days": result.over_7_days,
            "center_hours": result.center_hours, "center_cause": result.over_7_days_center_cause,
            "center_fines": sum((c.fine for c in mine), ZERO), "fine_total": result.fine_total,
            "center_reasons": list(dict.fromkeys(reasons)), "exchange_flag": result.exchange_flag}


def _empty_row(center: Center, policy: Policy) -> dict[str, Any]:
    """The centre's row in a month without tickets: its targets, nothing over, nobody fined."""
    month = CenterMonth(center.code, center.province, three_day_target=policy.three_day_target(center.province),
                        seven_day_target=Decimal(policy.seven_day_target))
    return report_to_dict(PenaltyReport((), (month,), ()))["centers"][0]


def center_month(session: Session, center: str, month: str, policy: Policy,
                 now: datetime | None = None) -> dict[str, Any]:
    """The centre's month: its row of the penalties report (`report_to_dict`'s centre shape), its
    tickets (completed in the month, and open at its end as they stood then; an unfinished ticket
    counts by its age, as in the HQ report), and those that cannot be attributed yet."""
    found = get_center(session, center)
    start, end = month_bounds(month)
    now = now or utcnow()
    as_of = min(end, now)
    policy = policy_for_month(session, month, policy, now)  # as the HQ report reads the month
    completed = _facts(session, (RepairTicket.completed_at >= start) & (RepairTicket.completed_at < end), center)
    still_open = {code: facts.as_of(as_of) for code, facts in _facts(session, open_at(as_of), center).items()}
    tickets: list[dict[str, Any]] = []
    unattributed: list[str] = []

    def attributed(facts_by_code: dict[str, TicketFacts], at: datetime, still: bool):
        for _code, facts, result in attributions(facts_by_code, at, policy, unattributed):
            tickets.append(_ticket_row(facts, result, center, still_open=still))
            yield result, facts.center, facts.province

    report = monthly_report(attributed(completed, now, False), policy,
                            open_rows=attributed(still_open, as_of, True))
    row = report_to_dict(report)["centers"]
    return {"center": found.code, "name": found.name, "province": found.province, "month": month,
            "from": start, "until": end, "open_as_of": as_of,
            "rates": row[0] if row else _empty_row(found, policy),
            "tickets": sorted(tickets, key=lambda t: (t["status"] != "open", -t["elapsed_hours"], t["ticket"])),
            "unattributed": sorted(unattributed)}


def center_returns(session: Session, center: str, month: str) -> dict[str, Any]:
    """The centre's points' old-part returns in the month (due, sent back by the due date, overdue,
    charges) and the tickets whose repair fee is held for an old part today."""
    get_center(session, center)
    row = next((r for r in returns_report.monthly_report(session, month) if r.center == center),
               returns_report.CenterReturns(center))
    held = held_settlements(session, center)
    return {"due_units": row.due_units, "returned_units": row.returned_units, "return_rate": row.return_rate,
            "overdue_count": row.overdue_count, "unused_units": row.unused_units, "charges": row.charges,
            "charges_by_kind": dict(row.charges_by_kind), "held_settlements": len(held)}


def center_ticket(session: Session, center: str, code: str, policy: Policy,
                  now: datetime | None = None) -> dict[str, Any]:
    """One of the centre's tickets as HQ sees it (timeline, requisitions, attribution). Another
    centre's ticket is NotFound, worded as for a ticket that does not exist."""
    get_center(session, center)
    if ticket_facts(session, code).center != center:
        raise NotFound(f"no ticket {code}", code="ticket.not_found", ticket=code)
    return ticket_view(session, code, policy, now)
