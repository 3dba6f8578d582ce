"""The only writer of stock: every change is a ledger row plus the matching balance update.

Concurrency: each change is a single conditional UPDATE (`... WHERE on_hand - reserved >= q`)
whose row count says whether it applied. PostgreSQL takes the row lock inside that UPDATE
and re-checks the condition on the latest row version, so of many concurrent requests for
the last unit exactly one matches; SQLite gets the same effect because every transaction
begins IMMEDIATE (see `inventory.db`). No read-modify-write happens in Python.
We chose the conditional UPDATE over `SELECT ... FOR UPDATE` then UPDATE because it is one
round trip, works unchanged on both databases, and a refusal is simply "0 rows" - no
exception, no retry loop; the CHECK constraints on `stock_balance` are the backstop.
An operation that changes two balance rows (a transfer: out of one warehouse, in transit
to another) first locks both in (warehouse, sku) order (`lock_balances`), so transfers
crossing in opposite directions queue instead of deadlocking on PostgreSQL.
Functions here never commit: the calling service owns the transaction.
"""
from __future__ import annotations

import json

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, insert, literal, or_, select, text, tuple_, union_all, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .. import audit, bulk
from ..db import utcnow
from ..errors import Conflict, InsufficientStock, InvalidInput, NotFound
from .models import StockBalance, StockMovement


@dataclass(frozen=True)
class Ref:
    """What a movement belongs to (a requisition, a transfer, a return, a count)."""

    type: str
    id: str


def _check_qty(qty: int) -> None:
    if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
        raise InvalidInput(f"quantity must be a positive integer, got {qty!r}", code="stock.qty_not_positive", qty=qty)


# The one-row statements are built once, their values bound at execution: building a SQLAlchemy
# statement and its cache key cost more CPU than the database took to run it (a night's
# thousands of transfers, a simulated year's hundreds of thousands of movements).
_ENSURE = {module.dialect.name: module.insert(StockBalance).values(
    warehouse_code=bindparam("w"), sku=bindparam("s"), on_hand=0, reserved=0, in_transit=0).on_conflict_do_nothing()
    for module in (postgresql, sqlite)}
_MOVEMENT = insert(StockMovement).values(
    at=bindparam("at"), warehouse_code=bindparam("w"), sku=bindparam("s"), kind=bindparam("kind"),
    on_hand_delta=bindparam("d_on_hand"), reserved_delta=bindparam("d_reserved"),
    in_transit_delta=bindparam("d_in_transit"), actor=bindparam("actor"), reason=bindparam("reason"),
    ref_type=bindparam("ref_type"), ref_id=bindparam("ref_id"))
# what `_apply` may require of the row before it changes it; `need` is bound at execution
GUARDS = {"available": StockBalance.on_hand - StockBalance.reserved >= bindparam("need"),
          "reserved": StockBalance.reserved >= bindparam("need"),
          "in_transit": StockBalance.in_transit >= bindparam("need"),
          "on_hand_is": StockBalance.on_hand == bindparam("need")}
_UPDATES: dict[tuple[str | None, tuple[str, ...]], object] = {}


def _ensure_balance(session: Session, warehouse: str, sku: str) -> None:
    """Create the (warehouse, sku) row if absent, safely under concurrent receipts."""
    dialect = session.get_bind().dialect.name
    if dialect not in _ENSURE:  # pragma: no cover - only the two supported databases
        raise NotImplementedError(dialect)
    session.execute(_ENSURE[dialect], {"w": warehouse, "s": sku})


def _record(session: Session, warehouse: str, sku: str, kind: str, *, on_hand: int = 0,
            reserved: int = 0, in_transit: int = 0, actor: str, reason: str = "",
            ref: Ref | None = None, at: datetime | None = None) -> None:
    session.execute(_MOVEMENT, {
        "at": at or utcnow(), "w": warehouse, "s": sku, "kind": kind, "d_on_hand": on_hand, "d_reserved": reserved,
        "d_in_transit": in_transit, "actor": actor, "reason": reason, "ref_type": ref.type if ref else None,
        "ref_id": ref.id if ref else None})


