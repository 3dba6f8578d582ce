"""Who pays for a repair ticket's time: the attribution engine of seed 000 四 (处罚规定, 上门及时奖励).

A pure function of one ticket's timeline: no database, no clock unless `now` is left out. The
API (`GET /api/v1/tickets/{t}`), `parts attribute --input` and the monthly penalty report all
call `attribute`, so a dispute replays exactly what HQ saw.

The segment model
-----------------
1. Stages. created -> dispatched_center -> dispatched_point -> contacted -> visited -> completed.
   A stage is reached at the earliest recorded time of that stage *or any later stage*: a stage
   not recorded (or recorded after a later one) collapses onto the next recorded one, so the
   party who failed to register it (网点须在售后系统登记) owns the gap. Only the first event of a
   stage counts. The ticket ends at `completed`, or at `now` while it is open.
2. Segments between consecutive stages, each with one owner and an allowance (policy):
   hq_dispatch (HQ, hq_dispatch_minutes), center_dispatch (centre, center_dispatch_minutes),
   contact (point, contact_hours), visit (point, visit_hours_urban / _remote), repair (point,
   no allowance of its own). Hours are clock hours: the contract has no working calendar.
3. Every instant from created to the end gets exactly one label, first rule that applies:
   a. excused: inside a rescheduled_by_customer or force_majeure [at, until): nobody's time;
   b. wrong dispatch (派单错误): inside a wrong_dispatch [at, until) (from the wrong dispatch to
      the dispatch that held): the centre's time, all of it charged (reason `wrong_dispatch`);
      a ticket dispatched to one point and then to another carries one from the first dispatch
      to the one that held (`tickets.facts.redispatch`), so the last point never owns that time;
   c. parts: inside a point segment (only the point waits for parts, so waits are clipped to
      its holding of the ticket) while a requisition is outstanding [submitted_at,
      delivered_at or end): before its promised_by it is allowance (nobody charged); after it,
      the wait's cause owns it: regional_shortage -> center:<code>, hq_shortage ->
      hq_parts_planning, hq_late_shipment / hq_wrong_part -> hq_parts_group,
      regional_late_shipment / regional_wrong_part (a regional warehouse's slow pick or
      mis-shipment) -> warehouse:<the wait's warehouse>. Cause `none` past the promise is
      "parts_unexplained" (a slow carrier): charged to nobody and still not the point's time
      (the point cannot repair without the part; HQ's parts module may confirm a cause). Overlapping
      waits are a union: the instant goes to the first label in WAIT_PRECEDENCE (the most at fault);
   d. otherwise the segment's owner: charged once the segment's own net time passes its
      allowance, and for the point also once its net time on the ticket passes
      ticket_three_day_hours (72 h, its budget: 超72小时未完成维修). Repair time is charged
      only by that budget.
4. Charged time per (party, reason) is a row of `attribution`. Fines (policy, per ticket):
   dispatch rows always (30元/次); the HQ parts group and a regional warehouse per late or
   wrong order (迟发、错发 … 30元/单: an order both late and wrong is fined once, on its first
   row) only if the ticket is late (seed: "造成超期服务"); hq_shortage, regional_shortage
   and wrong_dispatch rows 0.00, recorded; the point's 72 h fine, replaced by the 7-day fine,
   on the row of the segment in which its net time passed the threshold (that row always has
   charged hours).
   The centre (因省级服务中心原因造成超7: 缺件、派单错误等) is fined only when the ticket is over
   7 days (non-excused time > ticket_seven_day_hours) through its cause: without the centre's
   charged time (its late dispatch, regional shortage, wrong dispatch, and the late or wrong
   shipments of its own regional warehouses, `center_warehouses`: its parts admin runs them)
   the ticket would have been done within 7 days. Then one row per role of CENTER_ROLES (服务主任, 配件中心管理员,
   催单文员), reason `center_over_7_days`, 0 hours (money, not time), each naming its `role`.
5. Ticket: elapsed = end - created - excused. `late` when elapsed > 72 h (三天处理完成) and
   `late_hours` = elapsed - 72 h: the customer's view. Rows are each party's overrun of its own
   allowances, so they need not sum to late_hours, and an on-time ticket may carry rows
   (a shortage on an on-time ticket: hours recorded, no fine). `late_excluding_hq` and
   `over_7_days_excluding_hq` first take HQ's charged hours off: the centre's monthly bonus
   rules use them (总部原因缺件: 对于网点和服务经理不予处罚).
6. Timely-visit bonus (上门及时奖励): `visited` recorded and the point's own contact and visit
   time (from its dispatch, less excuses, waits and wrong dispatch) within the visit allowance.
7. Exchange flag (三包, 生产者未供给零配件超出90日): the union of waits with a cause other than
   `none`, calendar time from created to the end, exceeds exchange_wait_days.

Timestamps are normalised to UTC, events and waits stored sorted and de-duplicated, and every
rule is a function of sets, so the same facts give the same result whatever order (or offset)
they arrived in.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Iterable

from .errors import InvalidInput

if TYPE_CHECKING:
    from .policy import Policy

STAGES = ("created", "dispatched_center", "dispatched_point", "contacted", "visited", "completed")
EXCUSES = ("rescheduled_by_customer", "force_majeure")
WRONG_DISPATCH = "wrong_dispatch"  # 派单错误: [at, until) lost to a dispatch that had to be redone
SPANS = EXCUSES + (WRONG_DISPATCH,)  # the events that carry `until`
EVENT_TYPES = STAGES + SPANS
SEGMENTS = ("hq_dispatch", "center_dispatch", "contact", "visit", "repair")
POINT_SEGMENTS = frozenset(SEGMENTS[2:])
CAUSES = ("none", "regional_shortage", "hq_shortage", "hq_late_shipment", "hq_wrong_part",
          "regional_late_shipment", "regional_wrong_part")
# A regional warehouse's own slow pick (迟发) or wrong shipment (错发): the wait names the warehouse.
WAREHOUSE_CAUSES = frozenset({"regional_late_shipment", "regional_wrong_part"})
DISTANCE_CLASSES = ("urban", "remote")
# Overlapping waits: the most at fault owns the instant. A person's error (错发, 迟发) before a
# centre that planned badly, before a shortage nobody could meet, before no cause at all.
WAIT_PRECEDENCE = ("hq_wrong_part", "regional_wrong_part", "hq_late_shipment", "regional_late_shipment",
                   "regional_shortage", "hq_shortage", "none", "within_promise")
MAKER_CAUSES = frozenset(CAUSES) - {"none"}
WAIT_REASONS = frozenset({"parts_within_promise", "parts_unexplained", *MAKER_CAUSES})
# 服务主任, 配件中心管理员, 催单文员: the three centre roles the seed fines when a ticket goes over
# 7 days through the centre's cause, and again by the monthly rules.
CENTER_ROLES = ("service_director", "parts_admin", "chase_clerk")
CENTER_OVER_7_DAYS = "center_over_7_days"
# Row order in `attribution`: the order in which a ticket meets each party; the centre's fines last.
REASONS = ("hq_dispatch", "center_dispatch", WRONG_DISPATCH, "regional_shortage", "regional_late_shipment",
           "regional_wrong_part", "hq_shortage", "hq_late_shipment", "hq_wrong_part", "contact", "visit", "repair",
           CENTER_OVER_7_DAYS)
HQ_PARTIES = frozenset({"hq_dispatch", "hq_parts_planning", "hq_parts_group"})
CENT = Decimal("0.01")
ZERO = timedelta(0)
NEVER = timedelta.max


def _utc(value: Any, name: str) -> datetime:
    """Aware timestamps only, normalised to UTC so equal instants are equal events."""
    if not isinstance(value, datetime):
        raise InvalidInput(f"{name}: {value!r} is not a timestamp", code="attribution.not_a_timestamp", field=name,
                           value=value)
    if value.utcoffset() is None:
        raise InvalidInput(f"{name}: timestamp {value.isoformat()} has no offset (add one, e.g. +08:00)",
                           code="attribution.without_offset", field=name, value=value.isoformat())
    return value.astimezone(timezone.utc)


@dataclass(frozen=True)
class Event:
    """One ticket event as the call centre posted it; excuses carry `until`."""

    type: str
    at: datetime
    until: datetime | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        if self.type not in EVENT_TYPES:
            raise InvalidInput(f"type: unknown event type {self.type!r} (one of {', '.join(EVENT_TYPES)})",
                               code="attribution.unknown_event_type", field="type", type=self.type)
        object.__setattr__(self, "at", _utc(self.at, "at"))
        object.__setattr__(self, "note", self.note or None)
        if self.type in SPANS:
            if self.until is None:
                raise InvalidInput(f"until: a {self.type} event needs until", code="attribution.until_needed",
                                   field="until", type=self.type)
            object.__setattr__(self, "until", _utc(self.until, "until"))
            if self.until < self.at:
                raise InvalidInput("until: before at", code="attribution.until_before_at", field="until")
        elif self.until is not None:
            raise InvalidInput(f"until: only {', '.join(SPANS)} events carry until", code="attribution.until_not_taken",
                               field="until", type=self.type)

    def sort_key(self) -> tuple:
        return (self.at, EVENT_TYPES.index(self.type), self.until or self.at, self.note or "")


@dataclass(frozen=True)
class PartsWait:
    """A requisition the ticket waited for; `promised_by` is its 48 h promise (the allowance).
    `warehouse` names the regional warehouse a regional_late_shipment / regional_wrong_part charges."""

    requisition: str
    submitted_at: datetime
    promised_by: datetime
    delivered_at: datetime | None = None
    cause: str = "none"
    warehouse: str | None = None

    def __post_init__(self) -> None:
        if self.cause not in CAUSES:
            raise InvalidInput(f"cause: unknown cause {self.cause!r} (one of {', '.join(CAUSES)})",
                               code="attribution.unknown_cause", field="cause", cause=self.cause)
        if self.cause in WAREHOUSE_CAUSES and not self.warehouse:
            raise InvalidInput(f"warehouse: a {self.cause} wait names the regional warehouse",
                               code="attribution.warehouse_needed", field="warehouse", cause=self.cause)
        if self.cause not in WAREHOUSE_CAUSES and self.warehouse is not None:
            raise InvalidInput(f"warehouse: only {' and '.join(sorted(WAREHOUSE_CAUSES))} waits name a warehouse",
                               code="attribution.warehouse_not_taken", field="warehouse", cause=self.cause)
        object.__setattr__(self, "submitted_at", _utc(self.submitted_at, "submitted_at"))
        object.__setattr__(self, "promised_by", _utc(self.promised_by, "promised_by"))
        if self.delivered_at is not None:
            object.__setattr__(self, "delivered_at", _utc(self.delivered_at, "delivered_at"))
        if self.promised_by < self.submitted_at:
            raise InvalidInput("promised_by: before submitted_at", code="attribution.promised_before_submitted",
                               field="promised_by")
        if self.delivered_at is not None and self.delivered_at < self.submitted_at:
            raise InvalidInput("delivered_at: before submitted_at", code="attribution.delivered_before_submitted",
                               field="delivered_at")

    def sort_key(self) -> tuple:
        return (self.submitted_at, self.requisition, self.promised_by,
                self.delivered_at or datetime.max.replace(tzinfo=timezone.utc), self.cause, self.warehouse or "")


@dataclass(frozen=True)
class Ticket:
    """The facts of one repair ticket; events and waits are kept sorted and de-duplicated."""

    code: str
    service_point: str
    center: str
    distance_class: str
    family: str
    events: tuple[Event, ...] = ()
    parts_waits: tuple[PartsWait, ...] = ()
    center_warehouses: tuple[str, ...] = ()  # the centre's own regional warehouses (its 配件中心)

    def __post_init__(self) -> None:
        object.__setattr__(self, "center_warehouses", tuple(sorted(set(self.center_warehouses))))
        if self.distance_class not in DISTANCE_CLASSES:
            raise InvalidInput(f"distance_class: {self.distance_class!r} is not one of urban, remote",
                               code="attribution.unknown_distance_class", field="distance_class",
                               distance_class=self.distance_class)
        object.__setattr__(self, "events", tuple(sorted(set(self.events), key=Event.sort_key)))
        object.__setattr__(self, "parts_waits", tuple(sorted(set(self.parts_waits), key=PartsWait.sort_key)))
        if not any(e.type == "created" for e in self.events):
            raise InvalidInput("events: a ticket needs a created event", code="attribution.created_needed",
                               field="events")


@dataclass(frozen=True)
class Piece:
    """A stretch of the timeline with one label: who owned it, why, and whether it is charged."""

    start: datetime
    end: datetime
    segment: str
    reason: str
    party: str | None
    charged: bool
    requisitions: tuple[str, ...] = ()

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True)
class Charge:
    """One row of `attribution`: a party's time beyond its allowance and the fine it costs.
    `role` names the person of the party a fine is paid from (the centre's three roles)."""

    party: str
    reason: str
    hours: float
    fine: Decimal
    requisitions: tuple[str, ...] = ()
    role: str | None = None


@dataclass(frozen=True)
class Attribution:
    """The result for one ticket; `attribution` and `late` are the API's, the rest is for HQ."""

    ticket: str
    service_point: str
    late: bool
    late_hours: float
    attribution: tuple[Charge, ...]
    completed_at: datetime | None
    elapsed_hours: float
    excused_hours: float
    point_hours: float
    parts_wait_hours: float
    unexplained_parts_hours: float
    within_3_days: bool
    within_7_days: bool
    over_7_days: bool
    late_excluding_hq: bool
    over_7_days_excluding_hq: bool
    visit_bonus: Decimal
    exchange_flag: bool
    segments: tuple[Piece, ...]
    center_hours: float = 0.0
    over_7_days_center_cause: bool = False

    @property
    def fine_total(self) -> Decimal:
        return sum((c.fine for c in self.attribution), Decimal("0.00"))


@dataclass(frozen=True)
class _Clock:
    created: datetime
    end: datetime
    completed_at: datetime | None
    visited: bool
    segments: tuple[tuple[str, datetime, datetime], ...]
    point_start: datetime | None


@dataclass(frozen=True)
class _Wait:
    start: datetime
    stop: datetime
    promised_by: datetime
    cause: str
    requisition: str
    warehouse: str | None = None


def _hours(value: Any) -> timedelta:
    return timedelta(hours=float(value))


def _as_hours(span: timedelta) -> float:
    return round(span / timedelta(hours=1), 2)


def _money(value: Any) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)  # as every money column (db.to_money)


