"""Submit, cancel, ship and receive requisitions (a wrong part on receipt: `wrong_part`).
Callers own the transaction.

Submit reserves the dealer's quota first (refusing the whole requisition if it does not fit),
then reserves stock line by line in the preference order of `allocation`. All of it happens
in the caller's one transaction, so a refusal anywhere leaves nothing reserved.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, exists, insert, select, text, true, update
from sqlalchemy.orm import Session

from .. import bulk, customer_charges, supersession
from ..access import Principal
from ..catalog import Part
from ..db import attach, insert_new, utcnow
from ..errors import Conflict, InvalidInput
from ..network import ServicePoint, dealer_ship_to
from ..policy import Policy, load_policy
from ..quotas import service as quotas
from ..returns.lifecycle import expect_returns_for_shipment
from ..tickets.events import check_code
from ..warehouses import ledger
from . import scans, warranty, wrong_part
from .allocation import Option, stock_seen
from .history import add_event, event_time, event_values, refresh_status
from .models import Requisition, RequisitionEvent, RequisitionLine
from .reads import get, require_owner
from .reserving import (OPTION_ARRAYS, ledger_ref, options_of_arrays, plan_locked_lines, planned_options,
                        ranked, reserve_units, serving_options, with_locked)
from .writing import write_submitted

MAX_LINES = 200
MAX_QTY = 10_000
REQUESTERS = ("dealer", "service_point")


@dataclass(frozen=True)
class LineRequest:
    sku: str
    qty: int
    in_warranty: bool | None = None  # the caller's assertion, checked against the decision


def _point_and_parts(session: Session, principal: Principal, ship_to: str, lines: list[LineRequest],
                     ticket: str | None
                     ) -> tuple[ServicePoint, dict[str, Part], bool, bool, bool, dict[str, list[Option]] | None]:
    """The caller's own point, or one of the dealer's ship-to points (nothing else exists for it),
    the parts the lines name that exist, whether any of them is in a 替代件 chain, whether the
    ticket has its appliance recorded, whether it is dispatched to this point, and on PostgreSQL each part's own options
    (`reserving.options_by_sku`; None elsewhere): one query. A ticket the call centre dispatched to
    another point is refused: its appliance would decide the warranty of parts for someone else's
    repair, and its wait would be charged to the wrong ticket."""
    not_yours = InvalidInput(f"{ship_to} is not one of your ship-to service points",
                             code="requisition.ship_to_not_yours", field="ship_to", ship_to=ship_to)
    joined = bulk.on_postgresql(session)
    if principal.role == "service_point":
        if ship_to != principal.code:
            raise not_yours
        stmt, params = _POINT_AND_PARTS[joined], {"point": ship_to}
    elif principal.role == "dealer":
        stmt, params = _DEALER_POINT_AND_PARTS[joined], {"point": ship_to, "dealer": principal.code}
    else:
        raise InvalidInput("only dealers and service points submit requisitions", code="requisition.requesters_only")
    skus = sorted({line.sku for line in lines}) if len(lines) <= MAX_LINES else []
    rows = session.execute(stmt, {**params, "skus": skus, "ticket": ticket}).all()
    if not rows:
        raise not_yours
    point, _, chained, appliance, ticket_point = rows[0][:5]
    if ticket_point is not None and ticket_point != point.code:
        raise InvalidInput(f"ticket {ticket} is not one of {point.code}'s repair tickets",
                           code="requisition.ticket_not_yours", field="ticket", ticket=ticket)
    parts = {row[1].sku: row[1] for row in rows if row[1] is not None}
    options = options_of_arrays(point, parts, [row[5:] for row in rows]) if joined else None
    return point, parts, chained, appliance, ticket_point is not None, options


# Built once: every submit runs one of them (a statement's construction costs more CPU than running it).
# `chained`: whether any 替代件 row lies around the skus (else none needs its chain read); `appliance`:
# whether the ticket has its appliance recorded (else the warranty engine needs nothing of it);
# `ticket_point`: the point the call centre dispatched the ticket to (None: not known yet); on
# PostgreSQL (key True) then the options of each part (`reserving.OPTION_ARRAYS`: a column of arrays
# each, so one row a part) (SQLite reads them on their own: joined, the bench's submit took 93 ms of CPU).
_FIRST = select(ServicePoint, Part, supersession.ANY_AROUND.label("chained"), warranty.HAS_APPLIANCE.label("appliance"),
                warranty.TICKET_POINT_LOCKED.label("ticket_point"))
_POINT_AND_PARTS = {
    False: (_FIRST.outerjoin(Part, Part.sku.in_(bindparam("skus", expanding=True)))
            .where(ServicePoint.code == bindparam("point"))),
    True: (_FIRST.add_columns(*OPTION_ARRAYS.c).select_from(ServicePoint)
           .outerjoin(Part, Part.sku.in_(bindparam("skus", expanding=True)))
           .outerjoin(OPTION_ARRAYS, true())
           .where(ServicePoint.code == bindparam("point"))),
}
_DEALER_POINT_AND_PARTS = {joined: stmt.where(exists().where(
    dealer_ship_to.c.dealer_code == bindparam("dealer"), dealer_ship_to.c.service_point_code == ServicePoint.code))
    for joined, stmt in _POINT_AND_PARTS.items()}


def _check_lines(lines: list[LineRequest], parts: dict[str, Part]) -> None:
    if not lines:
        raise InvalidInput("a requisition needs at least one line", code="requisition.no_lines", field="lines")
    if len(lines) > MAX_LINES:
        raise InvalidInput(f"at most {MAX_LINES} lines per requisition", code="requisition.too_many_lines",
                           field="lines", most=MAX_LINES)
    seen = set()
    for i, line in enumerate(lines):
        if not isinstance(line.qty, int) or isinstance(line.qty, bool) or not 1 <= line.qty <= MAX_QTY:
            raise InvalidInput(f"lines[{i}].qty must be a whole number from 1 to {MAX_QTY}",
                               code="requisition.qty_out_of_range", field=f"lines.{i}.qty", index=i, most=MAX_QTY)
        if line.sku in seen:
            raise InvalidInput(f"lines[{i}]: sku {line.sku} is listed twice; put the total on one line",
                               code="requisition.sku_twice", field=f"lines.{i}.sku", index=i, sku=line.sku)
        seen.add(line.sku)
    for i, line in enumerate(lines):
        if line.sku not in parts:
            raise InvalidInput(f"lines[{i}]: unknown sku {line.sku}", code="requisition.unknown_sku",
                               field=f"lines.{i}.sku", index=i, sku=line.sku)


def _reserve_line(session: Session, req: Requisition, line: RequisitionLine, policy: Policy, now: datetime,
                  options: list[Option]) -> None:
    line.stock_seen = stock_seen(options, line.qty, policy.promise_hours)
    line.backordered_qty = reserve_units(session, req, line, options, line.qty, policy=policy,
                                         actor=req.created_by, now=now)


def _lock_reserved(session: Session, req: Requisition, warehouse: str | None = None) -> None:
    ledger.lock_balances(session, {(a.warehouse_code, a.sku) for line in req.lines for a in line.allocations
                                   if a.status == "reserved" and warehouse in (None, a.warehouse_code)})


def submit(session: Session, principal: Principal, *, ship_to: str, lines: list[LineRequest],
           ticket: str | None, policy: Policy, in_warranty: bool | None = None,
           now: datetime | None = None) -> Requisition:
    """Accept a requisition: quota (dealers), then stock within the promise, else late, else backorder.

    Each line's warranty is decided from the ticket's appliance (`warranty`); `in_warranty` (the
    requisition's) and a line's `in_warranty` are the caller's assertions, checked and never used:
    a different one is refused (`WarrantyMismatch`) before anything is reserved."""
    now = now or utcnow()
    if ticket is not None:
        check_code(ticket)
    point, parts, chained, appliance, dispatched, options = _point_and_parts(session, principal, ship_to, lines,
                                                                             ticket)
    if principal.role == "service_point" and in_warranty is not False and not ticket:  # API.md: as before
        raise InvalidInput("a service point's in-warranty requisition needs its repair ticket (a paid repair "
                           "says in_warranty: false)", code="requisition.ticket_needed", field="ticket")
    _check_lines(lines, parts)
    decided = warranty.decide_parts(session, ticket, [parts[l.sku] for l in lines], policy, now,
                                    has_appliance=appliance, dispatched_here=dispatched)
    warranty.check_asserted([(i, l.sku, decided[l.sku]) for i, l in enumerate(lines)], in_warranty,
                            [l.in_warranty for l in lines])
    value = sum((parts[l.sku].unit_price * l.qty for l in lines), start=Decimal("0.00"))
    promised_by = now + timedelta(hours=policy.promise_hours)
    new_lines = [RequisitionLine(line_no=i + 1, sku=l.sku, part=parts[l.sku], qty=l.qty,
                                 unit_price=parts[l.sku].unit_price, promised_by=promised_by, stock_seen="nowhere")
                 for i, l in enumerate(lines)]
    for line in new_lines:
        warranty.apply(line, decided[line.sku])
        customer_charges.freeze_price(line, parts[line.sku], policy)
    req = Requisition(requester_role=principal.role, dealer_code=principal.code if principal.role == "dealer" else None,
                      service_point_code=point.code, point=point, ticket=ticket, status="allocated", lines=[],
                      in_warranty=any(line.in_warranty for line in new_lines),  # as refresh_requisition below
                      value=value, created_at=now, created_by=principal.name,
                      quota_period=quotas.period_of(now) if principal.role == "dealer" else None)
    customer_charges.freeze_visit_fee(req, point, policy)
    numbered = bulk.on_postgresql(session)  # the number from the sequence; the rows written at the end
    written: dict = {}  # what was inserted of the requisition before its lines were reserved (SQLite)

    def number() -> None:
        """Draw the requisition's number now: the quota's and the ledger's rows name it."""
        if req.id is not None:
            return
        if numbered:
            req.id = session.execute(_NEXT_NUMBER).scalar_one()
        else:  # SQLite: the row itself now, its number by RETURNING (its status follows at the end)
            insert_new(session, [req])
            written.update(status=req.status, in_warranty=req.in_warranty)

    if req.dealer_code:
        number()
        quotas.reserve(session, req.dealer_code, req.quota_period, value, actor=principal.name, ref_id=req.code)
    serving = supersession.serving_skus(session, [l.sku for l in lines], any_around=chained)
    takes = _reserve_lines(session, req, new_lines, point, policy, now, number, serving,
                           None if chained else options)
    req.lines = new_lines  # lines and allocations are inserted once, complete (no update after)
    warranty.refresh_requisition(req)
    refresh_status(req)
    detail = dict(value=str(value), allocations=[[l.sku, a.warehouse_code, a.qty] for l in req.lines
                                                 for a in l.allocations],
                  backordered={l.sku: l.backordered_qty for l in req.lines if l.backordered_qty},
                  **substitutes_of(req.lines))
    if takes is not None:  # nothing reserved yet: the reservations and every row in one statement
        write_submitted(session, req, takes, event_values(None, "submitted", principal.name, now, **detail))
    else:
        number()
        _write_submitted(session, req, event_values(req.id, "submitted", principal.name, now, **detail),
                         written=written)
    return req


_NEXT_NUMBER = text("SELECT nextval(pg_get_serial_sequence('requisition', 'id'))")
_INSERT_EVENT = insert(RequisitionEvent.__table__)


def _write_submitted(session: Session, req: Requisition, event: dict, *, written: dict) -> None:
    """The new requisition, its lines, allocations and submitted event in four INSERTs, the
    objects then in the session as if flushed (a flush's unit of work cost more CPU than the rest
    of the submit's writes). Where the reservations were not written with them (`writing`): on
    SQLite, or made line by line. `written`: the requisition's columns already inserted (SQLite
    numbers it so), updated when the reservations changed them (a backorder's status)."""
    if not written:
        insert_new(session, [req])
    else:
        changed = {column: getattr(req, column) for column, value in written.items() if getattr(req, column) != value}
        if changed:
            session.execute(update(Requisition.__table__).where(Requisition.__table__.c.id == req.id).values(changed))
    for line in req.lines:
        line.requisition_id = req.id
    insert_new(session, req.lines)
    allocations = [a for line in req.lines for a in line.allocations]
    for line in req.lines:
        for a in line.allocations:
            a.line_id = line.id
    insert_new(session, allocations)
    session.execute(_INSERT_EVENT, event)
    attach(session, [req], [req, *req.lines, *allocations])


def _reserve_lines(session: Session, req: Requisition, lines: list[RequisitionLine], point: ServicePoint,
                   policy: Policy, now: datetime, number,
                   serving: dict[str, list[str]],
                   options: dict[str, list[Option]] | None) -> list[tuple[str, str, int, str]] | None:
    """Lock the balance rows the lines should take, then reserve each line from options made fresh
    by the lock's own read (`with_locked`). When no two lines may take the same sku (替代件 chains
    can overlap) and every take falls on a locked row, the lines get their allocations and the
    ledger's takes are returned unwritten, for the caller to write with the requisition in one
    statement (`writing`) where the database allows, else written here. Otherwise each line is
    reserved in turn, seeing what the one before took; then None. `number()` draws the
    requisition's number before anything names it; `serving`: `supersession.serving_skus` of the lines;
    `options`: the options of every serving sku when the caller read them (none is in a chain)."""
    locked, by_sku = planned_options(session, point, [(l.sku, l.qty) for l in lines], policy, serving, options)
    by_sku = with_locked(by_sku, ledger.lock_balances(session, locked, create=False))
    skus = [s for l in lines for s in serving[l.sku]]
    if len(skus) == len(set(skus)):
        fresh = [(line, ranked(by_sku, serving[line.sku])) for line in lines]
        for line, options in fresh:
            line.stock_seen = stock_seen(options, line.qty, policy.promise_hours)
        takes = plan_locked_lines(fresh, locked, policy=policy, now=now)
        if takes is not None:
            if ledger.reserve_locked_in_one(session, takes):
                return takes
            number()
            ledger.reserve_locked(session, takes, actor=req.created_by, ref=ledger_ref(req))
            return None
    number()
    for line in lines:
        options = (ranked(by_sku, serving[line.sku]) if len(skus) == len(set(skus))
                   else serving_options(session, point, serving[line.sku]))
        _reserve_line(session, req, line, policy, now, options)
    return None


def substitutes_of(lines, shipped_at: datetime | None = None) -> dict:
    """The units served with another sku than the line's, for the history: {"substitutes":
    [[line sku, served sku, warehouse, qty]]}, or nothing when there are none (an event's
    `allocations` rows keep their three fields: webhooks read them as they are)."""
    rows = [[l.sku, a.sku, a.warehouse_code, a.qty] for l in lines for a in l.allocations
            if a.sku != l.sku and a.status != "released" and (shipped_at is None or a.shipped_at == shipped_at)]
    return {"substitutes": rows} if rows else {}


def cancel(session: Session, principal: Principal, code: str, *, now: datetime | None = None) -> Requisition:
    """Release every reservation and the quota; refused (Conflict) once anything has shipped."""
    now = now or utcnow()
    req = get(session, principal, code, for_update=True)
    require_owner(principal, req)
    if req.status == "cancelled":
        raise Conflict(f"requisition {code} is already cancelled", code="requisition.already_cancelled",
                       requisition=code)
    allocations = [a for line in req.lines for a in line.allocations]
    if any(a.status in ("shipped", "delivered") or a.mis_shipped for a in allocations):
        raise Conflict(f"requisition {code} has shipped; return the parts instead of cancelling",
                       code="requisition.shipped_not_cancelled", requisition=code)
    if req.dealer_code:  # the quota row before the stock rows, as submit takes them
        quotas.lock_account(session, req.dealer_code, req.quota_period)
    _lock_reserved(session, req)
    for line in req.lines:
        for a in line.allocations:
            if a.status == "reserved":
                ledger.release(session, a.warehouse_code, a.sku, a.qty, actor=principal.name,
                               reason="requisition cancelled", ref=ledger_ref(req))
                a.status = "released"
    if req.dealer_code:
        quotas.release(session, req.dealer_code, req.quota_period, req.value, actor=principal.name, ref_id=req.code)
    req.cancelled_at = now
    refresh_status(req)
    add_event(session, req, "cancelled", principal.name, now)
    return req


def ship(session: Session, actor: str, code: str, *, at: datetime | None = None,
         warehouse: str | None = None, scanned: Sequence[str] | None = None,
         now: datetime | None = None) -> Requisition:
    """Issue every reserved allocation (of one warehouse, when a clerk ships its pick).

    `scanned`: the skus a clerk scanned, one per unit; given, they must be exactly what ships
    (`scans.check`), else nothing ships. The API's ship passes none (a warehouse system's call)."""
    now = now or utcnow()
    at = event_time(at, now)
    req = get(session, Principal("hq"), code, for_update=True)
    if req.status == "cancelled":
        raise Conflict(f"requisition {code} is cancelled", code="requisition.cancelled", requisition=code)
    if req.dealer_code:  # the quota row before the stock rows, as submit takes them
        quotas.lock_account(session, req.dealer_code, req.quota_period)
    _lock_reserved(session, req, warehouse)
    to_ship = [(line, a) for line in req.lines for a in line.allocations
               if a.status == "reserved" and (warehouse is None or a.warehouse_code == warehouse)]
    if not to_ship:
        raise Conflict(f"requisition {code} has nothing reserved to ship" + (f" from {warehouse}" if warehouse else ""),
                       code="requisition.nothing_to_ship" + ("_from" if warehouse else ""),
                       requisition=code, warehouse=warehouse)
    if scanned is not None:
        shipping: dict[str, int] = {}
        for _line, a in to_ship:  # the part on the shelf: the allocation's own (a successor may serve the line)
            shipping[a.sku] = shipping.get(a.sku, 0) + a.qty
        scans.check(code, warehouse, shipping, scanned)
    shipped, value = [], Decimal("0.00")
    for line, a in to_ship:
        if at < a.created_at:
            raise InvalidInput("at is before the units were reserved", code="requisition.shipped_before_reserved",
                                   field="at")
        ledger.issue(session, a.warehouse_code, a.sku, a.qty, actor=actor, reason="requisition shipped",
                     ref=ledger_ref(req), at=at)
        a.status, a.shipped_at = "shipped", at
        shipped.append([line.sku, a.warehouse_code, a.qty])
        value += line.unit_price * a.qty
    if req.dealer_code:
        quotas.consume(session, req.dealer_code, req.quota_period, value, actor=actor, ref_id=req.code)
    expect_returns_for_shipment(session, req, at, actor=actor)
    refresh_status(req)
    add_event(session, req, "shipped", actor, at, allocations=shipped, **substitutes_of(req.lines, at))
    return req


def receive(session: Session, principal: Principal, code: str, *, at: datetime | None = None,
            warehouse: str | None = None, wrong_parts: Sequence[wrong_part.WrongPart] = (),
            policy: Policy | None = None,
            now: datetime | None = None) -> Requisition:
    """The service point confirms arrival: each shipped allocation is on time or late from here.

    `warehouse` confirms only the parcel that warehouse sent, so a line served from two
    warehouses is on time or late by its own parcel, not held until the other one lands.
    `wrong_parts` names lines whose arriving units are another part (错发): they are recorded as
    such and replaced (`wrong_part.record`) in the same transaction, instead of counting as delivered."""
    now = now or utcnow()
    at = event_time(at, now)
    req = get(session, principal, code, for_update=True)
    require_owner(principal, req)
    reports = wrong_part.check_reports(session, req, wrong_parts)
    arrived, arriving = [], {}
    for line in req.lines:
        for a in line.allocations:
            if a.status == "shipped" and (warehouse is None or a.warehouse_code == warehouse):
                if at < a.shipped_at:
                    raise InvalidInput("at is before the parts were shipped",
                                       code="requisition.received_before_shipped", field="at")
                a.status, a.delivered_at, a.on_time = "delivered", at, at <= a.promised_by
                arrived.append([line.sku, a.warehouse_code, a.qty, a.on_time])
                arriving.setdefault(line.line_no, []).append(a)
    if not arrived:
        raise Conflict(f"requisition {code} has nothing shipped to receive"
                       + (f" from {warehouse}" if warehouse else ""),
                       code="requisition.nothing_to_receive" + ("_from" if warehouse else ""),
                       requisition=code, warehouse=warehouse)
    add_event(session, req, "received", principal.name, at, allocations=arrived)
    for field, report, line in reports:
        wrong_part.record(session, req, line, report, arriving.get(line.line_no, []),
                          policy=policy or load_policy(session), actor=principal.name, at=at, field=field)
    refresh_status(req)
    return req