def _apply(session: Session, warehouse: str, sku: str, guard: str | None = None, need: int = 0, **deltas) -> bool:
    """Apply deltas to one balance row if its guard holds (`GUARDS[guard]` with `need`, or none);
    True when it did. One statement per (guard, columns changed), built on first use."""
    names = tuple(sorted(name for name, delta in deltas.items() if delta))
    stmt = _UPDATES.get((guard, names))
    if stmt is None:
        stmt = (update(StockBalance)
                .where(StockBalance.warehouse_code == bindparam("w"), StockBalance.sku == bindparam("s"))
                .values({name: getattr(StockBalance, name) + bindparam(f"d_{name}") for name in names})
                .execution_options(synchronize_session=False))
        if guard is not None:
            stmt = stmt.where(GUARDS[guard])
        _UPDATES[(guard, names)] = stmt
    params = {"w": warehouse, "s": sku, **{f"d_{name}": deltas[name] for name in names}}
    if guard is not None:
        params["need"] = need
    return session.execute(stmt, params).rowcount == 1


def lock_balances(session: Session, keys, *, create: bool = True) -> dict[tuple[str, str], int] | None:
    """Create (if absent) and lock the given (warehouse, sku) balance rows in sorted order.

    Multi-row operations call this first so every transaction takes its row locks in the
    same order. On SQLite FOR UPDATE is not emitted: the immediate transaction already
    holds the database's write lock. `create=False` (rows known to exist, as the ones a
    submit found stock in): lock them, creating none, and return each one's available units
    as locked (exact until the transaction ends: nobody else can change them meanwhile).
    """
    ordered = sorted(set(keys))
    if not create:
        if not ordered:
            return {}
        if len(ordered) <= bulk.CHUNK:  # a submit's few rows: one statement built once
            return {(w, s): int(a) for w, s, a in session.execute(_LOCK_EXISTING, {"keys": ordered})}
        columns = (StockBalance.warehouse_code, StockBalance.sku)
        available = {}
        for match in bulk.in_keys(session, columns, ordered):
            available.update(((w, s), int(a)) for w, s, a in session.execute(
                select(*columns, StockBalance.on_hand - StockBalance.reserved).where(match)
                .order_by(*columns).with_for_update()))
        return available
    if len(ordered) <= 2:
        for warehouse, sku in ordered:
            _ensure_balance(session, warehouse, sku)
            session.execute(_LOCK_ONE, {"w": warehouse, "s": sku})
        return None
    _ensure_balances(session, ordered)
    columns = (StockBalance.warehouse_code, StockBalance.sku)
    for keys in bulk.in_keys(session, columns, ordered):  # chunks (SQLite) follow the key order
        session.execute(select(StockBalance.warehouse_code).where(keys)
                        .order_by(*columns).with_for_update())
    return None


_LOCK_ONE = (select(StockBalance.warehouse_code)
             .where(StockBalance.warehouse_code == bindparam("w"), StockBalance.sku == bindparam("s")).with_for_update())
_LOCK_EXISTING = (select(StockBalance.warehouse_code, StockBalance.sku, StockBalance.on_hand - StockBalance.reserved)
                  .where(tuple_(StockBalance.warehouse_code, StockBalance.sku).in_(bindparam("keys", expanding=True)))
                  .order_by(StockBalance.warehouse_code, StockBalance.sku).with_for_update())
LOCK_CHUNK = 1000


def _ensure_balances(session: Session, keys: list[tuple[str, str]]) -> None:
    """Create every missing (warehouse, sku) row: one statement on PostgreSQL, one per chunk here."""
    if bulk.on_postgresql(session):
        src = bulk.rows_of([StockBalance.warehouse_code, StockBalance.sku], keys, "k")
        w, s = list(src.c)
        session.execute(postgresql.insert(StockBalance)
                        .from_select(["warehouse_code", "sku", "on_hand", "reserved", "in_transit"],
                                     select(w, s, literal(0), literal(0), literal(0)))
                        .on_conflict_do_nothing())
        return
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    rows = [{"warehouse_code": w, "sku": s, "on_hand": 0, "reserved": 0, "in_transit": 0} for w, s in keys]
    for start in range(0, len(rows), LOCK_CHUNK):
        session.execute(module.insert(StockBalance).values(rows[start:start + LOCK_CHUNK]).on_conflict_do_nothing())


