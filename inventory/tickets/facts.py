"""Everything the engine needs about many tickets, read in a handful of set-based queries.

`load_facts(session, where)` takes a condition on `ticket` (one code, or a month's completed
tickets) and runs one query per table whatever the number of tickets, so the single-ticket
view and the 100,000-ticket monthly report read the same facts the same way.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..attribution import Event, Ticket
from ..catalog import Part
from ..errors import InvalidInput
from ..network import Center, ServicePoint, Warehouse
from ..requisitions.models import Allocation, Requisition, RequisitionLine, format_code
from .models import PartsWaitCause, RepairTicket, TicketEvent
from .waits import AllocationFacts, ConfirmedCause, LineFacts, parts_waits

UNKNOWN_FAMILY = "unspecified"
CHUNK = 1000


@dataclass(frozen=True)
class TicketFacts:
    """One ticket's facts; `service_point` and `family` are already resolved (see `_resolve`)."""

    code: str
    service_point: str | None
    center: str | None
    province: str | None
    distance_class: str | None
    family: str
    events: tuple[Event, ...]
    lines: tuple[LineFacts, ...]
    center_warehouses: tuple[str, ...] = ()
    dispatches: tuple[tuple[datetime, str], ...] = ()  # (at, point) of each dispatched_point event naming one

    @property
    def completed_at(self) -> datetime | None:
        return min((e.at for e in self.events if e.type == "completed"), default=None)

    def unattributable(self) -> str | None:
        """Why the engine cannot run yet, or None."""
        if not any(e.type == "created" for e in self.events):
            return "no created event has arrived yet"
        if self.service_point is None:
            return "no service point yet: send service_point on an event, or link a requisition"
        return None

    def as_of(self, t: datetime) -> TicketFacts:
        """The ticket as it stood at `t`: later events, requisitions, shipments and deliveries unknown."""
        return replace(self, events=tuple(e for e in self.events if e.at <= t),
                       dispatches=tuple(d for d in self.dispatches if d[0] <= t),
                       lines=tuple(line.as_of(t) for line in self.lines if line.submitted_at <= t))

    def engine_ticket(self, now: datetime) -> Ticket:
        """The engine's input; causes of open HQ allocations are judged at the ticket's end or `now`."""
        reason = self.unattributable()
        if reason:
            raise InvalidInput(f"ticket {self.code} cannot be attributed: {reason}", code="ticket.not_attributable",
                               field="ticket", ticket=self.code, reason=reason)
        redone = redispatch(list(self.dispatches)) if self.dispatches else None
        return Ticket(code=self.code, service_point=self.service_point, center=self.center,
                      distance_class=self.distance_class, family=self.family,
                      events=self.events + ((redone,) if redone is not None else ()),
                      parts_waits=parts_waits(list(self.lines), self.completed_at or now),
                      center_warehouses=self.center_warehouses)


def _tickets(session: Session, where) -> list:
    return session.connection().execute(
        select(RepairTicket.code, RepairTicket.service_point_code, RepairTicket.family).where(where)).all()


def _events(session: Session, where) -> tuple[dict[str, list[Event]], dict[str, list[tuple[datetime, str]]]]:
    """Each ticket's events, and the (at, point) of its dispatches that name a point."""
    events: dict[str, list[Event]] = defaultdict(list)
    dispatches: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    rows = session.connection().execute(
        select(TicketEvent.ticket_code, TicketEvent.type, TicketEvent.at, TicketEvent.until, TicketEvent.note,
               TicketEvent.service_point_code)
        .join(RepairTicket, RepairTicket.code == TicketEvent.ticket_code).where(where))
    for code, kind, at, until, note, point in rows:
        events[code].append(Event(kind, at, until, note))
        if kind == "dispatched_point" and point is not None:
            dispatches[code].append((at, point))
    return events, dispatches


def redispatch(sent: list[tuple[datetime, str]]) -> Event | None:
    """A ticket dispatched to one point and then to another lost the time between to a wrong
    dispatch (派单错误, the centre's): from the first dispatch to a point other than the final one
    to the dispatch that held (the first to the final point after the last to any other). A -> B -> A
    charges only B's stretch: A's own time before it stays A's. None when every dispatch named one point."""
    sent = sorted(sent)
    final = sent[-1][1]
    others = [i for i, (_, point) in enumerate(sent) if point != final]
    if not others:
        return None
    start, held = sent[others[0]][0], sent[others[-1] + 1][0]
    if held <= start:
        return None
    return Event("wrong_dispatch", start, held, f"re-dispatched from {sent[others[-1]][1]} to {final}")


