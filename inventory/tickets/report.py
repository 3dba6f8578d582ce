"""The monthly penalty report (`GET /api/v1/reports/penalties`, the web report, `parts tickets-report`).

A month is a Beijing calendar month. Its tickets are those completed within it, and those still
open at its end (or now, for the current month): an unfinished ticket is the worst case, so it
counts in the centre's monthly rules by its age then (attributed as of that moment), in every
month at whose end it is still open. Fines and bonuses of a ticket are booked once, in the month
it completes, when its facts (and HQ's confirmed causes) are final. Each ticket goes through the
same engine as the single-ticket view, then `penalty_report.monthly_report` sums per party and
per centre and applies the bonus rules. Reading is set-based (`load_facts`), so 100,000
tickets cost a handful of queries; the time goes into the engine itself.

三包 rights (`sanbao`: 7-day return or exchange, 15-day exchange, a repeated fault, unresolved
after 15 days, 90 days waiting for parts; `tickets.sanbao`) are counted over the same tickets:
completed in the month, or open at its end as they stood then.

The 90-day exchange flags come twice: completed tickets of the month that waited too long
(`exchange_flagged`), and tickets still open at the month's end (or now) that have already
waited more than `exchange_wait_days` (`exchange_flagged_open`): those are the customers
entitled to an exchange today.
"""
from __future__ import annotations

from decimal import Decimal
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from ..attribution import attribute
from ..business_calendar import MONTH, month_bounds  # noqa: F401 - MONTH and month_bounds are read from here too
from ..db import utcnow
from ..errors import InvalidInput
from ..penalty_report import monthly_report, report_to_dict
from ..policy import Policy, policy_for_month
from .facts import TicketFacts, load_facts
from .appliance import load_appliances
from .models import RepairTicket
from .sanbao import FLAGS as SANBAO_FLAGS
from .sanbao import live_flags
from .waits import automatic_cause, delivered_at, judged_cause

SAMPLE = 20


def open_at(as_of: datetime):
    """The condition on `RepairTicket` of tickets created before `as_of` and not completed by then."""
    still_open = RepairTicket.completed_at.is_(None) | (RepairTicket.completed_at >= as_of)
    return (RepairTicket.created_at < as_of) & still_open


def month_tickets(session: Session, month: str, now: datetime | None = None):
    """(completed facts by code, open facts by code as they stood at `as_of`, as_of): the tickets
    the month's report counts. `as_of` is the month's end, or `now` for the current month."""
    start, end = month_bounds(month)
    as_of = min(end, now or utcnow())
    completed = load_facts(session, (RepairTicket.completed_at >= start) & (RepairTicket.completed_at < end))
    still_open = {code: facts.as_of(as_of) for code, facts in load_facts(session, open_at(as_of)).items()}
    return completed, still_open, as_of


def attributions(facts_by_code: dict[str, TicketFacts], at: datetime, policy: Policy, unattributed: list[str]):
    """(code, facts, attribution at `at`) of each ticket, by code, streamed; a ticket that cannot
    be attributed yet goes into `unattributed` instead."""
    for code in sorted(facts_by_code):
        facts = facts_by_code[code]
        if facts.unattributable():
            unattributed.append(code)
            continue
        yield code, facts, attribute(facts.engine_ticket(at), policy, now=at)


def penalties_for_month(session: Session, month: str, policy: Policy, now: datetime | None = None) -> dict[str, Any]:
    """The month's report as a JSON-ready dict: `report_to_dict`'s parties, centres (3-day and 7-day
    rates against the province targets, bonus cancellations, monthly and per-ticket fines by role)
    and exchange flags, plus the month's bounds, the counts of tickets completed in it and open at
    its end, and the tickets that could not be attributed."""
    start, end = month_bounds(month)
    now = now or utcnow()
    if start > now:  # its open tickets would be counted again, by their age now, in a month they never saw
        raise InvalidInput(f"month: {month} has not begun", code="report.month_not_begun", field="month", month=month)
    policy = policy_for_month(session, month, policy, now)
    completed, still_open, as_of = month_tickets(session, month, now)
    unattributed: list[str] = []
    flagged_open: list[str] = []
    appliances = load_appliances(session, set(completed) | set(still_open))
    sanbao = SanbaoCount(policy)

    def attributed():  # streamed into the report: no month of Attribution objects held at once
        for code, facts, result in attributions(completed, now, policy, unattributed):
            sanbao.add(code, facts, appliances.get(code), result, still_open=False)
            yield result, facts.center, facts.province

    def open_at_end():  # by their age at as_of (an unfinished ticket is the worst case)
        for code, facts, result in attributions(still_open, as_of, policy, unattributed):
            if result.exchange_flag:
                flagged_open.append(code)
            sanbao.add(code, facts, appliances.get(code), result, still_open=True)
            yield result, facts.center, facts.province

    totals = report_to_dict(monthly_report(attributed(), policy, open_rows=open_at_end()))
    return {
        "month": month, "from": start.isoformat(), "until": end.isoformat(),
        "tickets": sum(center["completed"] for center in totals["centers"]),
        "open_at_month_end": sum(center["open_at_month_end"] for center in totals["centers"]), **totals,
        "exchange_flagged_open": flagged_open, "open_as_of": as_of.isoformat(), "sanbao": sanbao.to_dict(),
        "unattributed": {"count": len(unattributed), "sample": sorted(unattributed)[:SAMPLE]},
        "overcharges": _overcharges(session, month),
    }


