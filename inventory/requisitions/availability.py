"""Where a part can come from toward a ship-to point, and how much of it within the promise:
the same options a submit would allocate from (`reserving.options_for`), read without reserving.
The API's part page shows it; the rules of whose ship-to a caller may name live here too."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..access import Principal
from ..errors import InvalidInput
from ..network import ServicePoint, dealer_ship_to
from ..policy import Policy
from ..warehouses.enquiry import stock_for_sku
from .reserving import options_for


@dataclass(frozen=True)
class Source:
    warehouse: str
    available: int
    transit_hours: int | None  # None: no point named, so no lane to measure


@dataclass(frozen=True)
class Availability:
    ship_to: str | None
    sources: list[Source]          # warehouses with units available, fastest first toward ship_to
    within_promise: int | None     # units that arrive within policy.promise_hours; None without a point


def ship_to_point(session: Session, principal: Principal, requested: str | None) -> ServicePoint | None:
    """The point availability is measured toward: a service point's own; a dealer's named ship-to
    point (one it owns; its first when it names none); for anyone else the point named, or none."""
    if principal.role == "service_point":
        return session.get(ServicePoint, principal.code)
    if principal.role == "dealer":
        owned = list(session.scalars(select(dealer_ship_to.c.service_point_code)
                                     .where(dealer_ship_to.c.dealer_code == principal.code)
                                     .order_by(dealer_ship_to.c.service_point_code)))
        code = requested or (owned[0] if owned else None)
        if code not in owned:
            raise InvalidInput(f"{code} is not one of your ship-to service points", code="ship_to.not_yours",
                               field="ship_to", ship_to=code)
        return session.get(ServicePoint, code)
    if requested:
        point = session.get(ServicePoint, requested)
        if point is None:
            raise InvalidInput(f"no service point {requested}", code="ship_to.unknown", field="ship_to",
                               ship_to=requested)
        return point
    return None


def availability(session: Session, sku: str, point: ServicePoint | None, policy: Policy) -> Availability:
    """Units of `sku` available by warehouse and, toward `point`, how many arrive within the promise
    (the 2-day availability). Without a point: every warehouse's available units, no lanes."""
    if point is None:
        rows = stock_for_sku(session, sku).rows
        return Availability(None, [Source(r.warehouse, r.available, None) for r in rows if r.available > 0], None)
    options = sorted(options_for(session, point, sku), key=lambda o: (o.hours, o.warehouse))
    stocked = [o for o in options if o.available > 0]
    return Availability(point.code, [Source(o.warehouse, o.available, o.hours) for o in stocked],
                        sum(o.available for o in stocked if o.hours <= policy.promise_hours))
