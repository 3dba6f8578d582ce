"""The monthly penalty report: per-party totals and the centre rules of seed 000 四 (处罚规定 2).

Pure aggregation over already-attributed tickets: the caller chooses the month's tickets and
passes `(Attribution, center code, province)` for those completed in the month and, as
`open_rows`, for those still open at its end (attributed as of then). One pass with plain
counters, so 100,000 tickets take well under a second.

A ticket open at the month's end counts in the centre's rules and rates by its age then (an
unfinished ticket is the worst case; leaving it out would hide the longest tickets): over 3 or
7 days when its non-excused age is, within them otherwise. Its fines and bonuses are booked
when it completes, so money is never counted twice; its exchange flag is the caller's
(`exchange_flagged_open`).

The centre's per-ticket fines (因省级服务中心原因造成超7, a row per role) are summed per role
beside the monthly fines of the bonus rules, so each person's total can be read off.

Two views of "over 3 days" on purpose:
- completion rates (三天/七天处理完成率) against the province targets count every ticket as the
  customer saw it (`within_3_days`, `within_7_days`: completed within the time);
- the bonus rules are penalties, and HQ's own overruns are excused from them (总部原因缺件: 对于
  网点和服务经理不予处罚), so they count `late_excluding_hq` / `over_7_days_excluding_hq`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Iterable

from .attribution import CENTER_OVER_7_DAYS, CENTER_ROLES, Attribution
from .errors import InvalidInput

if TYPE_CHECKING:
    from .policy import Policy

ZERO = Decimal("0.00")
RATE = Decimal("0.0001")


@dataclass
class PartyTotal:
    """What one party was charged over the month; points also earn timely-visit bonuses."""

    party: str
    tickets: int = 0
    hours: float = 0.0
    fines: Decimal = ZERO
    bonuses: Decimal = ZERO


@dataclass
class CenterMonth:
    """One centre's month: rates against targets and whether its three roles lose the bonus.
    `tickets` counts those completed in the month and those open at its end."""

    center: str
    province: str
    tickets: int = 0
    completed: int = 0
    open_at_month_end: int = 0
    within_3_days: int = 0
    within_7_days: int = 0
    over_3_days: int = 0
    over_7_days: int = 0
    three_day_target: Decimal = ZERO
    seven_day_target: Decimal = ZERO
    bonus_cancelled: bool = False
    cancelled_because: tuple[str, ...] = ()
    fines: dict[str, Decimal] = field(default_factory=dict)
    ticket_fines: dict[str, Decimal] = field(default_factory=dict)
    tickets_fined: int = 0

    def role_totals(self) -> dict[str, Decimal]:
        """Per role: the per-ticket fines plus the monthly fine (what each person pays)."""
        return {role: self.ticket_fines.get(role, ZERO) + self.fines.get(role, ZERO) for role in CENTER_ROLES}

    @property
    def three_day_rate(self) -> Decimal:
        return _rate(self.within_3_days, self.tickets)

    @property
    def seven_day_rate(self) -> Decimal:
        return _rate(self.within_7_days, self.tickets)

    @property
    def over_3_days_rate(self) -> Decimal:
        return _rate(self.over_3_days, self.tickets)

    @property
    def meets_three_day_target(self) -> bool:
        return self.within_3_days >= self.three_day_target * self.tickets

    @property
    def meets_seven_day_target(self) -> bool:
        return self.within_7_days >= self.seven_day_target * self.tickets


@dataclass(frozen=True)
class PenaltyReport:
    parties: tuple[PartyTotal, ...]
    centers: tuple[CenterMonth, ...]
    exchange_flagged: tuple[str, ...]


def _party(parties: dict[str, PartyTotal], party: str) -> PartyTotal:
    total = parties.get(party)
    if total is None:
        total = parties[party] = PartyTotal(party)
    return total


def _rate(count: int, total: int) -> Decimal:
    return (Decimal(count) / total).quantize(RATE) if total else Decimal("0.0000")


def _apply_center_rules(month: CenterMonth, policy: Policy) -> None:
    """超三单据超过21% -> bonus lost; 超七单据超过5张 -> bonus lost and the roles fined."""
    reasons = []
    if month.over_3_days > policy.center_over_3d_rate_limit * month.tickets:
        reasons.append("over_3_days_rate")
    if month.over_7_days > policy.center_over_7d_count_limit:
        reasons.append("over_7_days_count")
        director, *staff = CENTER_ROLES
        month.fines = {director: Decimal(policy.fine_center_director_monthly).quantize(ZERO, ROUND_HALF_UP),
                       **{role: Decimal(policy.fine_center_staff_monthly).quantize(ZERO, ROUND_HALF_UP) for role in staff}}
    month.bonus_cancelled = bool(reasons)
    month.cancelled_because = tuple(reasons)


def _center(centers: dict[str, CenterMonth], center: str, province: str) -> CenterMonth:
    month = centers.get(center)
    if month is None:
        month = centers[center] = CenterMonth(center, province)
    elif month.province != province:
        raise InvalidInput(f"center {center}: tickets in both {month.province} and {province}",
                           code="penalty.center_in_two_provinces", field="province", center=center,
                           first=month.province, second=province)
    return month


def _count(month: CenterMonth, result: Attribution, *, still_open: bool) -> None:
    """The ticket in the centre's rules and rates; an open one by its age (elapsed so far)."""
    month.tickets += 1
    month.over_3_days += result.late_excluding_hq
    month.over_7_days += result.over_7_days_excluding_hq
    if still_open:
        month.open_at_month_end += 1
        month.within_3_days += not result.late
        month.within_7_days += not result.over_7_days
    else:
        month.completed += 1
        month.within_3_days += result.within_3_days
        month.within_7_days += result.within_7_days