def _clock(ticket: Ticket, now: datetime) -> _Clock:
    """Stage times (earliest of the stage or any later one), the end, and the segments."""
    first: dict[str, datetime] = {}
    for event in ticket.events:
        if event.type in STAGES:
            first.setdefault(event.type, event.at)
    created = first["created"]
    reached: list[datetime | None] = []
    running: datetime | None = None
    for stage in reversed(STAGES):
        if stage in first:
            running = first[stage] if running is None else min(running, first[stage])
        reached.append(None if running is None else max(running, created))
    reached.reverse()
    completed_at = reached[-1]
    end = completed_at or max([now, *(t for t in reached if t is not None)])
    segments = []
    for name, start, stop in zip(SEGMENTS, reached, reached[1:]):
        if start is None:
            break
        segments.append((name, start, stop or end))
        if stop is None:
            break
    return _Clock(created, end, completed_at, "visited" in first, tuple(segments), reached[2])


def _spans(ticket: Ticket, clock: _Clock, kinds: tuple[str, ...]) -> list[tuple[datetime, datetime, str]]:
    """The [at, until) of the ticket's events of these kinds, clipped to the ticket's life."""
    spans = [(max(e.at, clock.created), min(e.until, clock.end), e.type)
             for e in ticket.events if e.type in kinds]
    return [s for s in spans if s[0] < s[1]]


