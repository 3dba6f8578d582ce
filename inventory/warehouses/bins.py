"""Bin locations (库位): where a warehouse keeps each sku on its shelves. Master data; the pick
list is walked in bin order, and labels carry the bin's code (Code 128).

One bin per (warehouse, sku): the sku's home location, where its clerk picks it from. A bin
code is 1-20 characters of A-Z, 0-9 and '-', as a bin label prints it (Code 128 carries
ASCII only); it is kept upper-case, so `a-01-02` and `A-01-02` are one bin. This module is
the only writer of the table.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .. import audit
from ..catalog import Part
from ..db import Base, UTCDateTime, utcnow
from ..errors import InvalidInput, NotFound
from ..network import Warehouse

MAX_BIN = 20
BIN_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")
MAX_AT_ONCE = 5000  # assignments in one call (an import's rows, a PUT's list)


class BinLocation(Base):
    """A sku's bin at a warehouse; who set it last, and when."""

    __tablename__ = "bin_location"
    __table_args__ = (
        CheckConstraint("bin <> ''", name="bin"),
        Index("ix_bin_location_warehouse_bin", "warehouse_code", "bin"),
    )
    warehouse_code: Mapped[str] = mapped_column(ForeignKey("warehouse.code"), primary_key=True)
    sku: Mapped[str] = mapped_column(ForeignKey("part.sku"), primary_key=True)
    bin: Mapped[str] = mapped_column(String(MAX_BIN))
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class BinRow:
    sku: str
    name: str
    bin: str
    updated_by: str
    updated_at: datetime


def bin_code(value: str) -> str:
    """A bin code as stored (trimmed, upper-case), or InvalidInput saying what a code may hold."""
    code = (value or "").strip().upper()
    if not BIN_CODE.match(code):
        raise InvalidInput(f"bin code {value!r} must be 1-{MAX_BIN} letters, digits or '-', starting with a "
                           "letter or digit", code="bin.bad_code", field="bin", bin=value)
    return code


def _warehouse(session: Session, code: str) -> Warehouse:
    warehouse = session.get(Warehouse, code)
    if warehouse is None:
        raise NotFound(f"no warehouse {code}", code="warehouse.not_found", warehouse=code)
    return warehouse


def bins_of(session: Session, warehouse: str, skus) -> dict[str, str]:
    """{sku: bin} at the warehouse for those of `skus` that have one."""
    skus = set(skus)
    if not skus:
        return {}
    return dict(session.execute(select(BinLocation.sku, BinLocation.bin).where(
        BinLocation.warehouse_code == warehouse, BinLocation.sku.in_(skus))).all())


def list_bins(session: Session, warehouse: str, *, sku: str | None = None, skus=None,
              bin_prefix: str | None = None, limit: int = 50, offset: int = 0) -> tuple[list[BinRow], int]:
    """The warehouse's bins in bin order (then sku), with the part's name, and how many match;
    `sku` or `skus` narrow them to those parts, `bin_prefix` to bins starting so."""
    _warehouse(session, warehouse)
    where = [BinLocation.warehouse_code == warehouse]
    if sku:
        where.append(BinLocation.sku == sku)
    if skus is not None:
        where.append(BinLocation.sku.in_(set(skus)))
    if bin_prefix:
        where.append(BinLocation.bin.startswith(bin_prefix.strip().upper(), autoescape=True))
    total = session.scalar(select(func.count()).select_from(BinLocation).where(*where))
    rows = session.execute(
        select(BinLocation.sku, Part.name, BinLocation.bin, BinLocation.updated_by, BinLocation.updated_at)
        .join(Part, Part.sku == BinLocation.sku).where(*where)
        .order_by(BinLocation.bin, BinLocation.sku).limit(limit).offset(offset)).all()
    return [BinRow(*row) for row in rows], total


def set_bins(session: Session, warehouse: str, assignments: Mapping[str, str | None], *, actor: str) -> int:
    """Set (or, with None, clear) the bins of these skus at the warehouse; others stay as they
    are. All or nothing: an unknown warehouse is NotFound, an unknown sku or a bad code refuses
    the whole call. Audited as one `bin.set`. Returns how many skus changed."""
    _warehouse(session, warehouse)
    if len(assignments) > MAX_AT_ONCE:
        raise InvalidInput(f"at most {MAX_AT_ONCE} bins at once", code="bin.too_many", most=MAX_AT_ONCE)
    wanted = {sku: (bin_code(code) if code is not None else None) for sku, code in assignments.items()}
    known = set(session.scalars(select(Part.sku).where(Part.sku.in_(wanted)))) if wanted else set()
    unknown = sorted(set(wanted) - known)
    if unknown:
        raise InvalidInput(f"unknown sku {', '.join(unknown[:5])}", code="bin.unknown_sku", field="sku",
                           skus=unknown)
    current = {row.sku: row for row in session.scalars(select(BinLocation).where(
        BinLocation.warehouse_code == warehouse, BinLocation.sku.in_(wanted)))} if wanted else {}
    now, changes = utcnow(), {}
    for sku, code in sorted(wanted.items()):
        row = current.get(sku)
        before = row.bin if row is not None else None
        if before == code:
            continue
        changes[sku] = [before, code]
        if code is None:
            session.execute(delete(BinLocation).where(BinLocation.warehouse_code == warehouse,
                                                      BinLocation.sku == sku))
        elif row is None:
            session.add(BinLocation(warehouse_code=warehouse, sku=sku, bin=code, updated_by=actor[:64],
                                    updated_at=now))
        else:
            row.bin, row.updated_by, row.updated_at = code, actor[:64], now
    if changes:
        session.flush()
        audit.record(session, actor, "bin.set", warehouse, changed=len(changes),
                     changes=dict(list(changes.items())[:50]))
    return len(changes)