def get_balance(session: Session, warehouse: str, sku: str) -> StockBalance | None:
    return session.execute(
        select(StockBalance).where(StockBalance.warehouse_code == warehouse, StockBalance.sku == sku)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def available(session: Session, warehouse: str, sku: str) -> int:
    row = get_balance(session, warehouse, sku)
    return row.available if row else 0


def receive(session: Session, warehouse: str, sku: str, qty: int, *, actor: str,
            reason: str = "receipt", ref: Ref | None = None, kind: str = "receipt",
            at: datetime | None = None) -> None:
    """Goods in (入库): on hand rises."""
    _check_qty(qty)
    _ensure_balance(session, warehouse, sku)
    _apply(session, warehouse, sku, on_hand=qty)
    _record(session, warehouse, sku, kind, on_hand=qty, actor=actor, reason=reason, ref=ref, at=at)


def reserve(session: Session, warehouse: str, sku: str, qty: int, *, actor: str,
            reason: str = "reservation", ref: Ref | None = None) -> None:
    """Hold units for a requisition; refused whole when fewer are available."""
    _check_qty(qty)
    ok = _apply(session, warehouse, sku, "available", qty, reserved=qty)
    if not ok:
        raise InsufficientStock(f"{warehouse} has fewer than {qty} of {sku} available",
                                code="stock.insufficient", warehouse=warehouse, sku=sku, qty=qty)
    _record(session, warehouse, sku, "reservation", reserved=qty, actor=actor, reason=reason, ref=ref)


# The balances' conditional UPDATE and the ledger rows of many reservations in one statement, as
# CTEs (`ledger_rows` returns the (warehouse_code, sku) of each reservation made); {ref_id} is the
# SQL of the rows' ref_id: a parameter, or an expression of a caller's CTEs (`Together`). The takes
# come as one JSON text: psycopg adapts an array parameter element by element, in Python.
_RESERVE_LOCKED_CTES = (
    "ledger_d AS (SELECT * FROM json_to_recordset(CAST(:ledger_takes AS JSON)) "
    "AS d(warehouse_code TEXT,sku TEXT,qty INTEGER,reason TEXT)),\n"
    "ledger_u AS (UPDATE stock_balance AS b SET reserved=b.reserved+d.qty FROM ledger_d AS d "
    "WHERE b.warehouse_code=d.warehouse_code AND b.sku=d.sku AND b.on_hand-b.reserved>=d.qty "
    "RETURNING d.warehouse_code,d.sku,d.qty,d.reason),\n"
    "ledger_rows AS (INSERT INTO stock_movement (at,warehouse_code,sku,kind,on_hand_delta,reserved_delta,"
    "in_transit_delta,actor,reason,ref_type,ref_id) SELECT CAST(:ledger_at AS TIMESTAMPTZ),u.warehouse_code,u.sku,"
    "'reservation',0,u.qty,0,CAST(:ledger_actor AS TEXT),u.reason,CAST(:ledger_ref_type AS TEXT),{ref_id} "
    "FROM ledger_u AS u RETURNING warehouse_code,sku)")  # short: psycopg caches the parsing of up to 4 KB
_DONE = "(SELECT array_agg(warehouse_code) FROM ledger_rows), (SELECT array_agg(sku) FROM ledger_rows)"
_RESERVE_LOCKED = text("WITH " + _RESERVE_LOCKED_CTES.format(ref_id="CAST(:ledger_ref_id AS TEXT)")
                       + "\nSELECT " + _DONE)
_TOGETHER: dict = {}


@dataclass(frozen=True)
class Together:
    """A caller's own rows, written in the same statement as `reserve_locked`'s reservations (so
    a request's whole write is one round trip): `head` and `tail`, SQL of CTEs put before and
    after the ledger's; `select`, the columns the statement returns (they may read any CTE);
    `params`, theirs; `ref_id`, SQL of the ledger rows' ref_id when a `head` CTE computes it
    (a number drawn in the statement). The texts are fixed: the statement is built once per shape."""

    head: str
    tail: str
    select: str
    params: dict
    ref_id: str | None = None


def reserve_locked_in_one(session: Session, takes: list[tuple[str, str, int, str]]) -> bool:
    """Whether `reserve_locked` writes these takes in one statement (a `Together` needs it): on
    PostgreSQL, each balance row once (none at all: a `Together` still writes its rows)."""
    for _, _, qty, _ in takes:
        _check_qty(qty)
    return bulk.on_postgresql(session) and len({(w, s) for w, s, _, _ in takes}) == len(takes)


def reserve_locked(session: Session, takes: list[tuple[str, str, int, str]], *, actor: str, ref: Ref,
                   together: Together | None = None):
    """`reserve` for each (warehouse, sku, qty, reason), at rows this transaction has locked
    (`lock_balances`) and read since, so each is known to hold the units: on PostgreSQL one
    statement for all of them (the same conditional UPDATE and ledger rows), `reserve` one by
    one elsewhere or when a row comes twice. A row short of units is still refused
    (InsufficientStock), but then the others have been reserved: the caller lets the
    transaction roll back. `together` (only where `reserve_locked_in_one`): the caller's rows in
    the same statement; its `select` columns are returned."""
    if together is None and not takes:
        return None
    if not reserve_locked_in_one(session, takes):
        if together is not None:
            raise ValueError("a Together needs the takes written in one statement (reserve_locked_in_one)")
        for warehouse, sku, qty, reason in takes:
            reserve(session, warehouse, sku, qty, actor=actor, reason=reason, ref=ref)
        return None
    rows = [{"warehouse_code": w, "sku": s, "qty": q, "reason": r} for w, s, q, r in takes]
    params = {"ledger_takes": json.dumps(rows, separators=(",", ":")),
              "ledger_at": utcnow(), "ledger_actor": actor, "ledger_ref_type": ref.type}
    if together is None:
        stmt, params["ledger_ref_id"] = _RESERVE_LOCKED, ref.id
    else:
        shape = (together.head, together.tail, together.select, together.ref_id)
        stmt = _TOGETHER.get(shape)
        if stmt is None:
            ref_id = together.ref_id or "CAST(:ledger_ref_id AS TEXT)"
            ctes = [c for c in (together.head, _RESERVE_LOCKED_CTES.format(ref_id=ref_id), together.tail) if c]
            stmt = _TOGETHER[shape] = text("WITH " + ",\n".join(ctes) + "\nSELECT " + _DONE + ", "
                                           + together.select)
        params.update(together.params)
        if together.ref_id is None:
            params["ledger_ref_id"] = ref.id
    row = session.execute(stmt, params).one()
    done = set(zip(row[0] or (), row[1] or ()))
    for warehouse, sku, qty, _ in takes:
        if (warehouse, sku) not in done:
            raise InsufficientStock(f"{warehouse} has fewer than {qty} of {sku} available",
                                    code="stock.insufficient", warehouse=warehouse, sku=sku, qty=qty)
    return row[2:] if together is not None else None


def release(session: Session, warehouse: str, sku: str, qty: int, *, actor: str,
            reason: str = "release", ref: Ref | None = None) -> None:
    """Give reserved units back to available (cancel, re-plan)."""
    _check_qty(qty)
    if not _apply(session, warehouse, sku, "reserved", qty, reserved=-qty):
        raise Conflict(f"{warehouse} has fewer than {qty} of {sku} reserved", code="stock.reserved_short",
                       warehouse=warehouse, sku=sku, qty=qty)
    _record(session, warehouse, sku, "release", reserved=-qty, actor=actor, reason=reason, ref=ref)


def issue(session: Session, warehouse: str, sku: str, qty: int, *, actor: str,
          reason: str = "issue", ref: Ref | None = None, at: datetime | None = None) -> None:
    """Ship reserved units out (出库): they leave on hand and the reservation together."""
    _check_qty(qty)
    if not _apply(session, warehouse, sku, "reserved", qty, on_hand=-qty, reserved=-qty):
        raise Conflict(f"{warehouse} has fewer than {qty} of {sku} reserved to issue",
                       code="stock.reserved_short_to_issue", warehouse=warehouse, sku=sku, qty=qty)
    _record(session, warehouse, sku, "issue", on_hand=-qty, reserved=-qty,
            actor=actor, reason=reason, ref=ref, at=at)


def take_available(session: Session, warehouse: str, sku: str, qty: int, *, kind: str,
                   actor: str, reason: str, ref: Ref | None = None, in_transit_to: str | None = None,
                   at: datetime | None = None) -> None:
    """Remove unreserved units (scrap, transfer out); refused when fewer are available."""
    _check_qty(qty)
    if in_transit_to is not None:
        lock_balances(session, [(warehouse, sku), (in_transit_to, sku)])
    if not _apply(session, warehouse, sku, "available", qty, on_hand=-qty):
        raise InsufficientStock(f"{warehouse} has fewer than {qty} of {sku} available",
                                code="stock.insufficient", warehouse=warehouse, sku=sku, qty=qty)
    _record(session, warehouse, sku, kind, on_hand=-qty, actor=actor, reason=reason, ref=ref, at=at)
    if in_transit_to is not None:
        _ensure_balance(session, in_transit_to, sku)
        _apply(session, in_transit_to, sku, in_transit=qty)
        _record(session, in_transit_to, sku, kind, in_transit=qty, actor=actor, reason=reason, ref=ref, at=at)


def scrap(session: Session, warehouse: str, sku: str, qty: int, *, actor: str, reason: str,
          ref: Ref | None = None) -> None:
    """Write off damaged or obsolete units (报废)."""
    take_available(session, warehouse, sku, qty, kind="scrap", actor=actor, reason=reason, ref=ref)


def land_in_transit(session: Session, warehouse: str, sku: str, *, expected: int, received: int,
                    actor: str, reason: str, ref: Ref | None = None, at: datetime | None = None) -> None:
    """Close `expected` units in transit to `warehouse`, of which `received` arrived."""
    if expected < 1 or received < 0 or received > expected:
        raise InvalidInput(f"cannot receive {received} of {expected} in transit", code="stock.receipt_out_of_range",
                           received=received, expected=expected)
    if not _apply(session, warehouse, sku, "in_transit", expected, in_transit=-expected, on_hand=received):
        raise Conflict(f"{warehouse} has fewer than {expected} of {sku} in transit", code="stock.in_transit_short",
                       warehouse=warehouse, sku=sku, qty=expected)
    _record(session, warehouse, sku, "transfer_in", in_transit=-expected, on_hand=received,
            actor=actor, reason=reason, ref=ref, at=at)


def check_count(warehouse: str, sku: str, counted: int, reserved: int) -> None:
    """A count may not go below what is reserved: those reservations must be released (and their
    lines re-planned) first, so no promise silently loses its stock. Every count posts through
    here, and an import's preview asks it before anything is posted."""
    if counted < reserved:
        raise Conflict(f"counted {counted} but {reserved} of {sku} are reserved at {warehouse}; "
                       "release or re-plan them first", code="stock.count_below_reserved",
                       counted=counted, reserved=reserved, sku=sku, warehouse=warehouse)


def adjust_to_count(session: Session, warehouse: str, sku: str, counted: int, *, actor: str,
                    reason: str, ref: Ref | None = None) -> int:
    """Stock count (盘点): set on hand to what was counted; returns the difference written.

    A count below what is reserved is refused: those reservations must be released (and
    their lines re-planned) first, so no promise silently loses its stock.
    """
    if not isinstance(counted, int) or isinstance(counted, bool) or counted < 0:
        raise InvalidInput(f"counted quantity must be a whole number >= 0, got {counted!r}",
                           code="stock.count_not_whole", counted=counted)
    if not reason.strip():
        raise InvalidInput("a stock adjustment needs a reason", code="stock.adjustment_needs_reason", field="reason")
    _ensure_balance(session, warehouse, sku)
    row = session.execute(
        select(StockBalance).where(StockBalance.warehouse_code == warehouse, StockBalance.sku == sku)
        .with_for_update().execution_options(populate_existing=True)
    ).scalar_one()
    check_count(warehouse, sku, counted, row.reserved)
    delta = counted - row.on_hand
    if delta:
        _apply(session, warehouse, sku, "on_hand_is", row.on_hand, on_hand=delta) or _raced()
        _record(session, warehouse, sku, "adjustment", on_hand=delta, actor=actor, reason=reason, ref=ref)
        audit.record(session, actor, "stock.adjust", f"stock:{warehouse}/{sku}", counted=counted,
                     previous=row.on_hand, delta=delta, reason=reason)
    return delta


def _raced():
    raise Conflict("the balance changed while counting; count again", code="stock.changed_while_counting")


def ledger_differences(session: Session) -> list[dict]:
    """Every (warehouse, sku) whose balance differs from the sums of its ledger rows.

    One statement, so one snapshot: read as two (the sums, then the balances) at READ COMMITTED,
    a reservation committed between them showed on a live PostgreSQL as a difference that was
    never there. The ledger rows and the balances, negated, are summed together per key; only
    the keys whose sums disagree come back."""
    columns = ("on_hand", "reserved", "in_transit")
    zero = literal(0)
    movements = select(StockMovement.warehouse_code.label("warehouse"), StockMovement.sku.label("sku"),
                       StockMovement.on_hand_delta.label("ledger_on_hand"),
                       StockMovement.reserved_delta.label("ledger_reserved"),
                       StockMovement.in_transit_delta.label("ledger_in_transit"),
                       zero.label("balance_on_hand"), zero.label("balance_reserved"), zero.label("balance_in_transit"))
    balances = select(StockBalance.warehouse_code, StockBalance.sku, zero, zero, zero,
                      StockBalance.on_hand, StockBalance.reserved, StockBalance.in_transit)
    both = union_all(movements, balances).subquery()
    sums = {f"{side}_{c}": func.sum(both.c[f"{side}_{c}"]) for side in ("ledger", "balance") for c in columns}
    rows = session.execute(
        select(both.c.warehouse, both.c.sku, *(total.label(name) for name, total in sums.items()))
        .group_by(both.c.warehouse, both.c.sku)
        .having(or_(*(sums[f"ledger_{c}"] != sums[f"balance_{c}"] for c in columns)))
        .order_by(both.c.warehouse, both.c.sku)).mappings()
    return [{"warehouse": r["warehouse"], "sku": r["sku"],
             "balance": {c: int(r[f"balance_{c}"]) for c in columns},
             "ledger": {c: int(r[f"ledger_{c}"]) for c in columns}} for r in rows]


def require_balance(session: Session, warehouse: str, sku: str) -> StockBalance:
    row = get_balance(session, warehouse, sku)
    if row is None:
        raise NotFound(f"{warehouse} holds no {sku}", code="stock.no_balance", warehouse=warehouse, sku=sku)
    return row


def _bulk_balance_update(session: Session, column: str, deltas: dict[tuple[str, str], int]) -> None:
    """Add per-(warehouse, sku) deltas to one column in one set-based statement; CHECKs guard the bounds."""
    bulk.update_rows(session, StockBalance.__table__, ("warehouse_code", "sku"), column,
                     [(w, s, q) for (w, s), q in deltas.items() if q], add=True)


def _bulk_record(session: Session, rows: list[dict]) -> None:
    bulk.insert_rows(session, StockMovement.__table__, rows)


def release_many(session: Session, requests: list[tuple[str, str, int, Ref]], *, actor: str, reason: str,
                 at: datetime | None = None) -> None:
    """Release many reservations at once (a nightly re-plan). Lock the rows first
    (`lock_balances`); the reserved >= 0 CHECK refuses any release of units not reserved."""
    totals: dict[tuple[str, str], int] = {}
    for warehouse, sku, qty, _ in requests:
        _check_qty(qty)
        totals[(warehouse, sku)] = totals.get((warehouse, sku), 0) - qty
    _bulk_balance_update(session, "reserved", totals)
    now = at or utcnow()
    _bulk_record(session, [{"at": now, "warehouse_code": w, "sku": s, "kind": "release", "on_hand_delta": 0,
                            "reserved_delta": -q, "in_transit_delta": 0, "actor": actor, "reason": reason,
                            "ref_type": ref.type, "ref_id": ref.id} for w, s, q, ref in requests])


def reserve_many(session: Session, requests: list[tuple[str, str, int, Ref]], *, actor: str, reason: str,
                 at: datetime | None = None) -> list[int]:
    """Reserve many requests at once, each granted in order up to what is available; returns
    the units granted per request. Lock the rows first (`lock_balances`): availability is read
    once and cannot change underneath; the reserved <= on_hand CHECK is the last guard."""
    keys = sorted({(w, s) for w, s, _, _ in requests})
    left: dict[tuple[str, str], int] = {}
    for match in bulk.in_keys(session, (StockBalance.warehouse_code, StockBalance.sku), keys):
        for w, s, on_hand, reserved in session.connection().execute(
                select(StockBalance.warehouse_code, StockBalance.sku, StockBalance.on_hand, StockBalance.reserved)
                .where(match)):
            left[(w, s)] = on_hand - reserved
    granted, totals, rows = [], {}, []
    now = at or utcnow()
    for warehouse, sku, qty, ref in requests:
        _check_qty(qty)
        take = max(0, min(qty, left.get((warehouse, sku), 0)))
        granted.append(take)
        if take:
            left[(warehouse, sku)] -= take
            totals[(warehouse, sku)] = totals.get((warehouse, sku), 0) + take
            rows.append({"at": now, "warehouse_code": warehouse, "sku": sku, "kind": "reservation",
                         "on_hand_delta": 0, "reserved_delta": take, "in_transit_delta": 0, "actor": actor,
                         "reason": reason, "ref_type": ref.type, "ref_id": ref.id})
    _bulk_balance_update(session, "reserved", totals)
    _bulk_record(session, rows)
    return granted


def set_opening_stock(session: Session, counts: list[tuple[str, str, int]], *, actor: str,
                      reason: str) -> tuple[int, int]:
    """Bring on hand to the given (warehouse, sku, qty) figures in bulk (a world file's opening
    stock): a receipt row for a new balance, an adjustment row for a changed one, nothing for
    an unchanged one. Refused whole when a figure is below what is reserved. Returns the
    balances (created, changed)."""
    balances = {(w, s): (on_hand, reserved) for w, s, on_hand, reserved in session.execute(
        select(StockBalance.warehouse_code, StockBalance.sku, StockBalance.on_hand, StockBalance.reserved))}
    now = utcnow()
    new_balances, changed_balances, movements = [], [], []
    for warehouse, sku, qty in counts:
        old = balances.get((warehouse, sku))
        delta = qty - (old[0] if old else 0)
        if old is None:
            new_balances.append({"warehouse_code": warehouse, "sku": sku, "on_hand": qty, "reserved": 0,
                                 "in_transit": 0})
        elif delta:
            if qty < old[1]:
                raise InvalidInput(f"stock ({warehouse}/{sku}): qty {qty} is below the {old[1]} units reserved",
                                   code="stock.opening_below_reserved", warehouse=warehouse, sku=sku, qty=qty,
                                   reserved=old[1])
            changed_balances.append({"warehouse_code": warehouse, "sku": sku, "on_hand": qty})
        if delta:
            movements.append({"at": now, "warehouse_code": warehouse, "sku": sku,
                              "kind": "receipt" if old is None else "adjustment",
                              "on_hand_delta": delta, "reserved_delta": 0, "in_transit_delta": 0,
                              "actor": actor, "reason": reason, "ref_type": None, "ref_id": None})
    for start in range(0, len(new_balances), OPENING_CHUNK):
        session.execute(insert(StockBalance), new_balances[start:start + OPENING_CHUNK])
    if changed_balances:
        session.execute(update(StockBalance), changed_balances)
    for start in range(0, len(movements), OPENING_CHUNK):
        session.execute(insert(StockMovement), movements[start:start + OPENING_CHUNK])
    return len(new_balances), len(changed_balances)


OPENING_CHUNK = 5000
