"""Send due deliveries: claim, sign, POST, record the outcome, retry with growing pauses.

Several workers (on several machines) may run this at once. A worker claims due rows in a
short transaction - `SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL, so two workers never
take the same row; SQLite has one writer at a time, which serialises the claim the same way -
and pushes their `next_attempt_at` past a lease, then commits before any network I/O. No lock
is held while a receiver is slow. Only the holder of a row's claim records its outcome; a
worker that dies mid-send leaves the row to be retried once the lease has passed.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

import requests
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..db import transaction, utcnow
from .models import Webhook, WebhookAttempt, WebhookDelivery
from .service import new_delivery_id

USER_AGENT = "parts-webhooks/1"
MAX_ERROR = 300


@dataclass(frozen=True)
class Settings:
    """How deliveries are sent; the app fills it from config (`WEBHOOKS_*`)."""

    timeout: float = 10.0
    allow_private: bool = False
    max_attempts: int = 10
    first_retry: float = 30.0  # seconds; the contract promises the first retry within 60 s
    backoff_factor: float = 3.0
    max_pause: float = 6 * 3600.0
    batch: int = 20
    threads: int = 8

    @property
    def lease(self) -> timedelta:
        """How long a claimed row is left to its worker before another may take it: far beyond
        a send's timeouts (a receiver trickling its answer resets the read timeout), so a row is
        sent again only when its worker really died."""
        return timedelta(seconds=max(600.0, 20 * self.timeout))

    def pause(self, attempts: int) -> timedelta:
        """The pause after the `attempts`-th failed attempt: 30 s, 90 s, 4.5 min, ... capped."""
        return timedelta(seconds=min(self.max_pause, self.first_retry * self.backoff_factor ** (attempts - 1)))


@dataclass(frozen=True)
class Claimed:
    webhook_id: int
    delivery_id: str
    claim: str
    url: str
    secret: str
    event: str
    body: bytes


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def payload(delivery: WebhookDelivery) -> bytes:
    """The body of a delivery: the same bytes on every retry (its id included)."""
    event = delivery.event
    body = {"id": delivery.id, "event": event.name, "created_at": event.occurred_at.isoformat(),
            "data": json.loads(event.data)}
    if delivery.replay_of:
        body["replay_of"] = delivery.replay_of
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`Parts-Signature`: HMAC-SHA256 with the secret over `timestamp + "." + raw body`, in hex."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def claim_due(session: Session, now: datetime, settings: Settings) -> list[Claimed]:
    """Take up to `batch` due deliveries for this worker. Caller owns the (short) transaction."""
    rows = session.scalars(
        select(WebhookDelivery).join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now,
               Webhook.deleted_at.is_(None))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.event_id, WebhookDelivery.id).limit(settings.batch)
        .with_for_update(of=WebhookDelivery, skip_locked=True)
        .execution_options(populate_existing=True)).unique().all()
    claimed = []
    for delivery in rows:
        hook = session.get(Webhook, delivery.webhook_id)
        delivery.claim = new_delivery_id()
        delivery.next_attempt_at = now + settings.lease
        claimed.append(Claimed(hook.id, delivery.id, delivery.claim, hook.url, hook.secret, delivery.event.name,
                               payload(delivery)))
    session.flush()
    return claimed


def post(item: Claimed, settings: Settings, clock: Callable[[], float] = time.time) -> Outcome:
    """One signed POST; never raises. Redirects are not followed (a 3xx is a failed attempt)."""
    from .net import guarded_session

    timestamp = str(int(clock()))
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, "Parts-Timestamp": timestamp,
               "Parts-Signature": signature(item.secret, timestamp, item.body), "Parts-Event": item.event,
               "Parts-Delivery": item.delivery_id}
    started = time.monotonic()
    status, error = None, None
    try:
        with guarded_session(allow_private=settings.allow_private) as http:
            response = http.post(item.url, data=item.body, headers=headers, timeout=settings.timeout,
                                 allow_redirects=False, stream=True)
            status = response.status_code
            response.close()  # the answer's body is not read: a receiver cannot make us download much
            if not 200 <= status < 300:
                error = f"HTTP {status}" + (" (redirects are not followed)" if 300 <= status < 400 else "")
    except requests.Timeout:
        error = f"timeout after {settings.timeout:g} s"
    except requests.RequestException as exc:
        error = _describe(exc)
    except Exception as exc:  # noqa: BLE001 - a receiver must never crash the worker
        error = f"{type(exc).__name__}: {exc}"
    return Outcome(status, error[:MAX_ERROR] if error else None, int((time.monotonic() - started) * 1000))


def _describe(exc: Exception) -> str:
    """A short reason: an address refused by the SSRF rule says so; others name the failure."""
    from .net import Refused

    reason = exc.args[0] if exc.args else exc
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the real failure
    cause = getattr(reason, "__cause__", None)
    if isinstance(cause, Refused):
        return f"refused: {cause}"
    return f"{type(exc).__name__}: {reason}"


def release(session: Session, item: Claimed, now: datetime) -> None:
    """Give back a claimed row that was not attempted (its receiver just failed): due again now."""
    session.execute(update(WebhookDelivery).where(WebhookDelivery.id == item.delivery_id,
                                                  WebhookDelivery.claim == item.claim)
                    .values(claim=None, next_attempt_at=now))


def record(session: Session, item: Claimed, outcome: Outcome, now: datetime, settings: Settings) -> str | None:
    """Write one attempt and the delivery's next state; None when the claim was lost (the lease
    ran out and another worker took the row: its outcome counts, not this one)."""
    delivery = session.scalar(select(WebhookDelivery).where(WebhookDelivery.id == item.delivery_id)
                              .with_for_update().execution_options(populate_existing=True))
    if delivery is None or delivery.claim != item.claim or delivery.status != "pending":
        return None
    delivery.attempts += 1
    delivery.claim = None
    delivery.last_attempt_at, delivery.last_status_code, delivery.last_error = now, outcome.status_code, outcome.error
    session.add(WebhookAttempt(delivery_id=delivery.id, number=delivery.attempts, at=now,
                               status_code=outcome.status_code, error=outcome.error, duration_ms=outcome.duration_ms))
    if outcome.ok:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
    elif delivery.attempts >= settings.max_attempts:
        delivery.status, delivery.next_attempt_at = "failed", None
    else:
        delivery.next_attempt_at = now + settings.pause(delivery.attempts)
    return delivery.status


def _send_in_order(items: list[Claimed], settings: Settings) -> list[tuple[Claimed, Outcome | None]]:
    """One webhook's deliveries, oldest event first; after a failure the rest wait (None): a
    dead receiver costs one timeout per round, not one per event."""
    results: list[tuple[Claimed, Outcome | None]] = []
    failed = False
    for item in items:
        outcome = None if failed else post(item, settings)
        failed = failed or not outcome.ok
        results.append((item, outcome))
    return results


def send_due(session: Session, settings: Settings, *, now: Callable[[], datetime] = utcnow,
             budget_seconds: float = 45.0) -> dict[str, int]:
    """Claim and send batches until nothing is due or the time budget is spent. Receivers are
    called in parallel; each receiver's deliveries in order, one at a time."""
    counts = {"delivered": 0, "retrying": 0, "failed": 0}
    deadline = time.monotonic() + budget_seconds
    with ThreadPoolExecutor(max_workers=settings.threads, thread_name_prefix="webhook") as pool:
        while time.monotonic() < deadline:
            with transaction(session):
                batch = claim_due(session, now(), settings)
            if not batch:
                break
            groups: dict[int, list[Claimed]] = {}
            for item in batch:
                groups.setdefault(item.webhook_id, []).append(item)
            results = [r for group in pool.map(lambda g: _send_in_order(g, settings), groups.values()) for r in group]
            with transaction(session):
                for item, outcome in results:
                    if outcome is None:
                        release(session, item, now())
                        continue
                    status = record(session, item, outcome, now(), settings)
                    if status is not None:
                        counts["retrying" if status == "pending" else status] += 1
            if any(outcome is None for _, outcome in results):
                break  # released rows are due again at once: leave them to the next round
    return counts
