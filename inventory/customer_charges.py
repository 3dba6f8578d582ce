"""What a service point must collect from the customer for a repair out of warranty (seed 003,
10 保修期外收费标准): each out-of-warranty part at its list price, and the visit fee once per
ticket by the point's city tier (在点 when the unit was repaired at the point).

Whether a line is in warranty is read from the line as decided (the warranty engine, or HQ's
override), never computed here. The visit fee is charged on the ticket's first requisition
(lowest number, not cancelled) that has an out-of-warranty line, so a ticket with several
requisitions shows it once, and a month's statement books it in that requisition's month.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, exists, false, func, select
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.util import identity_key

from .catalog import Part, customer_price
from .db import keep, kept, to_money
from .network import ServicePoint
from .policy import Policy
from .requisitions.models import Requisition, RequisitionLine, format_code
from .tickets.models import RepairTicket, TicketEvent

ZERO = Decimal("0.00")
VISIT_KINDS = ("visit", "in_shop")


def line_in_warranty(line: RequisitionLine) -> bool:
    """The decided value: the line's own, or (a line from before lines carried it) its requisition's."""
    value = getattr(line, "in_warranty", None)
    return bool(line.requisition.in_warranty if value is None else value)


def visit_fee(policy: Policy, city_tier: str, kind: str) -> Decimal:
    """Seed 003's fee: by city tier for a visit (上门), the in-shop fee when the unit came in (在点)."""
    key = "visit_fee_in_shop" if kind == "in_shop" else f"visit_fee_{city_tier}"
    return to_money(getattr(policy, key))


@dataclass(frozen=True)
class LineCharge:
    """One line as the customer pays it: nothing in warranty, else qty x the part's price."""

    line: int
    sku: str
    qty: int
    in_warranty: bool
    unit_price: Decimal | None  # the customer's price per unit; None in warranty
    price_basis: str | None     # `list` or `markup` (catalog.customer_price); None in warranty
    amount: Decimal


@dataclass(frozen=True)
class VisitCharge:
    ticket: str
    requisition: str  # the requisition that carries it
    kind: str         # `visit` (上门, by city tier) or `in_shop` (在点)
    city_tier: str
    amount: Decimal


@dataclass(frozen=True)
class RequisitionCharge:
    """What the point collects for one requisition. `visit` is set on the requisition that
    carries the ticket's visit fee; another of the ticket's requisitions names it in `visit_on`."""

    requisition: str
    lines: tuple[LineCharge, ...]
    parts: Decimal
    visit: VisitCharge | None
    visit_on: str | None
    total: Decimal

    @property
    def out_of_warranty(self) -> bool:
        return any(not line.in_warranty for line in self.lines)


def _line_charge(line: RequisitionLine, part: Part, markup: Decimal, counts: bool) -> LineCharge:
    if line_in_warranty(line):
        return LineCharge(line.line_no, line.sku, line.qty, True, None, None, ZERO)
    price, basis = customer_price(part, markup)
    return LineCharge(line.line_no, line.sku, line.qty, False, price, basis,
                      to_money(price * line.qty) if counts else ZERO)


def _out_of_warranty(req=Requisition, line=RequisitionLine):
    """The requisition `req` has a line out of warranty."""
    return (select(line.id).where(line.requisition_id == req.id,
                                  func.coalesce(line.in_warranty, req.in_warranty) == false())
            .exists())


def _in_shop(ticket, repair=RepairTicket, event=TicketEvent):
    """The ticket `ticket` names was repaired in the shop: completed with no visit recorded (用户送修)."""
    return ((repair.code == ticket) & repair.completed_at.is_not(None)
            & ~exists().where(event.ticket_code == repair.code, event.type == "visited"))


# Built once: a statement built per call costs more CPU (its cache key) than PostgreSQL takes to run it.
_HOLDERS = (select(Requisition.id, Requisition.service_point_code, Requisition.ticket, RepairTicket.code)
            .outerjoin(RepairTicket, _in_shop(Requisition.ticket))
            .where(Requisition.ticket.in_(bindparam("tickets", expanding=True)), Requisition.status != "cancelled",
                   _out_of_warranty())
            .order_by(Requisition.id))

# A requisition being written (`requisitions.writing`): its ticket's holder among the requisitions
# written before it, and whether the ticket was repaired in the shop, read by the statement that
# writes it (so its response needs no query of its own). Short aliases: that statement's text is
# kept under the 4 KB psycopg caches.
_q, _ql = aliased(Requisition, name="q"), aliased(RequisitionLine, name="ql")
_WRITTEN_HOLDER = (select(func.min(_q.id).label("m"))
                   .where(_q.service_point_code == bindparam("holder_point"), _q.ticket == bindparam("holder_ticket"),
                          _q.status != "cancelled", _out_of_warranty(_q, _ql))
                   .scalar_subquery())
_TICKET_IN_SHOP = exists().where(_in_shop(bindparam("holder_ticket"), aliased(RepairTicket, name="qt"),
                                          aliased(TicketEvent, name="qe")))
_KNOWN = "visit_holders_written"


def holder_columns() -> tuple[str, dict]:
    """SQL of those two columns (PostgreSQL's) for a statement of text, bound as :holder_point and
    :holder_ticket (NULL when the requisition has no ticket), and the constants they bind."""
    named = PGDialect(paramstyle="named")  # `:name` binds, no `::type` casts: text() reads them
    sql, params = [], {}
    for column in (_WRITTEN_HOLDER, _TICKET_IN_SHOP):
        compiled = column.compile(dialect=named)
        sql.append(" ".join(str(compiled).split()))
        params.update((k, v) for k, v in compiled.params.items() if not k.startswith("holder_"))
    return ",".join(sql), params


