"""The monthly penalty report (`GET /api/v1/reports/penalties`, the web report, `parts tickets-report`).

A month is a Beijing calendar month; its tickets are those completed within it. Each goes
through the same engine as the single-ticket view, then `penalty_report.monthly_report` sums
per party and per centre and applies the bonus rules. Reading is set-based (`load_facts`),
so 100,000 tickets cost a handful of queries; the time goes into the engine itself.

三包 exchange flags come twice: completed tickets of the month that waited too long
(`exchange_flagged`), and tickets still open at the month's end (or now, for the current
month) that have already waited more than `exchange_wait_days` (`exchange_flagged_open`):
those are the customers entitled to an exchange today.
"""
from __future__ import annotations

import re
from decimal import Decimal
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ..attribution import attribute
from ..db import utcnow
from ..errors import InvalidInput
from ..penalty_report import monthly_report, report_to_dict
from ..policy import Policy
from .events import EARLIEST, LATEST
from .facts import load_facts
from .models import RepairTicket

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")
MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
SAMPLE = 20


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a `YYYY-MM` Beijing month, in UTC."""
    match = MONTH.fullmatch(month or "") if isinstance(month, str) else None
    if match is None or not EARLIEST.year <= int(match[1]) < LATEST.year:
        raise InvalidInput(f"month: {month!r} is not a month (YYYY-MM)", field="month")
    year, number = int(match[1]), int(match[2])
    start = datetime(year, number, 1, tzinfo=BUSINESS_TZ)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=BUSINESS_TZ)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def _open_exchange_flags(session: Session, policy: Policy, as_of: datetime) -> list[str]:
    """Tickets open at `as_of` whose parts waits the maker caused already exceed the 三包 limit."""
    horizon = as_of - timedelta(days=float(policy.exchange_wait_days))
    still_open = RepairTicket.completed_at.is_(None) | (RepairTicket.completed_at > as_of)
    flagged = []
    for code, facts in load_facts(session, (RepairTicket.created_at < horizon) & still_open).items():
        facts = facts.as_of(as_of)
        if facts.unattributable() is None and attribute(facts.engine_ticket(as_of), policy, now=as_of).exchange_flag:
            flagged.append(code)
    return sorted(flagged)


def penalties_for_month(session: Session, month: str, policy: Policy, now: datetime | None = None) -> dict[str, Any]:
    """The month's report as a JSON-ready dict: `report_to_dict`'s parties, centres (3-day and 7-day
    rates against the province targets, bonus cancellations, monthly fines) and exchange flags,
    plus the month's bounds, the ticket count and the tickets that could not be attributed."""
    start, end = month_bounds(month)
    now = now or utcnow()
    facts_by_code = load_facts(session, (RepairTicket.completed_at >= start) & (RepairTicket.completed_at < end))
    unattributed: list[str] = []

    def attributed():  # streamed into the report: no month of Attribution objects held at once
        for code in sorted(facts_by_code):
            facts = facts_by_code[code]
            if facts.unattributable():
                unattributed.append(code)
                continue
            yield attribute(facts.engine_ticket(now), policy, now=now), facts.center, facts.province

    totals = report_to_dict(monthly_report(attributed(), policy))
    as_of = min(end, now)
    return {
        "month": month, "from": start.isoformat(), "until": end.isoformat(),
        "tickets": sum(center["tickets"] for center in totals["centers"]), **totals,
        "exchange_flagged_open": _open_exchange_flags(session, policy, as_of), "open_as_of": as_of.isoformat(),
        "unattributed": {"count": len(unattributed), "sample": unattributed[:SAMPLE]},
    }


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
        for row in penalties_for_month(session, month, policy)["parties"]:
            totals[row["party"]] = totals.get(row["party"], Decimal("0.00")) + Decimal(row["fines"])
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))
