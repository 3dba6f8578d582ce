"""Turn what the domain already records into webhook events and their deliveries (the outbox).

No request path knows about webhooks: a periodic scan reads
- the requisition history (`requisition_event`) past a cursor: submitted -> `requisition.allocated`
  or `requisition.backordered`; shipped -> `requisition.shipped`; received ->
  `requisition.delivered`; replanned with more units reserved -> `backorder.filled` (fewer ->
  `requisition.backordered`); a wrong part whose replacement is backordered ->
  `requisition.backordered`;
- returns past their due date (`return.overdue`), once per return;
- this month's dealer quota accounts at 80 % used or exhausted (`quota.threshold`), once per
  (dealer, month, level).

An event goes to the owner's live webhooks that subscribe to it and existed when it happened
(a requisition event later than the webhook's `from_event_id`; a return due, or a level seen,
after the webhook was registered). Everything is written in the caller's transaction. One
collector at a time: the cursor row is locked (another collector finding it locked skips).

The cursor re-reads the last `LOOKBACK_IDS` history ids on every scan: ids are handed out at
insert but rows become visible at commit, so a short transaction can commit an id below one
already read. The unique `requisition_event_id` of an event makes re-reading harmless.
"""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..quotas.models import QuotaAccount
from ..quotas.service import period_of
from ..requisitions.models import Requisition, RequisitionEvent, format_code as requisition_code
from ..returns.models import Return, format_code as return_code
from .models import Webhook, WebhookCursor, WebhookDelivery, WebhookEvent
from .service import new_delivery_id

CURSOR = "requisition_event"
LOOKBACK_IDS = 1000
BATCH = 2000
KINDS = ("submitted", "shipped", "received", "replanned", "wrong_part")
QUOTA_LEVELS = (80, 100)

Owner = tuple[str, str]


def collect(session: Session, now: datetime) -> int:
    """Record new events and queue their deliveries; how many events were recorded (0 when
    another collector is at work)."""
    cursor = _lock_cursor(session)
    if cursor is None:
        return 0
    hooks = _live_hooks(session)
    return (_requisition_history(session, cursor, hooks, now) + _overdue_returns(session, hooks, now)
            + _quota_levels(session, hooks, now))


def _lock_cursor(session: Session) -> WebhookCursor | None:
    stmt = select(WebhookCursor).where(WebhookCursor.name == CURSOR).with_for_update(skip_locked=True)
    row = session.scalar(stmt)
    if row is not None:
        return row
    if session.scalar(select(func.count()).select_from(WebhookCursor).where(WebhookCursor.name == CURSOR)):
        return None  # it exists and another collector holds it
    start = session.scalar(select(func.min(Webhook.from_event_id)).where(Webhook.deleted_at.is_(None)))
    if start is None:
        start = session.scalar(select(func.max(RequisitionEvent.id))) or 0
    try:
        with session.begin_nested():
            session.add(WebhookCursor(name=CURSOR, last_id=start))
    except IntegrityError:
        return None  # a concurrent collector created it
    return session.scalar(stmt)


def _live_hooks(session: Session) -> dict[Owner, list[Webhook]]:
    hooks: dict[Owner, list[Webhook]] = defaultdict(list)
    for hook in session.scalars(select(Webhook).where(Webhook.deleted_at.is_(None)).order_by(Webhook.id)):
        hooks[(hook.owner_role, hook.owner_code)].append(hook)
    return hooks


def _record(session: Session, name: str, owner: Owner, occurred_at: datetime, now: datetime, data: dict,
            hooks: list[Webhook], **source) -> WebhookEvent:
    event = WebhookEvent(name=name, owner_role=owner[0], owner_code=owner[1], occurred_at=occurred_at,
                         created_at=now, data=json.dumps(data, ensure_ascii=False, default=str), **source)
    session.add(event)
    session.flush()
    for hook in hooks:
        session.add(WebhookDelivery(id=new_delivery_id(), webhook_id=hook.id, event_id=event.id, status="pending",
                                    attempts=0, next_attempt_at=now, created_at=now))
    return event


def _subscribed(hooks: list[Webhook], name: str, ok=lambda hook: True) -> list[Webhook]:
    return [h for h in hooks if name in h.event_names and ok(h)]


# ---------------------------------------------------------------- requisition history

def _requisition_history(session: Session, cursor: WebhookCursor, hooks: dict[Owner, list[Webhook]],
                         now: datetime) -> int:
    high = session.scalar(select(func.max(RequisitionEvent.id))) or 0
    wanted = {owner: hs for owner, hs in hooks.items() if any(_requisition_names(h) for h in hs)}
    if not wanted:
        cursor.last_id = max(cursor.last_id, high)
        return 0
    dealers = [code for role, code in wanted if role == "dealer"]
    points = [code for role, code in wanted if role == "service_point"]
    low = max(cursor.last_id - LOOKBACK_IDS, min(h.from_event_id for hs in wanted.values() for h in hs), 0)
    rows = session.execute(
        select(RequisitionEvent.id, RequisitionEvent.kind, RequisitionEvent.at, RequisitionEvent.detail,
               Requisition.id, Requisition.requester_role, Requisition.dealer_code, Requisition.service_point_code)
        .join(Requisition, Requisition.id == RequisitionEvent.requisition_id)
        .where(RequisitionEvent.id > low, RequisitionEvent.id <= high, RequisitionEvent.kind.in_(KINDS),
               or_(and_(Requisition.requester_role == "dealer", Requisition.dealer_code.in_(dealers)),
                   and_(Requisition.requester_role == "service_point",
                        Requisition.service_point_code.in_(points))))
        .order_by(RequisitionEvent.id).limit(BATCH)).all()
    seen = set(session.scalars(select(WebhookEvent.requisition_event_id).where(
        WebhookEvent.requisition_event_id.in_([r[0] for r in rows])))) if rows else set()
    recorded = 0
    for event_id, kind, at, detail, req_id, role, dealer, point in rows:
        if event_id in seen:
            continue
        mapped = requisition_event(kind, json.loads(detail or "{}"), requisition_code(req_id), at)
        if mapped is None:
            continue
        owner = ("dealer", dealer) if role == "dealer" else ("service_point", point)
        targets = _subscribed(wanted.get(owner, []), mapped[0], lambda h: h.from_event_id < event_id)
        if targets:
            _record(session, mapped[0], owner, at, now, mapped[1], targets, requisition_event_id=event_id)
            recorded += 1
    cursor.last_id = max(cursor.last_id, rows[-1][0] if len(rows) == BATCH else high)
    return recorded