def _overcharges(session: Session, month: str) -> dict[str, Any]:
    """Service points' overcharge penalties recorded in the month (seed 003: ten times the excess)."""
    from ..overcharges import month_summary  # it reads requisitions, which import tickets: import when used

    return month_summary(session, month)


class SanbaoCount:
    """三包 rights of the month's tickets (completed in it, or open at its end as they stood then):
    tickets per flag and per outcome, and the tickets themselves (a sample, open ones first)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.flags = {flag: 0 for flag in SANBAO_FLAGS}
        self.outcomes = {"return_or_exchange": 0, "exchange": 0}
        self.rows: list[dict[str, Any]] = []

    def add(self, code: str, facts, appliance, result, *, still_open: bool) -> None:
        reported_at = min((e.at for e in facts.events if e.type == "created"), default=None)
        rights = live_flags(appliance, reported_at, result.elapsed_hours, result.exchange_flag, self.policy)
        if rights["outcome"] is None:
            return
        self.outcomes[rights["outcome"]] += 1
        for flag in rights["flags"]:
            self.flags[flag] += 1
        self.rows.append({"ticket": code, "center": facts.center, "open": still_open, "outcome": rights["outcome"],
                          "flags": rights["flags"]})

    def to_dict(self) -> dict[str, Any]:
        rows = sorted(self.rows, key=lambda r: (not r["open"], r["ticket"]))
        return {"tickets": len(self.rows), "open": sum(r["open"] for r in self.rows), "outcomes": self.outcomes,
                "flags": self.flags, "sample": rows[:SAMPLE]}


def parts_waits_for_month(session: Session, month: str, now: datetime | None = None,
                          limit: int = 50) -> dict[str, Any]:
    """The month's parts waits that ran past their promise (the ones that charge someone), each with
    its cause and whether it is automatic or HQ's (confirmed, corrected): what HQ's parts module
    confirms. Waits still automatic come first, then by ticket; at most `limit` rows."""
    now = now or utcnow()
    completed, still_open, as_of = month_tickets(session, month, now)
    rows = []
    for code, facts in sorted({**still_open, **completed}.items()):
        judged_at = facts.completed_at or as_of
        for line in facts.lines:
            arrived = delivered_at(line)
            if not line.live or (arrived or judged_at) <= line.promised_by:
                continue
            cause, warehouse = judged_cause(line, judged_at)
            rows.append({
                "ticket": code, "center": facts.center, "requisition": line.requisition, "line": line.line_no,
                "sku": line.sku, "promised_by": line.promised_by.isoformat(),
                "delivered_at": arrived.isoformat() if arrived else None,
                "hours_past_promise": round(((arrived or judged_at) - line.promised_by).total_seconds() / 3600, 1),
                "cause": cause, "cause_warehouse": warehouse,
                "cause_status": line.confirmed.status if line.confirmed else "automatic",
                "automatic_cause": automatic_cause(line, judged_at)[0],
                "regional_warehouses": list(line.regional_warehouses)})
    rows.sort(key=lambda r: (r["cause_status"] != "automatic", r["ticket"], r["requisition"], r["line"]))
    return {"month": month, "as_of": as_of.isoformat(), "count": len(rows),
            "automatic": sum(r["cause_status"] == "automatic" for r in rows), "waits": rows[:limit]}


def penalties_by_party(session: Session, since: datetime, policy: Policy | None = None,
                       now: datetime | None = None) -> list[tuple[str, Decimal]]:
    """Fines per party over the Beijing months from `since` to now (the HQ dashboard's chart)."""
    from ..policy import load_policy
    from ..quotas.service import period_of

    policy = policy or load_policy(session)
    now = now or utcnow()
    months, cursor = [], since
    while cursor <= now + timedelta(days=31):
        if period_of(min(cursor, now)) not in months:
            months.append(period_of(min(cursor, now)))
        cursor += timedelta(days=27)
    totals: dict[str, Decimal] = {}
    for month in months:
        for row in penalties_for_month(session, month, policy, now)["parties"]:
            totals[row["party"]] = totals.get(row["party"], Decimal("0.00")) + Decimal(row["fines"])
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))