def remember_written(session: Session, req: Requisition, holder: int | None, in_shop: bool) -> None:
    """What `holder_columns` read for `req`, with `req` itself now written: the transaction's next
    `visit_holders` of its ticket takes it instead of a query."""
    if not req.ticket:
        return
    if req.status != "cancelled" and not all(line_in_warranty(line) for line in req.lines):
        holder = req.id if holder is None else min(holder, req.id)
    known = kept(session, _KNOWN) or {}
    known[(req.service_point_code, req.ticket)] = (holder, bool(in_shop))
    keep(session, _KNOWN, known)


def _written(session: Session, keys: set) -> dict:
    """The keys `remember_written` knows in this transaction, each taken once, and none once the
    session holds a change it has not written (that change may move the fee: the tables tell)."""
    known = kept(session, _KNOWN)
    if not known:
        return {}
    if session.new or session.dirty or session.deleted:
        known.clear()
        return {}
    return {key: known.pop(key) for key in keys & known.keys()}


def visit_holders(session: Session, keys: Iterable[tuple[str, str]]) -> tuple[dict[tuple[str, str], int], set[str]]:
    """(point, ticket) -> the id of the requisition that carries the ticket's visit fee at that
    point: its first live one with an out-of-warranty line; and those tickets repaired in the
    shop: completed with no visit recorded (用户送修, the customer brought the unit in). One
    query, no requisition loaded; none for a requisition just written (`remember_written`)."""
    keys = set(keys)
    if not keys:
        return {}, set()
    holders: dict[tuple[str, str], int] = {}
    in_shop: set[str] = set()
    for (point, ticket), (holder, repaired_in_shop) in _written(session, keys).items():
        keys.discard((point, ticket))
        if holder is not None:
            holders[(point, ticket)] = holder
        if repaired_in_shop:
            in_shop.add(ticket)
    if not keys:
        return holders, in_shop
    for rid, point, ticket, repaired_in_shop in session.execute(
            _HOLDERS, {"tickets": sorted({ticket for _, ticket in keys})}):
        if (point, ticket) in keys and (point, ticket) not in holders:
            holders[(point, ticket)] = rid
            if repaired_in_shop is not None:
                in_shop.add(ticket)
    return holders, in_shop


_BY_KEY: dict = {}


def _by_key(session: Session, model, keys: set, column) -> dict:
    """Rows by primary key: those the session already holds (a response right after its submit)
    without a query, the others in one."""
    found = {}
    for key in keys:
        row = session.identity_map.get(identity_key(model, key))
        if row is not None:
            found[key] = row
    missing = keys - set(found)
    if missing:
        stmt = _BY_KEY.get(column)
        if stmt is None:
            stmt = _BY_KEY[column] = select(model).where(column.in_(bindparam("keys", expanding=True)))
        found.update((getattr(row, column.key), row) for row in session.scalars(stmt, {"keys": sorted(missing)}))
    return found


def requisition_charges(session: Session, reqs: Sequence[Requisition], policy: Policy) -> dict[int, RequisitionCharge]:
    """Each requisition's charge to the customer (by requisition id), read in a few queries.
    A cancelled requisition collects nothing."""
    parts = _by_key(session, Part, {line.sku for req in reqs for line in req.lines}, Part.sku)
    points = _by_key(session, ServicePoint, {req.service_point_code for req in reqs}, ServicePoint.code)
    holders, in_shop = visit_holders(session, {(r.service_point_code, r.ticket) for r in reqs if r.ticket})
    markup = Decimal(policy.list_price_markup)
    result = {}
    for req in reqs:
        counts = req.status != "cancelled"
        lines = tuple(_line_charge(line, parts[line.sku], markup, counts) for line in req.lines)
        parts_total = sum((line.amount for line in lines), ZERO)
        holder = holders.get((req.service_point_code, req.ticket)) if req.ticket and counts else None
        visit = visit_on = None
        if holder is not None and holder == req.id:
            kind = "in_shop" if req.ticket in in_shop else "visit"
            tier = points[req.service_point_code].city_tier
            visit = VisitCharge(req.ticket, req.code, kind, tier, visit_fee(policy, tier, kind))
        elif holder is not None:
            visit_on = format_code(holder)
        total = parts_total + (visit.amount if visit else ZERO)
        result[req.id] = RequisitionCharge(req.code, lines, parts_total, visit, visit_on, total)
    return result


def requisition_charge(session: Session, req: Requisition, policy: Policy) -> RequisitionCharge:
    return requisition_charges(session, [req], policy)[req.id]


def ticket_charge(session: Session, point: str, ticket: str, policy: Policy) -> Decimal | None:
    """All a point may collect for one ticket (its requisitions there), None when it has none."""
    reqs = list(session.scalars(select(Requisition).where(Requisition.service_point_code == point,
                                                          Requisition.ticket == ticket,
                                                          Requisition.status != "cancelled")))
    if not reqs:
        return None
    return sum((charge.total for charge in requisition_charges(session, reqs, policy).values()), ZERO)


def charge_to_dict(charge: RequisitionCharge) -> dict:
    """The API's `customer_charge`: money as decimal strings."""
    money = lambda value: None if value is None else str(value)  # noqa: E731
    visit = charge.visit
    return {
        "lines": [{"line": c.line, "sku": c.sku, "qty": c.qty, "in_warranty": c.in_warranty,
                   "unit_price": money(c.unit_price), "price_basis": c.price_basis, "amount": money(c.amount)}
                  for c in charge.lines],
        "parts": money(charge.parts),
        "visit_fee": None if visit is None else {"ticket": visit.ticket, "kind": visit.kind,
                                                 "city_tier": visit.city_tier, "amount": money(visit.amount)},
        "visit_fee_on": charge.visit_on,
        "total": money(charge.total),
    }