def _requisition_names(hook: Webhook) -> bool:
    return any(name.startswith(("requisition.", "backorder.")) for name in hook.event_names)


def requisition_event(kind: str, detail: dict, code: str, at: datetime) -> tuple[str, dict] | None:
    """The webhook event (name, data) a requisition history row stands for, if any."""
    base = {"requisition": code, "at": at.isoformat()}
    if kind == "submitted":
        allocations = [{"sku": s, "warehouse": w, "qty": q} for s, w, q in detail.get("allocations") or []]
        backordered = [{"sku": s, "qty": q} for s, q in (detail.get("backordered") or {}).items()]
        if backordered:
            status = "partially_backordered" if allocations else "backordered"
            return "requisition.backordered", {**base, "status": status, "backordered": backordered,
                                               "allocations": allocations}
        return "requisition.allocated", {**base, "status": "allocated", "allocations": allocations}
    if kind == "shipped":
        return "requisition.shipped", {**base, "parcels": [{"sku": s, "warehouse": w, "qty": q}
                                                         for s, w, q in detail.get("allocations") or []]}
    if kind == "received":
        return "requisition.delivered", {**base, "parcels": [{"sku": a[0], "warehouse": a[1], "qty": a[2],
                                                              "on_time": a[3] if len(a) > 3 else None}
                                                             for a in detail.get("allocations") or []]}
    if kind == "replanned":
        before, after = sum((detail.get("from") or {}).values()), sum((detail.get("to") or {}).values())
        if after > before:
            return "backorder.filled", {**base, "filled": [{"sku": detail.get("sku"), "qty": after - before}],
                                        "allocations": [{"sku": detail.get("sku"), "warehouse": w, "qty": q}
                                                        for w, q in sorted((detail.get("to") or {}).items())]}
        if after < before:
            return "requisition.backordered", {**base, "backordered": [{"sku": detail.get("sku"),
                                                                        "qty": before - after}]}
        return None
    if kind == "wrong_part" and detail.get("backordered"):
        return "requisition.backordered", {**base, "backordered": [{"sku": detail.get("sku"),
                                                                    "qty": detail["backordered"]}]}
    return None


# ---------------------------------------------------------------- returns past due

def _overdue_returns(session: Session, hooks: dict[Owner, list[Webhook]], now: datetime) -> int:
    rows = session.execute(
        select(Return.id, Return.dealer_code, Return.service_point_code, Return.requisition_id, Return.sku,
               Return.qty, Return.kind, Return.due_by)
        .where(Return.due_by.is_not(None), Return.due_by < now,
               or_(Return.status == "overdue", Return.status == "expected"),
               ~exists().where(WebhookEvent.return_id == Return.id))
        .order_by(Return.id).limit(BATCH)).all()
    for rid, dealer, point, req_id, sku, qty, kind, due_by in rows:
        owner = ("dealer", dealer) if dealer else ("service_point", point)
        data = {"return": return_code(rid), "requisition": requisition_code(req_id), "sku": sku, "qty": qty,
                "kind": kind, "due_by": due_by.isoformat()}
        targets = _subscribed(hooks.get(owner, []), "return.overdue", lambda h: h.created_at <= due_by)
        _record(session, "return.overdue", owner, due_by, now, data, targets, return_id=rid)
    return len(rows)


# ---------------------------------------------------------------- quota levels

def _quota_levels(session: Session, hooks: dict[Owner, list[Webhook]], now: datetime) -> int:
    period = period_of(now)
    marked = set(session.execute(select(WebhookEvent.quota_dealer, WebhookEvent.quota_level)
                                 .where(WebhookEvent.quota_period == period)).all())
    recorded = 0
    for account in session.scalars(select(QuotaAccount).where(QuotaAccount.period == period)
                                   .order_by(QuotaAccount.dealer_code)):
        total = account.credit_limit + account.extension + account.credited
        used = account.reserved + account.consumed
        if total <= 0:
            continue
        for level in QUOTA_LEVELS:
            if (account.dealer_code, level) in marked or used * 100 < total * level:
                continue
            owner = ("dealer", account.dealer_code)
            data = {"dealer": account.dealer_code, "period": period, "level": level, "exhausted": level == 100,
                    "limit": _money(total), "used": _money(used), "available": _money(account.available)}
            targets = _subscribed(hooks.get(owner, []), "quota.threshold", lambda h: h.created_at <= now)
            _record(session, "quota.threshold", owner, now, now, data, targets,
                    quota_dealer=account.dealer_code, quota_period=period, quota_level=level)
            recorded += 1
    return recorded


def _money(value: Decimal) -> str:
    return f"{value:.2f}"
