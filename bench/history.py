"""The fault campaign's history checker: what the clients were told against what the database holds.

Jepsen-style: the load records every attempt as the client saw it (`History`); after a trial
`gather` reads the database once, read-only, into plain `Facts`; `anomalies(history, facts)`
is a pure function, so tests prove it on fabricated histories. An attempt's outcome is
`ack` (2xx, or the web form's 302), `refused` (4xx: nothing may have happened) or `unknown`
(5xx or no answer: it may or may not have happened). The checks:

- each acknowledged request's effect exists exactly once; an unknown one at most once; a
  refused one not at all (submits and returns are told apart by Idempotency-Key, HQ's quota
  extensions by their reason);
- nothing exists that no request asked for (requisitions, returns, extensions, shipped
  transfers, optimizer runs);
- the attempts of one Idempotency-Key that were acknowledged all name the same requisition;
- the ledger recomputes every balance (`parts check-ledger`);
- each dealer's quota (reserved, consumed, extension) equals what its requisitions and
  extensions add up to;
- no transfer shipped twice, no requisition issued more units than it shipped;
- each optimizer run applied wholly (its events and drafts match its counts) or not at all.

A campaign's history grows with every trial, and reading it all after each one made the check
the longest part of a trial. So a trial is checked in scope (`gather(..., since=mark,
asked=trial)`): the requisitions and returns made or changed since the last check's snapshot
(`Mark`: the highest ids it saw) or named by the trial's requests, each with everything else
that shares its key, and `in_scope` picks the attempts about them. Quota sums are computed in
SQL over all requisitions; the ledger, transfers and runs are always read whole. What a
straggler committed below the mark, a whole `gather` every few trials and at the end finds.
"""
from __future__ import annotations

import threading
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Attempt:
    """One request as its client saw it: `target` names what it was about (an Idempotency-Key,
    a requisition or transfer code, an extension's reason), `status` None for no answer."""

    op: str
    target: str
    status: int | None
    request: dict = field(default_factory=dict)
    answer: dict = field(default_factory=dict)

    @property
    def outcome(self) -> str:
        if self.status is None or self.status >= 500:
            return "unknown"
        return "refused" if self.status >= 400 else "ack"


class History:
    """Attempts from many client threads, in the order they finished."""

    def __init__(self, attempts: list[Attempt] | None = None):
        self.attempts = list(attempts or [])
        self._lock = threading.Lock()

    def add(self, attempt: Attempt) -> None:
        with self._lock:
            self.attempts.append(attempt)

    def by_target(self, *ops: str) -> dict[str, list[Attempt]]:
        grouped = defaultdict(list)
        for a in self.attempts:
            if a.op in ops:
                grouped[a.target].append(a)
        return grouped


@dataclass
class Req:
    ticket: str | None
    status: str
    lines: list[tuple[str, int]]
    dealer: str | None = None
    period: str | None = None
    value: Decimal = Decimal("0.00")
    shipped_value: Decimal = Decimal("0.00")  # lines' price x units shipped or delivered
    shipped: dict = field(default_factory=dict)  # sku -> units shipped or delivered (allocations)
    issued: dict = field(default_factory=dict)  # sku -> units issued in the ledger
    delivered: bool = False


@dataclass
class Run:
    status: str
    lines_changed: int = 0
    transfers_proposed: int = 0
    replanned: int = 0  # 'replanned' events naming the run
    movements: int = 0  # ledger rows 'planned by' / 're-planned by' the run
    drafts: int = 0  # transfers it proposed


@dataclass(frozen=True)
class Mark:
    """How far a check has read: the highest ids its snapshot saw."""

    requisition: int = 0
    movement: int = 0
    event: int = 0
    ret: int = 0


@dataclass
class Facts:
    """What the database holds, read once after a trial (whole, or in scope: `gather`)."""

    requisitions: dict[str, Req] = field(default_factory=dict)
    returns: dict[str, str] = field(default_factory=dict)  # return code -> its reason (the request's tag)
    quota: dict[tuple[str, str], dict] = field(default_factory=dict)  # (dealer, period) -> reserved/consumed/extension
    extensions: list[tuple[str, str, Decimal, str]] = field(default_factory=list)  # dealer, period, amount, reason
    transfers: dict[str, tuple[str, int]] = field(default_factory=dict)  # id -> (status, transfer_out rows)
    runs: dict[str, Run] = field(default_factory=dict)
    ledger_differences: list = field(default_factory=list)
    quota_want: dict | None = None  # (dealer, period) -> what its requisitions add up to; None: sum `requisitions`
    mark: Mark = Mark()