def _book(parties: dict[str, PartyTotal], month: CenterMonth, result: Attribution) -> None:
    """A completed ticket's hours, fines and bonus to its parties; the centre's role fines by role."""
    for charge in result.attribution:
        total = _party(parties, charge.party)
        total.hours += charge.hours
        total.fines += charge.fine
        if charge.reason == CENTER_OVER_7_DAYS and charge.role:
            month.ticket_fines[charge.role] = month.ticket_fines.get(charge.role, ZERO) + charge.fine
    for party in {charge.party for charge in result.attribution}:
        parties[party].tickets += 1
    month.tickets_fined += result.over_7_days_center_cause
    if result.visit_bonus:
        _party(parties, f"service_point:{result.service_point}").bonuses += result.visit_bonus


def monthly_report(rows: Iterable[tuple[Attribution, str, str]], policy: Policy,
                   open_rows: Iterable[tuple[Attribution, str, str]] = ()) -> PenaltyReport:
    """Aggregate one month's attributed tickets (completed in it, and `open_rows` open at its end);
    ordering of the output is by party and centre code."""
    parties: dict[str, PartyTotal] = {}
    centers: dict[str, CenterMonth] = {}
    flagged: list[str] = []
    for result, center, province in rows:
        month = _center(centers, center, province)
        _count(month, result, still_open=False)
        _book(parties, month, result)
        if result.exchange_flag:
            flagged.append(result.ticket)
    for result, center, province in open_rows:
        _count(_center(centers, center, province), result, still_open=True)
    for month in centers.values():
        month.three_day_target = policy.three_day_target(month.province)
        month.seven_day_target = Decimal(policy.seven_day_target)
        _apply_center_rules(month, policy)
        if month.fines:
            _party(parties, f"center:{month.center}").fines += sum(month.fines.values(), ZERO)
    for total in parties.values():
        total.hours = round(total.hours, 2)
    return PenaltyReport(tuple(parties[p] for p in sorted(parties)),
                         tuple(centers[c] for c in sorted(centers)), tuple(sorted(flagged)))


def report_to_dict(report: PenaltyReport) -> dict:
    """The shape of `GET /api/v1/reports/penalties`: money and rates as decimal strings."""
    return {
        "parties": [{"party": t.party, "tickets": t.tickets, "hours": t.hours, "fines": str(t.fines),
                     "bonuses": str(t.bonuses)} for t in report.parties],
        "centers": [{"center": m.center, "province": m.province, "tickets": m.tickets, "completed": m.completed,
                     "open_at_month_end": m.open_at_month_end,
                     "within_3_days": m.within_3_days, "three_day_rate": str(m.three_day_rate),
                     "three_day_target": str(m.three_day_target), "meets_three_day_target": m.meets_three_day_target,
                     "within_7_days": m.within_7_days, "seven_day_rate": str(m.seven_day_rate),
                     "seven_day_target": str(m.seven_day_target), "meets_seven_day_target": m.meets_seven_day_target,
                     "over_3_days": m.over_3_days, "over_3_days_rate": str(m.over_3_days_rate),
                     "over_7_days": m.over_7_days, "bonus_cancelled": m.bonus_cancelled,
                     "cancelled_because": list(m.cancelled_because),
                     "fines": {role: str(amount) for role, amount in m.fines.items()},
                     "tickets_fined": m.tickets_fined,
                     "ticket_fines": {role: str(amount) for role, amount in m.ticket_fines.items()},
                     "role_totals": {role: str(amount) for role, amount in m.role_totals().items()}}
                    for m in report.centers],
        "exchange_flagged": list(report.exchange_flagged),
    }
