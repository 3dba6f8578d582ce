"""The discrete-event simulation: a clock, an event queue, and the real service calls.

Every change of state goes through the domain layer with the simulated time as `now`/`at`:
`requisitions.service.submit/ship/receive`, `tickets.record_event`, `returns.lifecycle`,
`purchasing.service` (HQ's orders and their receipts), `warehouses.transfers` (approved transfers) and the
optimizer's nightly run. The engine only decides *when* each call happens and remembers what
it has to do later (deliveries, completions, returns, arrivals). A day, Beijing time:

    00:00 the day's demand is drawn        01:00 overdue old parts are swept
    02:00 nightly re-plan and transfers    03:00 (Mondays) purchase review for HQ
    08:00-20:00 service points requisition; dealers order at 17:00
    09:00, 13:00, 17:00 pick waves: every requisition with reserved units ships
    any time: parcels, transfers and purchases arrive when their lane or lead time has passed
    24:00 stock is valued

A reservation's `eta` (reserved at + lane hours) already includes the lane's handling time
(order cut-off, picking, hand-over: `inventory.demo.HANDLING_HOURS`), so a parcel shipped at a
wave within that window arrives at its `eta`; one that waited longer (accepted after the
17:00 wave, shipped next morning) arrives as much later. Carriers are not clockwork
(`truth.Carrier`): each parcel's road time (lane hours less handling) is stretched or shortened
by a factor of its own, and about 1 % are held 12-24 h more. What waits overnight is what the
nightly re-plan can still move: evening lines, dealers' orders and backorders.
After the last day of demand the clock runs on for `drain_days` without new demand, so every
shipped parcel lands before the books are closed.
"""
from __future__ import annotations

import heapq
import sys
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from time import perf_counter

import numpy as np
from sqlalchemy import select

from inventory.access import Principal
from inventory.catalog import Part
from inventory.demo import HANDLING_HOURS
from inventory.errors import DomainError, QuotaExceeded
from inventory.network import Lane, ServicePoint, Warehouse
from inventory.policy import load_policy
from inventory.requisitions import service as reqs
from inventory.requisitions.models import Allocation, Requisition, RequisitionLine, format_code
from inventory.requisitions.service import LineRequest
from inventory.requisitions.warranty import record_appliance
from inventory.returns import lifecycle, settlement
from inventory.returns.models import Return
from inventory.tickets import record_event
from inventory.tickets.appliance import business_date
from inventory.warehouses import transfers
from optimizer.targets import MIN_MEAN

from . import metrics, policies
from .appliances import ApplianceBook
from .calendar import START, at, day_of_month, days_in_month, month_of, weekday
from .demand import DEALER_ORDER_HOUR, DayDemand, Demand
from .forecast_check import ForecastCheck
from .replenish import REVIEW_WEEKDAY, Replenishment
from .setup import Database, World
from .tickets import TicketStory, unused_days
from .truth import Carrier, Suppliers, parcel_key

ACTOR = "system:simulation"
CALL_CENTER = Principal("call_center")
SWEEP_HOUR, REVIEW_HOUR, DAY_END = 1.0, 3.0, 24.0 - 1 / 3600
ARRIVAL_HOUR = 10.0  # Beijing: suppliers deliver in the morning
WAVES = (9.0, 13.0, 17.0)
COMMIT_EVERY = 2000


