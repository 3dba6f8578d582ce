"""Parts waits of a ticket and their causes (缺件原因), from the requisitions linked by `ticket`.

Pure: plain facts in, the engine's `PartsWait` out. A shortage is a requisition line whose
`stock_seen` (recorded at submit: where stock could have met the 2-day promise) is not
`regional`; it is derived here rather than copied into a table of its own, because the
evidence at submit time is already kept on the line and the later facts (shipped when,
delivered when, reported as the wrong part) are on its allocations.

One wait per live line (cancelled requisitions are not waits): from the requisition's
submit to the line's delivery (the latest delivery of its allocations; open while any unit
is backordered or on its way), allowed until the line's `promised_by`. The cause, first
rule that applies:
1. `hq_wrong_part`: HQ shipped the wrong part (错发): the point reported an allocation from
   HQ as the wrong part (`inventory.requisitions.wrong_part`, `AllocationFacts.wrong_part_at`).
   That allocation no longer counts; the wait lasts until the replacement reserved on the
   same line arrives, or the same sku arrives on a later requisition of the ticket, whichever
   is first (open till then). A regional warehouse's mis-shipment is recorded the same way
   but has no cause of its own in the seed's table, so the rules below judge its wait. The
   returns module's `wrong_part` inspection outcome (the point sent back the wrong *old*
   part, charged to the point) is not evidence against HQ and is not read here;
2. `none`: delivered by `promised_by`, so nobody owes anything;
3. `hq_shortage`: `stock_seen` is `late_only` or `nowhere`: no stock anywhere could keep the
   promise (short everywhere: HQ parts planning), whatever happened to the units there were;
4. `hq_late_shipment`: an HQ allocation that could have kept the promise (reserved no later
   than `promised_by - lane_hours`) shipped after that moment, or is still unshipped past it:
   HQ had the stock and shipped late (总部配件组发货不及时);
5. `regional_shortage`: `stock_seen` is `other_warehouse` or `hq`: the regional warehouse was
   short while another warehouse or HQ could have kept the promise (the centre's planning);
6. `none` otherwise: `stock_seen` was `regional`, so the regional stock was there and the
   delay (a slow pick, a slow carrier) has no owner in the seed's table; the engine shows it
   as `parts_unexplained`, charged to nobody, and HQ may set a cause and replay the ticket.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ..attribution import PartsWait

SHORT_EVERYWHERE = frozenset({"late_only", "nowhere"})
REGIONAL_SHORT = frozenset({"other_warehouse", "hq"})


@dataclass(frozen=True)
class AllocationFacts:
    warehouse: str
    from_hq: bool
    qty: int
    status: str
    created_at: datetime
    lane_hours: int
    shipped_at: datetime | None
    delivered_at: datetime | None
    wrong_part_at: datetime | None = None  # reported as the wrong part (then `status` is released)

    @property
    def hq_wrong_part(self) -> bool:
        return self.from_hq and self.wrong_part_at is not None

    def as_of(self, t: datetime) -> AllocationFacts:
        """The allocation as it stood at `t`: later shipments, deliveries and reports not yet happened."""
        shipped = self.shipped_at if self.shipped_at is not None and self.shipped_at <= t else None
        delivered = self.delivered_at if shipped is not None and self.delivered_at is not None \
            and self.delivered_at <= t else None
        reported = self.wrong_part_at if self.wrong_part_at is not None and self.wrong_part_at <= t else None
        if self.status == "released" and (self.wrong_part_at is None or reported is not None):
            status = "released"
        else:
            status = "delivered" if delivered else "shipped" if shipped else "reserved"
        return replace(self, shipped_at=shipped, delivered_at=delivered, status=status, wrong_part_at=reported)


@dataclass(frozen=True)
class LineFacts:
    """A requisition line linked to the ticket, with the evidence recorded at submit."""

    requisition: str
    requisition_status: str
    service_point: str
    submitted_at: datetime
    line_no: int
    sku: str
    qty: int
    part_family: str | None
    promised_by: datetime
    stock_seen: str
    backordered_qty: int
    allocations: tuple[AllocationFacts, ...] = ()

    @property
    def wrong_part(self) -> bool:
        """HQ shipped the wrong part on this line (rule 1)."""
        return any(a.hq_wrong_part for a in self.allocations)

    @property
    def live(self) -> bool:
        return self.requisition_status != "cancelled"

    @property
    def shortage(self) -> bool:
        """The regional warehouse could not cover the line within the promise at submit."""
        return self.stock_seen != "regional"

    def as_of(self, t: datetime) -> LineFacts:
        """The line at `t`: allocations made later (a replacement, a re-plan) did not exist yet."""
        return replace(self, allocations=tuple(a.as_of(t) for a in self.allocations if a.created_at <= t))


def delivered_at(line: LineFacts) -> datetime | None:
    """When the last unit arrived; None while any is backordered or on its way."""
    live = [a for a in line.allocations if a.status != "released"]
    if line.backordered_qty or not live or any(a.delivered_at is None for a in live):
        return None
    return max(a.delivered_at for a in live)


def _hq_shipped_late(a: AllocationFacts, promised_by: datetime, now: datetime) -> bool:
    if not a.from_hq or a.status == "released":
        return False
    last_ship = promised_by - timedelta(hours=a.lane_hours)
    if a.created_at > last_ship:
        return False  # its lane could not keep the promise from the start: a shortage, not a late shipment
    shipped = a.shipped_at if a.shipped_at is not None else now
    return shipped > last_ship


def line_cause(line: LineFacts, now: datetime) -> str:
    """The cause of the line's wait by the rules of the module docstring; `now` bounds unshipped HQ units."""
    if line.wrong_part:
        return "hq_wrong_part"
    done = delivered_at(line)
    if done is not None and done <= line.promised_by:
        return "none"
    if line.stock_seen in SHORT_EVERYWHERE:
        return "hq_shortage"
    if any(_hq_shipped_late(a, line.promised_by, now) for a in line.allocations):
        return "hq_late_shipment"
    return "regional_shortage" if line.stock_seen in REGIONAL_SHORT else "none"


def _wrong_part_ends(line: LineFacts, lines: list[LineFacts]) -> datetime | None:
    """A wrong part's wait ends when the right part arrives: the replacement on the line itself,
    or the same sku on a later requisition of the ticket, whichever comes first."""
    arrivals = [d for other in lines if other.sku == line.sku and other.submitted_at > line.submitted_at
                and (d := delivered_at(other)) is not None]
    own = delivered_at(line)
    return min(arrivals + ([own] if own is not None else []), default=None)


def parts_waits(lines: list[LineFacts], now: datetime) -> tuple[PartsWait, ...]:
    """One engine wait per live line, with the cause derived from the evidence."""
    live = [line for line in lines if line.live]
    waits = []
    for line in live:
        done = _wrong_part_ends(line, live) if line.wrong_part else delivered_at(line)
        waits.append(PartsWait(requisition=line.requisition, submitted_at=line.submitted_at,
                               promised_by=line.promised_by, delivered_at=done, cause=line_cause(line, now)))
    return tuple(waits)
