"""What a service point must collect from the customer for a repair out of warranty (seed 003,
10 保修期外收费标准): each out-of-warranty part at its list price, and the visit fee once per
ticket by the point's city tier (在点 when the unit was repaired at the point).

Whether a line is in warranty is read from the line as decided (the warranty engine, or HQ's
override), never computed here. The visit fee is charged on the ticket's first requisition
(lowest number, not cancelled) that has a line out of warranty or whose whole unit was not
covered (a key component free past the unit's term: 超出十二个月机器上门需向用户收取上门服务费),
so a ticket with several requisitions shows it once, and a month's statement books it in that
requisition's month.

The money is frozen when the price is fixed: submit stores each line's customer price and basis
(`freeze_price`) and the requisition's visit fees by the point's tier (`freeze_visit_fee`), from
the catalogue and policy then; charges read those, so a later list price, markup, visit fee or
tier never changes an issued line, a closed statement or an overcharge's `allowed`. Only a row
without them (none after migration 0031) is priced from today's catalogue and policy.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, exists, false, func, or_, select
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


def pays_visit(line: RequisitionLine) -> bool:
    """The line makes its ticket pay the visit fee: the part is paid, or the whole unit was not covered."""
    return not line_in_warranty(line) or line.unit_covered is False


def visit_fee(policy: Policy, city_tier: str, kind: str) -> Decimal:
    """Seed 003's fee: by city tier for a visit (上门), the in-shop fee when the unit came in (在点)."""
    key = "visit_fee_in_shop" if kind == "in_shop" else f"visit_fee_{city_tier}"
    return to_money(getattr(policy, key))


def freeze_price(line: RequisitionLine, part: Part, policy: Policy) -> None:
    """Fix on a new line what its customer pays per unit out of warranty, from the catalogue and policy now."""
    line.customer_price, line.price_basis = customer_price(part, Decimal(policy.list_price_markup))


def freeze_visit_fee(req: Requisition, point: ServicePoint, policy: Policy) -> None:
    """Fix on a new requisition with a ticket the visit fees its ticket may owe: the point's tier now,
    the fee by that tier and the in-shop fee (None without a ticket: no visit to charge)."""
    if req.ticket:
        req.visit_fee_tier = point.city_tier
        req.visit_fee = visit_fee(policy, point.city_tier, "visit")
        req.in_shop_fee = visit_fee(policy, point.city_tier, "in_shop")
    else:
        req.visit_fee_tier = req.visit_fee = req.in_shop_fee = None


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


def _line_charge(line: RequisitionLine, parts: dict[str, Part], markup: Decimal, counts: bool) -> LineCharge:
    if line_in_warranty(line):
        return LineCharge(line.line_no, line.sku, line.qty, True, None, None, ZERO)
    if line.customer_price is not None:
        price, basis = line.customer_price, line.price_basis
    else:  # not frozen (a row written around submit): today's price
        price, basis = customer_price(parts[line.sku], markup)
    return LineCharge(line.line_no, line.sku, line.qty, False, price, basis,
                      to_money(price * line.qty) if counts else ZERO)


def _visit_charge(req: Requisition, kind: str, points: dict[str, ServicePoint], policy: Policy) -> VisitCharge:
    """The fee as frozen on the requisition that carries it (else, not frozen, by today's tier and policy)."""
    if req.visit_fee is not None and req.in_shop_fee is not None:
        amount = req.in_shop_fee if kind == "in_shop" else req.visit_fee
        return VisitCharge(req.ticket, req.code, kind, req.visit_fee_tier, amount)
    tier = points[req.service_point_code].city_tier
    return VisitCharge(req.ticket, req.code, kind, tier, visit_fee(policy, tier, kind))


def _out_of_warranty(req=Requisition, line=RequisitionLine):
    """The requisition `req` has a line that pays the visit fee (`pays_visit`): out of warranty, or
    its whole unit not covered."""
    return (select(line.id).where(line.requisition_id == req.id,
                                  or_(func.coalesce(line.in_warranty, req.in_warranty) == false(),
                                      line.unit_covered == false()))
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
    if req.status != "cancelled" and any(pays_visit(line) for line in req.lines):
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
    parts = _by_key(session, Part, {line.sku for req in reqs for line in req.lines if line.customer_price is None},
                    Part.sku)
    points = _by_key(session, ServicePoint, {req.service_point_code for req in reqs
                                             if req.ticket and (req.visit_fee is None or req.in_shop_fee is None)},
                     ServicePoint.code)
    holders, in_shop = visit_holders(session, {(r.service_point_code, r.ticket) for r in reqs if r.ticket})
    markup = Decimal(policy.list_price_markup)
    result = {}
    for req in reqs:
        counts = req.status != "cancelled"
        lines = tuple(_line_charge(line, parts, markup, counts) for line in req.lines)
        parts_total = sum((line.amount for line in lines), ZERO)
        holder = holders.get((req.service_point_code, req.ticket)) if req.ticket and counts else None
        visit = visit_on = None
        if holder is not None and holder == req.id:
            visit = _visit_charge(req, "in_shop" if req.ticket in in_shop else "visit", points, policy)
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