def _allocations(session: Session, where) -> dict[int, list[AllocationFacts]]:
    hq = set(session.scalars(select(Warehouse.code).where(Warehouse.kind == "hq")))
    by_line: dict[int, list[AllocationFacts]] = defaultdict(list)
    rows = session.connection().execute(
        select(Allocation.line_id, Allocation.warehouse_code, Allocation.qty, Allocation.status,
               Allocation.created_at, Allocation.lane_hours, Allocation.shipped_at, Allocation.delivered_at,
               Allocation.wrong_part_at)
        .join(RequisitionLine, RequisitionLine.id == Allocation.line_id)
        .join(Requisition, Requisition.id == RequisitionLine.requisition_id)
        .join(RepairTicket, RepairTicket.code == Requisition.ticket)
        .where(where).order_by(Allocation.id))
    for line_id, warehouse, qty, status, created, hours, shipped, delivered, wrong_part_at in rows:
        by_line[line_id].append(AllocationFacts(warehouse, warehouse in hq, qty, status, created, hours,
                                                shipped, delivered, wrong_part_at))
    return by_line


def _confirmed(session: Session, where) -> dict[int, ConfirmedCause]:
    """HQ's confirmed or corrected causes of the matching tickets' lines, by line id."""
    rows = session.connection().execute(
        select(PartsWaitCause.line_id, PartsWaitCause.cause, PartsWaitCause.warehouse_code,
               PartsWaitCause.automatic_cause, PartsWaitCause.confirmed_by, PartsWaitCause.confirmed_at,
               PartsWaitCause.note)
        .join(RepairTicket, RepairTicket.code == PartsWaitCause.ticket_code).where(where))
    return {line_id: ConfirmedCause(*facts) for line_id, *facts in rows}


def _lines(session: Session, where) -> dict[str, list[LineFacts]]:
    allocations = _allocations(session, where)
    confirmed = _confirmed(session, where)
    lines: dict[str, list[LineFacts]] = defaultdict(list)
    rows = session.connection().execute(
        select(Requisition.ticket, Requisition.id, Requisition.status, Requisition.service_point_code,
               Requisition.created_at, RequisitionLine.id, RequisitionLine.line_no, RequisitionLine.sku,
               RequisitionLine.qty, Part.family, RequisitionLine.promised_by, RequisitionLine.stock_seen,
               RequisitionLine.backordered_qty)
        .join(RepairTicket, RepairTicket.code == Requisition.ticket)
        .join(RequisitionLine, RequisitionLine.requisition_id == Requisition.id)
        .join(Part, Part.sku == RequisitionLine.sku)
        .where(where).order_by(Requisition.created_at, Requisition.id, RequisitionLine.line_no))
    for code, req_id, status, point, created, line_id, line_no, sku, qty, family, promised, seen, back in rows:
        lines[code].append(LineFacts(format_code(req_id), status, point, created, line_no, sku, qty, family,
                                     promised, seen, back, tuple(allocations.get(line_id, ())),
                                     line_id=line_id, confirmed=confirmed.get(line_id)))
    return lines


def _points(session: Session, codes: set[str]) -> dict[str, tuple[str, str, str]]:
    """Service point -> (centre, province, distance class), for the points named only."""
    found: dict[str, tuple[str, str, str]] = {}
    ordered = sorted(codes)
    for i in range(0, len(ordered), CHUNK):
        rows = session.connection().execute(
            select(ServicePoint.code, ServicePoint.center_code, Center.province, ServicePoint.distance_class)
            .join(Center, Center.code == ServicePoint.center_code)
            .where(ServicePoint.code.in_(ordered[i:i + CHUNK])))
        found.update((code, (center, province, dc)) for code, center, province, dc in rows)
    return found


def _resolve(point: str | None, family: str | None, lines: list[LineFacts]) -> tuple[str | None, str]:
    """The point and product family from the events, else from the earliest linked requisition:
    the point that requisitions parts for a ticket is the one repairing it, and the part's
    family is the unit's. Lines come ordered by submit time, so the choice is deterministic."""
    point = point or next((line.service_point for line in lines), None)
    family = family or next((line.part_family for line in lines if line.part_family), None)
    return point, family or UNKNOWN_FAMILY


def load_facts(session: Session, where) -> dict[str, TicketFacts]:
    """The facts of every ticket matching `where` (a condition on `RepairTicket`), by code.

    Core statements on the session's connection: no ORM identity map for a million rows."""
    tickets = _tickets(session, where)
    events, dispatches = _events(session, where)
    lines = _lines(session, where)
    resolved = {code: _resolve(point, family, lines.get(code, [])) for code, point, family in tickets}
    points = _points(session, {point for point, _ in resolved.values() if point})
    warehouses: dict[str, tuple[str, ...]] = defaultdict(tuple)
    for warehouse, center in session.connection().execute(
            select(Warehouse.code, Warehouse.center_code).where(Warehouse.center_code.is_not(None))):
        warehouses[center] += (warehouse,)
    facts = {}
    for code, (point, family) in resolved.items():
        center, province, distance = points.get(point, (None, None, None))
        facts[code] = TicketFacts(code, point, center, province, distance, family,
                                  tuple(sorted(events.get(code, ()), key=Event.sort_key)),
                                  tuple(lines.get(code, ())), warehouses.get(center, ()),
                                  tuple(sorted(dispatches.get(code, ()))))
    return facts