@dataclass(frozen=True)
class Anomaly:
    kind: str
    subject: str
    detail: str = ""


def anomalies(history: History, facts: Facts) -> list[Anomaly]:
    found: list[Anomaly] = []
    for check in (_submits, _requisition_events, _returns, _extensions, _quota, _transfers, _runs):
        found += check(history, facts)
    found += [Anomaly("ledger", f"{d['warehouse']}/{d['sku']}", f"balance {d['balance']} != ledger {d['ledger']}")
              for d in facts.ledger_differences]
    return found


def _exactly_once(op: str, attempts: list[Attempt], made: list[str]) -> list[Anomaly]:
    """Acknowledged: exactly one effect, the one named; unknown: at most one; refused: none."""
    key = attempts[0].target
    outcomes = {a.outcome for a in attempts}
    acked = sorted({a.answer.get("id") for a in attempts if a.outcome == "ack"})
    if len(acked) > 1:
        return [Anomaly("diverged", f"{op} {key}", f"acknowledged as {acked}")]
    if len(made) > 1:
        return [Anomaly("duplicate", f"{op} {key}", f"made {sorted(made)}")]
    if "ack" in outcomes and not made:
        return [Anomaly("lost", f"{op} {key}", f"acknowledged as {acked[0]}, not in the database")]
    if "ack" in outcomes and made != acked:
        return [Anomaly("diverged", f"{op} {key}", f"acknowledged as {acked[0]}, the database has {made[0]}")]
    if outcomes == {"refused"} and made:
        return [Anomaly("refused_but_done", f"{op} {key}", f"refused, yet {made[0]} exists")]
    return []


def _submits(history: History, facts: Facts) -> list[Anomaly]:
    found = []
    by_ticket = defaultdict(list)
    for code, req in facts.requisitions.items():
        by_ticket[req.ticket].append(code)
    asked = history.by_target("submit")
    for key, attempts in asked.items():
        made = by_ticket.get(key, [])
        found += _exactly_once("submit", attempts, made)
        wanted = sorted(tuple(line) for line in attempts[0].request.get("lines", []))
        for code in made:
            if sorted(facts.requisitions[code].lines) != wanted:
                found.append(Anomaly("mismatch", f"submit {key}", f"{code} has {facts.requisitions[code].lines}"))
    for ticket, codes in by_ticket.items():
        if ticket not in asked:
            found += [Anomaly("phantom", f"requisition {code}", f"ticket {ticket} was never submitted") for code in codes]
    return found


def _requisition_events(history: History, facts: Facts) -> list[Anomaly]:
    """Acknowledged ships, receives and cancels took effect; nothing issued more than it shipped."""
    found = []
    for a in history.attempts:
        if a.outcome != "ack" or a.op not in ("ship", "receive", "cancel"):
            continue
        req = facts.requisitions.get(a.target)
        done = req is not None and {"ship": bool(req and req.shipped), "receive": bool(req and req.delivered),
                                    "cancel": bool(req and req.status == "cancelled")}[a.op]
        if not done:
            found.append(Anomaly("lost", f"{a.op} {a.target}", f"acknowledged; status {req.status if req else None}"))
    for code, req in facts.requisitions.items():
        for sku in set(req.issued) | set(req.shipped):
            if req.issued.get(sku, 0) != req.shipped.get(sku, 0):
                found.append(Anomaly("shipped_twice" if req.issued.get(sku, 0) > req.shipped.get(sku, 0) else "ledger",
                                     f"requisition {code}",
                                     f"{sku}: {req.issued.get(sku, 0)} issued for {req.shipped.get(sku, 0)} shipped"))
    return found