def _wrong_dispatches(ticket: Ticket, clock: _Clock) -> list[tuple[datetime, datetime, str]]:
    """派单错误 spans from the centre's holding of the ticket on: it cannot misdispatch before."""
    center_start = next((start for name, start, _ in clock.segments if name == "center_dispatch"), None)
    if center_start is None:
        return []
    spans = [(max(start, center_start), stop, kind) for start, stop, kind in _spans(ticket, clock, (WRONG_DISPATCH,))]
    return [s for s in spans if s[0] < s[1]]


def _point_waits(ticket: Ticket, clock: _Clock) -> list[_Wait]:
    """Waits clipped to the point's holding of the ticket: only the point waits for parts."""
    if clock.point_start is None:
        return []
    waits = [_Wait(max(w.submitted_at, clock.point_start), min(w.delivered_at or clock.end, clock.end),
                   w.promised_by, w.cause, w.requisition, w.warehouse) for w in ticket.parts_waits]
    return [w for w in waits if w.start < w.stop]


def _segment_at(clock: _Clock, instant: datetime) -> str:
    return next(name for name, start, stop in clock.segments if start <= instant < stop)


def _parts_at(waits: list[_Wait], instant: datetime) -> tuple[str, str | None, tuple[str, ...]] | None:
    """The wait label owning this instant, by WAIT_PRECEDENCE (then warehouse), its warehouse and
    the requisitions behind it."""
    labels: dict[tuple[str, str | None], set[str]] = {}
    for w in waits:
        if w.start <= instant < w.stop:
            label = ("within_promise", None) if instant < w.promised_by else (w.cause, w.warehouse)
            labels.setdefault(label, set()).add(w.requisition)
    if not labels:
        return None
    label = min(labels, key=lambda key: (WAIT_PRECEDENCE.index(key[0]), key[1] or ""))
    return label[0], label[1], tuple(sorted(labels[label]))


