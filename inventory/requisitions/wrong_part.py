"""Wrong part shipped (错发): the point reports that units of a line arrived as another part.

It is reported on receipt (`service.receive(..., wrong_parts=...)`) or, when the box is opened
later, on units already confirmed (`report`). Either way, in the caller's one transaction:
- the mis-shipped allocation (split when only some of its units were wrong) is released and
  marked `wrong_part_at/sku/by`: its units no longer count toward the line, and when HQ shipped
  them the ticket's parts wait gets cause `hq_wrong_part` (`inventory.tickets.waits`);
- the shipping warehouse's books follow what physically left it: the ordered units never left
  the shelf (a `mis_shipment` movement puts them back on hand) and the received sku did
  (another takes it off, when the books hold that many available; otherwise the event says to
  count it). The wrong units go back to that warehouse, whose clerk books them in as a receipt;
- a replacement is reserved at once by submit's preference (the units just put back are
  usually the cheapest), else backordered for the nightly optimizer. The line keeps its
  `promised_by`: the shipper broke the promise, it is not renewed;
- a dealer's quota for those units goes back from consumed to reserved (the replacement
  consumes it when it ships), and old parts expected for them are withdrawn (never fitted);
- a `wrong_part` requisition event and a `stock.mis_shipment` audit row record it.
A repeat of a line's latest report, with nothing delivered on the line since, changes nothing.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from .. import audit, supersession
from ..access import Principal
from ..catalog import Part
from ..db import utcnow
from ..errors import Conflict, InsufficientStock, InvalidInput, NotFound
from ..network import ServicePoint
from ..policy import Policy, load_policy
from ..quotas import service as quotas
from ..returns.lifecycle import unclaimed_units, withdraw_unissued
from ..warehouses import ledger
from .models import Allocation, Requisition, RequisitionLine
from .history import add_event, event_time, refresh_status
from .reads import get, require_owner
from .reserving import ledger_ref, planned_keys, reserve_units, serving_options

MAX_NOTE = 200


@dataclass(frozen=True)
class WrongPart:
    """Line `line` got `received_sku` instead: `qty` units (default all) from `warehouse` (needed
    only when the line's units came from several warehouses and not all were wrong)."""

    line: int
    received_sku: str
    qty: int | None = None
    warehouse: str | None = None
    note: str = ""


def _at(prefix: str, name: str) -> str:
    """The field an error points at: `wrong_parts.0.qty` in a receipt, `qty` in a report of its own."""
    return f"{prefix}.{name}" if prefix else name


def _line(req: Requisition, number: int, field: str) -> RequisitionLine:
    line = next((line for line in req.lines if line.line_no == number), None)
    if line is None:
        raise InvalidInput(f"{req.code} has no line {number}", code="wrong_part.no_such_line",
                           field=_at(field, "line"), requisition=req.code, line=number)
    return line


def _check(session: Session, req: Requisition, report: WrongPart, field: str) -> RequisitionLine:
    """The report's own sense, before anything changes: a line of this requisition, a real
    part that is not the one ordered, a whole number of units, a short note."""
    line = _line(req, report.line, field)
    if session.get(Part, report.received_sku) is None:
        raise InvalidInput(f"unknown sku {report.received_sku}: name the part that arrived",
                           code="wrong_part.unknown_sku", field=_at(field, "received_sku"), sku=report.received_sku)
    if report.received_sku == line.sku:
        raise InvalidInput(f"{line.sku} is the part line {line.line_no} ordered; that is not a wrong part",
                           code="wrong_part.ordered_part", field=_at(field, "received_sku"), sku=line.sku,
                           line=line.line_no)
    if report.qty is not None and (not isinstance(report.qty, int) or isinstance(report.qty, bool)
                                   or report.qty < 1):
        raise InvalidInput("qty must be a whole number of at least 1", code="wrong_part.qty_not_positive",
                           field=_at(field, "qty"))
    if len(report.note or "") > MAX_NOTE:
        raise InvalidInput(f"note may have at most {MAX_NOTE} characters", code="wrong_part.note_too_long",
                           field=_at(field, "note"), most=MAX_NOTE)
    return line


def check_reports(session: Session, req: Requisition,
                  reports: Sequence[WrongPart]) -> list[tuple[str, WrongPart, RequisitionLine]]:
    """Reports made on receipt, checked before the receipt changes anything; one per line.
    Returns (field, report, line) for `record`."""
    checked, seen = [], set()
    for i, report in enumerate(reports):
        field = f"wrong_parts.{i}"
        line = _check(session, req, report, field)
        if report.line in seen:
            raise InvalidInput(f"line {report.line} is reported twice; put its units in one report",
                               code="wrong_part.line_twice", field=_at(field, "line"), line=report.line)
        seen.add(report.line)
        checked.append((field, report, line))
    return checked


def _choose(line: RequisitionLine, arrived: list[Allocation], report: WrongPart,
            field: str) -> list[tuple[Allocation, int]]:
    """Which arrived allocations hold the wrong units, latest arrival first (units that are the
    reported sku, a substitute shipped as such, are the right part)."""
    pool = [a for a in arrived if report.warehouse in (None, a.warehouse_code) and a.sku != report.received_sku]
    if not pool and any(a.sku == report.received_sku for a in arrived):
        raise InvalidInput(f"{report.received_sku} replaces {line.sku} (替代件) and line {line.line_no} was served "
                           "with it; that is not a wrong part", code="wrong_part.substitute",
                           field=_at(field, "received_sku"), sku=report.received_sku, ordered=line.sku,
                           line=line.line_no)
    if not pool:
        raise InvalidInput(f"no units of line {line.line_no} arrived from {report.warehouse}",
                           code="wrong_part.none_from_warehouse", field=_at(field, "warehouse"), line=line.line_no,
                           warehouse=report.warehouse)
    total = sum(a.qty for a in pool)
    qty = report.qty or total
    if qty > total:
        raise InvalidInput(f"only {total} units of line {line.line_no} arrived"
                           + (f" from {report.warehouse}" if report.warehouse else ""),
                           code="wrong_part.more_than_arrived" + ("_from" if report.warehouse else ""),
                           field=_at(field, "qty"), total=total, line=line.line_no, warehouse=report.warehouse)
    senders = sorted({a.warehouse_code for a in pool})
    if qty < total and len(senders) > 1:
        raise InvalidInput(f"line {line.line_no}'s units came from {' and '.join(senders)}: "
                           "say which warehouse sent the wrong ones", code="wrong_part.which_warehouse",
                           field=_at(field, "warehouse"), line=line.line_no, warehouses=" and ".join(senders))
    chosen = []
    for a in sorted(pool, key=lambda a: (a.delivered_at, a.id or 0), reverse=True):
        take = min(qty, a.qty)
        chosen.append((a, take))
        qty -= take
        if not qty:
            break
    return chosen


def _mark(line: RequisitionLine, a: Allocation, qty: int, report: WrongPart, actor: str, at: datetime) -> Allocation:
    """Release `qty` units of `a` as mis-shipped (a twin row holds them when only some were wrong)."""
    if qty < a.qty:
        a.qty -= qty
        a = Allocation(warehouse_code=a.warehouse_code, sku=a.sku, qty=qty, status=a.status, promised_by=a.promised_by,
                       eta=a.eta, lane_hours=a.lane_hours, unit_cost=a.unit_cost, created_at=a.created_at,
                       shipped_at=a.shipped_at, delivered_at=a.delivered_at)
        line.allocations.append(a)
    a.status, a.on_time = "released", None
    a.wrong_part_at, a.wrong_part_sku, a.wrong_part_by = at, report.received_sku, actor
    return a


def _correct_stock(session: Session, req: Requisition, line: RequisitionLine, warehouse: str, sent_sku: str,
                   qty: int, received_sku: str, actor: str, at: datetime) -> bool:
    """The shipping warehouse's books as they physically stand: the units it booked out (the
    line's sku or the substitute it served) back on hand, the received ones off. False when its
    books lack that many of the received sku to take off."""
    why = f"wrong part on {req.code} line {line.line_no}"
    ledger.receive(session, warehouse, sent_sku, qty, actor=actor, kind="mis_shipment",
                   reason=f"{why}: the ordered units never left", ref=ledger_ref(req), at=at)
    try:
        ledger.take_available(session, warehouse, received_sku, qty, kind="mis_shipment", actor=actor,
                              reason=f"{why}: shipped instead of {sent_sku}", ref=ledger_ref(req), at=at)
    except InsufficientStock:
        return False
    return True


def record(session: Session, req: Requisition, line: RequisitionLine, report: WrongPart, arrived: list[Allocation],
           *, policy: Policy, actor: str, at: datetime, field: str) -> None:
    """Record that units among `arrived` (the line's delivered allocations) were the wrong part,
    correct the shipper's stock and reserve a replacement (see the module docstring).
    The report was checked (`_check`) by the caller."""
    if not arrived:
        raise Conflict(f"no units of line {line.line_no} of {req.code} have arrived to report",
                       code="wrong_part.nothing_arrived", line=line.line_no, requisition=req.code)
    chosen = _choose(line, arrived, report, field)
    if any(at < a.delivered_at for a, _ in chosen):
        raise InvalidInput("at is before the units arrived", code="wrong_part.reported_before_arrival", field="at")
    qty = sum(n for _, n in chosen)
    by_warehouse: dict[str, int] = defaultdict(int)
    booked_out: dict[tuple[str, str], int] = defaultdict(int)
    for a, n in chosen:
        by_warehouse[a.warehouse_code] += n
        booked_out[(a.warehouse_code, a.sku)] += n
    unclaimed = max(unclaimed_units(session, req, line), 0)
    if qty > unclaimed:
        raise Conflict(f"{qty} units of line {line.line_no} reported as the wrong part, but returns already account "
                       f"for some as {line.sku} (sent back unused or fitted); {unclaimed} can be reported",
                       code="wrong_part.units_on_returns", line=line.line_no, most=unclaimed)
    point = session.get(ServicePoint, req.service_point_code)
    serving = supersession.serving_skus(session, [line.sku])
    if req.dealer_code:  # the quota row before the stock rows, as submit takes them
        quotas.lock_account(session, req.dealer_code, req.quota_period)
    ledger.lock_balances(session, {(w, s) for w, sent in booked_out for s in (sent, report.received_sku)}
                         | planned_keys(session, point, [(line.sku, qty)], policy, serving))
    to_count = []
    for (warehouse, sent), n in sorted(booked_out.items()):
        if not _correct_stock(session, req, line, warehouse, sent, n, report.received_sku, actor, at):
            to_count.append(warehouse)
    for a, n in chosen:
        _mark(line, a, n, report, actor, at)
    before = len(line.allocations)
    line.backordered_qty += reserve_units(session, req, line, serving_options(session, point, serving[line.sku]),
                                          qty, policy=policy, actor=actor, now=at)
    if req.dealer_code:
        quotas.reopen(session, req.dealer_code, req.quota_period, line.unit_price * qty, actor=actor,
                     ref_id=req.code, reason=f"wrong part on line {line.line_no}: replacement to ship")
    withdraw_unissued(session, req, line, actor=actor, now=at,
                      note="expectation withdrawn: the wrong part arrived, nothing was fitted")
    detail = {"line": line.line_no, "sku": line.sku, "received_sku": report.received_sku,
              "units": sorted(by_warehouse.items()),
              "replacement": [[a.warehouse_code, a.qty] for a in line.allocations[before:]],
              "backordered": line.backordered_qty, "count": [[w, report.received_sku] for w in to_count]}
    if report.note:
        detail["note"] = report.note
    add_event(session, req, "wrong_part", actor, at, **detail)
    for warehouse, n in sorted(by_warehouse.items()):
        audit.record(session, actor, "stock.mis_shipment", f"stock:{warehouse}/{line.sku}", requisition=req.code,
                     line=line.line_no, qty=n, received_sku=report.received_sku,
                     received_sku_corrected=warehouse not in to_count)


def _is_repeat(line: RequisitionLine, report: WrongPart, at: datetime | None) -> bool:
    """The same report as the line's latest, with nothing delivered on the line since."""
    reported = [a for a in line.allocations if a.mis_shipped]
    if not reported:
        return False
    latest_at = max(a.wrong_part_at for a in reported)
    latest = [a for a in reported if a.wrong_part_at == latest_at]
    same = (all(a.wrong_part_sku == report.received_sku for a in latest)
            and report.warehouse in (None, *{a.warehouse_code for a in latest})
            and report.qty in (None, sum(a.qty for a in latest))
            and at in (None, latest_at))
    arrived_since = any(a.status == "delivered" and a.delivered_at > latest_at for a in line.allocations)
    return same and not arrived_since


def report(session: Session, principal: Principal, code: str, wrong: WrongPart, *, policy: Policy | None = None,
           at: datetime | None = None, now: datetime | None = None) -> Requisition:
    """Units of a line already confirmed delivered turn out to be the wrong part (the owner or HQ says so).

    An unknown line is NotFound; a line with nothing delivered is a Conflict (report on receipt instead)."""
    now = now or utcnow()
    given_at = at
    at = event_time(at, now)
    req = get(session, principal, code, for_update=True)
    require_owner(principal, req)
    if not any(line.line_no == wrong.line for line in req.lines):
        raise NotFound(f"{code} has no line {wrong.line}", code="requisition.no_such_line", requisition=code,
                       line=wrong.line)
    line = _check(session, req, wrong, "")
    if _is_repeat(line, wrong, given_at):
        return req
    delivered = [a for a in line.allocations if a.status == "delivered"]
    if not delivered:
        raise Conflict(f"line {line.line_no} of {code} has no delivered units; "
                       "a wrong part still on its way is reported when receiving it (receive with wrong_parts)",
                       code="wrong_part.nothing_delivered", line=line.line_no, requisition=code)
    record(session, req, line, wrong, delivered, policy=policy or load_policy(session), actor=principal.name,
           at=at, field="")
    refresh_status(req)
    return req