def _returns(history: History, facts: Facts) -> list[Anomaly]:
    found = []
    by_reason = defaultdict(list)
    for code, reason in facts.returns.items():
        by_reason[reason].append(code)
    asked = history.by_target("return")
    for key, attempts in asked.items():
        found += _exactly_once("return", attempts, by_reason.get(attempts[0].request.get("reason"), []))
    tags = {attempts[0].request.get("reason") for attempts in asked.values()}
    for reason, codes in by_reason.items():
        if reason not in tags:
            found += [Anomaly("phantom", f"return {code}", f"reason {reason!r} was never asked for") for code in codes]
    return found


def _extensions(history: History, facts: Facts) -> list[Anomaly]:
    found = []
    by_reason = defaultdict(list)
    for dealer, period, amount, reason in facts.extensions:
        by_reason[reason].append((dealer, amount))
    asked = history.by_target("extension")
    for reason, attempts in asked.items():
        made = by_reason.get(reason, [])
        outcomes = {a.outcome for a in attempts}
        if len(made) > 1:
            found.append(Anomaly("duplicate", f"extension {reason}", f"granted {len(made)} times"))
        elif "ack" in outcomes and not made:
            found.append(Anomaly("lost", f"extension {reason}", "acknowledged, not in the database"))
        elif outcomes == {"refused"} and made:
            found.append(Anomaly("refused_but_done", f"extension {reason}", "refused, yet granted"))
        want = (attempts[0].request.get("dealer"), Decimal(attempts[0].request.get("amount", "0")))
        if made and made[0] != want:
            found.append(Anomaly("mismatch", f"extension {reason}", f"granted {made[0]}, asked {want}"))
    for reason in by_reason.keys() - asked.keys():
        found.append(Anomaly("phantom", f"extension {reason}", "no request asked for it"))
    return found


def in_scope(history: History, facts: Facts, trial: History) -> History:
    """The trial's attempts, and the earlier ones about what scoped `facts` hold: submits of
    their requisitions' keys, ships, receives and cancels of them, returns of their returns'
    tags; every extension, approval and optimizer request (few, and read whole)."""
    tickets = {req.ticket for req in facts.requisitions.values()}
    reasons = set(facts.returns.values())
    about = {"submit": lambda a: a.target in tickets, "return": lambda a: a.request.get("reason") in reasons,
             **dict.fromkeys(("ship", "receive", "cancel"), lambda a: a.target in facts.requisitions)}
    mine = {id(a) for a in trial.attempts}
    return History([a for a in history.attempts if id(a) in mine or about.get(a.op, lambda _: True)(a)])


def _empty_account() -> dict[str, Decimal]:
    return {"reserved": Decimal("0.00"), "consumed": Decimal("0.00"), "extension": Decimal("0.00")}


def quota_want(requisitions: dict[str, Req], extensions: list) -> dict:
    """An account's reserved is its live requisitions' unshipped value, consumed their shipped
    value, extension the sum of its extensions."""
    want = defaultdict(_empty_account)
    for req in requisitions.values():
        if req.dealer:
            account = want[(req.dealer, req.period)]
            account["consumed"] += req.shipped_value
            if req.status != "cancelled":
                account["reserved"] += req.value - req.shipped_value
    for dealer, period, amount, _ in extensions:
        want[(dealer, period)]["extension"] += amount
    return want


def _quota(history: History, facts: Facts) -> list[Anomaly]:
    """Each account against what its requisitions and extensions add up to."""
    want = facts.quota_want if facts.quota_want is not None else quota_want(facts.requisitions, facts.extensions)
    zero = _empty_account()
    found = []
    for account in sorted(set(want) | set(facts.quota)):
        have = facts.quota.get(account, zero)
        for column in ("reserved", "consumed", "extension"):
            wanted = want.get(account, zero)[column]
            if have[column] != wanted:
                found.append(Anomaly("quota", f"{account[0]} {account[1]}",
                                     f"{column} {have[column]} != {wanted} from its requisitions"))
    return found