def center_parties(center: str, warehouses: Iterable[str]) -> set[str]:
    """The parties whose charged time is the centre's cause (省中心原因): the centre itself and its
    own regional warehouses (its parts admin runs them)."""
    return {f"center:{center}", *(f"warehouse:{w}" for w in warehouses)}


def _cause_party(ticket: Ticket, cause: str, warehouse: str | None) -> str | None:
    if cause in WAREHOUSE_CAUSES:
        return f"warehouse:{warehouse}"
    return {"regional_shortage": f"center:{ticket.center}", "hq_shortage": "hq_parts_planning",
            "hq_late_shipment": "hq_parts_group", "hq_wrong_part": "hq_parts_group"}.get(cause)


def _segment_owner(ticket: Ticket, segment: str) -> str:
    if segment == "hq_dispatch":
        return "hq_dispatch"
    if segment == "center_dispatch":
        return f"center:{ticket.center}"
    return f"service_point:{ticket.service_point}"


class _Sweep:
    """Walks the timeline once, labelling each stretch; keeps the running allowance counters."""

    def __init__(self, ticket: Ticket, policy: Policy, clock: _Clock):
        self.ticket, self.clock = ticket, clock
        visit = policy.visit_hours_urban if ticket.distance_class == "urban" else policy.visit_hours_remote
        self.allowance = {"hq_dispatch": timedelta(minutes=float(policy.hq_dispatch_minutes)),
                          "center_dispatch": timedelta(minutes=float(policy.center_dispatch_minutes)),
                          "contact": _hours(policy.contact_hours), "visit": _hours(visit), "repair": NEVER}
        self.three_days = _hours(policy.ticket_three_day_hours)
        self.seven_days = _hours(policy.ticket_seven_day_hours)
        self.used = dict.fromkeys(SEGMENTS, ZERO)
        self.point_used = ZERO
        self.crossed: dict[timedelta, str] = {}
        self.pieces: list[Piece] = []

    def run(self) -> list[Piece]:
        clock = self.clock
        excuses = _spans(self.ticket, clock, EXCUSES)
        wrong = _wrong_dispatches(self.ticket, clock)
        waits = _point_waits(self.ticket, clock)
        bounds = {clock.created, clock.end}
        bounds.update(t for _, start, stop in clock.segments for t in (start, stop))
        bounds.update(t for start, stop, _ in excuses + wrong for t in (start, stop))
        bounds.update(t for w in waits for t in (w.start, w.stop, w.promised_by))
        for a, b in pairwise(sorted(t for t in bounds if clock.created <= t <= clock.end)):
            self._label(a, b, excuses, wrong, waits)
        return _merge(self.pieces)

    def _label(self, a: datetime, b: datetime, excuses: list, wrong: list, waits: list[_Wait]) -> None:
        segment = _segment_at(self.clock, a)
        excused = [kind for start, stop, kind in excuses if start <= a < stop]
        if excused:
            self.pieces.append(Piece(a, b, segment, min(excused, key=EXCUSES.index), None, False))
            return
        if any(start <= a < stop for start, stop, _ in wrong):
            self.pieces.append(Piece(a, b, segment, WRONG_DISPATCH, f"center:{self.ticket.center}", True))
            return
        parts = _parts_at(waits, a) if segment in POINT_SEGMENTS else None
        if parts is not None:
            cause, warehouse, requisitions = parts
            party = _cause_party(self.ticket, cause, warehouse)
            reason = {"none": "parts_unexplained", "within_promise": "parts_within_promise"}.get(cause, cause)
            self.pieces.append(Piece(a, b, segment, reason, party, party is not None, requisitions))
            return
        self._owner_time(a, b, segment)

    def _owner_time(self, a: datetime, b: datetime, segment: str) -> None:
        """The owner's own time: free until the allowance (and the point's 72 h budget) runs out."""
        owner = _segment_owner(self.ticket, segment)
        point = segment in POINT_SEGMENTS
        while a < b:
            room = self.allowance[segment] - self.used[segment]
            if point:
                room = min(room, self.three_days - self.point_used)
            cut = b if room <= ZERO or room >= b - a else a + room
            self.pieces.append(Piece(a, cut, segment, segment, owner, room <= ZERO))
            self.used[segment] += cut - a
            if point:
                for limit in (self.three_days, self.seven_days):
                    if self.point_used <= limit < self.point_used + (cut - a):
                        self.crossed.setdefault(limit, segment)
                self.point_used += cut - a
            a = cut


