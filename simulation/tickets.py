"""The repair-ticket story behind a service point's in-warranty requisition, and its old part.

The call centre creates the ticket, HQ dispatches it to the centre, the centre to the point,
the point calls the customer, visits, finds the broken part and requisitions it; once the part
arrives the point repairs and completes. Every instant comes from the line's own uniforms
(drawn with the day's demand), so it is the same whatever policy runs. Most steps keep their
allowance (seed 000: 15 min, 15 min, 1 h, 24 h urban / 72 h remote); a few slip, so the
attribution engine has someone to charge besides the parts waits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# (share that slip, (low, high) when on time, (low, high) when they slip)
HQ_DISPATCH_MIN = (0.03, (1, 14), (16, 90))
CENTER_DISPATCH_MIN = (0.03, (1, 14), (16, 90))
CONTACT_MIN = (0.04, (5, 55), (61, 240))
VISIT_URBAN_H = (0.06, (2, 22), (24.5, 60))
VISIT_REMOTE_H = (0.06, (4, 66), (72.5, 120))
REQUISITION_LAG_H = (0.2, 2.0)           # diagnosis at the visit, then the requisition
REPAIR_H = (0.05, (2, 30), (72, 200))    # from the part's arrival to completion
RESCHEDULE_SHARE, RESCHEDULE_H = 0.03, (24, 72)
OLD_PART_NEVER = 0.08                    # old parts that are never sent back (overdue, charged)
OLD_PART_DAYS = (1, 24)                  # days from completion until the point sends the old part
OUTCOMES = ((0.85, "defective_confirmed"), (0.97, "no_fault_found"), (1.01, "wrong_part"))
UNUSED_SHARE = 0.02                      # the delivered part was not needed: returned unused
UNUSED_DAYS = (1, 5)


def _slip(u: float, spec) -> float:
    share, (lo, hi), (late_lo, late_hi) = spec
    if u < share:
        return late_lo + (u / share) * (late_hi - late_lo)
    return lo + (u - share) / (1 - share) * (hi - lo)


def _span(u: float, lo: float, hi: float) -> float:
    return lo + u * (hi - lo)


@dataclass(frozen=True)
class TicketStory:
    """The fixed facts of one ticket, derived from its line's uniforms."""

    code: str
    point: str
    family: str
    created: datetime
    dispatched_center: datetime
    dispatched_point: datetime
    contacted: datetime
    visited: datetime
    repair_hours: float
    reschedule_hours: float          # 0: the customer never reschedules
    old_part_days: float | None      # None: the old part never comes back
    outcome: str
    unused: bool

    @classmethod
    def before(cls, submitted: datetime, code: str, point: str, family: str, remote: bool, u) -> TicketStory:
        """Work back from the requisition's submit time to the ticket's creation."""
        lag = _span(u[4], *REQUISITION_LAG_H)
        visit = _slip(u[3], VISIT_REMOTE_H if remote else VISIT_URBAN_H)
        contact = _slip(u[2], CONTACT_MIN) / 60
        to_point = _slip(u[1], CENTER_DISPATCH_MIN) / 60
        to_center = _slip(u[0], HQ_DISPATCH_MIN) / 60
        visited = submitted - timedelta(hours=lag)
        contacted = visited - timedelta(hours=visit)
        dispatched_point = contacted - timedelta(hours=contact)
        dispatched_center = dispatched_point - timedelta(hours=to_point)
        created = dispatched_center - timedelta(hours=to_center)
        reschedule = _span(u[7], *RESCHEDULE_H) if u[6] < RESCHEDULE_SHARE else 0.0
        old_days = None if u[8] < OLD_PART_NEVER else _span((u[8] - OLD_PART_NEVER) / (1 - OLD_PART_NEVER), *OLD_PART_DAYS)
        outcome = next(name for limit, name in OUTCOMES if u[9] < limit)
        return cls(code, point, family, created, dispatched_center, dispatched_point, contacted, visited,
                   _slip(u[5], REPAIR_H), reschedule, old_days, outcome, bool(u[10] < UNUSED_SHARE))

    def opening_events(self) -> list[tuple[str, datetime]]:
        return [("created", self.created), ("dispatched_center", self.dispatched_center),
                ("dispatched_point", self.dispatched_point), ("contacted", self.contacted),
                ("visited", self.visited)]

    def completion(self, parts_arrived: datetime) -> tuple[datetime, tuple[datetime, datetime] | None]:
        """When the repair completes, and the customer's reschedule (excused time) if any."""
        excuse = None
        done = parts_arrived + timedelta(hours=self.repair_hours)
        if self.reschedule_hours:
            start = parts_arrived + timedelta(hours=1)
            excuse = (start, start + timedelta(hours=self.reschedule_hours))
            done += timedelta(hours=self.reschedule_hours)
        return done, excuse


def unused_days(u) -> float:
    return _span(u[11], *UNUSED_DAYS)