def _transfers(history: History, facts: Facts) -> list[Anomaly]:
    found = []
    approved = {a.target for a in history.attempts if a.op == "approve"}
    acked = {a.target for a in history.attempts if a.op == "approve" and a.outcome == "ack"}
    for tid, (status, shipments) in facts.transfers.items():
        if shipments > 1:
            found.append(Anomaly("shipped_twice", f"transfer {tid}", f"{shipments} transfer_out rows"))
        if shipments and tid not in approved:
            found.append(Anomaly("phantom", f"transfer {tid}", "shipped, never approved"))
    for tid in acked:
        if not facts.transfers.get(tid, ("", 0))[1]:
            found.append(Anomaly("lost", f"approve {tid}", "acknowledged, not shipped"))
    acks = Counter(a.target for a in history.attempts if a.op == "approve" and a.outcome == "ack")
    found += [Anomaly("duplicate", f"approve {tid}", f"acknowledged {n} times") for tid, n in acks.items() if n > 1]
    return found


def _runs(history: History, facts: Facts) -> list[Anomaly]:
    found = []
    asked = history.by_target("optimize")
    acked = {a.answer.get("id") for attempts in asked.values() for a in attempts if a.outcome == "ack"}
    maybe = sum(1 for attempts in asked.values() if {a.outcome for a in attempts} != {"refused"})
    for code in acked - facts.runs.keys():
        found.append(Anomaly("lost", f"optimizer run {code}", "acknowledged, not in the database"))
    if len(facts.runs) > maybe:
        found.append(Anomaly("phantom", "optimizer runs", f"{len(facts.runs)} runs for {maybe} requests"))
    for code, run in facts.runs.items():
        if run.status == "done":
            whole = run.replanned == run.lines_changed and run.drafts == run.transfers_proposed \
                and (run.movements > 0) == (run.lines_changed > 0)
        else:
            whole = run.replanned == run.movements == run.drafts == 0
        if not whole:
            found.append(Anomaly("run_partial", f"optimizer run {code}",
                                 f"{run.status}: {run.replanned} lines replanned of {run.lines_changed}, "
                                 f"{run.movements} ledger rows, {run.drafts} drafts of {run.transfers_proposed}"))
    return found


@contextmanager
def snapshot_session(engine):
    """A session whose reads all see one snapshot: on PostgreSQL a REPEATABLE READ, READ ONLY
    transaction. `gather` reads a dozen tables one after another while the stack may still be
    committing (a Celery run resumed after a pause, a request its client gave up on); at READ
    COMMITTED a commit between two of its reads (a requisition without its lines, a quota
    movement without its requisition) is a false anomaly that the next trial no longer sees."""
    from inventory.db import make_session_factory

    with make_session_factory(engine)() as session:
        if engine.dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ",
                                                  "postgresql_readonly": True})
        yield session


def gather(session, since: Mark | None = None, asked: History | None = None) -> Facts:
    """Read what the checks need in one read-only pass (once the trial has settled, in one
    snapshot: `snapshot_session`): everything, or with `since` only the requisitions and
    returns made or changed above its mark or named by `asked` (see the module's docstring)."""
    from sqlalchemy import func, select

    from inventory.quotas.models import QuotaAccount, QuotaMovement
    from inventory.returns.models import Return
    from inventory.returns.models import format_code as return_code
    from inventory.warehouses.ledger import ledger_differences
    from inventory.warehouses.models import StockMovement, Transfer

    facts = Facts(ledger_differences=ledger_differences(session), mark=_mark(session))
    _read_requisitions(session, facts, None if since is None else _requisitions_in_scope(session, since, asked))
    returns = select(Return.id, Return.reason).where(Return.kind == "unused")
    if since is not None:
        tags = {a.request.get("reason") for a in (asked.attempts if asked else []) if a.op == "return"}
        tags |= set(session.scalars(select(Return.reason).where(Return.kind == "unused", Return.id > since.ret)))
        returns = returns.where(Return.reason.in_(tags - {None}))
    for rid, reason in session.execute(returns):
        facts.returns[return_code(rid)] = reason
    for a in session.scalars(select(QuotaAccount)):
        facts.quota[(a.dealer_code, a.period)] = {"reserved": a.reserved, "consumed": a.consumed,
                                                  "extension": a.extension}
    facts.extensions = [tuple(row) for row in session.execute(
        select(QuotaMovement.dealer_code, QuotaMovement.period, QuotaMovement.amount, QuotaMovement.reason)
        .where(QuotaMovement.kind == "extension"))]
    facts.quota_want = _quota_sums(session, facts.extensions)
    outs = dict(session.execute(select(StockMovement.ref_id, func.count()).where(
        StockMovement.kind == "transfer_out", StockMovement.ref_type == "transfer", StockMovement.on_hand_delta < 0)
        .group_by(StockMovement.ref_id)).all())  # the source's row (the destination's in-transit row is its twin)
    for tid, status in session.execute(select(Transfer.id, Transfer.status)):
        facts.transfers[tid] = (status, outs.get(tid, 0))
    _read_runs(session, facts)
    return facts