def _merge(pieces: list[Piece]) -> list[Piece]:
    merged: list[Piece] = []
    for piece in pieces:
        last = merged[-1] if merged else None
        if (last is not None and last.end == piece.start
                and (last.segment, last.reason, last.party, last.charged, last.requisitions)
                == (piece.segment, piece.reason, piece.party, piece.charged, piece.requisitions)):
            merged[-1] = Piece(last.start, piece.end, piece.segment, piece.reason, piece.party,
                               piece.charged, piece.requisitions)
        else:
            merged.append(piece)
    return merged


def _total(pieces: Iterable[Piece]) -> timedelta:
    return sum((p.duration for p in pieces), ZERO)


def _point_fine(sweep: _Sweep, policy: Policy) -> tuple[str | None, Decimal]:
    """超72小时 / 超7天未完成维修: the larger fine replaces the smaller, on the crossing segment."""
    if sweep.point_used > sweep.seven_days:
        return sweep.crossed[sweep.seven_days], _money(policy.fine_point_over_7d)
    if sweep.point_used > sweep.three_days:
        return sweep.crossed[sweep.three_days], _money(policy.fine_point_over_72h)
    return None, _money(0)


def _charges(ticket: Ticket, policy: Policy, pieces: list[Piece], late: bool,
             point_fine: tuple[str | None, Decimal], center_fined: bool) -> tuple[Charge, ...]:
    spans: dict[tuple[str, str], timedelta] = {}
    orders: dict[tuple[str, str], set[str]] = {}
    for p in pieces:
        if p.charged:
            key = (p.party, p.reason)
            spans[key] = spans.get(key, ZERO) + p.duration
            orders.setdefault(key, set()).update(p.requisitions)
    fine_segment, fine_point = point_fine
    fixed = {"hq_dispatch": policy.fine_hq_dispatch, "center_dispatch": policy.fine_center_dispatch,
             WRONG_DISPATCH: 0, "regional_shortage": 0, "hq_shortage": 0, "contact": 0, "visit": 0, "repair": 0}
    per_order = {"hq_late_shipment": policy.fine_hq_parts_group, "hq_wrong_part": policy.fine_hq_parts_group,
                 "regional_late_shipment": policy.fine_regional_warehouse,
                 "regional_wrong_part": policy.fine_regional_warehouse}
    rows = []
    fined: dict[str, set[str]] = {}  # per party, the orders already fined: 30元/单, whether late or wrong
    for (party, reason), span in sorted(spans.items(), key=lambda kv: (REASONS.index(kv[0][1]), kv[0][0])):
        requisitions = tuple(sorted(orders[(party, reason)]))
        if reason == fine_segment:
            fine = fine_point
        elif reason in per_order:
            new = set(requisitions) - fined.setdefault(party, set())
            fined[party] |= new
            fine = per_order[reason] * len(new) if late else 0
        else:
            fine = fixed[reason]
        rows.append(Charge(party, reason, _as_hours(span), _money(fine), requisitions))
    if center_fined:
        rows.extend(Charge(f"center:{ticket.center}", CENTER_OVER_7_DAYS, 0.0,
                           _money(policy.fine_center_over_7d_per_role), role=role) for role in CENTER_ROLES)
    return tuple(rows)