@dataclass(frozen=True)
class SimConfig:
    """What to simulate. `sku_share` < 1 simulates a stratified sample of the catalogue (see
    `demand.sample_skus`); `cover` scales the base-stock targets (trade-off curve); `tickets`
    off skips repair tickets and old-part returns (they do not move stock); `opening`
    "targets" replaces the demo's opening stock by each sku's echelon base stock at HQ, so a
    run starts near its own steady state (trade-off curve). `transfers` overrides whether the
    night's base-stock transfers run (default: only with the optimizer policy); days before
    `warmup_days` are left out of the per-sku stock behind the all-skus estimates; `min_mean`
    is the slowest expected demand a regional warehouse still holds (`optimizer.targets`);
    `waves` are the warehouses' pick waves, Beijing hours (an evening wave is a lever too)."""

    @property
    def with_transfers(self) -> bool:
        return self.policy in ("optimizer", "planned") if self.transfers is None else self.transfers

    days: int = 365
    seed: int = 1
    scale: str = "national"
    policy: str = "optimizer"
    sku_share: float = 1.0
    cover: float = 1.0
    min_mean: float = MIN_MEAN
    waves: tuple[float, ...] = WAVES
    tickets: bool = True
    transfers: bool | None = None
    warmup_days: int = 0
    drain_days: int = 6
    start: date = START
    opening: str = "demo"
    budget: float | None = None       # `planned`: RMB of stock on hand (default the policy's stock_budget)
    shard: tuple[int, int] | None = None  # (i, n): simulate the i-th of n shards of the sample (`shards`)
    database_url: str | None = None
    progress: bool = False


@dataclass
class Pending:
    """A requisition the engine still has business with."""

    owner: Principal
    point: str
    sku: str
    qty: int
    story: TicketStory | None = None
    u: np.ndarray | None = None


