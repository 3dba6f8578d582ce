"""Parts waits of a ticket and their causes (缺件原因), from the requisitions linked by `ticket`.

Pure: plain facts in, the engine's `PartsWait` out. A shortage is a requisition line whose
`stock_seen` (recorded at submit: where stock could have met the 2-day promise) is not
`regional`; it is derived here rather than copied into a table of its own, because the
evidence at submit time is already kept on the line and the later facts (shipped when,
delivered when, reported as the wrong part) are on its allocations.

One wait per live line (cancelled requisitions are not waits): from the requisition's
submit to the line's delivery (the latest delivery of its allocations; open while any unit
is backordered or on its way), allowed until the line's `promised_by`. The automatic cause,
first rule that applies:
1. wrong part (错发): the point reported an allocation as the wrong part
   (`inventory.requisitions.wrong_part`, `AllocationFacts.wrong_part_at`): `hq_wrong_part`
   when HQ shipped it, else `regional_wrong_part` naming the regional warehouse that did.
   That allocation no longer counts; the wait lasts until the replacement reserved on the
   same line arrives, or the same sku arrives on a later requisition of the ticket, whichever
   is first (open till then). The returns module's `wrong_part` inspection outcome (the point
   sent back the wrong *old* part, charged to the point) is not evidence against a warehouse
   and is not read here;
2. `none`: delivered by `promised_by`, so nobody owes anything;
3. `hq_shortage`: `stock_seen` is `late_only` or `nowhere`: no stock anywhere could keep the
   promise (short everywhere: HQ parts planning), whatever happened to the units there were;
4. a late shipment (迟发): an allocation that could have kept the promise (reserved no later
   than `promised_by - lane_hours`) shipped after that moment, or is still unshipped past it:
   the warehouse had the stock and picked it late. `hq_late_shipment` from HQ
   (总部配件组发货不及时), else `regional_late_shipment` naming the regional warehouse;
5. `regional_shortage`: `stock_seen` is `other_warehouse` or `hq`: the regional warehouse was
   short while another warehouse or HQ could have kept the promise (the centre's planning);
6. `none` otherwise: the stock was there and shipped in time, so the delay was the carrier's,
   which has no owner in the seed's table; the engine shows it as `parts_unexplained`,
   charged to nobody.
HQ's parts module (配件模块确认原因) may confirm or correct a line's cause
(`inventory.tickets.causes`); a `ConfirmedCause` on the line replaces the automatic one.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ..attribution import WAREHOUSE_CAUSES, PartsWait

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

    @property
    def regional_wrong_part(self) -> bool:
        return not self.from_hq and self.wrong_part_at is not None

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
class ConfirmedCause:
    """HQ's parts module's word on a line's cause (配件模块确认原因): the same as the automatic
    cause it saw (`confirmed`) or another (`corrected`)."""

    cause: str
    warehouse: str | None
    automatic_cause: str
    confirmed_by: str
    confirmed_at: datetime
    note: str | None = None

    @property
    def status(self) -> str:
        return "confirmed" if self.cause == self.automatic_cause else "corrected"


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
    line_id: int | None = None
    confirmed: ConfirmedCause | None = None

    @property
    def wrong_part(self) -> bool:
        """A warehouse (HQ or regional) shipped the wrong part on this line (rule 1)."""
        return any(a.wrong_part_at is not None for a in self.allocations)

    @property
    def regional_warehouses(self) -> tuple[str, ...]:
        """The regional warehouses the line's units were allocated at, in allocation order."""
        return tuple(dict.fromkeys(a.warehouse for a in self.allocations if not a.from_hq))

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


def _shipped_late(a: AllocationFacts, promised_by: datetime, now: datetime) -> bool:
    if a.status == "released":
        return False
    last_ship = promised_by - timedelta(hours=a.lane_hours)
    if a.created_at > last_ship:
        return False  # its lane could not keep the promise from the start: a shortage, not a late shipment
    shipped = a.shipped_at if a.shipped_at is not None else now
    return shipped > last_ship


def automatic_cause(line: LineFacts, now: datetime) -> tuple[str, str | None]:
    """The cause of the line's wait by the rules of the module docstring, and the regional
    warehouse it names (else None); `now` bounds unshipped units."""
    if any(a.hq_wrong_part for a in line.allocations):
        return "hq_wrong_part", None
    mis_shipped = next((a.warehouse for a in line.allocations if a.regional_wrong_part), None)
    if mis_shipped is not None:
        return "regional_wrong_part", mis_shipped
    done = delivered_at(line)
    if done is not None and done <= line.promised_by:
        return "none", None
    if line.stock_seen in SHORT_EVERYWHERE:
        return "hq_shortage", None
    late = [a for a in line.allocations if _shipped_late(a, line.promised_by, now)]
    if any(a.from_hq for a in late):
        return "hq_late_shipment", None
    if late:
        return "regional_late_shipment", late[0].warehouse
    return ("regional_shortage" if line.stock_seen in REGIONAL_SHORT else "none"), None


def judged_cause(line: LineFacts, now: datetime) -> tuple[str, str | None]:
    """HQ's confirmed cause when there is one, else the automatic cause (with its warehouse)."""
    if line.confirmed is not None:
        return line.confirmed.cause, line.confirmed.warehouse
    return automatic_cause(line, now)


def line_cause(line: LineFacts, now: datetime) -> str:
    """The cause the line's wait is attributed by: confirmed by HQ, else automatic."""
    return judged_cause(line, now)[0]


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
        cause, warehouse = judged_cause(line, now)
        waits.append(PartsWait(requisition=line.requisition, submitted_at=line.submitted_at,
                               promised_by=line.promised_by, delivered_at=done, cause=cause,
                               warehouse=warehouse if cause in WAREHOUSE_CAUSES else None))
    return tuple(waits)