def _visit_bonus(ticket: Ticket, policy: Policy, clock: _Clock, pieces: list[Piece]) -> Decimal:
    """上门及时奖励 (24小时内上门 in town, 72 in the country): paid when the visit is recorded and the
    point's own time from its dispatch to the visit (contact and visit, less excused time, parts
    waits and a wrong dispatch) is within the visit allowance. A slow call still earns it when the
    visit came in time; a quick call does not stretch the visit's allowance."""
    if not clock.visited:
        return _money(0)
    allowance = _hours(policy.visit_hours_urban if ticket.distance_class == "urban" else policy.visit_hours_remote)
    if _total(p for p in pieces if p.reason in ("contact", "visit")) > allowance:
        return _money(0)
    bonus = {"twin_tub": policy.bonus_visit_twin_tub,
             "fully_automatic": policy.bonus_visit_fully_automatic}.get(ticket.family, policy.bonus_visit_other)
    return _money(bonus)


def _exchange_flag(ticket: Ticket, policy: Policy, clock: _Clock) -> bool:
    """三包: waiting more than exchange_wait_days, all told, for parts the maker did not supply."""
    spans = sorted((max(w.submitted_at, clock.created), min(w.delivered_at or clock.end, clock.end))
                   for w in ticket.parts_waits if w.cause in MAKER_CAUSES)
    waited, reach = ZERO, clock.created
    for start, stop in spans:
        start = max(start, reach)
        if stop > start:
            waited += stop - start
            reach = stop
    return waited > timedelta(days=float(policy.exchange_wait_days))