def _mark(session) -> Mark:
    from sqlalchemy import func, select

    from inventory.requisitions.models import Requisition, RequisitionEvent
    from inventory.returns.models import Return
    from inventory.warehouses.models import StockMovement

    return Mark(*(session.scalar(select(func.coalesce(func.max(column), 0)))
                  for column in (Requisition.id, StockMovement.id, RequisitionEvent.id, Return.id)))


def _requisitions_in_scope(session, since: Mark, asked: History | None) -> set[int]:
    """Requisitions made above the mark, moved in the ledger or given an event since, or named
    by the trial's requests; then every requisition that shares a key with one of them."""
    from sqlalchemy import select

    from inventory import bulk
    from inventory.requisitions.models import Requisition, RequisitionEvent, parse_code
    from inventory.warehouses.models import StockMovement

    attempts = asked.attempts if asked else []
    ids = set(session.scalars(select(Requisition.id).where(Requisition.id > since.requisition)))
    ids |= set(session.scalars(select(RequisitionEvent.requisition_id).where(RequisitionEvent.id > since.event)))
    codes = set(session.scalars(select(StockMovement.ref_id).where(StockMovement.id > since.movement,
                                                                   StockMovement.ref_type == "requisition")))
    codes |= {a.target for a in attempts if a.op in ("ship", "receive", "cancel")}
    ids |= {rid for rid in map(parse_code, codes) if rid is not None}
    tickets = {a.target for a in attempts if a.op == "submit"}
    for match in bulk.in_ids(session, Requisition.id, sorted(ids)):
        tickets |= set(session.scalars(select(Requisition.ticket).where(match)))
    tickets.discard(None)
    for match in bulk.in_ids(session, Requisition.ticket, sorted(tickets)):
        ids |= set(session.scalars(select(Requisition.id).where(match)))
    return ids


def _matching(session, column, keys) -> list:
    """WHERE clauses that together match `column` against `keys`; every row when keys is None."""
    from sqlalchemy import true

    from inventory import bulk

    return [true()] if keys is None else list(bulk.in_ids(session, column, sorted(keys)))


def _read_requisitions(session, facts: Facts, ids: set[int] | None) -> None:
    """Requisitions as columns, not ORM objects (loading one also loads its lines and
    allocations): all, or those of `ids`."""
    from sqlalchemy import func, select

    from inventory.requisitions.models import Allocation, Requisition, RequisitionLine
    from inventory.requisitions.models import format_code as requisition_code
    from inventory.warehouses.models import StockMovement

    by_id = {}
    for match in _matching(session, Requisition.id, ids):
        for rid, ticket, status, dealer, period, value in session.execute(
                select(Requisition.id, Requisition.ticket, Requisition.status, Requisition.dealer_code,
                       Requisition.quota_period, Requisition.value).where(match)):
            by_id[rid] = facts.requisitions[requisition_code(rid)] = Req(ticket, status, [], dealer, period, value)
    for match in _matching(session, RequisitionLine.requisition_id, ids):
        for rid, sku, qty in session.execute(select(RequisitionLine.requisition_id, RequisitionLine.sku,
                                                    RequisitionLine.qty).where(match).order_by(RequisitionLine.id)):
            by_id[rid].lines.append((sku, qty))
        for rid, sku, price, status, qty in session.execute(
                select(RequisitionLine.requisition_id, Allocation.sku, RequisitionLine.unit_price, Allocation.status,
                       Allocation.qty).join(Allocation, Allocation.line_id == RequisitionLine.id)
                .where(match, Allocation.status.in_(("shipped", "delivered")))):
            req = by_id[rid]
            req.shipped[sku] = req.shipped.get(sku, 0) + qty
            req.shipped_value += price * qty
            req.delivered = req.delivered or status == "delivered"
    for match in _matching(session, StockMovement.ref_id, None if ids is None else facts.requisitions):
        for ref, sku, units in session.execute(
                select(StockMovement.ref_id, StockMovement.sku, func.sum(-StockMovement.on_hand_delta))
                .where(match, StockMovement.kind == "issue", StockMovement.ref_type == "requisition")
                .group_by(StockMovement.ref_id, StockMovement.sku)):
            if ref in facts.requisitions:
                facts.requisitions[ref].issued[sku] = int(units)


