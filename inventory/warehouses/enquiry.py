"""Stock enquiry (库存查询) and movement history (库存流水查询): read-only views of stock."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..catalog import Part
from ..errors import InvalidInput, NotFound
from ..network import Warehouse
from .models import MOVEMENT_KINDS, StockBalance, StockMovement

MAX_PAGE = 500


@dataclass(frozen=True)
class StockRow:
    warehouse: str
    warehouse_name: str
    sku: str
    name: str
    on_hand: int
    reserved: int
    in_transit: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True)
class Totals:
    on_hand: int = 0
    reserved: int = 0
    available: int = 0
    in_transit: int = 0


@dataclass(frozen=True)
class SkuStock:
    """One sku in every warehouse that holds or expects it, with network totals."""

    sku: str
    name: str
    rows: list[StockRow]
    totals: Totals


@dataclass(frozen=True)
class Page:
    rows: list = field(default_factory=list)
    total: int = 0
    limit: int = 50
    offset: int = 0


def _stock_query():
    return (select(StockBalance.warehouse_code, Warehouse.name, StockBalance.sku, Part.name,
                   StockBalance.on_hand, StockBalance.reserved, StockBalance.in_transit)
            .join(Warehouse, Warehouse.code == StockBalance.warehouse_code)
            .join(Part, Part.sku == StockBalance.sku))


def _row(r) -> StockRow:
    return StockRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6])


def _page_args(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}, got {limit}", code="page.limit_out_of_range",
                           limit=limit, most=MAX_PAGE)
    if offset < 0:
        raise InvalidInput(f"offset must be >= 0, got {offset}", code="page.offset_negative", offset=offset)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def stock_for_sku(session: Session, sku: str) -> SkuStock:
    """Every warehouse's on hand, reserved, available and in transit of `sku`, and the sums.

    Warehouses with nothing at all (no row, or a row of zeros) are left out.
    """
    part = session.get(Part, sku)
    if part is None:
        raise NotFound(f"no part {sku}", code="part.not_found", sku=sku)
    stmt = (_stock_query().where(StockBalance.sku == sku)
            .where((StockBalance.on_hand != 0) | (StockBalance.in_transit != 0) | (StockBalance.reserved != 0))
            .order_by(StockBalance.warehouse_code))
    rows = [_row(r) for r in session.execute(stmt)]
    totals = Totals(on_hand=sum(r.on_hand for r in rows), reserved=sum(r.reserved for r in rows),
                    available=sum(r.available for r in rows), in_transit=sum(r.in_transit for r in rows))
    return SkuStock(sku=part.sku, name=part.name, rows=rows, totals=totals)


def search_stock(session: Session, text: str | None = None, *, warehouse: str | None = None,
                 only_available: bool = False, limit: int = 50, offset: int = 0) -> Page:
    """Balances whose sku or part name contains `text` (any case), optionally in one warehouse."""
    _page_args(limit, offset)
    stmt = _stock_query()
    if text and text.strip():
        pattern = _like(text.strip())
        stmt = stmt.where(or_(StockBalance.sku.ilike(pattern, escape="\\"), Part.name.ilike(pattern, escape="\\")))
    if warehouse is not None:
        stmt = stmt.where(StockBalance.warehouse_code == warehouse)
    if only_available:
        stmt = stmt.where(StockBalance.on_hand - StockBalance.reserved > 0)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.execute(stmt.order_by(StockBalance.sku, StockBalance.warehouse_code)
                           .limit(limit).offset(offset))
    return Page(rows=[_row(r) for r in rows], total=total, limit=limit, offset=offset)


def movement_history(session: Session, *, warehouse: str | None = None, sku: str | None = None,
                     kind: str | list[str] | tuple[str, ...] | None = None,
                     ref_type: str | None = None, ref_id: str | None = None,
                     since: datetime | None = None, until: datetime | None = None,
                     actor: str | None = None, limit: int = 50, offset: int = 0,
                     newest_first: bool = True) -> Page:
    """Ledger rows matching every filter given, one page of them, with the count of all.

    `since` is inclusive and `until` exclusive, so consecutive windows never overlap. `actor` is who
    did it as stored ('clerk:alice') or only the name after the kind ('alice', 'SP0001'), as pages
    show it, in any case.
    """
    _page_args(limit, offset)
    kinds = [kind] if isinstance(kind, str) else list(kind or [])
    unknown = sorted(set(kinds) - set(MOVEMENT_KINDS))
    if unknown:
        raise InvalidInput(f"unknown movement kind {unknown[0]!r}; one of {', '.join(MOVEMENT_KINDS)}",
                           code="stock.unknown_movement_kind", kind=unknown[0])
    for name, moment in (("since", since), ("until", until)):
        if moment is not None and moment.tzinfo is None:
            raise InvalidInput(f"{name} must be timezone-aware", code="stock.time_without_zone", field=name)
    conditions = [column == value for column, value in (
        (StockMovement.warehouse_code, warehouse), (StockMovement.sku, sku),
        (StockMovement.ref_type, ref_type), (StockMovement.ref_id, ref_id)) if value is not None]
    if actor is not None:
        # a bare name: in any case on both databases (SQLite's LIKE ignores ASCII case, PostgreSQL's does not)
        conditions.append(StockMovement.actor == actor if ":" in actor
                          else or_(func.lower(StockMovement.actor) == actor.lower(),
                                   StockMovement.actor.iendswith(f":{actor}", autoescape=True)))
    if kinds:
        conditions.append(StockMovement.kind.in_(kinds))
    if since is not None:
        conditions.append(StockMovement.at >= since)
    if until is not None:
        conditions.append(StockMovement.at < until)
    total = session.scalar(select(func.count()).select_from(StockMovement).where(*conditions))
    order = ((StockMovement.at.desc(), StockMovement.id.desc()) if newest_first
             else (StockMovement.at.asc(), StockMovement.id.asc()))
    rows = session.scalars(select(StockMovement).where(*conditions).order_by(*order).limit(limit).offset(offset))
    return Page(rows=list(rows), total=total, limit=limit, offset=offset)