def attribute(ticket: Ticket, policy: Policy, now: datetime | None = None) -> Attribution:
    """Split the ticket's time among the parties and price each overrun (see the module docstring).

    `now` bounds an open ticket; it defaults to the current time, so pass it for a replay.
    """
    now = _utc(now, "now") if now is not None else datetime.now(timezone.utc)
    clock = _clock(ticket, now)
    sweep = _Sweep(ticket, policy, clock)
    pieces = sweep.run()
    excused = _total(p for p in pieces if p.reason in EXCUSES)
    elapsed = clock.end - clock.created - excused
    hq = _total(p for p in pieces if p.charged and p.party in HQ_PARTIES)
    mine = center_parties(ticket.center, ticket.center_warehouses)
    center = _total(p for p in pieces if p.charged and p.party in mine)
    late = elapsed > sweep.three_days
    over_7_days = elapsed > sweep.seven_days
    center_fined = over_7_days and elapsed - center <= sweep.seven_days  # 因省级服务中心原因造成超7
    completed = clock.completed_at is not None
    return Attribution(
        ticket=ticket.code,
        service_point=ticket.service_point,
        late=late,
        late_hours=_as_hours(max(elapsed - sweep.three_days, ZERO)),
        attribution=_charges(ticket, policy, pieces, late, _point_fine(sweep, policy), center_fined),
        completed_at=clock.completed_at,
        elapsed_hours=_as_hours(elapsed),
        excused_hours=_as_hours(excused),
        point_hours=_as_hours(sweep.point_used),
        parts_wait_hours=_as_hours(_total(p for p in pieces if p.reason in WAIT_REASONS)),
        unexplained_parts_hours=_as_hours(_total(p for p in pieces if p.reason == "parts_unexplained")),
        within_3_days=completed and elapsed <= sweep.three_days,
        within_7_days=completed and elapsed <= sweep.seven_days,
        over_7_days=over_7_days,
        late_excluding_hq=elapsed - hq > sweep.three_days,
        over_7_days_excluding_hq=elapsed - hq > sweep.seven_days,
        visit_bonus=_visit_bonus(ticket, policy, clock, pieces),
        exchange_flag=_exchange_flag(ticket, policy, clock),
        segments=tuple(pieces),
        center_hours=_as_hours(center),
        over_7_days_center_cause=center_fined,
    )
