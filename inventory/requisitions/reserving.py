"""Reserving a line's units: the warehouses that may serve a point and their fresh availability,
the balance rows to lock first, and the reservations themselves in `allocation`'s preference
order. Shared by submit (`service`), a wrong part's replacement (`wrong_part`), a part's
availability (`availability`) and a re-plan (`replan`), none of which import the lifecycle."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ..errors import InsufficientStock
from ..catalog import Part
from ..network import Lane, ServicePoint, Warehouse
from ..policy import Policy
from ..warehouses import ledger
from ..warehouses.ledger import Ref
from ..warehouses.models import StockBalance
from .allocation import Option, preference, split
from .models import Allocation, Requisition, RequisitionLine


def ledger_ref(req: Requisition) -> Ref:
    """What a ledger row points back to (the requisition's code)."""
    return Ref("requisition", req.code)


def allocation_values(*, warehouse: str, sku: str, qty: int, promised_by: datetime, lane_hours: int,
                      unit_cost: Decimal, now: datetime) -> dict:
    """The columns of a new reservation of a line's units at a warehouse, its eta from the lane:
    one builder for submit (row by row) and a re-plan (`replan`, in bulk)."""
    return {"warehouse_code": warehouse, "sku": sku, "qty": qty, "status": "reserved", "promised_by": promised_by,
            "eta": now + timedelta(hours=lane_hours), "lane_hours": lane_hours, "unit_cost": unit_cost,
            "created_at": now}


# Lanes from the warehouses that hold a balance row: the options of a point and a sku, filtered by both.
_STOCKED = (Lane.__table__.join(Warehouse.__table__, Warehouse.code == Lane.from_code)
            .join(StockBalance.__table__, StockBalance.warehouse_code == Lane.from_code))
_OPTIONS = (select(Lane.from_code, Lane.hours, Lane.unit_cost, Warehouse.kind, Warehouse.center_code, StockBalance.sku,
                   StockBalance.on_hand - StockBalance.reserved)
            .select_from(_STOCKED)
            .where(StockBalance.sku.in_(bindparam("skus", expanding=True)), Lane.to_code == bindparam("point")))
# (built once: every submit runs it twice)


# The options of one part at one point as arrays, a column each (PostgreSQL), for a caller that reads
# them in its own query (`options_of_arrays`): a submit puts them beside each part of its first one,
# which correlates them (one row a part, not one a warehouse that holds it).
OPTION_ARRAYS = (select(*(func.array_agg(column) for column in _OPTIONS.selected_columns))
                 .select_from(_STOCKED)
                 .where(Lane.to_code == ServicePoint.code, StockBalance.sku == Part.sku)
                 .correlate(ServicePoint, Part)
                 .lateral("options"))


def options_of_rows(point: ServicePoint, skus, rows) -> dict[str, list[Option]]:
    """`options_by_sku` from rows of `_OPTIONS`' columns."""
    by_sku: dict[str, list[Option]] = {sku: [] for sku in dict.fromkeys(skus)}
    for w, h, cost, kind, center, sku, avail in rows:
        by_sku[sku].append(Option(warehouse=w, available=int(avail), hours=h, unit_cost=cost, is_hq=kind == "hq",
                                  is_regional_of_point=center == point.center_code, sku=sku))
    return by_sku


def options_of_arrays(point: ServicePoint, skus, arrays) -> dict[str, list[Option]]:
    """`options_by_sku` from `OPTION_ARRAYS` read elsewhere, a row of arrays per part (NULLs: none)."""
    return options_of_rows(point, skus, (option for row in arrays if row[0] is not None for option in zip(*row)))


def options_by_sku(session: Session, point: ServicePoint, skus) -> dict[str, list[Option]]:
    """Every warehouse with a lane to the point and stock of each sku, with fresh availability:
    one query for all of them."""
    skus = list(dict.fromkeys(skus))
    rows = session.execute(_OPTIONS, {"skus": skus, "point": point.code}).all() if skus else []
    return options_of_rows(point, skus, rows)


def options_for(session: Session, point: ServicePoint, sku: str, rank: int = 0) -> list[Option]:
    """Every warehouse with a lane to the point and stock of the sku, with fresh availability."""
    return ranked(options_by_sku(session, point, [sku]), [sku], first=rank)


def ranked(by_sku: dict[str, list[Option]], serving: list[str], first: int = 0) -> list[Option]:
    """The options of the skus that may serve a line, each ranked by its place in `serving`."""
    return [replace(o, rank=rank) if o.rank != rank else o
            for rank, sku in enumerate(serving, start=first) for o in by_sku.get(sku, [])]


def serving_options(session: Session, point: ServicePoint, serving: list[str]) -> list[Option]:
    """The options of every sku that may serve a line (`supersession.serving_skus`), ranked in
    that order: the line's own sku alone when it is in no replacement chain."""
    return ranked(options_by_sku(session, point, serving), serving)


def reserve_units(session: Session, req: Requisition, line: RequisitionLine, options: list[Option], need: int,
                  *, policy: Policy, actor: str, now: datetime) -> int:
    """Reserve `need` units of the line in preference order, as new allocations (each of the
    sku its option holds: the line's own or a substitute); returns the units nobody could
    reserve (the caller backorders them)."""
    for option in preference(options, policy.promise_hours):
        sku = option.sku or line.sku
        while need and option.available > 0:
            take = min(need, option.available)
            try:
                ledger.reserve(session, option.warehouse, sku, take, actor=actor,
                               reason="requisition" if sku == line.sku else f"requisition for {line.sku}",
                               ref=ledger_ref(req))
            except InsufficientStock:  # someone took some meanwhile: look again
                option = Option(**{**option.__dict__, "available": ledger.available(session, option.warehouse, sku)})
                continue
            line.allocations.append(Allocation(**allocation_values(
                warehouse=option.warehouse, sku=sku, qty=take, promised_by=line.promised_by, lane_hours=option.hours,
                unit_cost=option.unit_cost, now=now)))
            need -= take
            break
        if not need:
            break
    return need


def plan_locked_lines(lines: list[tuple[RequisitionLine, list[Option]]], locked: set[tuple[str, str]], *,
                      policy: Policy, now: datetime) -> list[tuple[str, str, int, str]] | None:
    """Every line's reservations from options read after `locked` (`planned_options`) was locked:
    when each take `split` names falls on a locked row, none can be refused, so the lines get the
    allocations `reserve_units` would write (the rest of each line backordered) and the takes for
    `ledger.reserve_locked` are returned, (warehouse, sku, qty, reason), to be written in one
    statement. None, with nothing done, when a take falls elsewhere (the options moved between the
    plan and the lock): the caller reserves line by line (`reserve_units`)."""
    planned = []
    for line, options in lines:
        takes, left = split(options, line.qty, policy.promise_hours)
        if any((option.warehouse, option.sku or line.sku) not in locked for option, _ in takes):
            return None
        planned.append((line, takes, left))
    ledger_takes = []
    for line, takes, left in planned:
        for option, take in takes:
            sku = option.sku or line.sku
            ledger_takes.append((option.warehouse, sku, take,
                                 "requisition" if sku == line.sku else f"requisition for {line.sku}"))
            line.allocations.append(Allocation(**allocation_values(
                warehouse=option.warehouse, sku=sku, qty=take, promised_by=line.promised_by,
                lane_hours=option.hours, unit_cost=option.unit_cost, now=now)))
        line.backordered_qty = left
    return ledger_takes


def planned_options(session: Session, point: ServicePoint, needs: list[tuple[str, int]], policy: Policy,
                    serving: dict[str, list[str]] | None = None, by_sku: dict[str, list[Option]] | None = None
                    ) -> tuple[set[tuple[str, str]], dict[str, list[Option]]]:
    """The balance rows reserving (sku, qty) needs is expected to touch, to lock them in one global
    order first: two requisitions wanting the same rows in different orders would deadlock.
    `serving` names the skus that may serve each (substitutes' rows are locked too). With the
    options read for it, by sku (`with_locked` makes them fresh once the rows are locked);
    `by_sku`: those options, when the caller read them already (`options_of_rows`)."""
    serving = {sku: (serving or {}).get(sku, [sku]) for sku, _ in needs}
    if by_sku is None:
        by_sku = options_by_sku(session, point, [s for skus in serving.values() for s in skus])
    keys = set()
    for sku, need in needs:
        takes, _ = split(ranked(by_sku, serving[sku]), need, policy.promise_hours)
        keys.update((option.warehouse, option.sku or sku) for option, _ in takes)
    return keys, by_sku


def planned_keys(session: Session, point: ServicePoint, needs: list[tuple[str, int]],
                 policy: Policy, serving: dict[str, list[str]] | None = None) -> set[tuple[str, str]]:
    """`planned_options`' rows alone."""
    return planned_options(session, point, needs, policy, serving)[0]


def with_locked(by_sku: dict[str, list[Option]], available: dict[tuple[str, str], int]) -> dict[str, list[Option]]:
    """The options with the available units of the rows just locked and read (`ledger.lock_balances`),
    exact while the transaction holds them; the other rows' as read before (they are not taken
    unless a caller reserves line by line, which reads again when refused)."""
    return {sku: [replace(o, available=available[(o.warehouse, o.sku)]) if (o.warehouse, o.sku) in available else o
                  for o in options] for sku, options in by_sku.items()}