@dataclass
class Log:
    """What happened day by day, and where the wall-clock time went."""

    stock: list[dict[str, tuple[float, float]]] = field(default_factory=list)
    sku_stock: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    sku_stock_days: int = 0
    backorders: list[tuple[int, int]] = field(default_factory=list)
    transfers: list[int] = field(default_factory=list)
    replanned: list[int] = field(default_factory=list)
    purchases: list[int] = field(default_factory=list)
    backordered_at_submit: set[int] = field(default_factory=set)
    carrier_delay: dict[int, float] = field(default_factory=dict)  # allocation id: hours its parcel landed late
    plans: list[dict] = field(default_factory=list)  # `planned`: each stock plan's expectations
    refused_lines: int = 0
    return_failures: int = 0
    transfers_refused: int = 0
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class Engine:
    def __init__(self, config: SimConfig, db: Database, world: World):
        self.config = config
        self.sessions = db.sessions
        self.s = self.sessions()
        self.policy = load_policy(self.s)
        self.demand = Demand(world.simulated, config.seed, config.start)
        self.carrier = Carrier(config.seed)
        self.suppliers = Suppliers(config.seed)
        self.world = world
        self.plan = None
        self.forecast_check = ForecastCheck(
            self.demand, world.simulated["parts"],
            np.array([world.weights.get(sku, 1.0) for sku in self.demand.skus])) if config.with_transfers else None
        self.start = config.start
        self.hq = metrics.hq_code(self.s)
        self.replenishment = Replenishment(world.simulated["parts"], self.start, config.seed, self.hq, cover=config.cover,
                                           min_mean=config.min_mean)
        self.returnable = dict(zip(self.demand.skus, self.demand.returnable.tolist()))
        self.remote = dict(self.s.execute(select(ServicePoint.code, ServicePoint.distance_class)).all())
        self.hours = {(f, t): h for f, t, h in self.s.execute(select(Lane.from_code, Lane.to_code, Lane.hours))}
        self._keep_loaded()
        self.log = Log()
        self.pending: dict[str, Pending] = {}
        self.appliances = ApplianceBook()
        self.in_flight: dict[tuple[str, str], datetime] = {}  # (requisition, sender): last parcel lands
        self.heap: list = []
        self._seq = 0
        self._uncommitted = 0
        self.last_day = config.days + config.drain_days - 1
        for day in range(self.last_day + 1):
            self._schedule_day(day)

    # -- the clock ---------------------------------------------------------------------------

    def at(self, day: int, hour: float) -> datetime:
        return at(day, hour, self.start)

    def push(self, when: datetime, kind: str, payload=None) -> None:
        self._seq += 1
        heapq.heappush(self.heap, (when, self._seq, kind, payload))

    def _schedule_day(self, day: int) -> None:
        nightly = (self.policy.optimizer_nightly_hour_utc + 8) % 24
        if day < self.config.days:
            self.push(self.at(day, 0.0), "demand", day)
        self.push(self.at(day, SWEEP_HOUR), "sweep", day)
        self.push(self.at(day, nightly), "nightly", day)
        if day < self.config.days and weekday(day, self.start) == REVIEW_WEEKDAY:
            self.push(self.at(day, REVIEW_HOUR), "review", day)
        for hour in self.config.waves:
            self.push(self.at(day, hour), "wave", day)
        self.push(self.at(day, DAY_END), "close", day)

    def run(self) -> Log:
        started = perf_counter()
        handlers = {"demand": self._demand, "submit": self._submit, "dealer": self._dealer_order,
                    "deliver": self._deliver, "complete": self._complete, "return_send": self._return_send,
                    "return_arrive": self._return_arrive, "sweep": self._sweep, "nightly": self._nightly,
                    "review": self._review, "purchase": self._purchase, "wave": self._wave,
                    "transfer": self._transfer_arrives, "close": self._close}
        while self.heap:
            when, _, kind, payload = heapq.heappop(self.heap)
            if kind == "close" and payload == self.last_day:
                self._close(when, payload)
                break
            tick = perf_counter()
            handlers[kind](when, payload)
            self.log.seconds[kind] += perf_counter() - tick
            self.log.calls[kind] += 1
            self._uncommitted += 1
            if self._uncommitted >= COMMIT_EVERY:
                self.commit()
        self.commit()
        self.log.seconds["total"] = perf_counter() - started
        return self.log

    def commit(self) -> None:
        self.s.commit()
        self._uncommitted = 0

    def _forget_requisitions(self) -> None:
        """The night's re-plan moved reservations in its own session: what ours remembers is stale."""
        for obj in list(self.s.identity_map.values()):
            if isinstance(obj, (Requisition, RequisitionLine, Allocation)):
                self.s.expire(obj)

    def _keep_loaded(self) -> None:
        """Hold the master data in the session so the services' `session.get` finds it without SQL."""
        self._master = [*self.s.scalars(select(Part)), *self.s.scalars(select(ServicePoint)),
                        *self.s.scalars(select(Warehouse))]

    # -- demand and requisitions -------------------------------------------------------------

    def _demand(self, when: datetime, day: int) -> None:
        today = self.demand.day(day)
        orders: dict[tuple[int, int], dict[int, int]] = {}
        for i in range(len(today)):
            dealer = int(today.dealer[i])
            if dealer >= 0:
                lines = orders.setdefault((dealer, int(today.point[i])), {})
                lines[int(today.sku[i])] = lines.get(int(today.sku[i]), 0) + int(today.qty[i])
            else:
                self.push(self.at(day, float(today.hour[i])), "submit", (day, i, today))
        for (dealer, point), lines in orders.items():
            self.push(self.at(day, DEALER_ORDER_HOUR), "dealer", (dealer, point, lines))

    def _submit(self, when: datetime, payload: tuple[int, int, DayDemand]) -> None:
        day, i, today = payload
        d = self.demand
        sku, point, qty = d.skus[today.sku[i]], d.points[today.point[i]], int(today.qty[i])
        ticket = f"TK{day:03d}{i:05d}" if bool(today.ticketed[i]) and self.config.tickets else None
        owner = Principal("service_point", point)
        story = None
        if ticket:  # the call centre opens the ticket and records the appliance; the engine decides what is free
            family = d.family[today.sku[i]]
            story = TicketStory.before(when, ticket, point, family, self.remote[point] == "remote", today.u[i])
            for kind, instant in story.opening_events():
                record_event(self.s, ticket, kind, at=instant, principal=CALL_CENTER, now=when,
                             service_point=point if kind == "created" else None,
                             family=story.family if kind == "created" else None)
            unit = self.appliances.appliance(ticket, d.regions[d.point_region[today.point[i]]], family,
                                             business_date(story.created), today.appliance_u[i])
            record_appliance(self.s, ticket, product_line=unit.product_line, use=unit.use, model=unit.model,
                             serial=unit.serial, proof=unit.proof, fault=unit.fault, purchased_on=unit.purchased_on,
                             actor=CALL_CENTER.name, policy=self.policy, now=when)
        req = reqs.submit(self.s, owner, ship_to=point, lines=[LineRequest(sku, qty)], ticket=ticket,
                          policy=self.policy, in_warranty=None if ticket else False, now=when)
        self.pending[req.code] = Pending(owner, point, sku, qty, story, today.u[i])
        self._note_backorders(req)

    def _dealer_order(self, when: datetime, payload) -> None:
        dealer, point, lines = payload
        d = self.demand
        owner = Principal("dealer", d.dealers[dealer])
        try:
            with self.s.begin_nested():
                req = reqs.submit(self.s, owner, ship_to=d.points[point], policy=self.policy, in_warranty=False,
                                  lines=[LineRequest(d.skus[k], q) for k, q in lines.items()], ticket=None, now=when)
        except QuotaExceeded:
            self.log.refused_lines += len(lines)
            return
        self.pending[req.code] = Pending(owner, d.points[point], "", 0)
        self._note_backorders(req)

    def _note_backorders(self, req) -> None:
        for line in req.lines:
            if line.backordered_qty:
                self.log.backordered_at_submit.add(line.id)

    def _ship(self, code: str, when: datetime) -> None:
        req = reqs.ship(self.s, ACTOR, code, at=when, now=when)
        arrivals: dict[str, datetime] = {}
        parcels: dict[str, list[int]] = defaultdict(list)
        road: dict[str, float] = {}
        for line in req.lines:
            for a in line.allocations:
                if a.shipped_at == when:
                    landing = metrics.arrival(a.eta, when, a.lane_hours)
                    arrivals[a.warehouse_code] = max(arrivals.get(a.warehouse_code, landing), landing)
                    parcels[a.warehouse_code].append(a.id)
                    road[a.warehouse_code] = a.lane_hours - HANDLING_HOURS
        for sender, nominal in arrivals.items():
            delay = self.carrier.delay(road[sender], *parcel_key(f"{code}/{sender}", when))
            arrival = nominal + delay
            if delay > timedelta(0):
                self.log.carrier_delay.update((a, delay.total_seconds() / 3600) for a in parcels[sender])
            due = max(self.in_flight.get((code, sender), arrival), arrival)
            self.in_flight[code, sender] = due
            self.push(due, "deliver", (code, sender))

    def _deliver(self, when: datetime, parcel: tuple[str, str]) -> None:
        """The point confirms each sender's parcel when it lands (a later parcel from the same
        sender, still on its way, is waited for: the point confirms by sender)."""
        if self.in_flight.get(parcel) != when:
            return
        del self.in_flight[parcel]
        code, sender = parcel
        item = self.pending[code]
        req = reqs.receive(self.s, item.owner, code, at=when, warehouse=sender, now=when)
        if req.status != "delivered":
            return
        if item.story is not None:
            done, excuse = item.story.completion(when)
            self.push(done, "complete", (code, excuse))
        else:
            del self.pending[code]

    def _wave(self, when: datetime, day: int) -> None:
        """A pick wave: ship every requisition with units reserved (in requisition order)."""
        ids = self.s.scalars(select(RequisitionLine.requisition_id).join(
            Allocation, Allocation.line_id == RequisitionLine.id).where(Allocation.status == "reserved")
            .distinct().order_by(RequisitionLine.requisition_id)).all()
        for number in ids:
            self._ship(format_code(number), when)

    # -- tickets and returns -----------------------------------------------------------------

    def _complete(self, when: datetime, payload) -> None:
        code, excuse = payload
        item = self.pending.pop(code)
        story = item.story
        if excuse is not None:
            record_event(self.s, story.code, "rescheduled_by_customer", at=excuse[0], until=excuse[1],
                         principal=CALL_CENTER, now=when)
        record_event(self.s, story.code, "completed", at=when, principal=CALL_CENTER, now=when)
        if story.unused:
            self.push(when + timedelta(days=unused_days(item.u)), "return_send", (code, item, "unused"))
        elif story.old_part_days is not None and self.returnable[item.sku]:
            self.push(when + timedelta(days=story.old_part_days), "return_send", (code, item, "old_part"))

    def _return_send(self, when: datetime, payload) -> None:
        code, item, kind = payload
        if kind == "unused":
            sends = [item.qty]
        else:
            sends = list(self.s.scalars(select(Return.qty).where(
                Return.requisition_id == int(code[1:]), Return.kind == "old_part",
                Return.status.in_(("expected", "overdue"))).order_by(Return.id)))
        outcome = "no_fault_found" if kind == "unused" else item.story.outcome
        for qty in sends:
            try:
                with self.s.begin_nested():
                    row = lifecycle.create_return(self.s, item.owner, code, item.sku, qty, kind, now=when)
            except DomainError:
                self.log.return_failures += 1
                continue
            arrival = when + timedelta(hours=self.hours[(row.warehouse_code, item.point)])
            self.push(arrival, "return_arrive", (row.code, row.warehouse_code, outcome))

    def _return_arrive(self, when: datetime, payload) -> None:
        code, warehouse, outcome = payload
        clerk = f"clerk:{warehouse}"
        lifecycle.receive(self.s, clerk, code, at=when, warehouse=warehouse, now=when)
        lifecycle.inspect(self.s, clerk, code, outcome, warehouse=warehouse, now=when)

    def _sweep(self, when: datetime, day: int) -> None:
        settlement.sweep_overdue(self.s, now=when, actor=ACTOR)

    # -- the night, purchases and transfers --------------------------------------------------

    def _nightly(self, when: datetime, day: int) -> None:
        night = policies.Night()
        if self.config.policy != "none":
            self.commit()  # the re-plan works in its own sessions
            night = policies.replan(self.config.policy, self.sessions, now=when, policy=self.policy, day=day)
            self._forget_requisitions()
        if self.config.policy == "planned" and (self.plan is None or weekday(day, self.start) == REVIEW_WEEKDAY):
            first = self.plan is None
            self._plan(when)
            if first and weekday(day, self.start) != REVIEW_WEEKDAY and day < self.config.days:
                # the product proposes purchases with every plan it keeps (`keep_and_propose`): HQ
                # buys to its first plan at once rather than at the next Monday's review
                self.push(self.at(day, REVIEW_HOUR), "review", day)
        if self.config.with_transfers:
            policies.ship_transfers(self.s, night, now=when, policy=self.policy, cover=self.config.cover,
                                    min_mean=self.config.min_mean, plan=self.plan)
        for transfer in night.shipped:
            hours = self.hours[(transfer.from_warehouse, transfer.to_warehouse)]
            delay = self.carrier.delay(hours - HANDLING_HOURS, *parcel_key(f"{transfer.from_warehouse}>{transfer.to_warehouse}/{transfer.sku}", when))
            self.push(when + timedelta(hours=hours) + delay, "transfer", (transfer.id, transfer.qty))
        if self.forecast_check is not None and day < self.config.days and (day == 0 or day_of_month(day, self.start) == 1):
            self._check_forecast(when, day)
        self.log.replanned.append(night.lines_changed)
        self.log.transfers.append(len(night.shipped))
        self.log.transfers_refused += night.refused
        self.commit()

    def _plan(self, when: datetime) -> None:
        """The stock plan (`planned`): forecast and placement from what the database holds."""
        n = self.config.shard[1] if self.config.shard else 1  # a shard's skus stand for n times as many
        self.plan = policies.plan_stock(self.s, when, self.policy, self.config.budget,
                                        {k: v * n for k, v in self.world.weights.items()},
                                        {k: v * n for k, v in self.world.stock_weights.items()})
        p = self.plan.placement
        self.log.plans.append({"at": when.isoformat(), "expected_on_time_rate": round(p.on_time_rate, 5),
                               "stock_value": round(p.stock_value, 2), "placed_budget": round(p.budget, 2),
                               "gap": round(float(p.gap), 6), "hq_excess": round(self.plan.excess_value or 0.0, 2),
                               "held_value": round(self.plan.held_value or 0.0, 2),
                               "seconds": round(p.seconds, 2), **self._held_against(p, n)})

    def _held_against(self, p, n: int) -> dict:
        """What the network holds when a plan is made, against its levels (all skus, estimated):
        on hand at cost at HQ and regionally, and the regional stock above the new level, at
        warehouses the plan no longer uses for the sku included. Stock no level asks for is what
        the budget pays for without buying rate."""
        from inventory.catalog import Part
        from inventory.warehouses.models import StockBalance

        column = {w: i for i, w in enumerate(p.warehouses)}
        row = {s: j for j, s in enumerate(p.skus)}
        held = {"held_hq": 0.0, "held_regional": 0.0, "regional_above_level": 0.0, "regional_unheld": 0.0}
        for warehouse, sku, on_hand, cost in self.s.execute(
                select(StockBalance.warehouse_code, StockBalance.sku, StockBalance.on_hand, Part.unit_cost)
                .join(Part, Part.sku == StockBalance.sku).where(StockBalance.on_hand > 0)):
            value = float(cost) * self.world.stock_weights.get(sku, 1.0) * n
            if warehouse == self.hq:
                held["held_hq"] += value * on_hand
                continue
            held["held_regional"] += value * on_hand
            level = int(p.target[row[sku], column[warehouse]]) if sku in row and warehouse in column else 0
            held["regional_above_level"] += value * max(0, on_hand - level)
            held["regional_unheld"] += value * on_hand * (level == 0)
        return {k: round(v, 2) for k, v in held.items()}

    def _check_forecast(self, when: datetime, day: int) -> None:
        """The policy's forecast for the rest of this month, set beside the truth's."""
        days = range(day, min(day + days_in_month(day, self.start), self.config.days))
        units = policies.forecast(self.s, when, len(days), self.demand.skus, self.demand.regions, self.plan)
        self.forecast_check.record(month_of(day, self.start), days, units)

    def _transfer_arrives(self, when: datetime, payload) -> None:
        transfer_id, qty = payload
        transfers.receive(self.s, transfer_id, qty, actor=ACTOR, now=when)

    def _review(self, when: datetime, day: int) -> None:
        if day >= self.config.days:
            return
        deliveries = self.replenishment.review(self.s, day, when, None if self.plan is None else self.plan.echelon())
        for delivery in deliveries:
            lands = self.at(day + self.suppliers.lead_days(delivery.stated_days, delivery.supplier, day), ARRIVAL_HOUR)
            self.push(lands, "purchase", replace(delivery, arrives=lands))
        self.log.purchases.append(len(deliveries))

    def _purchase(self, when: datetime, delivery) -> None:
        self.replenishment.arrive(self.s, delivery)

    # -- bookkeeping -------------------------------------------------------------------------

    def _close(self, when: datetime, day: int) -> None:
        by_warehouse, by_sku = metrics.stock_snapshot(self.s)
        self.log.stock.append(by_warehouse)
        if self.config.warmup_days <= day < self.config.days:
            self.log.sku_stock_days += 1
            for sku, value in by_sku.items():
                self.log.sku_stock[sku] += value
        self.log.backorders.append(metrics.open_backorders(self.s))
        self.commit()
        if self.config.progress and (day % 30 == 29 or day == self.last_day):
            total = sum(self.log.seconds.values())
            print(f"  day {day + 1:>3}/{self.last_day + 1}: {len(self.log.backordered_at_submit):,} lines backordered "
                  f"at submit so far, {total:,.0f} s", file=sys.stderr, flush=True)

    def close(self) -> None:
        self.s.close()