def _quota_sums(session, extensions: list) -> dict:
    """`quota_want` summed in SQL over every dealer requisition, so a scoped check still
    compares whole accounts."""
    from sqlalchemy import case, func, select, type_coerce

    from inventory.db import Money
    from inventory.requisitions.models import Allocation, Requisition, RequisitionLine

    cent = Decimal("0.01")
    live = Requisition.status != "cancelled"
    worth = RequisitionLine.unit_price * Allocation.qty  # cents in the database: summed as Money
    want = defaultdict(_empty_account)
    for dealer, period, value in session.execute(
            select(Requisition.dealer_code, Requisition.quota_period, func.sum(Requisition.value))
            .where(Requisition.dealer_code.is_not(None), live).group_by(Requisition.dealer_code, Requisition.quota_period)):
        want[(dealer, period)]["reserved"] += Decimal(value).quantize(cent)
    for dealer, period, shipped, shipped_live in session.execute(
            select(Requisition.dealer_code, Requisition.quota_period,
                   type_coerce(func.sum(worth), Money), type_coerce(func.sum(case((live, worth), else_=0)), Money))
            .join(RequisitionLine, RequisitionLine.requisition_id == Requisition.id)
            .join(Allocation, Allocation.line_id == RequisitionLine.id)
            .where(Requisition.dealer_code.is_not(None), Allocation.status.in_(("shipped", "delivered")))
            .group_by(Requisition.dealer_code, Requisition.quota_period)):
        want[(dealer, period)]["consumed"] += Decimal(shipped).quantize(cent)
        want[(dealer, period)]["reserved"] -= Decimal(shipped_live).quantize(cent)
    for dealer, period, amount, _ in extensions:
        want[(dealer, period)]["extension"] += amount
    return want


def _json_text(session, column, key: str):
    """`column` (JSON in a text column) at `key`, as text, in the database's own JSON functions."""
    from sqlalchemy import cast, func
    from sqlalchemy.dialects import postgresql

    if session.get_bind().dialect.name == "postgresql":
        return cast(column, postgresql.JSONB)[key].astext
    return func.json_extract(column, f"$.{key}")


def _read_runs(session, facts: Facts) -> None:
    """Each optimizer run with what it left: 'replanned' events, ledger rows, drafts."""
    from sqlalchemy import func, select

    from inventory import planning
    from inventory.requisitions.models import RequisitionEvent
    from inventory.warehouses.models import StockMovement, Transfer

    for run in session.execute(select(planning.OptimizerRun.id, planning.OptimizerRun.status,
                                      planning.OptimizerRun.lines_changed, planning.OptimizerRun.transfers_proposed)):
        facts.runs[planning.format_run_code(run.id)] = Run(run.status, run.lines_changed, run.transfers_proposed)
    run = _json_text(session, RequisitionEvent.detail, "run")  # counted in SQL: a campaign writes 500,000 of them
    for code, n in session.execute(select(run, func.count()).where(RequisitionEvent.kind == "replanned").group_by(run)):
        if code in facts.runs:
            facts.runs[code].replanned += n
    for reason, n in session.execute(select(StockMovement.reason, func.count())
                                     .where(StockMovement.reason.like("%planned by OR%")).group_by(StockMovement.reason)):
        code = reason.rsplit(" ", 1)[-1]
        if code in facts.runs:
            facts.runs[code].movements += n
    for code, n in session.execute(select(Transfer.proposal_run_id, func.count())
                                   .where(Transfer.proposal_run_id.is_not(None)).group_by(Transfer.proposal_run_id)):
        if code in facts.runs:
            facts.runs[code].drafts += n
