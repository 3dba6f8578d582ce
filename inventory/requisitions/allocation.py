"""Which warehouses should serve a line: pure ordering rules, no database.

Cheapest warehouse that keeps the 2-day promise first (split across several when one cannot
cover the line), then the fastest late option, then backorder. A replaced sku (替代件) brings
the stock of the skus that may serve it, ranked (`rank`, from `supersession.Chains.serving`):
within the promise the better-ranked sku's stock goes first (old stock is not stranded), and a
successor keeping the promise beats the sku's own stock that would be late.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Option:
    """A warehouse that could ship to the line's service point."""

    warehouse: str
    available: int
    hours: int
    unit_cost: Decimal
    is_hq: bool = False
    is_regional_of_point: bool = False
    sku: str = ""  # the sku this stock is ("" : the line's own)
    rank: int = 0  # its place in the line's serving order (0 first)


def preference(options: list[Option], promise_hours: int) -> list[Option]:
    """On-time options by serving rank, then cost (then speed), followed by late options by
    speed (then rank, then cost)."""
    on_time = sorted((o for o in options if o.hours <= promise_hours),
                     key=lambda o: (o.rank, o.unit_cost, o.hours, o.warehouse))
    late = sorted((o for o in options if o.hours > promise_hours),
                  key=lambda o: (o.hours, o.rank, o.unit_cost, o.warehouse))
    return on_time + late


def split(options: list[Option], qty: int, promise_hours: int) -> tuple[list[tuple[Option, int]], int]:
    """How `qty` units would be taken: (option, units) in preference order, each option giving
    what it has until the line is covered, and the units left over (backordered)."""
    takes = []
    for option in preference(options, promise_hours):
        if qty <= 0:
            break
        if option.available > 0:
            take = min(qty, option.available)
            takes.append((option, take))
            qty -= take
    return takes, max(qty, 0)


def stock_seen(options: list[Option], qty: int, promise_hours: int) -> str:
    """Where stock stood at submit, for shortage attribution (缺件原因).

    `regional`: the point's own regional warehouse could cover the line in time;
    `other_warehouse` / `hq`: it could not, but another regional one or HQ could have;
    `late_only`: only options that break the promise; `nowhere`: not enough anywhere.
    """
    in_time = [o for o in options if o.hours <= promise_hours]
    if sum(o.available for o in in_time if o.is_regional_of_point) >= qty:
        return "regional"
    if any(o.is_hq and o.available >= qty for o in in_time):
        return "hq"
    if sum(o.available for o in in_time) >= qty:
        return "other_warehouse"
    if sum(o.available for o in options) >= qty:
        return "late_only"
    return "nowhere"
